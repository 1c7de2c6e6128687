/**
 * Decoding a webhook body into JSON without the three ways `JSON.parse` alone fails on real input:
 * bytes that are not UTF-8, integers above 2^53 that lose precision, and nesting deep enough to overflow the
 * stack of whatever walks the result. Pure: bytes in, a value or a named problem out.
 */

/**
 * Deepest nesting (objects and arrays) a webhook body may have. Meta's deepest documented payloads
 * (template components, flows, interactive replies) stay under 15 levels; 64 leaves room for fields Meta adds.
 */
export const MAX_WEBHOOK_JSON_DEPTH = 64;

export type WebhookJsonResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly problem: 'not_utf8' | 'too_deep' | 'invalid_json'; readonly message: string };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Decodes `bytes` as UTF-8 (strictly: a malformed sequence is a problem, not a U+FFFD), checks the nesting
 * depth, then parses. Integer literals outside `Number.MIN_SAFE_INTEGER..MAX_SAFE_INTEGER` are kept exactly,
 * as strings: Graph ids (WABA, phone number, template ids) are numbers in some payloads and may exceed 2^53.
 */
export function parseWebhookJson(bytes: Uint8Array, maxDepth: number = MAX_WEBHOOK_JSON_DEPTH): WebhookJsonResult {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, problem: 'not_utf8', message: 'body is not valid UTF-8' };
  }
  const scanned = scan(text, maxDepth);
  if (scanned.tooDeep) return { ok: false, problem: 'too_deep', message: `body nests deeper than ${maxDepth} levels of objects and arrays` };
  try {
    return { ok: true, value: JSON.parse(scanned.text) };
  } catch {
    return { ok: false, problem: 'invalid_json', message: 'body is not valid JSON' };
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
/** 2^53 has 16 digits: shorter integer literals are always exact. */
const SAFE_DIGITS = 15;

/**
 * One pass over the text outside strings: tracks depth and wraps unsafe integer literals in quotes. Only
 * integer literals (no `.`, `e`) are rewritten; anything malformed is left for `JSON.parse` to refuse.
 */
function scan(text: string, maxDepth: number): { text: string; tooDeep: boolean } {
  let depth = 0;
  let inString = false;
  let out: string[] | undefined;
  let copiedUpTo = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c === QUOTE) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return { text, tooDeep: true };
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
      let j = c === MINUS ? i + 1 : i;
      const digitsStart = j;
      while (j < n && text.charCodeAt(j) >= ZERO && text.charCodeAt(j) <= NINE) j++;
      const next = j < n ? text.charCodeAt(j) : -1;
      // A JSON integer has no leading zero: `0123…` stays as written, for JSON.parse to refuse.
      const isInteger = next !== 0x2e && next !== 0x65 && next !== 0x45 && text.charCodeAt(digitsStart) !== ZERO;
      if (isInteger && j - digitsStart > SAFE_DIGITS && !Number.isSafeInteger(Number(text.slice(i, j)))) {
        out ??= [];
        out.push(text.slice(copiedUpTo, i), '"', text.slice(i, j), '"');
        copiedUpTo = j;
      }
      i = j - 1;
    }
  }
  if (out === undefined) return { text, tooDeep: false };
  out.push(text.slice(copiedUpTo));
  return { text: out.join(''), tooDeep: false };
}
