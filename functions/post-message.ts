import { httpHandler, requestSendDepsFromEnvironment } from '#shared/composition.js';
import { json, parseJsonBody, rawBody, type HttpEvent, type HttpResult } from '#shared/middleware/http.js';
import { requestSend, type RequestSendDeps } from '#shared/usecases/request-send.js';

const STATUS_BY_REASON: Record<string, number> = { invalid_request: 400, duplicate: 409 };

/**
 * POST /messages: the same request as a `SendRequested` event, over the IAM-authenticated HTTP API.
 * 202 with the message id when accepted (the outcome follows as events); 400 invalid request, 409 an
 * idempotency key reused with another body, 422 refused by policy — each with the stable reason code.
 */
export function createPostMessage(deps: RequestSendDeps) {
  return async (event: HttpEvent): Promise<HttpResult> => {
    const body = parseJsonBody(rawBody(event).toString('utf8'));
    const context = event.requestContext as { authorizer?: { iam?: { userArn?: string } } };
    // The IAM caller is the requester: its idempotency keys never collide with another service's.
    const caller = context.authorizer?.iam?.userArn ?? 'http-api';
    const result = await requestSend(body, caller, deps);
    if (result.decision === 'accepted') return json(202, { messageId: result.messageId, decision: 'accepted', duplicate: result.duplicate });
    if (result.decision === 'deferred') throw new Error('the HTTP API never defers');
    return json(STATUS_BY_REASON[result.reason] ?? 422, {
      decision: 'rejected',
      ...(result.messageId !== undefined ? { messageId: result.messageId } : {}),
      error: { code: result.reason, message: result.message, ...(result.issues !== undefined ? { details: result.issues } : {}) },
    });
  };
}

export const handler = httpHandler(() => createPostMessage(requestSendDepsFromEnvironment()));
