/**
 * What exists, described once as data and read by both the CDK app (`infra/constructs/*`) and the local
 * stack (`infra/local/*`), so that local = deployed: the same tables and indexes, the same routes to the
 * same handlers, the same event rules.
 */

import { ENV } from '../shared/config.js';
import { DetailType, RELAIS_EVENT_SOURCE } from '../shared/contracts/events/catalogue.js';

/** Attribute DynamoDB's TTL sweeper reads (epoch seconds). Reads never trust it: they compare expiry themselves. */
export const TTL_ATTRIBUTE = 'expiresAt';

export interface TableSpec {
  /** Logical id in CDK and table name suffix locally. */
  readonly id: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  readonly globalIndexes: ReadonlyArray<{ readonly name: string; readonly partitionKey: string; readonly sortKey: string }>;
  readonly ttlAttribute?: string;
  /** Environment variable through which handlers receive the table name. */
  readonly envVar: string;
}

/**
 * The operational state table (single-table design, keys described in docs/data-model in the README):
 * contacts and identity keys, windows, consent, outbox and messages, templates, health, pacing buckets.
 */
export const STATE_TABLE: TableSpec = {
  id: 'StateTable',
  partitionKey: 'pk',
  sortKey: 'sk',
  globalIndexes: [{ name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }],
  ttlAttribute: TTL_ATTRIBUTE,
  envVar: ENV.stateTableName,
};

/**
 * The billing ledger: finance-facing and immutable, apart from the operational state (its own backups, access and
 * retention). One item per charge or free event, keyed by message so each is written once; `gsi1` holds an account's
 * month (`ACCOUNT#<waba>#<yyyy-mm>`, by day), so a month's report reads that month's records and never the table.
 * Also the rate cards (versioned by currency and effective day) and the month's counters (volume tiers). No TTL.
 */
export const LEDGER_TABLE: TableSpec = {
  id: 'LedgerTable',
  partitionKey: 'pk',
  sortKey: 'sk',
  globalIndexes: [{ name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }],
  envVar: ENV.ledgerTableName,
};

export const TABLES: readonly TableSpec[] = [STATE_TABLE, LEDGER_TABLE];

/** How a handler uses a table: `read` grants reads only; `readWrite` reads and writes. */
export type TableAccess = 'read' | 'readWrite';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteSpec {
  readonly method: HttpMethod;
  readonly path: string;
  /** Handler module under `functions/`, exporting `handler`. */
  readonly handler: string;
  /** `none` only where the caller authenticates otherwise (Meta's signature or verify token). */
  readonly auth: 'none' | 'iam';
}

export const ROUTES: readonly RouteSpec[] = [
  { method: 'GET', path: '/webhook', handler: 'verify-webhook', auth: 'none' },
  { method: 'POST', path: '/webhook', handler: 'receive-webhook', auth: 'none' },
  { method: 'GET', path: '/accounts/{businessAccountId}/contacts/{contactRef}', handler: 'get-contact', auth: 'iam' },
  { method: 'DELETE', path: '/accounts/{businessAccountId}/contacts/{contactRef}', handler: 'erase-contact', auth: 'iam' },
  { method: 'POST', path: '/accounts/{businessAccountId}/contacts/{contactRef}/consent', handler: 'record-consent', auth: 'iam' },
  {
    method: 'POST',
    path: '/accounts/{businessAccountId}/contacts/{contactRef}/identity-acknowledgement',
    handler: 'acknowledge-identity-change',
    auth: 'iam',
  },
  { method: 'POST', path: '/accounts/{businessAccountId}/contacts/import', handler: 'import-contacts', auth: 'iam' },
  { method: 'POST', path: '/messages', handler: 'post-message', auth: 'iam' },
  { method: 'POST', path: '/accounts/{businessAccountId}/templates', handler: 'create-template', auth: 'iam' },
  { method: 'GET', path: '/accounts/{businessAccountId}/templates', handler: 'list-templates', auth: 'iam' },
  { method: 'GET', path: '/accounts/{businessAccountId}/templates/{name}', handler: 'get-template', auth: 'iam' },
  { method: 'DELETE', path: '/accounts/{businessAccountId}/templates/{name}', handler: 'delete-template', auth: 'iam' },
  { method: 'GET', path: '/messages/{messageId}', handler: 'get-message', auth: 'iam' },
  { method: 'GET', path: '/phone-numbers/{phoneNumberId}/health', handler: 'get-number-health', auth: 'iam' },
  { method: 'GET', path: '/accounts/{businessAccountId}/messaging-limit', handler: 'get-messaging-limit', auth: 'iam' },
  { method: 'GET', path: '/accounts/{businessAccountId}/billing', handler: 'get-billing-report', auth: 'iam' },
];

