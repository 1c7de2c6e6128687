import { httpHandler, templateReadDepsFromEnvironment } from '#shared/composition.js';
import { parseRequest } from '#shared/contracts/http/contacts/parse-request.js';
import { AccountTemplatesPathSchema, ListTemplatesQuerySchema } from '#shared/contracts/http/templates/requests.js';
import { templateView } from '#shared/contracts/http/templates/views.js';
import { json, type HttpEvent, type HttpResult } from '#shared/middleware/http.js';
import { listTemplates, type TemplateReadDeps } from '#shared/usecases/manage-templates.js';

/**
 * GET /accounts/{businessAccountId}/templates?status=&category=&name=&limit=&cursor=: the account's templates in
 * name then language order, `name` a name prefix, `limit` 1-100 (default 25); `nextCursor` while more match.
 */
export function createListTemplates(deps: TemplateReadDeps) {
  return async (event: HttpEvent): Promise<HttpResult> => {
    const path = parseRequest(AccountTemplatesPathSchema, event.pathParameters ?? {});
    const query = parseRequest(ListTemplatesQuerySchema, event.queryStringParameters ?? {});
    const page = await listTemplates(
      {
        businessAccountId: path.businessAccountId,
        query: {
          limit: query.limit,
          ...(query.status === undefined ? {} : { status: query.status }),
          ...(query.category === undefined ? {} : { category: query.category }),
          ...(query.name === undefined ? {} : { namePrefix: query.name }),
          ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
        },
      },
      deps,
    );
    return json(200, { items: page.items.map(templateView), ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) });
  };
}

export const handler = httpHandler(() => createListTemplates(templateReadDepsFromEnvironment()));
