/**
 * The health store on DynamoDB Local: records keyed apart from the number registry, conditional writes on version
 * (concurrent applies lose no fact), out-of-order and duplicated facts ending on the in-order record, corrupt items
 * named. The shuffle is seeded from `FUZZ_SEED` (printed in the suite name).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, describe, expect, inject, it } from 'vitest';

import { createHealthStore, HealthItemCorruptError, HealthWriteConflictError, healthKeys } from '#shared/adapters/health-store.js';
import { createNumberRegistry } from '#shared/adapters/number-registry.js';
import { factFromAccountUpdated } from '#shared/domain/health/facts-from-events.js';
import type { AccountHealthFact, NumberHealthFact } from '#shared/domain/health/records.js';
import { decideSend } from '#shared/domain/health/send-decision.js';
import { BadRequestError } from '#shared/errors.js';
import { localClientConfig } from '#infra/local/emulators.js';
import { STATE_TABLE } from '#infra/topology.js';
import { countCommands, uniqueWaba } from '#test/support/contacts-harness.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 2026_1204);
const tableName = inject('tableNames')[STATE_TABLE.id]!;
const raw = new DynamoDBClient(localClientConfig(inject('dynamoEndpoint')));
const client = DynamoDBDocumentClient.from(raw);
const commands = countCommands(client);
const store = createHealthStore({ client, tableName });
afterAll(() => raw.destroy());

const RECORDED = '2026-12-04T03:30:00.000Z';
const at = (seconds: number) => new Date(Date.UTC(2026, 11, 4, 1, 0, 0) + seconds * 1000).toISOString();
/** Phone number ids above 2^53, unique per test. */
const uniqueNumber = () => `1${uniqueWaba()}`;

