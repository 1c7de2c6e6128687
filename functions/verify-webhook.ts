import { httpHandler } from '#shared/composition.js';
import { timingSafeEqual } from 'node:crypto';
import { secretsManagerClient } from '#shared/adapters/aws-clients.js';
import { createSecretProvider } from '#shared/adapters/secrets.js';
import { loadVerifyWebhookConfig } from '#shared/config.js';
import { BadRequestError, ForbiddenError } from '#shared/errors.js';
import { logger } from '#shared/logger.js';
import { type HttpEvent, type HttpResult } from '#shared/middleware/http.js';

/** Meta's challenge is a number; anything else is refused rather than echoed back. */
const CHALLENGE_PATTERN = /^[A-Za-z0-9_.-]{1,256}$/;

/**
 * GET /webhook: Meta's subscription handshake. Answers the raw `hub.challenge` with 200 when `hub.mode` is
 * `subscribe` and `hub.verify_token` matches; 400 for a malformed request, 403 for a wrong token.
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/create-webhook-endpoint
 */
export function createVerifyWebhook(deps: { verifyToken: () => Promise<string> }) {
  return async (event: HttpEvent): Promise<HttpResult> => {
    const query = event.queryStringParameters ?? {};
    const mode = query['hub.mode'];
    const token = query['hub.verify_token'];
    const challenge = query['hub.challenge'];
    const missing = [['hub.mode', mode], ['hub.verify_token', token], ['hub.challenge', challenge]].filter(([, v]) => v === undefined || v === '');
    if (missing.length > 0) {
      throw new BadRequestError('missing_parameter', `missing query parameter(s): ${missing.map(([k]) => k).join(', ')}`);
    }
    if (mode !== 'subscribe') throw new BadRequestError('unsupported_mode', 'hub.mode must be "subscribe"');
    if (!CHALLENGE_PATTERN.test(challenge!)) throw new BadRequestError('invalid_challenge', 'hub.challenge must be 1-256 letters, digits, "_", "." or "-"');
    if (!sameSecret(token!, await deps.verifyToken())) throw new ForbiddenError('verify_token_mismatch', 'hub.verify_token does not match');
    logger.info('webhook subscription verified');
    return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: challenge! };
  };
}

function sameSecret(received: string, expected: string): boolean {
  const a = Buffer.from(received, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export const handler = httpHandler(() => {
  const config = loadVerifyWebhookConfig(process.env);
  const secrets = createSecretProvider({ client: secretsManagerClient });
  return createVerifyWebhook({ verifyToken: () => secrets.get(config.verifyToken) });
});
