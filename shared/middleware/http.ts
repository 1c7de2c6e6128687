import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { RelaisError } from '../errors.js';
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
        request.response = json(error.statusCode, { error: { code: error.code, message: error.message, details: error.details } });
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
