import { randomUUID } from 'node:crypto';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { dynamoDocumentClient, eventBridgeClient, s3Client, secretsManagerClient, sqsClient } from './adapters/aws-clients.js';
import { createContactStore } from './adapters/contact-store.js';
import { createEventPublisher, type EventPublisher } from './adapters/event-publisher.js';
import { createGraphApiClient } from './adapters/graph-api.js';
import { createMessageStore } from './adapters/message-store.js';
import { createNumberRegistry } from './adapters/number-registry.js';
import { createOutboundQueue, createQueueControl } from './adapters/outbound-queue.js';
import { createPacingStore } from './adapters/pacing-store.js';
import { createSecretProvider } from './adapters/secrets.js';
import { createS3PayloadStore, type PayloadStore } from './adapters/payload-store.js';
import { loadContactActivityConfig, loadContactsApiConfig, loadMessageStatusConfig, loadTemplateActivityConfig } from './config.js';
import { httpErrors, type HttpEvent, type HttpResult } from './middleware/http.js';
import type { ManageContactsDeps } from './usecases/manage-contacts.js';
import { createStoreTemplateRegistry } from './adapters/template-registry.js';
import type { QueueControl } from './ports/outbound-queue.js';
import { SEND_ENV, loadRequestSendConfig, loadSenderConfig } from './sending-config.js';
import type { RequestSendDeps } from './usecases/request-send.js';
import type { SendMessageDeps } from './usecases/send-message.js';
import type { TrackMessageStatusDeps } from './usecases/track-message-status.js';
import type { TrackTemplateChangesDeps } from './usecases/track-template-changes.js';
import type { TrackHealthDeps } from './usecases/track-health.js';
import type { MessagingLimitReadDeps, NumberHealthReadDeps } from './usecases/read-standing.js';
import type { MessageStore } from './ports/message-store.js';
import { loadLedgerReadConfig, loadMessagingLimitReadConfig, loadStateReadConfig } from './read-api-config.js';
import { createGraphPhoneNumbers, createGraphTemplates } from './adapters/graph-templates.js';
import { createTemplateStore } from './adapters/template-store.js';
import { createHealthStore } from './adapters/health-store.js';
import { createCachedHealthReader } from './adapters/health-reader.js';
import { createMessagingLimitStore } from './adapters/messaging-limit-store.js';
import { loadHealthActivityConfig, loadTemplatesApiConfig, loadTemplatesReadConfig } from './templates-config.js';
import type { ManageTemplatesDeps, TemplateReadDeps } from './usecases/manage-templates.js';
import type { SyncTemplatesDeps } from './usecases/sync-templates.js';
import { createLedgerStore, createRateCardStore } from './adapters/ledger-store.js';
import { createTtlCache } from './adapters/ttl-cache.js';
import { loadBillingConfig } from './billing-config.js';
import { SAMPLE_MARKET_MAPS } from './domain/billing/markets.js';
import type { RateCard } from './domain/billing/rate-card.js';
import type { RecordChargesDeps } from './usecases/record-charges.js';

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

/**
 * A Lambda SQS handler whose consumer is built on the first invocation (the cold start) and reused; a
 * configuration error fails that invocation, so the batch returns to the queue.
 */
export function sqsHandler(build: () => (event: SQSEvent) => Promise<SQSBatchResponse>) {
  let run: ((event: SQSEvent) => Promise<SQSBatchResponse>) | undefined;
  return (event: SQSEvent): Promise<SQSBatchResponse> => {
    run ??= build();
    return run(event);
  };
}

/** Dependencies of the policy gate (request-send and POST /messages). */
export function requestSendDepsFromEnvironment(): RequestSendDeps {
  const config = loadRequestSendConfig(process.env);
  const client = dynamoDocumentClient();
  const publisher = publisherFor(config);
  const numbers = createNumberRegistry({ client, tableName: config.stateTableName, configured: config.businessAccounts });
  const queue = createOutboundQueue({ client: sqsClient(), priorityQueueUrl: config.priorityQueueUrl, bulkQueueUrl: config.bulkQueueUrl });
  return {
    messages: createMessageStore({ client, tableName: config.stateTableName }),
    contacts: createContactStore({ client, tableName: config.stateTableName }),
    templates: createStoreTemplateRegistry({ store: createTemplateStore({ client, tableName: config.stateTableName }), ttlMs: config.templateCacheTtlMs }),
    enqueue: (record) => queue.enqueue(record),
    publish: (events) => publisher.publish(events),
    businessAccountOf: (phoneNumberId) => numbers.businessAccountOf(phoneNumberId),
    policy: config.policy,
    newMessageId: () => `m_${randomUUID()}`,
    now: Date.now,
  };
}

