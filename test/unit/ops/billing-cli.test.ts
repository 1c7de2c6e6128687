import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { BILLING_USAGE, main, parseBillingArgs } from '#infra/ops/billing.js';
import { parseFactFile, parseFactLine } from '#shared/contracts/billing/rating-facts.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/billing/', import.meta.url));
const USD_OCT = `${EXAMPLES}rate-card-usd-2026-10-01.sample.csv`;
const USD_JUL = `${EXAMPLES}rate-card-usd-2026-07-01.sample.csv`;
const EUR = `${EXAMPLES}rate-card-eur-2024-11-01.sample.csv`;
const CAMPAIGN = `${EXAMPLES}campaign.sample.jsonl`;

/** Runs the CLI in process, over the real files plus any given in memory. */
async function run(argv: string[], files: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(argv, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    readFile: (path) => files[path] ?? readFileSync(path, 'utf8'),
  });
  return { status, out, err, json: out.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const rate = (events: string, extra: string[] = []) => ['rate', '--rate-card', USD_OCT, '--timezone', 'Europe/Paris', '--currency', 'USD', '--events', events, ...extra];

describe('npm run billing -- rate', () => {
  it('prints one line per outbound message of the sample campaign and the exact total', async () => {
    const { status, json, err } = await run(rate(CAMPAIGN));
    expect(err).toEqual([]);
    expect(status).toBe(0);
    expect(json.slice(0, -1).map((line) => [line['id'], line['market'], line['category'], line['pricingType'], line['amountMicros']])).toEqual([
      ['m1', 'France', 'referral_conversion', 'free_entry_point', 0],
      ['m2', 'France', 'referral_conversion', 'free_entry_point', 0],
      ['m3', 'Spain', 'marketing', 'regular', 70_700],
      ['m4', 'Germany', 'utility', 'not_delivered', 0],
      ['m5', 'North America', 'service', 'regular', 3_400],
      ['m6', 'North America', 'utility', 'regular', 3_400],
    ]);
    expect(json[2]).toEqual({
      id: 'm3',
      at: '2026-11-02T09:10:05.000Z',
      market: 'Spain',
      category: 'marketing',
      pricingModel: 'PMP',
      pricingType: 'regular',
      billable: true,
      amountMicros: 70_700,
      currency: 'USD',
      month: '2026-11',
      reason: 'a delivered marketing template',
      platformFeeMicros: 0,
      rateCardVersion: 'USD@2026-10-01',
    });
    expect(json.at(-1)).toEqual({ total: { amountMicros: 77_500, platformFeeMicros: 0, currency: 'USD', messages: 6 } });
  });

  it('prices last month under a new card: the same traffic, two cards, each in force on its day', async () => {
    const events = [
      '{"at":"2026-09-30T21:59:00Z","direction":"outbound","id":"before","to":"+525512345678","type":"template","category":"marketing"}',
      '{"at":"2026-09-30T22:00:00Z","direction":"outbound","id":"after","to":"+525512345678","type":"template","category":"marketing"}',
    ].join('\n');
    const { status, json } = await run(['rate', '--rate-card', USD_JUL, '--rate-card', USD_OCT, '--timezone', 'Europe/Paris', '--currency', 'USD', '--events', 'mx.jsonl'], { 'mx.jsonl': events });
    expect(status).toBe(0);
    // 23:59 and 00:00 in Paris (UTC+2): the October card's 0.0397 from midnight.
    expect(json.map((line) => line['amountMicros'] ?? (line['total'] as { amountMicros: number }).amountMicros)).toEqual([30_500, 39_700, 70_200]);
  });

  it('adds the platform fee to delivered messages and totals it apart', async () => {
    const { json } = await run(rate(CAMPAIGN, ['--platform-fee', '0.001']));
    expect(json.at(-1)).toEqual({ total: { amountMicros: 77_500, platformFeeMicros: 5_000, currency: 'USD', messages: 6 } });
  });

  it('reports every bad line with its number and prints nothing on stdout', async () => {
    const events = [
      '{"at":"2026-11-02T09:00:00Z","direction":"outbound","id":"m1","to":"+33612345678","type":"template","category":"utility"}',
      'not json 🚫',
      '{"at":"2026-11-02T08:00:00Z","direction":"inbound","from":"+33612345678","type":"text"}',
      '',
      '{"at":"2026-11-02T09:30:00Z","status":"delivered","id":"m9"}',
      '{"at":"yesterday","direction":"outbound","id":"m2","to":"0612345678","type":"text"}',
      '[1,2]',
      '{"at":"2026-11-02T09:40:00Z","direction":"outbound","id":"m1","to":"+33612345678","type":"template"}',
    ].join('\n');
    const { status, out, err } = await run(rate('bad.jsonl'), { 'bad.jsonl': events });
    expect(status).toBe(2);
    expect(out).toEqual([]);
    expect(err).toEqual([
      'events bad.jsonl line 2: the line is not valid JSON',
      'events bad.jsonl line 3: at is earlier than the line before: the file must be in time order',
      'events bad.jsonl line 5: no earlier outbound message has id "m9"',
      'events bad.jsonl line 6: at: must be an ISO 8601 time such as 2025-03-12T09:00:00Z',
      'events bad.jsonl line 6: to: must be an E.164 phone number or a BSUID (CC.…)',
      'events bad.jsonl line 7: must be a JSON object',
      'events bad.jsonl line 8: category: is required for a template (marketing, utility, authentication)',
    ]);
  });

  it('exits 1 naming the message when no card covers it', async () => {
    const events = '{"at":"2026-11-02T09:00:00Z","direction":"outbound","id":"jp-1","to":"+819012345678","type":"template","category":"marketing"}';
    const { status, out, err } = await run(['rate', '--rate-card', EUR, '--timezone', 'UTC', '--currency', 'EUR', '--events', 'jp.jsonl'], { 'jp.jsonl': events });
    expect(status).toBe(1);
    expect(out).toEqual([]);
    expect(err).toEqual(['message jp-1: the EUR@2024-11-01 rate card has no market "Rest of Asia Pacific"']);
  });

  it('names a missing file, a card of another currency and a bad card line', async () => {
    expect((await run(rate('nowhere.jsonl'))).err).toEqual(['events nowhere.jsonl: no such file']);
    expect((await run(['rate', '--rate-card', EUR, '--timezone', 'UTC', '--currency', 'USD', '--events', CAMPAIGN])).err).toEqual([
      `rate card ${EUR}: line 3: France is in EUR, the card in USD (one file per currency)`,
      `rate card ${EUR}: line 4: Germany is in EUR, the card in USD (one file per currency)`,
      `rate card ${EUR}: line 5: Spain is in EUR, the card in USD (one file per currency)`,
      `rate card ${EUR}: line 6: Italy is in EUR, the card in USD (one file per currency)`,
    ]);
  });
});

describe('npm run billing: arguments', () => {
  it.each([
    [[], 'no command given (import-card, report, reconcile or rate)'],
    [['invoice'], 'unknown command "invoice" (import-card, report, reconcile or rate)'],
    [['report', '--account', '102290129340398', '--month', '2026-11', '--events', 'e'], '--events is not an option of report'],
    [['report', '--account', 'acme', '--month', '2026-11'], '--account must be a WhatsApp Business Account id (digits), got "acme"'],
    [['report', '--account', '102290129340398', '--month', '2026-13'], '--month must be a month, YYYY-MM, got "2026-13"'],
    [['report', '--account', '102290129340398', '--month', '2026-11', '--by', 'market,colour'], '--by: cannot group by "colour": use market, category, pricingType, pricingModel, phoneNumberId, day, currency, reconciliation'],
    [['report', '--account', '102290129340398', '--month', '2026-11', '--format', 'xlsx', '--table', 't'], '--format must be table, csv or json, got "xlsx"'],
    [['report', '--account', '102290129340398', '--month', '2026-11'], '--table is required (or LEDGER_TABLE_NAME): the LedgerTableName output of the stack'],
    [['import-card', '--table', 't'], "--file FILE is required (Meta's rate card CSV)"],
    [['rate', '--timezone', 'UTC'], "--rate-card FILE is required (Meta's rate card CSV for the currency)"],
    [['rate', '--rate-card', 'a.csv', '--timezone', 'Mars/Olympus', '--currency', 'EUR', '--events', 'e'], '--timezone: "Mars/Olympus" is not an IANA timezone (e.g. Europe/Paris)'],
    [['rate', '--rate-card', 'a.csv', '--timezone', 'UTC', '--currency', 'EURO', '--events', 'e'], '--currency must be an ISO 4217 code such as EUR, got "EURO"'],
    [['rate', '--rate-card', 'a.csv', '--effective-from', '2026-13-01', '--timezone', 'UTC', '--currency', 'EUR', '--events', 'e'], '--effective-from must be a day, YYYY-MM-DD, got "2026-13-01"'],
    [['rate', '--rate-card', 'a.csv', '--timezone', 'UTC', '--currency', 'EUR', '--events', 'e', '--platform-fee=-1'], '--platform-fee must not be negative'],
    [['rate', '--rate-card', 'a.csv', '--timezone', 'UTC', '--currency', 'EUR', '--events', 'e', '--service-allowance', 'lots'], '--service-allowance must be a whole number of messages, got "lots"'],
    [['rate', '--rate-card', 'a.csv', '--timezone', 'UTC', '--currency', 'EUR', '--events', 'e', '--markets', 'm.csv'], '--markets and --markets-effective-from go together'],
    [['rate', '--rate-crad', 'a.csv'], "Unknown option '--rate-crad'"],
  ])('refuses %j: %s', async (argv, problem) => {
    expect(parseBillingArgs(argv)).toEqual({ ok: false, problem });
    const { status, err } = await run(argv);
    expect(status).toBe(2);
    expect(err).toEqual([problem, BILLING_USAGE]);
  });
});

describe('rating facts', () => {
  it('keeps ids as given: emoji, RTL text and numbers above 2^53', async () => {
    const line = parseFactLine('{"at":"2026-11-02T09:00:00+01:00","direction":"outbound","id":"9007199254740993-🎉-שלום","to":"FR.13491208655302741918","type":"image"}');
    expect(line).toEqual({ ok: true, fact: { kind: 'outbound', at: Date.parse('2026-11-02T08:00:00Z'), id: '9007199254740993-🎉-שלום', to: 'FR.13491208655302741918', category: 'service' } });
  });

  it('never throws, whatever the lines, and names a line for every problem', async () => {
    const anyLine = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.json({ maxDepth: 4 }),
      fc.record({
        at: fc.oneof(fc.constant('2026-11-02T09:00:00Z'), fc.string()),
        direction: fc.constantFrom('inbound', 'outbound', 'sideways'),
        id: fc.oneof(fc.string(), fc.integer()),
        to: fc.constantFrom('+33612345678', '+1555', 'US.123', ''),
        from: fc.constantFrom('+33612345678', 42),
        type: fc.constantFrom('template', 'text', ''),
        category: fc.constantFrom('marketing', 'utility', 'promo'),
        status: fc.constantFrom('delivered', 'read', 'lost'),
      }, { requiredKeys: [] }).map((value) => JSON.stringify(value)),
      fc.constant(`${'['.repeat(10_000)}${']'.repeat(10_000)}`),
    );
    fc.assert(
      fc.property(fc.array(anyLine, { maxLength: 20 }), (lines) => {
        const file = parseFactFile(lines);
        for (const problem of file.problems) expect(problem).toMatch(/^line \d+: \S/);
        expect(file.facts.length + new Set(file.problems.map((p) => p.split(':')[0])).size).toBeGreaterThanOrEqual(lines.filter((l) => l.trim() !== '').length === 0 ? 0 : 1);
      }),
      { seed: 20261204, numRuns: 300 },
    );
  });

  it('answers any events file with exit 0, 1 or 2 and never a stack trace', async () => {
    const line = fc.oneof(
      fc.constantFrom(
        '{"at":"2026-11-02T09:00:00Z","direction":"inbound","from":"+33612345678","type":"text","referral":{"source_type":"ad"}}',
        '{"at":"2026-11-02T09:00:00Z","direction":"outbound","id":"a","to":"+33612345678","type":"template","category":"marketing"}',
        '{"at":"2026-11-02T09:00:00Z","direction":"outbound","id":"b","to":"+819012345678","type":"text"}',
        '{"at":"2026-11-02T09:00:01Z","status":"read","id":"a"}',
        '{"at":"2026-11-02T09:00:01Z","status":"failed","id":"a"}',
      ),
      fc.string({ maxLength: 80 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 12 }), async (lines) => {
        const { status, err } = await run(rate('fuzz.jsonl'), { 'fuzz.jsonl': lines.join('\n') });
        expect([0, 1, 2]).toContain(status);
        for (const message of err) expect(message).not.toMatch(/\n\s+at |Error:/);
      }),
      { seed: 20261204, numRuns: 200 },
    );
  });
});

