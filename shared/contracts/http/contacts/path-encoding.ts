/**
 * Percent-decoding of the Contacts API's path parameters (RFC 3986 section 2.1,
 * https://www.rfc-editor.org/rfc/rfc3986#section-2.1), so a malformed escape answers 400 instead of throwing.
 */

/** Why a path parameter could not be percent-decoded (it names the rule, not the value). */
export const MALFORMED_PERCENT_ENCODING = 'has a malformed %-escape: each % must start %XX hex escapes that together form UTF-8';

/**
 * A path parameter percent-decoded, or undefined when its escapes are malformed (`%E0%A4%A`, a lone `%`,
 * bytes that are not UTF-8). API Gateway's HTTP APIs hand path parameters over decoded, other front ends
 * may not; no contact reference holds a `%` of its own, so decoding one that has none changes nothing.
 */
export function percentDecoded(value: string): string | undefined {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
