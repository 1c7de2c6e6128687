import { httpHandler, manageContactsDepsFromEnvironment } from '#shared/composition.js';
import { parseRequest } from '#shared/contracts/http/contacts/parse-request.js';
import { ContactPathSchema, IdempotencyHeaderSchema, recordConsentBodySchema } from '#shared/contracts/http/contacts/requests.js';
import type { RecordConsentResponse } from '#shared/contracts/http/contacts/responses.js';
import { consentRecordView, consentStateView } from '#shared/contracts/http/contacts/views.js';
import { requireIamActor } from '#shared/contracts/http/contacts/iam-caller.js';
import { header, json, parseJsonBody, utf8Body, type HttpEvent, type HttpResult } from '#shared/middleware/http.js';
import { recordConsent, type ManageContactsDeps } from '#shared/usecases/manage-contacts.js';

/**
 * POST /accounts/{businessAccountId}/contacts/{contactRef}/consent: records an opt-in or opt-out with its
 * evidence, by the IAM caller. 201 with the record and the category's resulting state; 200 when the
 * `Idempotency-Key` was already used for the same request (nothing written again).
 */
export function createRecordConsent(deps: ManageContactsDeps) {
  return async (event: HttpEvent): Promise<HttpResult> => {
    const path = parseRequest(ContactPathSchema, event.pathParameters ?? {});
    const { 'Idempotency-Key': idempotencyKey } = parseRequest(IdempotencyHeaderSchema, { 'Idempotency-Key': header(event, 'idempotency-key') });
    const body = parseRequest(recordConsentBodySchema(deps.now()), parseJsonBody(utf8Body(event)));
    const actor = requireIamActor(event.requestContext);
    const result = await recordConsent({ businessAccountId: path.businessAccountId, ref: path.contactRef, ...body, idempotencyKey, actor }, deps);
    const response: RecordConsentResponse = {
      contactId: result.contactId,
      contactCreated: result.contactCreated,
      record: consentRecordView(result.record),
      outcome: result.outcome,
      current: consentStateView(result.current),
    };
    return json(result.replayed ? 200 : 201, response);
  };
}

export const handler = httpHandler(() => createRecordConsent(manageContactsDepsFromEnvironment()));