/** request-send's own queue, when it knows it (to defer a request whose window may not be recorded yet). */
export function sendRequestsQueueFromEnvironment(): QueueControl | undefined {
  const queueUrl = process.env[SEND_ENV.sendRequestsQueueUrl];
  return queueUrl === undefined || queueUrl === '' ? undefined : createQueueControl({ client: sqsClient(), queues: [{ queueUrl }] });
}

/** Dependencies of the sender (send-message) and control of the lanes it reads. */
export function senderFromEnvironment(): { deps: SendMessageDeps; queue: QueueControl } {
  const config = loadSenderConfig(process.env);
  const client = dynamoDocumentClient();
  const secrets = createSecretProvider({ client: secretsManagerClient });
  const publisher = publisherFor(config);
  const deps: SendMessageDeps = {
    messages: createMessageStore({ client, tableName: config.stateTableName }),
    pacing: createPacingStore({ client, tableName: config.stateTableName }),
    graph: createGraphApiClient({
      baseUrl: config.graphBaseUrl,
      version: config.graphVersion,
      timeoutMs: config.graphTimeoutMs,
      accessToken: () => secrets.get(config.accessToken),
    }),
    publish: (events) => publisher.publish(events),
    freeEntryPoints: createContactStore({ client, tableName: config.stateTableName }),
    settings: {
      ratePerSecond: config.ratePerSecond,
      bulkSharePercent: config.bulkSharePercent,
      pairRate: { intervalMs: config.pairIntervalMs, burst: config.pairBurst },
      maxAttempts: config.maxAttempts,
      inlineWaitMs: 1000,
    },
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    // Read fresh for every template message: this is the look that honours a pause or a new category that arrived
    // while the message was queued (one GetItem; the consent Query only when the category changed).
    templateCheck: {
      templates: createStoreTemplateRegistry({ store: createTemplateStore({ client, tableName: config.stateTableName }), ttlMs: 0 }),
      contacts: createContactStore({ client, tableName: config.stateTableName }),
      requireOptIn: config.policy.requireOptIn,
    },
    // Account restrictions and number throughput from Meta's webhooks (cached), and the portfolio's messaging limit.
    standing: {
      health: createCachedHealthReader({ store: createHealthStore({ client, tableName: config.stateTableName }), ttlMs: config.healthCacheTtlMs }),
      limits: createMessagingLimitStore({ client, tableName: config.stateTableName }),
      portfolios: config.messagingLimitPortfolios,
      configuredTier: config.messagingLimitTier,
      maxRestrictionHoldMs: config.maxRestrictionHoldMs,
    },
  };
  return { deps, queue: createQueueControl({ client: sqsClient(), queues: config.queues }) };
}

/** Dependencies of the status tracker (track-message-status) and the payload store its events' claim checks use. */
export function trackMessageStatusFromEnvironment(): { deps: TrackMessageStatusDeps; payloads: PayloadStore } {
  const config = loadMessageStatusConfig(process.env);
  const payloads = createS3PayloadStore({ client: s3Client(), bucket: config.payloadBucketName });
  const publisher = createEventPublisher({ client: eventBridgeClient(), eventBusName: config.eventBusName, payloadStore: payloads });
  return { deps: { messages: createMessageStore({ client: dynamoDocumentClient(), tableName: config.stateTableName }), publish: (events) => publisher.publish(events) }, payloads };
}

/** Dependencies of the template registry's webhook consumer (track-template-changes) and its payload store. */
export function trackTemplateChangesFromEnvironment(): { deps: TrackTemplateChangesDeps; payloads: PayloadStore } {
  const config = loadTemplateActivityConfig(process.env);
  const payloads = createS3PayloadStore({ client: s3Client(), bucket: config.payloadBucketName });
  const publisher = createEventPublisher({ client: eventBridgeClient(), eventBusName: config.eventBusName, payloadStore: payloads });
  return {
    deps: { store: createTemplateStore({ client: dynamoDocumentClient(), tableName: config.stateTableName }), publish: (events) => publisher.publish(events), now: Date.now },
    payloads,
  };
}

/** Dependencies of the health consumer (track-health): the health records, the number registry, Meta's number listing. */
export function trackHealthFromEnvironment(): { deps: TrackHealthDeps; payloads: PayloadStore } {
  const config = loadHealthActivityConfig(process.env);
  const graphConfig = config.graph;
  const secrets = createSecretProvider({ client: secretsManagerClient });
  const client = dynamoDocumentClient();
  const payloads = createS3PayloadStore({ client: s3Client(), bucket: config.payloadBucketName });
  const publisher = createEventPublisher({ client: eventBridgeClient(), eventBusName: config.eventBusName, payloadStore: payloads });
  return {
    deps: {
      store: createHealthStore({ client, tableName: config.stateTableName }),
      numbers: createNumberRegistry({ client, tableName: config.stateTableName }),
      graph: createGraphPhoneNumbers({
        baseUrl: graphConfig.graphBaseUrl,
        version: graphConfig.graphVersion,
        timeoutMs: graphConfig.graphTimeoutMs,
        accessToken: () => secrets.get(graphConfig.accessToken),
      }),
      publish: async (events) => {
        await publisher.publish(events);
      },
      now: Date.now,
    },
    payloads,
  };
}