/** Env var names and Meta's body limit live in shared/ (handlers need them); re-exported for infra. */
export { ENV } from '../shared/config.js';
export { MAX_WEBHOOK_BODY_BYTES } from '../shared/contracts/whatsapp/webhook.js';

/**
 * A queue-fed Lambda: an EventBridge rule (or a producer) puts messages on its queue, an event source
 * mapping hands them to `handler` in batches, failures are retried per record and end in the DLQ.
 */
export interface ConsumerSpec {
  readonly id: string;
  /** Handler module under `functions/`, exporting `handler(SQSEvent): SQSBatchResponse`. */
  readonly handler: string;
  readonly fifo: boolean;
  readonly batchSize: number;
  /** Event source mapping's maximum concurrency (2..1000). */
  readonly maxConcurrency: number;
  /** At least 6× the handler's timeout (AWS's guidance for SQS event sources; the CDK app enforces it). */
  readonly visibilityTimeoutSeconds: number;
  /** Receives before a message moves to the DLQ. */
  readonly maxReceiveCount: number;
  /** Environment variable through which producers receive the queue URL, if any produce to it directly. */
  readonly urlEnvVar?: string;
  /** Environment variable through which the consumer receives its DLQ URL, if it dead-letters itself. */
  readonly dlqUrlEnvVar?: string;
}

export const CONTACT_ACTIVITY: ConsumerSpec = {
  id: 'ContactActivity',
  handler: 'track-contact-activity',
  fifo: false,
  batchSize: 10,
  maxConcurrency: 10,
  visibilityTimeoutSeconds: 180,
  maxReceiveCount: 5,
};

/** SendRequested events from any AWS service (and Relais itself) through the policy gate. */
export const SEND_REQUESTS: ConsumerSpec = {
  id: 'SendRequests',
  handler: 'request-send',
  fifo: false,
  batchSize: 10,
  maxConcurrency: 20,
  visibilityTimeoutSeconds: 180,
  maxReceiveCount: 5,
  urlEnvVar: 'SEND_REQUESTS_QUEUE_URL',
};

/**
 * The two outbound lanes. FIFO, grouped by (business number, recipient): each conversation stays in order
 * while recipients proceed in parallel. OTPs and service replies use `priority`; campaigns use `bulk`, so a
 * 100,000-message campaign never delays them. The sender dead-letters a message itself once its retry
 * budget is spent (the queue's own redrive is the safety net for a crashing sender).
 */
export const OUTBOUND_PRIORITY: ConsumerSpec = {
  id: 'OutboundPriority',
  handler: 'send-message',
  fifo: true,
  batchSize: 10,
  maxConcurrency: 20,
  visibilityTimeoutSeconds: 120,
  maxReceiveCount: 50,
  urlEnvVar: 'OUTBOUND_PRIORITY_QUEUE_URL',
  dlqUrlEnvVar: 'OUTBOUND_PRIORITY_DLQ_URL',
};

export const OUTBOUND_BULK: ConsumerSpec = {
  ...OUTBOUND_PRIORITY,
  id: 'OutboundBulk',
  maxConcurrency: 10,
  urlEnvVar: 'OUTBOUND_BULK_QUEUE_URL',
  dlqUrlEnvVar: 'OUTBOUND_BULK_DLQ_URL',
};

/** Meta's status webhooks move Relais's message records forward and become outcome events. */
export const MESSAGE_STATUS: ConsumerSpec = {
  id: 'MessageStatus',
  handler: 'track-message-status',
  fifo: false,
  batchSize: 10,
  maxConcurrency: 10,
  visibilityTimeoutSeconds: 180,
  maxReceiveCount: 5,
};

/** Meta's template webhooks keep the template registry and publish the changes people act on. */
export const TEMPLATE_ACTIVITY: ConsumerSpec = {
  id: 'TemplateActivity',
  handler: 'track-template-changes',
  fifo: false,
  batchSize: 10,
  maxConcurrency: 5,
  visibilityTimeoutSeconds: 180,
  maxReceiveCount: 5,
};