describe('npm run billing: any command line', () => {
  it('is read or refused with a named problem, never a crash', () => {
    const token = fc.oneof(
      fc.constantFrom('rate', 'report', 'reconcile', 'import-card', '--account', '--month', '--by', '--format', '--table', '--file', '--analytics', '--rate-card', '--timezone', '--currency', '--events', '--platform-fee', '--service-allowance', '--effective-from', '--help', '--'),
      fc.constantFrom('102290129340398', '2026-11', 'market,category', 'csv', 'Europe/Paris', 'EUR', '0.001', '-1', '2026-02-30', '🧾', 'שלום'),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 10 }), (argv) => {
        const parsed = parseBillingArgs(argv, { LEDGER_TABLE_NAME: 'relais-ledger' });
        if (!parsed.ok) expect(parsed.problem).toMatch(/\S/);
      }),
      { seed: 20261204, numRuns: 1000 },
    );
  });
});

describe("Meta's pricing_analytics file, fuzzed", () => {
  it('is read or refused with named paths, never a crash', async () => {
    const { parsePricingAnalytics } = await import('#shared/contracts/billing/pricing-analytics.js');
    const point = fc.record(
      {
        start: fc.oneof(fc.integer({ min: -5, max: 4_102_444_800 }), fc.string(), fc.double()),
        country: fc.oneof(fc.constantFrom('FR', 'es', 'XX', 'France', ''), fc.integer()),
        pricing_category: fc.oneof(fc.constantFrom('MARKETING', 'UTILITY', 'SERVICE', 'referral_conversion'), fc.constant(null)),
        pricing_type: fc.oneof(fc.constantFrom('REGULAR', 'FREE_CUSTOMER_SERVICE', 'FREE_ENTRY_POINT'), fc.integer()),
        volume: fc.oneof(fc.nat(), fc.double(), fc.constant(-1)),
        cost: fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constant(Number.MAX_VALUE), fc.string()),
      },
      { requiredKeys: [] },
    );
    const file = fc.oneof(fc.record({ pricing_analytics: fc.record({ data: fc.array(fc.record({ data_points: fc.array(point, { maxLength: 5 }) }), { maxLength: 3 }) }) }), fc.json().map((text) => JSON.parse(text) as unknown));
    fc.assert(
      fc.property(file, (json) => {
        const parsed = parsePricingAnalytics(json);
        if (parsed.ok) for (const p of parsed.points) expect(Number.isSafeInteger(p.costMicros) && p.costMicros >= 0).toBe(true);
        else for (const problem of parsed.problems) expect(problem).toMatch(/^\S+: \S/);
      }),
      { seed: 20261204, numRuns: 500 },
    );
  });
});
