import { isUtf8 } from 'node:buffer';
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { BadRequestError, RelaisError, RetryLaterError } from '../errors.js';
import { logger } from '../logger.js';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** JSON response helper: every body Relais returns over HTTP is JSON except the webhook challenge echo. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** Case-insensitive header lookup (API Gateway lowercases names; the local server does too). */
export function header(event: HttpEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** The request body as bytes, exactly as the client sent them (API Gateway may base64 them). */
export function rawBody(event: HttpEvent): Buffer {
  if (event.body === undefined || event.body === null) return Buffer.alloc(0);
  return Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
}

/**
 * Where `bytes` stop being UTF-8: the offset of the first byte of the first malformed sequence (overlong forms,
 * surrogates, code points above U+10FFFF and truncated sequences included, as `TextDecoder`'s fatal mode judges
 * them, https://encoding.spec.whatwg.org/#utf-8-decoder) and its 1-based line; undefined when all of it is UTF-8.
 */
export function firstInvalidUtf8(bytes: Uint8Array): { readonly offset: number; readonly line: number } | undefined {
  if (isUtf8(bytes)) return undefined;
  let line = 1;
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      if (lead === 0x0a) line++;
      i++;
      continue;
    }
    const more = lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : 0;
    // The second byte's range excludes overlong forms (E0, F0), surrogates (ED) and code points above U+10FFFF (F4).
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    const second = bytes[i + 1];
    if (more === 0 || second === undefined || second < low || second > high) return { offset: i, line };
    for (let k = 2; k <= more; k++) {
      const next = bytes[i + k];
      if (next === undefined || (next & 0xc0) !== 0x80) return { offset: i, line };
    }
    i += more + 1;
  }
  return { offset: bytes.length, line };
}

/**
 * The request body as text, refusing with a 400 `invalid_encoding` a body that is not UTF-8 and naming the byte
 * offset and line where it stops being UTF-8, instead of reading it with U+FFFD replacement characters.
 */
export function utf8Body(event: HttpEvent, what = 'the body'): string {
  const bytes = rawBody(event);
  const invalid = firstInvalidUtf8(bytes);
  if (invalid !== undefined) {
    throw new BadRequestError('invalid_encoding', `${what} is not valid UTF-8: malformed byte sequence at byte offset ${invalid.offset} (line ${invalid.line})`);
  }
  return bytes.toString('utf8');
}

/** Deepest nesting of arrays and objects a JSON request body may have; Relais's own requests need under 10. */
export const MAX_JSON_BODY_DEPTH = 64;

/**
 * Parses a JSON request body, refusing with a 400 a body that is not JSON (`invalid_json`) or that nests
 * deeper than `maxDepth` (`body_too_deep`), measured on the text before parsing, so that no recursive code
 * (validation, hashing, logging) ever meets a value deep enough to overflow the stack. An empty (or blank) body
 * reads as `{}` when `emptyIsObject`, and is otherwise refused as `invalid_request` naming the missing body.
 */
export function parseJsonBody(text: string, { maxDepth = MAX_JSON_BODY_DEPTH, emptyIsObject = false }: { maxDepth?: number; emptyIsObject?: boolean } = {}): unknown {
  if (text.trim() === '') {
    if (emptyIsObject) return {};
    throw new BadRequestError('invalid_request', 'invalid request: (body): is required (a JSON object)');
  }
  if (jsonTextDepth(text, maxDepth) > maxDepth) {
    throw new BadRequestError('body_too_deep', `body nests arrays or objects deeper than ${maxDepth} levels`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequestError('invalid_json', 'body is not valid JSON');
  }
}

/** Deepest `[`/`{` nesting of JSON text outside strings, counting up to `stopAbove + 1`. */
function jsonTextDepth(text: string, stopAbove: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > stopAbove) return deepest;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/**
 * Maps errors to responses. A {@link RelaisError} that may be exposed (4xx) answers its code, message and
 * details; anything else answers a generic body. Logs carry the error's name and message, never a stack
 * trace, a body or a secret.
 */
export function httpErrors(): middy.MiddlewareObj<HttpEvent, HttpResult, Error, Context> {
  return {
    before: (request) => {
      logger.addContext(request.context);
      logger.appendKeys({ requestId: request.event.requestContext?.requestId });
    },
    after: () => {
      logger.resetKeys();
    },
    onError: (request) => {
      const error = request.error;
      if (error instanceof RelaisError && error.expose) {
        logger.warn('request refused', { status: error.statusCode, code: error.code });
        const retry = error instanceof RetryLaterError && error.retryAfterSeconds !== undefined ? { 'retry-after': String(error.retryAfterSeconds) } : undefined;
        request.response = json(error.statusCode, { error: { code: error.code, message: error.message, details: error.details } }, retry);
      } else if (error instanceof RelaisError) {
        logger.error('request failed', { status: error.statusCode, code: error.code, errorMessage: error.message });
        request.response = json(error.statusCode, { error: { code: 'unavailable', message: 'temporarily unavailable; retry later' } });
      } else {
        logger.error('unexpected error', { errorName: error?.name, errorMessage: error?.message });
        request.response = json(500, { error: { code: 'internal_error', message: 'internal error' } });
      }
      logger.resetKeys();
    },
  };
}