/** Meta's number, capability and account webhooks keep the health records (quality, throughput, restrictions, limit). */
export const HEALTH_ACTIVITY: ConsumerSpec = {
  id: 'HealthActivity',
  handler: 'track-health',
  fifo: false,
  batchSize: 10,
  maxConcurrency: 2,
  visibilityTimeoutSeconds: 180,
  maxReceiveCount: 5,
};

/** Meta's delivered and read statuses become the ledger's charges, once per message. */
export const BILLING: ConsumerSpec = {
  id: 'Billing',
  handler: 'record-charges',
  fifo: false,
  batchSize: 10,
  maxConcurrency: 5,
  visibilityTimeoutSeconds: 180,
  maxReceiveCount: 5,
};

export const CONSUMERS: readonly ConsumerSpec[] = [CONTACT_ACTIVITY, SEND_REQUESTS, OUTBOUND_PRIORITY, OUTBOUND_BULK, MESSAGE_STATUS, TEMPLATE_ACTIVITY, HEALTH_ACTIVITY, BILLING];

/** An EventBridge event pattern in the JSON form EventBridge and the local bus read (`detail-type`, not `detailType`). */
export type EventPatternJson = Readonly<Record<string, unknown>>;

export interface EventRuleSpec {
  readonly id: string;
  readonly description: string;
  readonly pattern: EventPatternJson;
  /** The consumer whose queue the rule targets. */
  readonly target: string;
}

/**
 * How EventBridge retries a rule target whose delivery fails with a retryable error (5xx, 429, network; other
 * 4xx are not retried): up to `retryAttempts` retries after the first attempt, none once the event is
 * `maxEventAgeSeconds` old, then the target's dead-letter queue. Here the documented default, 24 h and 185
 * retries (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html; RetryPolicy
 * ranges: MaximumRetryAttempts 0–185, MaximumEventAgeInSeconds 60–86,400). The CDK rule targets and the local
 * bus both read it, so a short outage is ridden out locally as it is on AWS.
 */
export interface RuleTargetRetryPolicy {
  readonly retryAttempts: number;
  readonly maxEventAgeSeconds: number;
}

export const RULE_TARGET_RETRY: RuleTargetRetryPolicy = { retryAttempts: 185, maxEventAgeSeconds: 24 * 3600 };

export const EVENT_RULES: readonly EventRuleSpec[] = [
  {
    id: 'ContactActivityFromCustomers',
    description: 'Inbound messages, identity changes and marketing preferences update contacts, windows and consent',
    pattern: {
      source: [RELAIS_EVENT_SOURCE],
      'detail-type': [DetailType.MessageReceived, DetailType.UserIdentityChanged, DetailType.UserIdChanged, DetailType.MarketingPreferenceChanged],
    },
    target: CONTACT_ACTIVITY.id,
  },
  {
    id: 'ContactActivityFromStoppedMarketing',
    description: 'A send failed with 131050 (user stopped marketing): record the opt-out',
    pattern: {
      source: [RELAIS_EVENT_SOURCE],
      'detail-type': [DetailType.MessageStatusUpdated],
      detail: { data: { status: ['failed'], errors: { code: [131050] } } },
    },
    target: CONTACT_ACTIVITY.id,
  },
  {
    id: 'SendRequestsFromAnySource',
    description: 'Any AWS service (or Relais) asks for a WhatsApp message',
    pattern: { 'detail-type': [DetailType.SendRequested] },
    target: SEND_REQUESTS.id,
  },
  {
    id: 'MessageStatusFromWebhooks',
    description: "Meta's status webhooks update Relais's messages",
    pattern: { source: [RELAIS_EVENT_SOURCE], 'detail-type': [DetailType.MessageStatusUpdated] },
    target: MESSAGE_STATUS.id,
  },
  {
    id: 'TemplateActivityFromWebhooks',
    description: "Meta's template webhooks (status, quality, category, components) update the template registry",
    pattern: {
      source: [RELAIS_EVENT_SOURCE],
      'detail-type': [DetailType.TemplateStatusChanged, DetailType.TemplateQualityChanged, DetailType.TemplateCategoryChanged, DetailType.TemplateComponentsChanged],
    },
    target: TEMPLATE_ACTIVITY.id,
  },
  {
    id: 'HealthActivityFromWebhooks',
    description: "Meta's phone number quality, business capability and account webhooks update number and account health",
    pattern: {
      source: [RELAIS_EVENT_SOURCE],
      'detail-type': [DetailType.PhoneNumberQualityChanged, DetailType.BusinessCapabilityChanged, DetailType.AccountUpdated],
    },
    target: HEALTH_ACTIVITY.id,
  },
  {
    id: 'BillingFromStatuses',
    description: "Meta's delivered and read statuses are rated and recorded in the billing ledger",
    pattern: { source: [RELAIS_EVENT_SOURCE], 'detail-type': [DetailType.MessageStatusUpdated], detail: { data: { status: ['delivered', 'read'] } } },
    target: BILLING.id,
  },
  {
    id: 'HealthActivityRefreshRequests',
    description: "Relais's schedule or any service asks for Meta's number listing of an account to be read now",
    pattern: { 'detail-type': [DetailType.HealthRefreshRequested] },
    target: HEALTH_ACTIVITY.id,
  },
];

