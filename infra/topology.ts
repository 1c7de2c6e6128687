/**
 * What exists, described once as data and read by both the CDK app (`infra/constructs/*`) and the local
 * stack (`infra/local/*`), so that local = deployed: the same tables and indexes, the same routes to the
 * same handlers, the same event rules.
 */

/** Attribute DynamoDB's TTL sweeper reads (epoch seconds). Reads never trust it: they compare expiry themselves. */
import { ENV } from '../shared/config.js';
import { DetailType, RELAIS_EVENT_SOURCE } from '../shared/contracts/events/catalogue.js';

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

export const TABLES: readonly TableSpec[] = [STATE_TABLE];

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
  visibilityTimeoutSeconds: 60,
  maxReceiveCount: 5,
};

/** SendRequested events from any AWS service (and Relais itself) through the policy gate. */
export const SEND_REQUESTS: ConsumerSpec = {
  id: 'SendRequests',
  handler: 'request-send',
  fifo: false,
  batchSize: 10,
  maxConcurrency: 20,
  visibilityTimeoutSeconds: 60,
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
  visibilityTimeoutSeconds: 60,
  maxReceiveCount: 5,
};

export const CONSUMERS: readonly ConsumerSpec[] = [CONTACT_ACTIVITY, SEND_REQUESTS, OUTBOUND_PRIORITY, OUTBOUND_BULK, MESSAGE_STATUS];

/** An EventBridge event pattern in the JSON form EventBridge and the local bus read (`detail-type`, not `detailType`). */
export type EventPatternJson = Readonly<Record<string, unknown>>;

export interface EventRuleSpec {
  readonly id: string;
  readonly description: string;
  readonly pattern: EventPatternJson;
  /** The consumer whose queue the rule targets. */
  readonly target: string;
}

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
];
