import { httpHandler, manageContactsDepsFromEnvironment } from '#shared/composition.js';
import { parseRequest } from '#shared/contracts/http/contacts/parse-request.js';
import { ContactPathSchema } from '#shared/contracts/http/contacts/requests.js';
import { iso } from '#shared/contracts/http/contacts/views.js';
import { requireIamActor } from '#shared/contracts/http/contacts/iam-caller.js';
import { json, type HttpEvent, type HttpResult } from '#shared/middleware/http.js';
import { eraseContact, type ManageContactsDeps } from '#shared/usecases/manage-contacts.js';

/**
 * DELETE /accounts/{businessAccountId}/contacts/{contactRef}: GDPR erasure. The contact's profile, identity
 * keys, windows and consent (state and history) are deleted and ContactErased (contact id only) tells other
 * services to erase their copies. Billing records are keyed by the pseudonymous contact id and are kept.
 * 200 `{ contactId, erasedAt }`, again for a retry by contact id; 404 when unknown.
 */
export function createEraseContact(deps: ManageContactsDeps) {
  return async (event: HttpEvent): Promise<HttpResult> => {
    const path = parseRequest(ContactPathSchema, event.pathParameters ?? {});
    const actor = requireIamActor(event.requestContext);
    const erased = await eraseContact({ businessAccountId: path.businessAccountId, ref: path.contactRef, actor }, deps);
    return json(200, { contactId: erased.contactId, erasedAt: iso(erased.erasedAt) });
  };
}

export const handler = httpHandler(() => createEraseContact(manageContactsDepsFromEnvironment()));
