import { PublishError, type EventPublisher } from '../ports/event-publisher.js';
import { MAX_WEBHOOK_BODY_BYTES, WebhookPayloadSchema } from '../contracts/whatsapp/webhook.js';
import { normaliseWebhook } from '../domain/ingestion/normalise-webhook.js';
import { parseWebhookJson } from '../domain/ingestion/webhook-json.js';
import { verifyWebhookSignature } from '../domain/ingestion/webhook-signature.js';
import { BadRequestError, DependencyError, PayloadTooLargeError, UnauthorizedError, describeIssues } from '../errors.js';

export interface IngestWebhookInput {
  /** The body exactly as received, before any decoding into text or JSON. */
  readonly rawBody: Uint8Array;
  readonly signatureHeader: string | undefined;
}

export interface IngestWebhookDeps {
  readonly appSecrets: () => Promise<readonly string[]>;
  readonly publisher: EventPublisher;
  readonly now: () => number;
}

const BAD_BODY_CODES = { not_utf8: 'invalid_encoding', too_deep: 'too_deep', invalid_json: 'invalid_json' } as const;

export interface IngestWebhookResult {
  readonly published: number;
  readonly unrecognised: number;
}

/**
 * Receives one Meta webhook delivery.
 * 1. Refuse bodies over Meta's 3 MB.
 * 2. Check `X-Hub-Signature-256` on the raw bytes, before any parsing.
 * 3. Decode strictly (UTF-8, nesting depth, integers above 2^53 kept exact) and validate the envelope: a body
 *    that is not UTF-8, nests too deep, is not JSON or is not a webhook is a 400 naming the problem.
 * 4. Normalise every update into a domain event with a deterministic id.
 * 5. Put them all on the bus; only then is the delivery acknowledged (else 503, and Meta retries).
 */
export async function ingestWebhook(input: IngestWebhookInput, deps: IngestWebhookDeps): Promise<IngestWebhookResult> {
  if (input.rawBody.byteLength > MAX_WEBHOOK_BODY_BYTES) {
    throw new PayloadTooLargeError(`body is ${input.rawBody.byteLength} bytes; the limit is ${MAX_WEBHOOK_BODY_BYTES}`);
  }

  const verdict = verifyWebhookSignature(input.rawBody, input.signatureHeader, await deps.appSecrets());
  if (verdict === 'missing') throw new UnauthorizedError('signature_missing', 'X-Hub-Signature-256 header is missing');
  if (verdict === 'malformed') throw new UnauthorizedError('signature_malformed', 'X-Hub-Signature-256 must be "sha256=" followed by 64 hex digits');
  if (verdict === 'mismatch') throw new UnauthorizedError('signature_mismatch', 'X-Hub-Signature-256 does not match the body');

  const decoded = parseWebhookJson(input.rawBody);
  if (!decoded.ok) throw new BadRequestError(BAD_BODY_CODES[decoded.problem], decoded.message);
  const parsed = WebhookPayloadSchema.safeParse(decoded.value);
  if (!parsed.success) {
    throw new BadRequestError('invalid_payload', 'body is not a WhatsApp Business Account webhook', describeIssues(parsed.error.issues));
  }

  const events = normaliseWebhook(parsed.data, deps.now());
  try {
    await deps.publisher.publish(events);
  } catch (error) {
    if (error instanceof PublishError) throw new DependencyError('publish_failed', error.message);
    throw error;
  }
  return { published: events.length, unrecognised: events.filter((e) => e.detailType === 'WebhookUpdateUnrecognised').length };
}