export type SecretName = 'appSecret' | 'verifyToken' | 'accessToken';

/**
 * What each handler needs, as data: the CDK app grants exactly this (and sets the matching environment);
 * a handler absent from this map fails synth instead of deploying with guessed rights.
 */
export interface HandlerNeeds {
  readonly description: string;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default 10 */
  readonly timeoutSeconds?: number;
  /** Tables the handler uses, by `TableSpec.id`, and how: it gets each table's `envVar` and exactly that access. */
  readonly tables?: Readonly<Record<string, TableAccess>>;
  /** Puts events on the bus (and claim-checks large ones into the payload bucket). */
  readonly publishesEvents?: boolean;
  /** Reads claim-checked event data from the payload bucket. */
  readonly readsPayloads?: boolean;
  readonly secrets?: readonly SecretName[];
  /** Consumers whose queue this handler puts messages on (it gets their `urlEnvVar`). */
  readonly sendsTo?: readonly string[];
  /** A consumer whose queue URL this handler needs without sending to it (to delay its own messages). */
  readonly knowsQueueOf?: string;
  /** Consumers whose DLQ this handler moves messages to itself (it gets their `dlqUrlEnvVar`). */
  readonly deadLettersTo?: readonly string[];
  /** Deployment settings passed as environment: Graph API target, send policy, contact settings. */
  readonly settings?: ReadonlyArray<'graphApi' | 'graphEndpoint' | 'sendPolicy' | 'consentPolicy' | 'contactSettings' | 'messagingLimits' | 'billing' | 'ledgerExport'>;
}

const PUBLISHER = { publishesEvents: true, tables: { [STATE_TABLE.id]: 'readWrite' } } as const;

