import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';

import type { AccountHealthEvent, NumberHealthEvent } from '../contracts/events/health.js';
import { applyAccountHealthFact, applyNumberHealthFact } from '../domain/health/apply-health-fact.js';
import type { AccountHealth, HealthApplyResult, NumberHealth } from '../domain/health/records.js';
import { BadRequestError, describeIssues } from '../errors.js';
import type { HealthStore } from '../ports/health-store.js';
import { conditionHeld } from './dynamo-conditions.js';

/**
 * Number and account health on the state table (issue 9, item 6):
 *
 * | item           | pk                           | sk       |
 * |----------------|------------------------------|----------|
 * | a number       | `HEALTH#<phoneNumberId>`     | `HEALTH` |
 * | an account     | `HEALTH#ACCOUNT#<waba id>`   | `HEALTH` |
 *
 * Ids are digits, so the two families cannot meet, and neither meets the number registry's `NUMBER#<id>`. The
 * record is one JSON `document` (kept whole, unknown values of Meta included) beside `version`, which every write
 * is conditional on (`attribute_not_exists(pk)` for a first one): a lost race re-reads and re-applies.
 */

export const healthKeys = {
  number: (phoneNumberId: string) => ({ pk: `HEALTH#${phoneNumberId}`, sk: 'HEALTH' }),
  account: (businessAccountId: string) => ({ pk: `HEALTH#ACCOUNT#${businessAccountId}`, sk: 'HEALTH' }),
};

export interface HealthStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** @default 5 */
  readonly maxApplyAttempts?: number;
  /** @default a timer */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
}

/** Every attempt to apply a fact lost its race with another writer. */
export class HealthWriteConflictError extends Error {
  constructor(subject: string, attempts: number) {
    super(`health record ${subject} changed under every one of ${attempts} attempts to apply a fact; retry later`);
    this.name = 'HealthWriteConflictError';
  }
}

/** A stored item that does not hold what this store writes. */
export class HealthItemCorruptError extends Error {
  constructor(key: string, problems: readonly string[]) {
    super(`health item ${key} is not a valid health item: ${problems.join('; ')}`);
    this.name = 'HealthItemCorruptError';
  }
}

const ID = /^\d{1,32}$/;
const Time = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'not a time');

const NumberHealthSchema = z.looseObject({
  phoneNumberId: z.string().regex(ID),
  businessAccountId: z.string().optional(),
  quality: z.string().optional(),
  throughputMps: z.number().int().positive().optional(),
  status: z.string().optional(),
  lastEvent: z.string().optional(),
  asOf: z.looseObject({ quality: Time, throughput: Time, status: Time, event: Time }).partial(),
  version: z.number().int().positive(),
  updatedAt: z.string(),
});

const AccountHealthSchema = z.looseObject({
  businessAccountId: z.string().regex(ID),
  restrictions: z.array(z.looseObject({ type: z.string().min(1), expiresAt: Time.optional() })),
  violationType: z.string().optional(),
  messagingLimitTier: z.string().optional(),
  events: z.record(z.string(), Time),
  asOf: z.looseObject({ restrictions: Time, violation: Time, messagingLimit: Time }).partial(),
  version: z.number().int().positive(),
  updatedAt: z.string(),
});

const ItemSchema = z.object({ pk: z.string(), sk: z.string(), version: z.number().int().positive(), document: z.string() });

/** The DynamoDB {@link HealthStore}. */
export function createHealthStore(options: HealthStoreOptions): HealthStore {
  const { client, tableName: TableName } = options;
  const maxAttempts = options.maxApplyAttempts ?? 5;
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
    throw new TypeError(`createHealthStore: maxApplyAttempts must be a positive integer, got ${String(maxAttempts)}`);
  }
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;

  async function read<T>(key: { pk: string; sk: string }, schema: z.ZodType<T>): Promise<T | undefined> {
    const out = await client.send(new GetCommand({ TableName, Key: key, ConsistentRead: true }));
    return out.Item === undefined ? undefined : parseItem(out.Item, schema);
  }

  async function apply<R extends { version: number }, E>(
    key: { pk: string; sk: string },
    get: () => Promise<R | undefined>,
    applyFact: (current: R | undefined) => HealthApplyResult<R, E>,
  ): Promise<HealthApplyResult<R, E>> {
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const current = await get();
      const result = applyFact(current);
      if (result.outcome === 'unchanged') return result;
      const written = await conditionHeld(
        client.send(
          new PutCommand({
            TableName,
            Item: { ...key, entity: 'HEALTH', version: result.record.version, document: JSON.stringify(result.record) },
            ...(current === undefined
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : { ConditionExpression: '#version = :read', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':read': current.version } }),
          }),
        ),
      );
      if (written) return result;
      if (attempt < maxAttempts) await sleep(Math.floor(random() * 10 * attempt));
    }
    throw new HealthWriteConflictError(key.pk, maxAttempts);
  }

  const getNumber = async (phoneNumberId: string): Promise<NumberHealth | undefined> => {
    checkId(phoneNumberId, 'phoneNumberId', 'a phone number id');
    return read(healthKeys.number(phoneNumberId), NumberHealthSchema) as Promise<NumberHealth | undefined>;
  };
  const getAccount = async (businessAccountId: string): Promise<AccountHealth | undefined> => {
    checkId(businessAccountId, 'businessAccountId', 'a WhatsApp Business Account id');
    return read(healthKeys.account(businessAccountId), AccountHealthSchema) as Promise<AccountHealth | undefined>;
  };

  return {
    getNumber,
    getAccount,
    async applyNumberFact(fact, recordedAt) {
      checkId(fact.phoneNumberId, 'phoneNumberId', 'a phone number id');
      return apply<NumberHealth, NumberHealthEvent>(healthKeys.number(fact.phoneNumberId), () => getNumber(fact.phoneNumberId), (current) =>
        applyNumberHealthFact(current, fact, recordedAt),
      );
    },
    async applyAccountFact(fact, recordedAt) {
      checkId(fact.businessAccountId, 'businessAccountId', 'a WhatsApp Business Account id');
      return apply<AccountHealth, AccountHealthEvent>(healthKeys.account(fact.businessAccountId), () => getAccount(fact.businessAccountId), (current) =>
        applyAccountHealthFact(current, fact, recordedAt),
      );
    },
  };
}

function checkId(id: string, field: string, what: string): void {
  if (typeof id !== 'string' || !ID.test(id)) throw new BadRequestError(`invalid_${field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`, `${field} must be ${what} (1 to 32 digits)`);
}

function parseItem<T>(item: Record<string, unknown>, schema: z.ZodType<T>): T {
  const key = `${String(item['pk'])} / ${String(item['sk'])}`;
  const shell = ItemSchema.safeParse(item);
  if (!shell.success) throw new HealthItemCorruptError(key, describeIssues(shell.error.issues));
  let json: unknown;
  try {
    json = JSON.parse(shell.data.document);
  } catch {
    throw new HealthItemCorruptError(key, ['document is not JSON']);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new HealthItemCorruptError(key, describeIssues(parsed.error.issues));
  if ((parsed.data as { version: number }).version !== shell.data.version) throw new HealthItemCorruptError(key, ['version differs from the document']);
  return parsed.data;
}
