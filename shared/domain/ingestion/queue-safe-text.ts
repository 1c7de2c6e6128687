/**
 * Characters an event must not carry if it is to reach its consumers. EventBridge delivers to SQS queues,
 * and SQS accepts only `#x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF` in a message body
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html, MessageBody):
 * a lone surrogate, U+FFFE, U+FFFF or a C0 control character other than tab, line feed and carriage return
 * makes the whole delivery fail, on AWS as locally.
 *
 * Decision: ingestion replaces each such character in the texts it publishes with U+FFFD (the Unicode
 * replacement character) and counts the replacements in the event (`repairedCharacters`), so the event
 * still reaches every consumer and nobody mistakes the repaired text for what the user typed. Identifiers are
 * never repaired: an id holding such a character is refused (see `isQueueSafeId`).
 */

// With the `u` flag a lone surrogate is one code point and matches; a valid pair is one astral code point.
const NOT_QUEUE_SAFE = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const NOT_QUEUE_SAFE_TEST = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export const REPLACEMENT_CHARACTER = '\uFFFD';

/** True when `text` holds only characters SQS accepts. */
export function isQueueSafe(text: string): boolean {
  return !NOT_QUEUE_SAFE_TEST.test(text);
}

/** `text` with every character SQS refuses replaced by U+FFFD, and how many were replaced. */
export function repairText(text: string): { readonly text: string; readonly replaced: number } {
  if (isQueueSafe(text)) return { text, replaced: 0 };
  let replaced = 0;
  const repaired = text.replace(NOT_QUEUE_SAFE, () => {
    replaced++;
    return REPLACEMENT_CHARACTER;
  });
  return { text: repaired, replaced };
}

/**
 * A deep copy of a JSON value with every string (object keys included) repaired, and the total count.
 * Returns the same value, untouched, when nothing needed repair. Keys that collide after repair keep the last value.
 */
export function repairJson<T>(value: T): { readonly value: T; readonly replaced: number } {
  // Almost every value needs no repair: scan without copying first (the copy was the largest share of a
  // 10,000-update body's normalisation in test/bench/ingest-scale.ts).
  if (isQueueSafeJson(value)) return { value, replaced: 0 };
  let replaced = 0;
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const r = repairText(v);
      replaced += r.replaced;
      return r.text;
    }
    if (Array.isArray(v)) return v.map(visit);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(v)) {
        const k = repairText(key);
        replaced += k.replaced;
        // defineProperty, not assignment: a "__proto__" key from JSON.parse must stay an own property.
        Object.defineProperty(out, k.text, { value: visit(inner), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return v;
  };
  const repaired = visit(value);
  return replaced === 0 ? { value, replaced: 0 } : { value: repaired as T, replaced };
}

/** True when every string in a JSON value, object keys included, holds only characters SQS accepts. */
function isQueueSafeJson(v: unknown): boolean {
  if (typeof v === 'string') return isQueueSafe(v);
  if (Array.isArray(v)) return v.every(isQueueSafeJson);
  if (v !== null && typeof v === 'object') {
    for (const key in v) {
      if (!Object.hasOwn(v, key)) continue;
      if (!isQueueSafe(key) || !isQueueSafeJson((v as Record<string, unknown>)[key])) return false;
    }
  }
  return true;
}
