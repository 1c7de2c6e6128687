import { httpHandler, manageContactsDepsFromEnvironment } from '#shared/composition.js';
import { IMPORT_MAX_BYTES } from '#shared/contracts/http/contacts/limits.js';
import { parseRequest } from '#shared/contracts/http/contacts/parse-request.js';
import { AccountPathSchema } from '#shared/contracts/http/contacts/requests.js';
import { requireIamActor } from '#shared/contracts/http/contacts/iam-caller.js';
import { header, json, rawBody, utf8Body, type HttpEvent, type HttpResult } from '#shared/middleware/http.js';
import { importContacts, type ManageContactsDeps } from '#shared/usecases/manage-contacts.js';

/**
 * POST /accounts/{businessAccountId}/contacts/import: contacts (and optionally one consent each) from JSON
 * lines (`application/x-ndjson`) or CSV (`text/csv`, header row), at most 1,000 rows and 1 MB. Every row is
 * validated first: any invalid row answers 422 with a report of the invalid rows and nothing is written.
 * Otherwise 200 with one result per row. Posting the same file again changes nothing.
 */
export function createImportContacts(deps: ManageContactsDeps) {
  return async (event: HttpEvent): Promise<HttpResult> => {
    const { businessAccountId } = parseRequest(AccountPathSchema, event.pathParameters ?? {});
    const actor = requireIamActor(event.requestContext);
    const body = rawBody(event);
    // A body within the size limit must be UTF-8 (CSV and NDJSON alike): refused 400 naming the byte offset and
    // line, never read with U+FFFD. An oversize body is left to the use case's 413.
    if (body.length <= IMPORT_MAX_BYTES) utf8Body(event, 'the import body');
    const outcome = await importContacts({ businessAccountId, contentType: header(event, 'content-type'), body, actor }, deps);
    if (!outcome.valid) {
      const details = outcome.rows.flatMap((r) => r.problems.map((p) => `row ${r.row} (line ${r.line}): ${p}`));
      return json(422, {
        error: {
          code: 'invalid_rows',
          message: `${outcome.rows.length} of ${outcome.total} rows are invalid; nothing was imported`,
          details: details.length > 20 ? [...details.slice(0, 20), `… and ${details.length - 20} more`] : details,
        },
        rows: outcome.rows,
      });
    }
    return json(200, { imported: outcome.rows.length, rows: outcome.rows });
  };
}

export const handler = httpHandler(() => createImportContacts(manageContactsDepsFromEnvironment()));
