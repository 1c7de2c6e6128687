import { httpHandler, standingReadDepsFromEnvironment } from '#shared/composition.js';
import { parseRequest } from '#shared/contracts/http/contacts/parse-request.js';
import { MessagePathSchema } from '#shared/contracts/http/standing/requests.js';
import { json, type HttpEvent, type HttpResult } from '#shared/middleware/http.js';
import { getMessage } from '#shared/usecases/read-standing.js';
import type { MessageStore } from '#shared/ports/message-store.js';

/**
 * GET /messages/{messageId}: a message as Relais holds it (status, lane, category, template, attempts, wamid) and, for
 * one refused, failed or held back, the reason and the fact behind it (`rejection`, `failureReason`, `deferral`). 404
 * when unknown.
 */
export function createGetMessage(deps: { readonly messages: Pick<MessageStore, 'get'> }) {
  return async (event: HttpEvent): Promise<HttpResult> => {
    const { messageId } = parseRequest(MessagePathSchema, event.pathParameters ?? {});
    return json(200, await getMessage(messageId, deps));
  };
}

export const handler = httpHandler(() => createGetMessage(standingReadDepsFromEnvironment()));
