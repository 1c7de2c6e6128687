/**
 * Fuzzing the billing ledger's entry points on DynamoDB Local: the Billing consumer's use case with status webhooks
 * as ingestion could publish them (every status, pricing objects real and odd, recipients by phone, BSUID or neither,
 * ids above 2^53, repeats in any order), and the report route with arbitrary query strings. Neither may throw; each
 * message gets at most one entry, and a 4xx names its parameter.
 * Reproducible: seeded from `FUZZ_SEED`; `FUZZ_RUNS` sets the number of runs (default 200).
 */
import { resolve } from 'node:path';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { createGetBillingReport } from '#functions/get-billing-report.js';
import { localClientConfig } from '#infra/local/emulators.js';
import { readRateCardFile } from '#infra/local/local-rate-cards.js';
import { LEDGER_TABLE, STATE_TABLE } from '#infra/topology.js';
import { createContactStore } from '#shared/adapters/contact-store.js';
import { createLedgerStore, createRateCardStore } from '#shared/adapters/ledger-store.js';
import { createMessageStore } from '#shared/adapters/message-store.js';
import { BillingSettingsSchema, billingResolver } from '#shared/billing-config.js';
import type { MessageStatusUpdated } from '#shared/contracts/events/ingestion.js';
import { SAMPLE_MARKET_MAPS } from '#shared/domain/billing/markets.js';
import { RelaisError } from '#shared/errors.js';
import { detailSchemaFor, type DomainEvent } from '#shared/contracts/events/registry.js';
import type { HttpEvent } from '#shared/middleware/http.js';
import { recordCharge } from '#shared/usecases/record-charges.js';
import { uniqueWaba } from '#test/support/contacts-harness.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 12_2026);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 200);
const seedNote = `FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`;

const raw = new DynamoDBClient(localClientConfig(inject('dynamoEndpoint')));
const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
const stateTable = inject('tableNames')[STATE_TABLE.id]!;
const ledgerTable = inject('tableNames')[LEDGER_TABLE.id]!;
const ledger = createLedgerStore({ client, tableName: ledgerTable });
const cards = createRateCardStore({ client, tableName: ledgerTable });
afterAll(() => raw.destroy());

beforeAll(async () => {
  const card = readRateCardFile(resolve(import.meta.dirname, '../../../examples/billing/rate-card-usd-2026-10-01.sample.csv'));
  expect(['created', 'unchanged']).toContain(await cards.put(card, Date.now()));
});

const WABA = uniqueWaba();
const deps = {
  messages: createMessageStore({ client, tableName: stateTable }),
  contacts: createContactStore({ client, tableName: stateTable }),
  ledger,
  rateCards: cards,
  marketMaps: SAMPLE_MARKET_MAPS,
  billingFor: billingResolver(BillingSettingsSchema.parse({ default: { currency: 'USD', timeZone: 'Pacific/Chatham', monthlyBudget: '0.5' } }), {}),
  publish: async (events: readonly DomainEvent[]) => {
    for (const event of events) expect(detailSchemaFor(event.detailType).safeParse({ metadata: event.metadata, data: event.data }).success).toBe(true);
  },
  now: () => Date.parse('2026-12-04T09:00:00Z'),
};

const pricing = fc.oneof(
  fc.constant(undefined),
  fc.record(
    {
      model: fc.constantFrom('PMP', 'CBP', 'pmp', ''),
      type: fc.constantFrom('regular', 'free_customer_service', 'free_entry_point', 'free_group_customer_service', undefined),
      category: fc.constantFrom('marketing', 'utility', 'authentication', 'authentication-international', 'service', 'referral_conversion', 'marketing_lite', '🤖'),
      billable: fc.constantFrom(true, false, undefined),
    },
    { requiredKeys: ['model', 'category'] },
  ),
);

const statusUpdate = fc.record({
  wamid: fc.integer({ min: 0, max: 30 }).map((n) => `wamid.HBgLfuzz${WABA}${n}`),
  status: fc.constantFrom('sent', 'delivered', 'read', 'played', 'failed'),
  // From 1970 to 2100, in a timezone 13:45 ahead of UTC.
  timestamp: fc.integer({ min: 0, max: 4_102_444_800 }),
  recipient: fc.oneof(
    fc.record({ waId: fc.constantFrom('447911123456', '34612345678', '18765551234', '9', '99999999999999999999') }),
    fc.record({ userId: fc.constantFrom('FR.13491208655302741918', 'ZZ.1', 'US.ENT.42') }),
    fc.constant({}),
  ),
  pricing,
  bizOpaqueCallbackData: fc.option(fc.constantFrom('m_missing', 'שלום 👋', '9007199254740993'), { nil: undefined }),
});

describe(`fuzzed billing entry points (${seedNote})`, () => {
  it('records any status webhook without throwing, at most one entry per message', async () => {
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(statusUpdate, async (update) => {
        const event = { repairedCharacters: 0, business: { businessAccountId: WABA, phoneNumberId: `1${WABA}` }, ...update } as unknown as MessageStatusUpdated;
        const result = await recordCharge(event, deps);
        outcomes.set(result.outcome, (outcomes.get(result.outcome) ?? 0) + 1);
        if (result.outcome === 'recorded' || result.outcome === 'unrated') {
          expect(Number.isSafeInteger(result.entry.amountMicros) && result.entry.amountMicros >= 0).toBe(true);
          expect(JSON.stringify(result.entry)).not.toMatch(/447911123456|34612345678/);
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    const keys = new Map<string, number>();
    // Every entry of the fuzzed account, whatever its month (a test may scan), is one per message.
    const { Items } = await client.send(new ScanCommand({ TableName: ledgerTable, FilterExpression: 'businessAccountId = :w', ExpressionAttributeValues: { ':w': WABA } }));
    for (const item of Items ?? []) keys.set(String(item['messageKey']), (keys.get(String(item['messageKey'])) ?? 0) + 1);
    expect([...keys.values()].every((n) => n === 1)).toBe(true);
    expect(outcomes.get('recorded') ?? 0, `outcomes ${JSON.stringify([...outcomes])}`).toBeGreaterThan(0);
    expect(outcomes.get('ignored') ?? 0).toBeGreaterThan(0);
  });

  it('answers any report query with 200 or a 400 naming a parameter', async () => {
    const getReport = createGetBillingReport({ ledger });
    const value = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('2026-11', '2026-13', 'market,category', 'day', 'csv', 'json', '', 'market,market', '%2C'));
    const query = fc.dictionary(fc.constantFrom('month', 'by', 'format', 'limit', '__proto__', 'constructor'), value, { maxKeys: 4 });
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(query, async (params) => {
        const event = { pathParameters: { businessAccountId: WABA }, queryStringParameters: params } as unknown as HttpEvent;
        try {
          const answer = await getReport(event);
          statuses.set(answer.statusCode ?? 0, (statuses.get(answer.statusCode ?? 0) ?? 0) + 1);
          expect(answer.statusCode).toBe(200);
        } catch (error) {
          expect(error).toBeInstanceOf(RelaisError);
          expect((error as RelaisError).statusCode).toBe(400);
          expect((error as Error).message).toMatch(/^invalid request: \S/);
          statuses.set(400, (statuses.get(400) ?? 0) + 1);
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    expect(statuses.get(200) ?? 0, `statuses ${JSON.stringify([...statuses])}`).toBeGreaterThan(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
  });
});
