import middy from '@middy/core';
import { dynamoDocumentClient, eventBridgeClient, s3Client } from './adapters/aws-clients.js';
import { createContactStore } from './adapters/contact-store.js';
import { createEventPublisher, type EventPublisher } from './adapters/event-publisher.js';
import { createMessageStore } from './adapters/message-store.js';
import { createS3PayloadStore } from './adapters/payload-store.js';
import { loadContactsApiConfig } from './config.js';
import { httpErrors, type HttpEvent, type HttpResult } from './middleware/http.js';
import type { ManageContactsDeps } from './usecases/manage-contacts.js';

/**
 * Composition root: how handlers build their dependencies from the environment, written once. Each
 * handler module stays a factory (`createX(deps)`, used by tests) plus one line wiring it here.
 */

/** The bus publisher with its claim-check store, for any handler that publishes events. */
export function publisherFor(config: { readonly eventBusName: string; readonly payloadBucketName: string }): EventPublisher {
  return createEventPublisher({
    client: eventBridgeClient(),
    eventBusName: config.eventBusName,
    payloadStore: createS3PayloadStore({ client: s3Client(), bucket: config.payloadBucketName }),
  });
}

/** Dependencies of the contacts API's write routes. */
export function manageContactsDepsFromEnvironment(): ManageContactsDeps {
  const config = loadContactsApiConfig(process.env);
  const publisher = publisherFor(config);
  const messages = createMessageStore({ client: dynamoDocumentClient(), tableName: config.stateTableName });
  return {
    contacts: createContactStore({ client: dynamoDocumentClient(), tableName: config.stateTableName }),
    publish: (events) => publisher.publish(events),
    eraseMessages: (contactId, at) => messages.eraseContact(contactId, at),
    now: Date.now,
  };
}

/**
 * A Lambda HTTP handler: errors mapped by `httpErrors()`, dependencies built on the first invocation
 * (the cold start) and reused; a configuration error fails that invocation with a generic 500 and is logged.
 */
export function httpHandler(build: () => (event: HttpEvent) => Promise<HttpResult>) {
  let run: ((event: HttpEvent) => Promise<HttpResult>) | undefined;
  return middy<HttpEvent, HttpResult>()
    .use(httpErrors())
    .handler((event) => {
      run ??= build();
      return run(event);
    });
}
