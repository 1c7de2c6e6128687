/**
 * Finance's reads of the billing ledger on DynamoDB Local: the month report over HTTP (the route's handler) and from
 * the CLI (`npm run billing -- report`, `import-card`), over entries the ledger writer recorded.
 */
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { createGetBillingReport } from '#functions/get-billing-report.js';
import { main } from '#infra/ops/billing.js';
import { localClientConfig } from '#infra/local/emulators.js';
import { LEDGER_TABLE } from '#infra/topology.js';
import { createLedgerStore } from '#shared/adapters/ledger-store.js';
import type { LedgerEntry } from '#shared/domain/billing/ledger.js';
import type { HttpEvent } from '#shared/middleware/http.js';
import { uniqueWaba } from '#test/support/contacts-harness.js';
import { ledgerEntry } from '#test/support/ledger-entries.js';

const raw = new DynamoDBClient(localClientConfig(inject('dynamoEndpoint')));
const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
const table = inject('tableNames')[LEDGER_TABLE.id]!;
const ledger = createLedgerStore({ client, tableName: table });
afterAll(() => raw.destroy());

const WABA = uniqueWaba();
const NUMBER = `1${WABA}`;

const entry = (n: number, overrides: Partial<LedgerEntry>): LedgerEntry => ledgerEntry({ account: WABA, n, month: '2026-11', label: 'report' }, { platformFeeMicros: 1_000, ...overrides });

beforeAll(async () => {
  const entries = [
    entry(1, {}),
    entry(2, {}),
    entry(3, { market: 'France', amountMicros: 118_600, rateMicros: 118_600 }),
    entry(4, { pricingCategory: 'utility', market: 'France', pricingType: 'free_customer_service', billable: false, amountMicros: 0, rateMicros: 0, day: '2026-11-30' }),
    entry(5, { pricingType: 'unrated', billable: false, amountMicros: 0, rateMicros: 0, platformFeeMicros: 0, market: 'Saudi Arabia', reason: 'the USD@2026-10-01 rate card has no market "Saudi Arabia"' }),
    // Another month, and another account: neither is read.
    entry(6, { month: '2026-12', day: '2026-12-01' }),
    { ...entry(7, {}), businessAccountId: `${WABA}9` },
  ];
  for (const e of entries) expect(await ledger.record(e)).toBeDefined();
});

const http = (query: Record<string, string>, account = WABA): HttpEvent => ({ pathParameters: { businessAccountId: account }, queryStringParameters: query }) as unknown as HttpEvent;
const getReport = createGetBillingReport({ ledger });

