/**
 * What exists, described once as data and read by both the CDK app (`infra/constructs/*`) and the local
 * stack (`infra/local/*`), so that local = deployed: the same tables and indexes, the same routes to the
 * same handlers, the same event rules.
 */

/** Attribute DynamoDB's TTL sweeper reads (epoch seconds). Reads never trust it: they compare expiry themselves. */
import { ENV } from '../shared/config.js';

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
