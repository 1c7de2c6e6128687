import { readFileSync } from 'node:fs';

import { parse as parseCsv } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { SAMPLE_MARKET_MAPS, marketMapOn, marketOf, marketOfCountry, marketOfRecipient, parseMarketMapCsv, recipientCountry } from '#shared/domain/billing/markets.js';
import { discounted, formatMicros, parseDecimalMicros, sumMicros } from '#shared/domain/billing/money.js';
import { effectiveDayInPreamble, parseRateCardCsv, rateCardOn, rateCardVersion } from '#shared/domain/billing/rate-card.js';
import { tierRate, withVolumeTiers } from '#shared/domain/billing/volume-tiers.js';

const rows = (text: string) => parseCsv(text, { relax_column_count: true, relax_quotes: true, skip_empty_lines: true }) as string[][];
const sample = (name: string) => rows(readFileSync(new URL(`../../../../examples/billing/${name}`, import.meta.url), 'utf8'));

describe('micro-units', () => {
  it.each([
    ['0.1186', 118_600],
    ['0.0034', 3_400],
    ['381.4', 381_400_000],
    ['.05', 50_000],
    ['0,0456', 45_600],
    ['0.000001', 1],
    ['0', 0],
  ])('reads %s as %i micros', (text, micros) => {
    expect(parseDecimalMicros(text)).toEqual({ ok: true, micros });
  });

  it.each([
    ['-0.01', 'must not be negative'],
    ['0.0000001', 'has more than 6 decimals (finer than a micro-unit)'],
    ['1e-3', 'must be a decimal amount such as 0.0456'],
    ['', 'must be a decimal amount such as 0.0456'],
    ['€', 'must be a decimal amount such as 0.0456'],
    ['1234567890', 'is too large (at most 999999999.999999)'],
  ])('refuses %j: %s', (text, problem) => {
    expect(parseDecimalMicros(text)).toEqual({ ok: false, problem });
  });

  it('writes micros back as the decimal they were read from', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999_999 }), fc.integer({ min: 0, max: 999_999 }), (whole, fraction) => {
        const text = formatMicros(BigInt(whole) * 1_000_000n + BigInt(fraction));
        const parsed = parseDecimalMicros(text);
        expect(parsed.ok && BigInt(parsed.micros)).toBe(BigInt(whole) * 1_000_000n + BigInt(fraction));
      }),
      { seed: 20261204, numRuns: 500 },
    );
  });

  it('sums past 2^53 exactly', () => {
    expect(sumMicros([Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 2])).toBe(18_014_398_509_481_984n);
  });

  it('takes a percentage off a rate, rounding half up to the micro', () => {
    expect(discounted(1_400, 500)).toBe(1_330);
    expect(discounted(3_333, 1_000)).toBe(3_000);
    expect(discounted(5, 1_000)).toBe(5);
  });
});