export const HANDLERS: Readonly<Record<string, HandlerNeeds>> = {
  'verify-webhook': { description: "Answers Meta's webhook subscription handshake (GET /webhook)", memorySize: 256, timeoutSeconds: 5, secrets: ['verifyToken'] },
  // Bodies up to 3 MB: HMAC, JSON.parse and zod over up to 1,000 updates, then ~100 PutEvents batches.
  // CPU share grows with memory; the timeout stays under API Gateway's 30 s integration limit.
  'receive-webhook': { description: 'Verifies, normalises and publishes WhatsApp webhooks (POST /webhook)', memorySize: 1024, timeoutSeconds: 20, publishesEvents: true, secrets: ['appSecret'] },
  'get-contact': { description: 'Reads a contact with its windows and consent (GET /accounts/{id}/contacts/{ref})', tables: { [STATE_TABLE.id]: 'read' } },
  'erase-contact': { description: 'Erases a contact (GDPR)', ...PUBLISHER },
  'record-consent': { description: 'Records an opt-in or opt-out with evidence', ...PUBLISHER },
  'acknowledge-identity-change': { description: "Releases a contact's identity-change hold", ...PUBLISHER },
  'import-contacts': { description: 'Imports contacts and consent (JSON lines or CSV)', ...PUBLISHER, memorySize: 512, timeoutSeconds: 29 },
  'post-message': { description: 'POST /messages: a send request through the policy gate', ...PUBLISHER, sendsTo: ['OutboundPriority', 'OutboundBulk'], settings: ['sendPolicy'] },
  'track-contact-activity': { description: 'Keeps contacts, windows and consent in step with webhooks', ...PUBLISHER, readsPayloads: true, timeoutSeconds: 30, settings: ['contactSettings'] },
  'request-send': { description: 'SendRequested events through the policy gate onto the outbound lanes', ...PUBLISHER, timeoutSeconds: 30, sendsTo: ['OutboundPriority', 'OutboundBulk'], knowsQueueOf: 'SendRequests', settings: ['sendPolicy'] },
  // Up to 10 groups in parallel, each paced and possibly waiting up to 1 s inline; 6× under the visibility timeout.
  'send-message': { description: 'Sends queued messages to the Cloud API, paced per number and per recipient', ...PUBLISHER, memorySize: 512, timeoutSeconds: 20, secrets: ['accessToken'], deadLettersTo: ['OutboundPriority', 'OutboundBulk'], settings: ['graphApi', 'consentPolicy', 'messagingLimits'] },
  'track-message-status': { description: "Moves messages forward from Meta's status webhooks", ...PUBLISHER, readsPayloads: true, timeoutSeconds: 30 },
  'track-template-changes': { description: "Keeps the template registry in step with Meta's template webhooks", ...PUBLISHER, readsPayloads: true, timeoutSeconds: 30 },
  // Each quality webhook reads Meta's number listing (GRAPH_API_TIMEOUT_MS, 10 s by default, per page).
  'get-billing-report': { description: "Reads an account's month from the billing ledger, grouped (GET /accounts/{id}/billing)", tables: { [LEDGER_TABLE.id]: 'read' }, timeoutSeconds: 29, memorySize: 512 },
  'export-ledger': {
    description: "Exports the billing ledger's months to S3 as JSON lines for Athena (daily, or { month } on demand)",
    tables: { [LEDGER_TABLE.id]: 'read' },
    memorySize: 1024,
    timeoutSeconds: 900,
    settings: ['ledgerExport'],
  },
  'record-charges': {
    description: "Rates Meta's delivered and read statuses into the billing ledger, once per message",
    tables: { [STATE_TABLE.id]: 'read', [LEDGER_TABLE.id]: 'readWrite' },
    publishesEvents: true,
    readsPayloads: true,
    timeoutSeconds: 30,
    settings: ['billing'],
  },
  'track-health': { description: "Keeps number and account health in step with Meta's webhooks and number listing", ...PUBLISHER, readsPayloads: true, timeoutSeconds: 30, secrets: ['accessToken'], settings: ['graphEndpoint'] },
  // Create and delete wait for Meta (GRAPH_API_TIMEOUT_MS, 10 s by default) between registry reads and writes.
  'create-template': { description: 'Checks a template, submits it to Meta and records it (POST /accounts/{id}/templates)', tables: { [STATE_TABLE.id]: 'readWrite' }, timeoutSeconds: 20, secrets: ['accessToken'], settings: ['graphEndpoint'] },
  'list-templates': { description: "Lists an account's templates from the registry", tables: { [STATE_TABLE.id]: 'read' } },
  'get-message': { description: 'Reads a message with the reason it was refused, failed or is held (GET /messages/{id})', tables: { [STATE_TABLE.id]: 'read' } },
  'get-number-health': { description: "Reads a phone number's health with its account's restrictions (GET /phone-numbers/{id}/health)", tables: { [STATE_TABLE.id]: 'read' } },
  'get-messaging-limit': { description: "Reads a portfolio's messaging limit and its use (GET /accounts/{id}/messaging-limit)", tables: { [STATE_TABLE.id]: 'read' }, settings: ['messagingLimits'] },
  'get-template': { description: 'Reads a template in every language with its history', tables: { [STATE_TABLE.id]: 'read' } },
  'delete-template': { description: 'Deletes a template at Meta and records it', tables: { [STATE_TABLE.id]: 'readWrite' }, timeoutSeconds: 20, secrets: ['accessToken'], settings: ['graphEndpoint'] },
  // Run on a schedule (infra/constructs/template-sync.ts), one account per invocation. 6,000 templates (60 pages)
  // took 39 s new and 27 s unchanged on DynamoDB Local (BENCH_TEMPLATES=6000 npx tsx test/bench/template-sync.ts),
  // 2 sequential requests per template; Meta's latency per page and rate-limit waits (up to 5 min each,
  // SCHEDULED_SYNC_MAX_WAIT_MS) come on top, so the timeout is Lambda's longest.
  'sync-templates': { description: "Syncs a business account's templates from Meta's message_templates into the registry", tables: { [STATE_TABLE.id]: 'readWrite' }, memorySize: 512, timeoutSeconds: 900, secrets: ['accessToken'], settings: ['graphEndpoint'] },
};
