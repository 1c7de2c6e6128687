import { httpHandler, templateReadDepsFromEnvironment } from '#shared/composition.js';
import { parseRequest } from '#shared/contracts/http/contacts/parse-request.js';
import { GetTemplateQuerySchema, TemplatePathSchema } from '#shared/contracts/http/templates/requests.js';
import { templateHistoryEntryView, templateView } from '#shared/contracts/http/templates/views.js';
import { json, type HttpEvent, type HttpResult } from '#shared/middleware/http.js';
import { getTemplate, type TemplateReadDeps } from '#shared/usecases/manage-templates.js';

/**
 * GET /accounts/{businessAccountId}/templates/{name}[?language=&limit=&cursor=]: every language of the name with
 * its status, category, quality, pause, pending re-categorisation and a page of its history, newest first
 * (`limit` lines, default 20); `?language=` with a language's `nextCursor` reads its next page. 404 when unknown.
 */
export function createGetTemplate(deps: TemplateReadDeps) {
  return async (event: HttpEvent): Promise<HttpResult> => {
    const path = parseRequest(TemplatePathSchema, event.pathParameters ?? {});
    const query = parseRequest(GetTemplateQuerySchema, event.queryStringParameters ?? {});
    const { languages } = await getTemplate(
      {
        businessAccountId: path.businessAccountId,
        name: path.name,
        limit: query.limit,
        ...(query.language === undefined ? {} : { language: query.language }),
        ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
      },
      deps,
    );
    return json(200, {
      businessAccountId: path.businessAccountId,
      name: path.name,
      languages: languages.map(({ record, history }) => ({
        ...templateView(record),
        history: { items: history.items.map(templateHistoryEntryView), ...(history.nextCursor === undefined ? {} : { nextCursor: history.nextCursor }) },
      })),
    });
  };
}

export const handler = httpHandler(() => createGetTemplate(templateReadDepsFromEnvironment()));
