import { httpHandler, messagingLimitReadDepsFromEnvironment } from '#shared/composition.js';
import { parseRequest } from '#shared/contracts/http/contacts/parse-request.js';
import { MessagingLimitPathSchema } from '#shared/contracts/http/standing/requests.js';
import { json, type HttpEvent, type HttpResult } from '#shared/middleware/http.js';
import { getMessagingLimit, type MessagingLimitReadDeps } from '#shared/usecases/read-standing.js';

/**
 * GET /accounts/{businessAccountId}/messaging-limit: the business portfolio's tier in force and its source, the
 * limit, unique users counted in the moving 24 h, what is left, the 80 % mark and when counted users leave the window.
 */
export function createGetMessagingLimit(deps: MessagingLimitReadDeps) {
  return async (event: HttpEvent): Promise<HttpResult> => {
    const { businessAccountId } = parseRequest(MessagingLimitPathSchema, event.pathParameters ?? {});
    return json(200, await getMessagingLimit(businessAccountId, deps));
  };
}

export const handler = httpHandler(() => createGetMessagingLimit(messagingLimitReadDepsFromEnvironment()));
