/**
 * The messaging-limit store's read side (`usage`, for the operator read API) on DynamoDB Local: what it reports
 * after real admissions, at the window's edges, and that it reads with one request and writes nothing.
 */
import { randomBytes } from 'node:crypto';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';

import { createMessagingLimitStore, MessagingLimitItemCorruptError } from '#shared/adapters/messaging-limit-store.js';
import { MESSAGING_LIMIT_WINDOW_MS, type MessagingLimitTier } from '#shared/domain/sending/messaging-limit.js';
import type { LimitAdmission } from '#shared/ports/messaging-limit-store.js';
import { localClientConfig } from '#infra/local/emulators.js';
import { STATE_TABLE } from '#infra/topology.js';

const raw = new DynamoDBClient(localClientConfig(inject('dynamoEndpoint')));
const client = DynamoDBDocumentClient.from(raw);
const tableName = inject('tableNames')[STATE_TABLE.id]!;
const BUCKET = 10 * 60 * 1000;
const H = 60 * 60 * 1000;
const T0 = Date.parse('2026-12-04T03:00:00.000Z');
const TIER: MessagingLimitTier = { name: 'TIER_250', limit: 250 };
afterAll(() => raw.destroy());

/** Every request the store makes, by command name. */
function counting() {
  const commands: string[] = [];
  const counted = DynamoDBDocumentClient.from(raw);
  const send = counted.send.bind(counted) as (c: object, ...rest: unknown[]) => Promise<unknown>;
  counted.send = ((c: object, ...rest: unknown[]) => {
    commands.push(c.constructor.name);
    return send(c, ...rest);
  }) as unknown as DynamoDBDocumentClient['send'];
  return { store: createMessagingLimitStore({ client: counted, tableName, bucketMs: BUCKET }), commands };
}

/** A unique portfolio id above 2^53, as Meta's ids are. */
function portfolio(): string {
  return `90071992547409${String(Number.parseInt(randomBytes(3).toString('hex'), 16)).padStart(8, '0')}`;
}
/** Recipients as Meta gives them, including numbers in right-to-left locales (Saudi, Israeli). */
const recipients = ['966501234567', '972521234567', '447911123456', '33612345678', '5511987654321'];
function admission(portfolioId: string, recipient: string, now: number, over: Partial<LimitAdmission> = {}): LimitAdmission {
  return { portfolioId, recipient, isTemplate: true, windowOpen: false, tier: TIER, now, ...over };
}

describe('messaging limit usage (read only)', () => {
  it('reports no users and no age-outs for a portfolio never counted, with one GetItem', async () => {
    const c = counting();
    expect(await c.store.usage(portfolio(), T0)).toEqual({ count: 0, ageOuts: [] });
    expect(c.commands).toEqual(['GetCommand']);
  });

  it('counts each unique user once, ignores sends in an open window and non-templates, and dates each bucket’s age-out', async () => {
    const p = portfolio();
    const { store, commands } = counting();
    await store.admit(admission(p, recipients[0]!, T0));
    await store.admit(admission(p, recipients[0]!, T0 + 5 * 60_000));
    await store.admit(admission(p, recipients[1]!, T0 + 1000));
    await store.admit(admission(p, recipients[2]!, T0 + 2 * H, { windowOpen: true }));
    await store.admit(admission(p, recipients[3]!, T0 + 2 * H, { isTemplate: false }));
    await store.admit(admission(p, recipients[4]!, T0 + 3 * H + 1));
    commands.length = 0;

    expect(await store.usage(p, T0 + 4 * H)).toEqual({
      count: 3,
      ageOuts: [
        { at: T0 + BUCKET + MESSAGING_LIMIT_WINDOW_MS, count: 2 },
        { at: T0 + 3 * H + BUCKET + MESSAGING_LIMIT_WINDOW_MS, count: 1 },
      ],
    });
    expect(commands).toEqual(['GetCommand']);
  });

  it('drops a bucket from the count exactly when its end is 24 h old, and keeps it one millisecond before', async () => {
    const p = portfolio();
    await client.send(new PutCommand({ TableName: tableName, Item: { pk: `MLIMIT#${p}`, sk: 'WINDOW', total: 7, [`b${T0 / BUCKET}`]: 7 } }));
    const store = createMessagingLimitStore({ client, tableName, bucketMs: BUCKET });
    const edge = T0 + BUCKET + MESSAGING_LIMIT_WINDOW_MS;
    expect(await store.usage(p, edge - 1)).toEqual({ count: 7, ageOuts: [{ at: edge, count: 7 }] });
    expect(await store.usage(p, edge)).toEqual({ count: 0, ageOuts: [] });
  });

  it('writes nothing: the window item, expired buckets included, is as admit left it', async () => {
    const p = portfolio();
    const store = createMessagingLimitStore({ client, tableName, bucketMs: BUCKET });
    await store.admit(admission(p, recipients[0]!, T0));
    const key = { pk: `MLIMIT#${p}`, sk: 'WINDOW' };
    const before = (await client.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
    expect(await store.usage(p, T0 + 2 * MESSAGING_LIMIT_WINDOW_MS)).toEqual({ count: 0, ageOuts: [] });
    const after = (await client.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
    expect(after).toEqual(before);
    expect(after?.[`b${T0 / BUCKET}`]).toBe(1);
  });

  it('names a bucket that does not hold a number instead of miscounting', async () => {
    const p = portfolio();
    await client.send(new PutCommand({ TableName: tableName, Item: { pk: `MLIMIT#${p}`, sk: 'WINDOW', total: 1, [`b${T0 / BUCKET}`]: 'one' } }));
    const store = createMessagingLimitStore({ client, tableName, bucketMs: BUCKET });
    await expect(store.usage(p, T0)).rejects.toThrow(MessagingLimitItemCorruptError);
  });
});
