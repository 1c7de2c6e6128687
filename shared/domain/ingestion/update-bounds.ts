import { isQueueSafe } from './queue-safe-text.js';

/**
 * Bounds ingestion applies to the fields a decision depends on (timestamps and identifiers), so that an
 * update either becomes an event every consumer and table can take, or is published as unrecognised with
 * the problem named. Pure; the receipt time is passed in.
 */

/** 2009-01-01T00:00:00Z: WhatsApp did not exist before, so no genuine update is older. */
export const EARLIEST_UPDATE_SECONDS = 1_230_768_000;

/**
 * How far ahead of our receipt a timestamp may be: Meta stamps updates when they happen, so only clock skew
 * puts them in the future. Seven days is generous for skew and keeps every accepted time a valid `Date`
 * (and a four-digit ISO year) far into the future.
 */
export const MAX_FUTURE_SKEW_SECONDS = 7 * 24 * 3600;

/** Why a timestamp is refused, or `undefined` when it lies in `[2009-01-01, receivedAt + 7 days]`. */
export function timestampProblem(seconds: number, receivedAtMs: number): string | undefined {
  if (!Number.isSafeInteger(seconds)) return 'timestamp must be whole unix seconds';
  if (seconds < EARLIEST_UPDATE_SECONDS) return 'timestamp is before 2009-01-01';
  if (seconds > Math.floor(receivedAtMs / 1000) + MAX_FUTURE_SKEW_SECONDS) return 'timestamp is more than 7 days after receipt';
  return undefined;
}

/**
 * Longest identifier ingestion accepts (wamids, user ids, phone numbers, Graph ids). Meta's are under 100
 * characters; consumers compose keys from several of them (`contact#<number>#<user>`, `<wamid>:<status>`),
 * and DynamoDB refuses a partition key over 2,048 bytes
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-partition-sort-keys).
 * 256 characters of at most 4 UTF-8 bytes each keeps any key of two ids and a prefix under that limit.
 */
export const MAX_ID_LENGTH = 256;

/** Why `id` cannot be used as an identifier, or `undefined` when it can. */
export function idProblem(id: string): string | undefined {
  if (id.length === 0) return 'must not be empty';
  if (id.length > MAX_ID_LENGTH) return `must be at most ${MAX_ID_LENGTH} characters`;
  if (!isQueueSafe(id)) return 'must not contain lone surrogates, U+FFFE, U+FFFF or control characters';
  if (id.trim() !== id) return 'must not start or end with white space';
  return undefined;
}