describe('GET /accounts/{businessAccountId}/billing', () => {
  it("groups the account's month by market and category, with exact totals, and reads no other month or account", async () => {
    const answer = await getReport(http({ month: '2026-11', by: 'market,category' }));
    expect(answer.statusCode).toBe(200);
    const body = JSON.parse(String(answer.body)) as Record<string, unknown>;
    expect(body).toEqual({
      businessAccountId: WABA,
      month: '2026-11',
      by: ['market', 'category'],
      groups: [
        { market: 'France', category: 'marketing', messages: 1, billable: 1, unrated: 0, amountMicros: 118_600, amount: '0.1186', platformFeeMicros: 1_000, platformFee: '0.001' },
        { market: 'France', category: 'utility', messages: 1, billable: 0, unrated: 0, amountMicros: 0, amount: '0', platformFeeMicros: 1_000, platformFee: '0.001' },
        { market: 'Saudi Arabia', category: 'marketing', messages: 1, billable: 0, unrated: 1, amountMicros: 0, amount: '0', platformFeeMicros: 0, platformFee: '0' },
        { market: 'Spain', category: 'marketing', messages: 2, billable: 2, unrated: 0, amountMicros: 141_400, amount: '0.1414', platformFeeMicros: 2_000, platformFee: '0.002' },
      ],
      totals: [{ currency: 'USD', messages: 5, billable: 3, unrated: 1, amountMicros: 260_000, amount: '0.26', platformFeeMicros: 4_000, platformFee: '0.004' }],
    });
  });

  it('gives a daily series and a CSV export', async () => {
    const daily = JSON.parse(String((await getReport(http({ month: '2026-11', by: 'day' }))).body)) as { groups: { day: string; amountMicros: number }[] };
    expect(daily.groups.map((g) => [g.day, g.amountMicros])).toEqual([
      ['2026-11-02', 260_000],
      ['2026-11-30', 0],
    ]);
    const csv = await getReport(http({ month: '2026-11', by: 'pricingType', format: 'csv' }));
    expect(csv.headers?.['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body).toBe('pricingType,messages,billable,unrated,amount,platformFee\r\nfree_customer_service,1,0,0,0,0.001\r\nregular,3,3,0,0.26,0.003\r\nunrated,1,0,1,0,0\r\n');
  });

  it.each([
    [{}, 'month: is required (YYYY-MM)'],
    [{ month: '2026-11', by: 'colour' }, 'by: cannot group by "colour"'],
    [{ month: 'november' }, 'month: must be a month, YYYY-MM'],
    [{ month: '2026-11', format: 'pdf' }, 'format: must be json or csv'],
    [{ month: '2026-11', limit: '5' }, 'limit: is not a known field'],
  ])('answers %j with a 400 naming the parameter', async (query, problem) => {
    await expect(getReport(http(query as Record<string, string>))).rejects.toMatchObject({ statusCode: 400, message: expect.stringContaining(problem) });
  });
});

describe('npm run billing', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), readFile: (p: string) => readFileSync(p, 'utf8'), dynamo: client, now: () => 1 } };
  };

  it('reports a month as a table with progress on stderr, as CSV, and as JSON', async () => {
    const table1 = io();
    expect(await main(['report', '--account', WABA, '--month', '2026-11', '--by', 'market', '--table', table], table1.io)).toBe(0);
    expect(table1.err).toEqual(['read 5 entries (1 page)']);
    expect(table1.out).toEqual([
      'market        messages  billable  unrated  amount  platformFee',
      'France        2         1         0        0.1186  0.002',
      'Saudi Arabia  1         0         1        0       0',
      'Spain         2         2         0        0.1414  0.002',
      'total USD     5         3         1        0.26    0.004',
    ]);
    const csv = io();
    expect(await main(['report', '--account', WABA, '--month', '2026-11', '--by', 'category', '--format', 'csv'], csv.io, { LEDGER_TABLE_NAME: table })).toBe(0);
    expect(csv.out).toEqual(['category,messages,billable,unrated,amount,platformFee', 'marketing,4,3,1,0.26,0.003', 'utility,1,0,0,0,0.001']);
    const json = io();
    await main(['report', '--account', WABA, '--month', '2026-12', '--format', 'json', '--table', table], json.io);
    expect(JSON.parse(json.out[0]!)).toMatchObject({ groups: [{ messages: 1, amountMicros: 70_700 }] });
  });

  it('imports a rate card once, names the card of another content for that day, and refuses a bad file', async () => {
    const file = resolve(import.meta.dirname, '../../../examples/billing/rate-card-eur-2024-11-01.sample.csv');
    const first = io();
    expect(await main(['import-card', '--file', file, '--table', table], first.io)).toBe(0);
    expect(JSON.parse(first.out[0]!)).toMatchObject({ currency: 'EUR', effectiveFrom: '2024-11-01', markets: 4, rateCardVersion: 'EUR@2024-11-01' });
    const again = io();
    expect(await main(['import-card', '--file', file, '--table', table], again.io)).toBe(0);
    expect(JSON.parse(again.out[0]!)).toMatchObject({ outcome: 'unchanged' });
    const other = io();
    const changed = readFileSync(file, 'utf8').replace('France,EUR,0.1186', 'France,EUR,0.2000');
    expect(await main(['import-card', '--file', 'changed.csv', '--table', table], { ...other.io, readFile: () => changed })).toBe(1);
    expect(other.err).toEqual(['another EUR card is already effective 2024-11-01: cards never change once imported; date a corrected card from its own day']);
    const tiered = io();
    const files: Record<string, string> = {
      'inr.csv': 'Market,Currency,Marketing,Utility,Authentication\nIndia,XTS,0.0118,0.0014,0.0014',
      'tiers.csv': 'Market,Category,From,To,Rate\nIndia,utility,1,100000,\nIndia,utility,100001,,0.0012',
    };
    expect(await main(['import-card', '--file', 'inr.csv', '--volume-tiers', 'tiers.csv', '--effective-from', '2027-01-01', '--currency', 'XTS', '--table', table], { ...tiered.io, readFile: (p) => files[p]! })).toBe(0);
    expect(JSON.parse(tiered.out[0]!)).toMatchObject({ outcome: 'created', currency: 'XTS', volumeTiers: 1 });
    const { createRateCardStore } = await import('#shared/adapters/ledger-store.js');
    const stored = (await createRateCardStore({ client, tableName: table }).cards('XTS')).find((c) => c.effectiveFrom === '2027-01-01');
    expect(stored?.volumeTiers?.get('India|utility')).toEqual([{ from: 1, rateMicros: 1_400 }, { from: 100_001, rateMicros: 1_200 }]);

    const bad = io();
    expect(await main(['import-card', '--file', 'bad.csv', '--table', table, '--effective-from', '2027-01-01'], { ...bad.io, readFile: () => 'Market,Currency,Marketing,Utility\nFrance,EUR,lots,0.02' })).toBe(2);
    expect(bad.err).toEqual(['rate card bad.csv: line 2: France marketing rate "lots" must be a decimal amount such as 0.0456']);
  });

  it("reconciles the month with Meta's pricing_analytics by UTC day, market, category and type, naming each difference", async () => {
    const start = Date.parse('2026-11-02T00:00:00Z') / 1000;
    const point = (country: string, category: string, type: string, volume: number, cost: number) => ({ start, end: start + 86_400, country, pricing_category: category, pricing_type: type, volume, cost, phone: NUMBER });
    const analytics = {
      pricing_analytics: {
        data: [
          {
            data_points: [
              point('ES', 'MARKETING', 'REGULAR', 2, 0.1414),
              point('FR', 'MARKETING', 'REGULAR', 1, 0.1186),
              point('FR', 'UTILITY', 'FREE_CUSTOMER_SERVICE', 1, 0),
              point('SA', 'MARKETING', 'REGULAR', 1, 0.0455),
            ],
          },
        ],
      },
      id: WABA,
    };
    const run = io();
    const status = await main(['reconcile', '--account', WABA, '--month', '2026-11', '--analytics', 'analytics.json', '--table', table], { ...run.io, readFile: () => JSON.stringify(analytics) });
    expect(status).toBe(3);
    expect(run.out).toEqual([
      `${WABA} 2026-11: Relais 5 messages 0.26, Meta 5 messages 0.3055; 2 of 5 day, market, category and type keys differ`,
      '2026-11-02 Saudi Arabia marketing regular: Relais 0 messages 0, Meta 1 messages 0.0455',
      '2026-11-02 Saudi Arabia marketing unrated: Relais 1 messages 0, Meta 0 messages 0',
    ]);

    const agreeing = { data: [{ data_points: analytics.pricing_analytics.data[0]!.data_points.slice(0, 3) }] };
    const withoutSaudi = io();
    // The unrated Saudi entry stays a difference: Meta's file has no such key.
    expect(await main(['reconcile', '--account', WABA, '--month', '2026-11', '--analytics', 'a.json', '--format', 'json', '--table', table], { ...withoutSaudi.io, readFile: () => JSON.stringify(agreeing) })).toBe(3);
    expect(JSON.parse(withoutSaudi.out[0]!)).toMatchObject({ compared: 4, differences: [expect.objectContaining({ market: 'Saudi Arabia', pricingType: 'unrated' })] });

    const bad = io();
    expect(await main(['reconcile', '--account', WABA, '--month', '2026-11', '--analytics', 'bad.json', '--table', table], { ...bad.io, readFile: () => '{"data":[{"data_points":[{"start":"yesterday","country":"France","volume":1.5}]}]}' })).toBe(2);
    expect(bad.err).toEqual([
      'analytics bad.json: data[0].data_points[0].start: must be epoch seconds',
      'analytics bad.json: data[0].data_points[0].country: must be a country code such as FR',
      'analytics bad.json: data[0].data_points[0].pricing_category: must be a category such as MARKETING',
      'analytics bad.json: data[0].data_points[0].volume: must be a whole number of messages',
    ]);
  });
});
