import { httpHandler, manageTemplatesDepsFromEnvironment } from '#shared/composition.js';
import { iamActor } from '#shared/contracts/http/contacts/iam-caller.js';
import { parseRequest } from '#shared/contracts/http/contacts/parse-request.js';
import { AccountTemplatesPathSchema, MAX_CREATION_BODY_BYTES } from '#shared/contracts/http/templates/requests.js';
import { templateView } from '#shared/contracts/http/templates/views.js';
import { PayloadTooLargeError } from '#shared/errors.js';
import { logger } from '#shared/logger.js';
import { json, parseJsonBody, rawBody, utf8Body, type HttpEvent, type HttpResult } from '#shared/middleware/http.js';
import { createTemplate, type ManageTemplatesDeps } from '#shared/usecases/manage-templates.js';

/**
 * POST /accounts/{businessAccountId}/templates with Meta's creation body (`name`, `language`, `category`,
 * `parameter_format`, `components`): 422 naming every problem by path; otherwise submitted to Meta and recorded
 * as Meta answered (PENDING until Meta's review). 201 `{ template, meta }`; 409 for a name that exists in that
 * language (a repeat answers the same); Meta's other refusals 4xx naming its code; Meta down 502/503 with Retry-After.
 */
export function createCreateTemplate(deps: ManageTemplatesDeps) {
  return async (event: HttpEvent): Promise<HttpResult> => {
    const path = parseRequest(AccountTemplatesPathSchema, event.pathParameters ?? {});
    const size = rawBody(event).length;
    if (size > MAX_CREATION_BODY_BYTES) throw new PayloadTooLargeError(`the creation body is ${size} bytes; the limit is ${MAX_CREATION_BODY_BYTES} bytes`);
    const body = parseJsonBody(utf8Body(event));
    const created = await createTemplate({ businessAccountId: path.businessAccountId, body }, deps);
    const { record } = created;
    logger.info('template created', { businessAccountId: record.businessAccountId, name: record.name, language: record.language, templateId: record.templateId, status: record.status, actor: iamActor(event.requestContext) });
    return json(201, { template: templateView(record), meta: { ...created.meta } });
  };
}

export const handler = httpHandler(() => createCreateTemplate(manageTemplatesDepsFromEnvironment()));
