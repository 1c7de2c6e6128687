import middy from '@middy/core';
import { dynamoDocumentClient, eventBridgeClient, s3Client } from '#shared/adapters/aws-clients.js';
import { createContactStore } from '#shared/adapters/contact-store.js';
import { createEventPublisher } from '#shared/adapters/event-publisher.js';
import { createS3PayloadStore } from '#shared/adapters/payload-store.js';
import { loadContactsApiConfig } from '#shared/config.js';
import { ContactPathSchema, iso, parseRequest, requireIamActor } from '#shared/contracts/http/contacts.js';
import { httpErrors, json, type HttpEvent, type HttpResult } from '#shared/middleware/http.js';
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

function depsFromEnvironment(): ManageContactsDeps {
  const config = loadContactsApiConfig(process.env);
  const publisher = createEventPublisher({
    client: eventBridgeClient(),
    eventBusName: config.eventBusName,
    payloadStore: createS3PayloadStore({ client: s3Client(), bucket: config.payloadBucketName }),
  });
  return {
    contacts: createContactStore({ client: dynamoDocumentClient(), tableName: config.stateTableName }),
    publish: (events) => publisher.publish(events),
    now: Date.now,
  };
}

let run: ((event: HttpEvent) => Promise<HttpResult>) | undefined;

export const handler = middy<HttpEvent, HttpResult>()
  .use(httpErrors())
  .handler((event) => {
    run ??= createEraseContact(depsFromEnvironment());
    return run(event);
  });
