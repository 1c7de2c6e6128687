import { httpHandler } from '#shared/composition.js';
import { dynamoDocumentClient } from '#shared/adapters/aws-clients.js';
import { createContactStore } from '#shared/adapters/contact-store.js';
import { loadContactsReadConfig } from '#shared/config.js';
import { parseRequest } from '#shared/contracts/http/contacts/parse-request.js';
import { ContactPathSchema, GetContactQuerySchema } from '#shared/contracts/http/contacts/requests.js';
import { getContactResponse } from '#shared/contracts/http/contacts/views.js';
import { json, type HttpEvent, type HttpResult } from '#shared/middleware/http.js';
import { getContact, type ContactReadDeps } from '#shared/usecases/manage-contacts.js';

/**
 * GET /accounts/{businessAccountId}/contacts/{contactRef}[?nextToken=…]: the contact, its customer service
 * and free-entry-point windows on every business number (open or closed now, by their stored expiry), its
 * consent per category and its consent history, newest first, 100 per page.
 */
export function createGetContact(deps: ContactReadDeps) {
  return async (event: HttpEvent): Promise<HttpResult> => {
    const path = parseRequest(ContactPathSchema, event.pathParameters ?? {});
    const query = parseRequest(GetContactQuerySchema, event.queryStringParameters ?? {});
    const details = await getContact({ businessAccountId: path.businessAccountId, ref: path.contactRef, after: query.nextToken }, deps);
    return json(200, getContactResponse(details.overview, details.history, details.now));
  };
}

function depsFromEnvironment(): ContactReadDeps {
  const config = loadContactsReadConfig(process.env);
  return { contacts: createContactStore({ client: dynamoDocumentClient(), tableName: config.stateTableName }), now: Date.now };
}

export const handler = httpHandler(() => createGetContact(depsFromEnvironment()));
