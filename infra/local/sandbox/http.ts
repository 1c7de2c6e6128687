import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Graph refuses bodies beyond a few MB; the sandbox caps what it buffers. */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  constructor() {
    super(`request body larger than ${MAX_REQUEST_BYTES} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_REQUEST_BYTES) throw new BodyTooLargeError();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

export type JsonParse = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly text: string };

export function parseJson(raw: Buffer): JsonParse {
  const text = raw.toString('utf8');
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, text };
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

// A per-process nonce, so no string a test sends (a customer's text) can pass for the marker.
const RAW_INTEGER_NONCE = randomBytes(8).toString('hex');
const RAW_INTEGER_MARK = `\u0000json-integer-${RAW_INTEGER_NONCE}:`;
const RAW_INTEGER_TOKEN = new RegExp(`"\\\\u0000json-integer-${RAW_INTEGER_NONCE}:(\\d+)"`, 'g');

/**
 * An integer written into JSON as its exact digits, however large: Meta sends Graph ids such as
 * `message_template_id` as JSON numbers, and they may exceed 2^53, which a JS number cannot hold
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/message_template_status_update).
 * Only `metaJson` writes the digits; plain `JSON.stringify` writes a marker string.
 */
export class JsonInteger {
  readonly digits: string;

  constructor(digits: string) {
    if (!/^(0|[1-9]\d*)$/.test(digits)) throw new Error(`not an integer: ${digits}`);
    this.digits = digits;
  }

  toJSON(): string {
    return `${RAW_INTEGER_MARK}${this.digits}`;
  }
}

/**
 * JSON as Meta's webhooks serialise it: non-ASCII characters as `\uXXXX` escapes and `/` as `\/`. A receiver
 * that re-serialises the parsed body instead of signing the raw bytes gets a different signature on any
 * emoji or accented letter, which is the mistake this catches. A `JsonInteger` becomes its bare digits.
 */
export function metaJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(RAW_INTEGER_TOKEN, (_token, digits: string) => digits)
    .replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/\//g, '\\/');
}