describe('rate cards', () => {
  it("reads Meta's layout with its preamble, finds the effective day there, and keeps rates in micros", () => {
    const parsed = parseRateCardCsv(sample('rate-card-eur-2024-11-01.sample.csv'), { label: 'eur.csv' });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(rateCardVersion(parsed.card)).toBe('EUR@2024-11-01');
    expect(parsed.card.markets.get('France')).toEqual({ marketing: 118_600, utility: 24_800, authentication: 57_200 });
    expect(parsed.card.markets.get('Italy')).toEqual({ marketing: 57_200, utility: 24_800, authentication: 31_300 });
  });

  it('reads every shipped sample card', () => {
    for (const name of ['rate-card-eur-2024-11-01.sample.csv', 'rate-card-usd-2026-07-01.sample.csv', 'rate-card-usd-2026-10-01.sample.csv']) {
      const parsed = parseRateCardCsv(sample(name), { label: name });
      expect(parsed.ok, name).toBe(true);
    }
    const october = parseRateCardCsv(sample('rate-card-usd-2026-10-01.sample.csv'), { label: 'x' });
    expect(october.ok && october.card.markets.get('Mexico')).toEqual({ marketing: 39_700, utility: 8_500, authentication: 8_500, service: 8_500 });
  });

  it('names every problem with its line', () => {
    const parsed = parseRateCardCsv(
      rows(['Market,Currency,Marketing,Utility,Authentication', 'France,EUR,0.1186,abc,0.0572', 'France,EUR,0.1,0.1,0.1', 'Germany,USD,0.1,0.1,0.1', ',EUR,1,1,1', 'Spain,EUR,0.00000001,0.01,0.01'].join('\n')),
      { label: 'bad.csv', effectiveFrom: '2026-07-01' },
    );
    expect(parsed).toEqual({
      ok: false,
      problems: [
        'line 2: France utility rate "abc" must be a decimal amount such as 0.0456',
        'line 3: France is listed twice',
        'line 4: Germany is in USD, the card in EUR (one file per currency)',
        'line 5: the market is empty',
        'line 6: Spain marketing rate "0.00000001" has more than 6 decimals (finer than a micro-unit)',
      ],
    });
  });

  it('needs an effective day, and refuses one that contradicts the preamble', () => {
    const card = rows('Market,Currency,Marketing,Utility\nFrance,EUR,0.1,0.02');
    expect(parseRateCardCsv(card, { label: 'x' })).toEqual({ ok: false, problems: ['no effective day: give one (--effective-from YYYY-MM-DD), the preamble states none'] });
    expect(parseRateCardCsv(sample('rate-card-eur-2024-11-01.sample.csv'), { label: 'x', effectiveFrom: '2025-01-01' })).toEqual({
      ok: false,
      problems: ['the preamble says the card is effective 2024-11-01, not 2025-01-01'],
    });
    expect(effectiveDayInPreamble('Cost per message in USD on the WhatsApp Business Platform, effective July 1, 2026.')).toBe('2026-07-01');
  });

  it('refuses a file that is not a rate card', () => {
    expect(parseRateCardCsv(rows('name,phone\nZoë,+33612345678'), { label: 'x', effectiveFrom: '2026-07-01' })).toEqual({
      ok: false,
      problems: ['no header line starting with Market (Market,Currency,Marketing,Utility,…)'],
    });
  });

  it('picks the card of the currency in force on a day', () => {
    const july = { currency: 'USD', effectiveFrom: '2026-07-01', label: 'a', markets: new Map() };
    const october = { ...july, effectiveFrom: '2026-10-01' };
    const euro = { ...july, currency: 'EUR', effectiveFrom: '2026-09-01' };
    expect(rateCardOn([october, july, euro], 'USD', '2026-09-30')).toBe(july);
    expect(rateCardOn([october, july, euro], 'USD', '2026-10-01')).toBe(october);
    expect(rateCardOn([october, july, euro], 'USD', '2026-06-30')).toBeUndefined();
  });
});

describe('volume tiers', () => {
  const card = { currency: 'USD', effectiveFrom: '2026-07-01', label: 'x', markets: new Map([['India', { marketing: 11_800, utility: 1_400, authentication: 1_400 }]]) };

  it('reads tiers as rates or discounts, and gives the list rate below the first threshold', () => {
    const tiered = withVolumeTiers(card, rows('Market,Category,From,To,Rate,Discount\nIndia,utility,1,100000,,\nIndia,utility,100001,,0.0012,\nIndia,authentication,250001,,,5%'));
    expect(tiered.ok).toBe(true);
    if (!tiered.ok) return;
    expect(tierRate(tiered.card, 'India', 'utility', 100_000)).toBeUndefined();
    expect(tierRate(tiered.card, 'India', 'utility', 100_001)).toEqual({ from: 100_001, rateMicros: 1_200 });
    expect(tierRate(tiered.card, 'India', 'authentication', 250_001)).toEqual({ from: 250_001, rateMicros: 1_330 });
  });

  it('names tiers for marketing, unknown markets, gaps and bad numbers, each with its line', () => {
    const tiered = withVolumeTiers(card, rows('Market,Category,From,To,Rate\nIndia,marketing,1,,0.01\nIndonesia,utility,1,,0.01\nIndia,utility,1,10,0.0014\nIndia,utility,12,,0.0013\nIndia,authentication,zero,,0.001'));
    expect(tiered).toEqual({
      ok: false,
      problems: [
        'line 2: volume tiers apply to utility and authentication only (got "marketing")',
        'line 3: the USD card has no market "Indonesia"',
        'line 6: From must be a whole number of messages, 1 or more',
        'line 4: the tier ending at 10 does not meet the next, from 12',
      ],
    });
  });
});

