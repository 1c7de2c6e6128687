import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureVerdict = 'valid' | 'missing' | 'malformed' | 'mismatch';

const HEADER_PATTERN = /^sha256=([0-9a-f]{64})$/i;

/**
 * Checks Meta's `X-Hub-Signature-256` header: `sha256=` + hex HMAC-SHA256 of the raw body bytes, keyed with
 * the app secret, compared in constant time. Runs before any parsing: the body is only bytes here.
 * Several secrets may be given while an app secret is being rotated; any one matching is enough.
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/create-webhook-endpoint
 */
export function verifyWebhookSignature(rawBody: Uint8Array, header: string | undefined, appSecrets: readonly string[]): SignatureVerdict {
  if (header === undefined || header.trim() === '') return 'missing';
  const match = HEADER_PATTERN.exec(header.trim());
  if (match?.[1] === undefined) return 'malformed';
  const received = Buffer.from(match[1], 'hex');
  let valid = false;
  for (const secret of appSecrets) {
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    // Every secret is checked, so timing does not reveal which one matched.
    if (timingSafeEqual(expected, received)) valid = true;
  }
  return valid ? 'valid' : 'mismatch';
}

/** The header value Meta would send for this body: used by the sandbox and by tests. */
export function signWebhookBody(rawBody: Uint8Array | string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}
