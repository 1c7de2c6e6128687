import { httpHandler, manageTemplatesDepsFromEnvironment } from '#shared/composition.js';
import { iamActor } from '#shared/contracts/http/contacts/iam-caller.js';
import { parseRequest } from '#shared/contracts/http/contacts/parse-request.js';
import { DeleteTemplateQuerySchema, TemplatePathSchema } from '#shared/contracts/http/templates/requests.js';
import { logger } from '#shared/logger.js';
import { json, type HttpEvent, type HttpResult } from '#shared/middleware/http.js';
import { deleteTemplate, type ManageTemplatesDeps } from '#shared/usecases/manage-templates.js';

/**
 * DELETE /accounts/{businessAccountId}/templates/{name}[?language=]: deletes at Meta every language of the name
 * (or one, by its Meta id) and records each as DELETED. 200 `{ deleted, deletedAt }`; 404 when the registry holds
 * no such template, or only deleted ones; Meta's refusals and failures as for creation.
 */
export function createDeleteTemplate(deps: ManageTemplatesDeps) {
  return async (event: HttpEvent): Promise<HttpResult> => {
    const path = parseRequest(TemplatePathSchema, event.pathParameters ?? {});
    const query = parseRequest(DeleteTemplateQuerySchema, event.queryStringParameters ?? {});
    const done = await deleteTemplate({ businessAccountId: path.businessAccountId, name: path.name, ...(query.language === undefined ? {} : { language: query.language }) }, deps);
    const deleted = done.records.map((r) => ({ language: r.language, ...(r.templateId === undefined ? {} : { templateId: r.templateId }), version: r.version }));
    logger.info('template deleted', { businessAccountId: path.businessAccountId, name: path.name, languages: deleted.map((d) => d.language), actor: iamActor(event.requestContext) });
    return json(200, { businessAccountId: path.businessAccountId, name: path.name, deleted, deletedAt: done.deletedAt });
  };
}

export const handler = httpHandler(() => createDeleteTemplate(manageTemplatesDepsFromEnvironment()));
