import { httpHandler, manageContactsDepsFromEnvironment } from '#shared/composition.js';
import { parseRequest } from '#shared/contracts/http/contacts/parse-request.js';
import { AcknowledgeIdentityBodySchema, ContactPathSchema } from '#shared/contracts/http/contacts/requests.js';
import type { AcknowledgeIdentityResponse } from '#shared/contracts/http/contacts/responses.js';
import { iso } from '#shared/contracts/http/contacts/views.js';
import { requireIamActor } from '#shared/contracts/http/contacts/iam-caller.js';
import { json, parseJsonBody, utf8Body, type HttpEvent, type HttpResult } from '#shared/middleware/http.js';
import { acknowledgeIdentityChange, type ManageContactsDeps } from '#shared/usecases/manage-contacts.js';

/**
 * POST /accounts/{businessAccountId}/contacts/{contactRef}/identity-acknowledgement, body `{ note? }` (may be
 * empty): an operator confirms the person behind a changed number or identity, which lifts the hold on
 * business-initiated sends. 200 with the cleared hold; 409 when the contact has none.
 */
export function createAcknowledgeIdentityChange(deps: ManageContactsDeps) {
  return async (event: HttpEvent): Promise<HttpResult> => {
    const path = parseRequest(ContactPathSchema, event.pathParameters ?? {});
    const body = parseRequest(AcknowledgeIdentityBodySchema, parseJsonBody(utf8Body(event), { emptyIsObject: true }));
    const actor = requireIamActor(event.requestContext);
    const result = await acknowledgeIdentityChange({ businessAccountId: path.businessAccountId, ref: path.contactRef, note: body.note, actor }, deps);
    const response: AcknowledgeIdentityResponse = {
      contactId: result.contactId,
      acknowledged: { reason: result.hold.reason, since: iso(result.hold.since), eventId: result.hold.eventId },
      acknowledgedAt: iso(result.acknowledgedAt),
      actor: result.actor,
      ...(result.note === undefined ? {} : { note: result.note }),
    };
    return json(200, response);
  };
}

export const handler = httpHandler(() => createAcknowledgeIdentityChange(manageContactsDepsFromEnvironment()));