describe('markets', () => {
  const on = (day: string) => marketMapOn(SAMPLE_MARKET_MAPS, day)!;

  it.each([
    ['+33612345678', 'France'],
    ['+14155552671', 'North America'],
    ['+16135550123', 'North America'],
    ['+18765551234', 'Rest of Latin America'],
    // Kazakhstan has its own market since 2026-10-01 (before, no row: rated by its calling code, +7).
    ['+77015551234', 'Kazakhstan'],
    ['+447911123456', 'United Kingdom'],
    ['+447700900123', 'United Kingdom'],
    ['+15555550100', 'North America'],
    ['+74951234567', 'Russia'],
    ['+4915123456789', 'Germany'],
    ['+351912345678', 'Rest of Western Europe'],
    ['+966501234567', 'Saudi Arabia'],
  ])('rates %s in %s: by its country when the mapping lists it, else by its calling code', (number, market) => {
    expect(marketOfRecipient(on('2026-11-01'), number)).toBe(market);
  });

  it('tells the country of a number libphonenumber resolves, and the main country of a calling code otherwise', () => {
    expect(recipientCountry('+18765551234')).toBe('JM');
    expect(marketOfCountry(on('2026-11-01'), 'JM')).toBe('Rest of Latin America');
    expect(recipientCountry('+15555550100')).toBe('US');
  });

  it("reads a BSUID's country prefix", () => {
    expect(marketOf('FR.13491208655302741918', '2026-11-01', SAMPLE_MARKET_MAPS)).toBe('France');
    expect(marketOf('ZZ.1349', '2026-11-01', SAMPLE_MARKET_MAPS)).toBe('Other');
  });

  it('moves countries out of their group on the day Meta did', () => {
    expect(marketOf('+48512345678', '2026-06-30', SAMPLE_MARKET_MAPS)).toBe('Rest of Central & Eastern Europe');
    expect(marketOf('+48512345678', '2026-07-01', SAMPLE_MARKET_MAPS)).toBe('Poland');
    expect(marketOf('+380501234567', '2026-09-30', SAMPLE_MARKET_MAPS)).toBe('Rest of Central & Eastern Europe');
    expect(marketOf('+380501234567', '2026-10-01', SAMPLE_MARKET_MAPS)).toBe('Ukraine');
    expect(marketOf('+48512345678', '2026-10-01', SAMPLE_MARKET_MAPS)).toBe('Poland');
    expect(marketOf('+77015551234', '2026-09-30', SAMPLE_MARKET_MAPS)).toBe('Russia');
  });

  it('imports a country-to-market file by column names, naming bad lines', () => {
    const good = parseMarketMapCsv(rows('Country,ISO,Market\nFrance,FR,France\nBelgique,be,Rest of Western Europe'), '2027-01-01', 'm.csv');
    expect(good.ok && [...good.map.markets]).toEqual([
      ['FR', 'France'],
      ['BE', 'Rest of Western Europe'],
    ]);
    expect(parseMarketMapCsv(rows('Country,ISO,Market\nFrance,FRA,France\nSpain,ES,\nFrance,FR,France\nFrance,FR,Other'), '2027-01-01', 'm.csv')).toEqual({
      ok: false,
      problems: ['line 2: the country must be an ISO 3166-1 alpha-2 code such as FR (got "FRA")', 'line 3: the market is empty', 'line 5: FR is already mapped to France'],
    });
  });
});

describe('budget crossings', () => {
  it('reports each threshold to the one charge that reaches it, from below, in integer arithmetic', async () => {
    const { budgetCrossings } = await import('#shared/domain/billing/budget.js');
    expect(budgetCrossings(1_000_000, 0, 799_999)).toEqual([]);
    expect(budgetCrossings(1_000_000, 799_999, 800_000)).toEqual([80]);
    expect(budgetCrossings(1_000_000, 800_000, 900_000)).toEqual([]);
    expect(budgetCrossings(1_000_000, 700_000, 1_000_000)).toEqual([80, 100]);
    expect(budgetCrossings(10, 8, 10)).toEqual([100]);
    expect(budgetCrossings(3, 2, 3)).toEqual([80, 100]);
    expect(budgetCrossings(3, 2, 2)).toEqual([]);
    expect(budgetCrossings(Number.MAX_SAFE_INTEGER, 0, Number.MAX_SAFE_INTEGER)).toEqual([80, 100]);
  });
});