/** Dependencies of the operator read API's message and number-health routes: the state table only. */
export function standingReadDepsFromEnvironment(): { messages: Pick<MessageStore, 'get'> } & NumberHealthReadDeps {
  const config = loadStateReadConfig(process.env);
  const client = dynamoDocumentClient();
  const numbers = createNumberRegistry({ client, tableName: config.stateTableName });
  return {
    messages: createMessageStore({ client, tableName: config.stateTableName }),
    health: createHealthStore({ client, tableName: config.stateTableName }),
    businessAccountOf: (phoneNumberId) => numbers.businessAccountOf(phoneNumberId),
    now: Date.now,
  };
}

/** Dependencies of the messaging-limit route: health records, the unique-user count and the limit settings. */
export function messagingLimitReadDepsFromEnvironment(): MessagingLimitReadDeps {
  const config = loadMessagingLimitReadConfig(process.env);
  const client = dynamoDocumentClient();
  return {
    health: createHealthStore({ client, tableName: config.stateTableName }),
    usage: createMessagingLimitStore({ client, tableName: config.stateTableName }),
    configuredTier: config.messagingLimitTier,
    portfolios: config.messagingLimitPortfolios,
    now: Date.now,
  };
}

/** Dependencies of the Templates API's write routes (create, delete): the registry and Meta's template API. */
export function manageTemplatesDepsFromEnvironment(): ManageTemplatesDeps {
  const config = loadTemplatesApiConfig(process.env);
  const secrets = createSecretProvider({ client: secretsManagerClient });
  return {
    templates: createTemplateStore({ client: dynamoDocumentClient(), tableName: config.stateTableName }),
    graph: createGraphTemplates({
      baseUrl: config.graphBaseUrl,
      version: config.graphVersion,
      timeoutMs: config.graphTimeoutMs,
      accessToken: () => secrets.get(config.accessToken),
    }),
    now: Date.now,
  };
}

/** Dependencies of the scheduled template sync (sync-templates): the registry and Meta's template listing. */
export function templateSyncDepsFromEnvironment(): SyncTemplatesDeps {
  const { templates, graph } = manageTemplatesDepsFromEnvironment();
  return { store: templates, graph, now: Date.now, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };
}

/** Dependencies of the Templates API's read routes (list, get). */
export function templateReadDepsFromEnvironment(): TemplateReadDeps {
  const config = loadTemplatesReadConfig(process.env);
  return { templates: createTemplateStore({ client: dynamoDocumentClient(), tableName: config.stateTableName }) };
}

/** How long record-charges reuses a currency's rate cards: a card imported now rates within 5 minutes. */
export const RATE_CARD_CACHE_TTL_MS = 5 * 60_000;

/** Dependencies of the ledger writer (record-charges): messages and windows on the state table, the ledger, its cards. */
export function recordChargesFromEnvironment(): { deps: RecordChargesDeps; payloads: PayloadStore } {
  const config = loadBillingConfig(process.env);
  const client = dynamoDocumentClient();
  const cardStore = createRateCardStore({ client, tableName: config.ledgerTableName });
  const cards = createTtlCache<readonly RateCard[]>({ ttlMs: RATE_CARD_CACHE_TTL_MS, maxEntries: 20 });
  const payloads = createS3PayloadStore({ client: s3Client(), bucket: config.payloadBucketName });
  const publisher = createEventPublisher({ client: eventBridgeClient(), eventBusName: config.eventBusName, payloadStore: payloads });
  return {
    deps: {
      messages: createMessageStore({ client, tableName: config.stateTableName }),
      contacts: createContactStore({ client, tableName: config.stateTableName }),
      ledger: createLedgerStore({ client, tableName: config.ledgerTableName }),
      rateCards: { cards: (currency) => cards.get(currency, () => cardStore.cards(currency)) },
      // Meta's groupings as its pricing page lists them (shared/domain/billing/markets.ts), with their 2026 splits.
      marketMaps: SAMPLE_MARKET_MAPS,
      billingFor: config.billingFor,
      publish: async (events) => {
        await publisher.publish(events);
      },
      now: Date.now,
    },
    payloads,
  };
}

/** Dependencies of the billing report route: the ledger, read only. */
export function billingReportDepsFromEnvironment(): { ledger: ReturnType<typeof createLedgerStore> } {
  const config = loadLedgerReadConfig(process.env);
  return { ledger: createLedgerStore({ client: dynamoDocumentClient(), tableName: config.ledgerTableName }) };
}