describe('health store on DynamoDB Local', () => {
  it('stores a number beside the number registry item of the same id without touching it', async () => {
    const id = uniqueNumber();
    const waba = uniqueWaba();
    await createNumberRegistry({ client, tableName }).remember(id, waba);
    const result = await store.applyNumberFact({ at: at(0), phoneNumberId: id, businessAccountId: waba, quality: 'GREEN', throughputMps: 80 }, RECORDED);
    expect(result.outcome).toBe('changed');
    expect(await store.getNumber(id)).toMatchObject({ phoneNumberId: id, businessAccountId: waba, quality: 'GREEN', throughputMps: 80, version: 1 });
    expect(await createNumberRegistry({ client, tableName }).businessAccountOf(id)).toBe(waba);
    const item = await client.send(new GetCommand({ TableName: tableName, Key: healthKeys.number(id) }));
    expect(item.Item).toMatchObject({ pk: `HEALTH#${id}`, sk: 'HEALTH', entity: 'HEALTH', version: 1 });
  });

  it('answers undefined for a number or account it has never heard of', async () => {
    expect(await store.getNumber(uniqueNumber())).toBeUndefined();
    expect(await store.getAccount(uniqueWaba())).toBeUndefined();
  });

  it('keeps a restriction from account_update and defers a business-initiated send until it expires', async () => {
    const waba = uniqueWaba();
    const fact = factFromAccountUpdated(
      { repairedCharacters: 0, businessAccountId: waba, event: 'ACCOUNT_RESTRICTION', details: { restriction_info: [{ restriction_type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiration: Date.parse(at(86_400)) / 1000 }] } },
      at(0),
    );
    const result = await store.applyAccountFact(fact, RECORDED);
    expect(result.outcome === 'changed' && result.events.map((e) => e.detailType)).toEqual(['AccountRestricted']);
    const account = await store.getAccount(waba);
    expect(account).toMatchObject({ businessAccountId: waba, restrictions: [{ type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiresAt: at(86_400) }], version: 1 });
    expect(decideSend(account, 'template_outside_window', at(60))).toMatchObject({ decision: 'deferred', reason: 'account_restricted', until: at(86_400) });
    expect(decideSend(account, 'service', at(60))).toEqual({ decision: 'allowed' });
  });

  it('writes nothing for a stale or duplicated fact: one GetItem and no PutItem', async () => {
    const id = uniqueNumber();
    await store.applyNumberFact({ at: at(100), phoneNumberId: id, quality: 'RED' }, RECORDED);
    commands.reset();
    expect(await store.applyNumberFact({ at: at(50), phoneNumberId: id, quality: 'GREEN' }, RECORDED)).toMatchObject({ outcome: 'unchanged', why: 'stale' });
    expect(await store.applyNumberFact({ at: at(100), phoneNumberId: id, quality: 'RED' }, RECORDED)).toMatchObject({ outcome: 'unchanged', why: 'duplicate' });
    expect(commands.names).toEqual(['GetCommand', 'GetCommand']);
    expect(await store.getNumber(id)).toMatchObject({ quality: 'RED', version: 1 });
  });

  it(`ends on the in-order record when facts arrive shuffled, duplicated and concurrently (FUZZ_SEED=${SEED})`, async () => {
    const waba = uniqueWaba();
    const id = uniqueNumber();
    const numberFacts: NumberHealthFact[] = [
      { at: at(0), phoneNumberId: id, quality: 'GREEN', throughputMps: 80, status: 'CONNECTED' },
      { at: at(10), phoneNumberId: id, quality: 'YELLOW' },
      { at: at(20), phoneNumberId: id, throughputMps: 1000, event: 'THROUGHPUT_UPGRADE' },
      { at: at(30), phoneNumberId: id, quality: 'RED', status: 'FLAGGED' },
      { at: at(30), phoneNumberId: id, quality: 'YELLOW' },
      { at: at(40), phoneNumberId: id, event: 'ONBOARDING' },
    ];
    const accountFacts: AccountHealthFact[] = [
      { at: at(0), businessAccountId: waba, event: 'ACCOUNT_RESTRICTION', restrictions: [{ type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiresAt: at(9000) }] },
      { at: at(5), businessAccountId: waba, messagingLimitTier: 'TIER_250' },
      { at: at(15), businessAccountId: waba, event: 'ACCOUNT_RESTRICTION', restrictions: [] },
      { at: at(25), businessAccountId: waba, messagingLimitTier: 'TIER_2K' },
      { at: at(35), businessAccountId: waba, event: 'DISABLED_UPDATE' },
    ];
    const [numberOrder, accountOrder] = fc.sample(
      fc.tuple(
        fc.shuffledSubarray([...numberFacts, ...numberFacts.slice(0, 3)], { minLength: numberFacts.length + 3, maxLength: numberFacts.length + 3 }),
        fc.shuffledSubarray([...accountFacts, ...accountFacts.slice(1, 3)], { minLength: accountFacts.length + 2, maxLength: accountFacts.length + 2 }),
      ),
      { seed: SEED, numRuns: 1 },
    )[0]!;
    // Two writers at once on each record: the conditional write makes the loser re-read and re-apply.
    const half = Math.ceil(numberOrder.length / 2);
    await Promise.all([
      (async () => {
        for (const fact of numberOrder.slice(0, half)) await store.applyNumberFact(fact, RECORDED);
      })(),
      (async () => {
        for (const fact of numberOrder.slice(half)) await store.applyNumberFact(fact, RECORDED);
      })(),
      (async () => {
        for (const fact of accountOrder.slice(0, 3)) await store.applyAccountFact(fact, RECORDED);
      })(),
      (async () => {
        for (const fact of accountOrder.slice(3)) await store.applyAccountFact(fact, RECORDED);
      })(),
    ]);
    expect(await store.getNumber(id)).toMatchObject({
      quality: 'YELLOW', // same second as RED: ordered by value, so every arrival order agrees
      throughputMps: 1000,
      status: 'FLAGGED',
      lastEvent: 'ONBOARDING',
      asOf: { quality: at(30), throughput: at(20), status: at(30), event: at(40) },
    });
    expect(await store.getAccount(waba)).toMatchObject({
      restrictions: [],
      messagingLimitTier: 'TIER_2K',
      events: { ACCOUNT_RESTRICTION: at(15), DISABLED_UPDATE: at(35) },
      asOf: { restrictions: at(15), messagingLimit: at(25) },
    });
  });

  it('gives up with HealthWriteConflictError when another writer wins every attempt', async () => {
    const id = uniqueNumber();
    await store.applyNumberFact({ at: at(0), phoneNumberId: id, quality: 'GREEN' }, RECORDED);
    let version = 1;
    const racing = DynamoDBDocumentClient.from(raw);
    const send = racing.send.bind(racing) as (command: object) => Promise<unknown>;
    // Before each conditional write, another writer bumps the stored version.
    racing.send = (async (command: object) => {
      if (command instanceof PutCommand) {
        version += 1;
        await send(new PutCommand({ TableName: tableName, Item: { ...healthKeys.number(id), entity: 'HEALTH', version, document: JSON.stringify({ phoneNumberId: id, quality: 'GREEN', asOf: { quality: at(0) }, version, updatedAt: RECORDED }) } }));
      }
      return send(command);
    }) as unknown as DynamoDBDocumentClient['send'];
    const contested = createHealthStore({ client: racing, tableName, maxApplyAttempts: 3, sleep: async () => {} });
    await expect(contested.applyNumberFact({ at: at(60), phoneNumberId: id, quality: 'RED' }, RECORDED)).rejects.toBeInstanceOf(HealthWriteConflictError);
  });

  it('names a corrupt item instead of returning it', async () => {
    const waba = uniqueWaba();
    await client.send(new PutCommand({ TableName: tableName, Item: { ...healthKeys.account(waba), version: 1, document: '{"businessAccountId":"x"}' } }));
    await expect(store.getAccount(waba)).rejects.toBeInstanceOf(HealthItemCorruptError);
    const other = uniqueWaba();
    await client.send(new PutCommand({ TableName: tableName, Item: { ...healthKeys.account(other), version: 1, document: 'not json 🙃' } }));
    await expect(store.getAccount(other)).rejects.toThrow(/document is not JSON/);
  });

  it('refuses ids that are not digits with a 400 naming the field, before any request', async () => {
    commands.reset();
    await expect(store.getNumber('+44 7700 900123')).rejects.toMatchObject({ statusCode: 400, code: 'invalid_phone_number_id' });
    await expect(store.applyAccountFact({ at: at(0), businessAccountId: 'ACCOUNT#1', event: 'X' }, RECORDED)).rejects.toBeInstanceOf(BadRequestError);
    expect(commands.names).toEqual([]);
  });
});
