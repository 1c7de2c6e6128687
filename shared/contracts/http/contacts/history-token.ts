/**
 * The opaque `nextToken` of GET contact's consent history: the position after which the next page starts.
 * Positions travel as base64url so they survive any query-string handling.
 */

/** The token a page returns for the position `after` (where the store's page of consent records ended). */
export function encodeHistoryToken(after: string): string {
  return Buffer.from(after, 'utf8').toString('base64url');
}

/** The position a token names, or undefined when it is not a token this API returned. */
export function decodeHistoryToken(token: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,2048}$/.test(token)) return undefined;
  const after = Buffer.from(token, 'base64url').toString('utf8');
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#.+$/.test(after) ? after : undefined;
}
