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

export const CONSUMERS: readonly ConsumerSpec[] = [CONTACT_ACTIVITY];

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
];
