import { describe, expect, it } from 'vitest';

import { SAMPLE_MARKET_MAPS } from '#shared/domain/billing/markets.js';
import { sumMicros } from '#shared/domain/billing/money.js';
import type { Rating } from '#shared/domain/billing/pricing.js';
import type { RateCard } from '#shared/domain/billing/rate-card.js';
import { replay, type MessageFact, type ReplaySettings } from '#shared/domain/billing/replay.js';
import { withVolumeTiers } from '#shared/domain/billing/volume-tiers.js';

// Hand-computed scenarios across Meta's three pricing eras
// (https://developers.facebook.com/documentation/business-messaging/whatsapp/pricing). Every expected amount below is
// worked out from the cards in this file, not from the engine.

const FR = '+33612345678';
const FR2 = '+33698765432';
const ES = '+34612345678';
const IN = '+919876543210';
const MX = '+525512345678';

function card(currency: string, effectiveFrom: string, markets: Record<string, Partial<Record<'marketing' | 'utility' | 'authentication' | 'authentication_international' | 'service', number>>>): RateCard {
  return { currency, effectiveFrom, label: 'test', markets: new Map(Object.entries(markets)) };
}

/** EUR card of 2024-01-01 with a service rate (CBP service conversations were charged past the free 1,000). */
const EUR_2024 = card('EUR', '2024-01-01', { France: { marketing: 118_600, utility: 24_800, authentication: 57_200, service: 41_900 }, Spain: { marketing: 50_900, utility: 16_600, authentication: 28_300, service: 30_000 } });
/** The seeds' card of 2024-11-01. */
const EUR_2024_11 = card('EUR', '2024-11-01', { France: { marketing: 118_600, utility: 24_800, authentication: 57_200 }, Spain: { marketing: 50_900, utility: 16_600, authentication: 28_300 } });
const EUR_2026_10 = card('EUR', '2026-10-01', { France: { marketing: 100_000, utility: 20_000, authentication: 20_000, service: 19_000 }, Spain: { marketing: 60_000, utility: 15_000, authentication: 15_000 } });

function settings(overrides: Partial<ReplaySettings> = {}): ReplaySettings {
  return { currency: 'EUR', timeZone: 'UTC', rateCards: [EUR_2024, EUR_2024_11, EUR_2026_10], marketMaps: SAMPLE_MARKET_MAPS, ...overrides };
}

const t = (iso: string) => Date.parse(iso);
const inbound = (at: string, from: string, referral = false): MessageFact => ({ kind: 'inbound', at: t(at), from, referral });
const template = (at: string, id: string, to: string, category: 'marketing' | 'utility' | 'authentication' | 'authentication_international'): MessageFact => ({ kind: 'outbound', at: t(at), id, to, category });
const freeForm = (at: string, id: string, to: string): MessageFact => ({ kind: 'outbound', at: t(at), id, to, category: 'service' });
const status = (at: string, id: string, value: 'sent' | 'delivered' | 'read' | 'failed'): MessageFact => ({ kind: 'status', at: t(at), id, status: value });

function rate(facts: MessageFact[], overrides: Partial<ReplaySettings> = {}): Rating[] {
  const result = replay(facts, settings(overrides));
  if (!result.ok) throw new Error(`${result.messageId}: ${result.problem}`);
  return [...result.ratings];
}

const view = (rating: Rating) => [rating.messageId, rating.pricingModel, rating.pricingType, rating.amountMicros];

describe('conversation-based pricing (until 2025-06-30)', () => {
  it('charges a marketing conversation once for 24 h from its first delivery, then opens another', () => {
    const ratings = rate([
      template('2024-03-04T09:00:00Z', 'm1', FR, 'marketing'),
      template('2024-03-05T08:59:59Z', 'm2', FR, 'marketing'),
      template('2024-03-05T09:00:00Z', 'm3', FR, 'marketing'),
    ]);
    expect(ratings.map(view)).toEqual([
      ['m1', 'CBP', 'regular', 118_600],
      ['m2', 'CBP', 'in_conversation', 0],
      ['m3', 'CBP', 'regular', 118_600],
    ]);
  });

  it('opens the conversation at delivery, not at sending', () => {
    // Sent at 09:00, delivered at 10:00: the next message at 09:30 the day after is still inside it.
    const ratings = rate([
      template('2024-03-04T09:00:00Z', 'm1', FR, 'utility'),
      status('2024-03-04T10:00:00Z', 'm1', 'delivered'),
      template('2024-03-05T09:30:00Z', 'm2', FR, 'utility'),
    ]);
    expect(ratings.map(view)).toEqual([
      ['m1', 'CBP', 'regular', 24_800],
      ['m2', 'CBP', 'in_conversation', 0],
    ]);
  });

  it('keeps conversations of different categories apart, and lets a free-form reply ride any open one', () => {
    const ratings = rate([
      template('2024-03-04T09:00:00Z', 'm1', FR, 'marketing'),
      template('2024-03-04T09:01:00Z', 'm2', FR, 'utility'),
      inbound('2024-03-04T09:02:00Z', FR),
      freeForm('2024-03-04T09:03:00Z', 'm3', FR),
    ]);
    expect(ratings.map(view)).toEqual([
      ['m1', 'CBP', 'regular', 118_600],
      ['m2', 'CBP', 'regular', 24_800],
      ['m3', 'CBP', 'in_conversation', 0],
    ]);
  });

  it('gives 1,000 free service conversations a month before 2024-11-01, then charges the service rate', () => {
    const facts: MessageFact[] = [];
    for (let i = 0; i < 1001; i++) {
      const to = `+3361${String(i).padStart(7, '0')}`;
      facts.push(inbound('2024-10-10T09:00:00Z', to), freeForm('2024-10-10T09:01:00Z', `s${i}`, to));
    }
    const ratings = rate(facts);
    expect(ratings.filter((r) => r.pricingType === 'free_tier')).toHaveLength(1000);
    expect(view(ratings[999]!)).toEqual(['s999', 'CBP', 'free_tier', 0]);
    expect(view(ratings[1000]!)).toEqual(['s1000', 'CBP', 'regular', 41_900]);
  });

  it('makes service conversations free from 2024-11-01, by the business timezone', () => {
    // 23:30 UTC on 31 October is 00:30 on 1 November in Paris.
    const facts = [inbound('2024-10-31T23:00:00Z', FR), freeForm('2024-10-31T23:30:00Z', 's1', FR)];
    expect(rate(facts, { timeZone: 'Europe/Paris' }).map(view)).toEqual([['s1', 'CBP', 'free_customer_service', 0]]);
    expect(rate(facts, { timeZone: 'UTC' }).map(view)).toEqual([['s1', 'CBP', 'free_tier', 0]]);
    const month = rate(facts, { timeZone: 'Europe/Paris' })[0]!;
    expect([month.day, month.month]).toEqual(['2024-11-01', '2024-11']);
  });

  it('makes everything free for 72 h after a reply to an ad referral, and closes the other conversations', () => {
    const ratings = rate([
      template('2024-12-01T08:00:00Z', 'm0', ES, 'marketing'),
      inbound('2024-12-01T09:00:00Z', ES, true),
      freeForm('2024-12-01T10:00:00Z', 'r1', ES),
      template('2024-12-03T10:00:00Z', 'm1', ES, 'marketing'),
      template('2024-12-04T09:59:59Z', 'm2', ES, 'utility'),
      template('2024-12-04T10:00:00Z', 'm3', ES, 'marketing'),
    ]);
    expect(ratings.map(view)).toEqual([
      ['m0', 'CBP', 'regular', 50_900],
      ['r1', 'CBP', 'free_entry_point', 0],
      ['m1', 'CBP', 'free_entry_point', 0],
      ['m2', 'CBP', 'free_entry_point', 0],
      // The FEP window closed at 10:00 and m0's conversation with it: a new one opens.
      ['m3', 'CBP', 'regular', 50_900],
    ]);
    expect(ratings[1]!.pricingCategory).toBe('referral_conversion');
  });

  it('keeps a conversation opened before 2025-07-01 free until it closes, then rates per message', () => {
    const ratings = rate([
      template('2025-06-30T20:00:00Z', 'm1', FR, 'marketing'),
      template('2025-07-01T10:00:00Z', 'm2', FR, 'marketing'),
      template('2025-07-01T20:00:00Z', 'm3', FR, 'marketing'),
    ]);
    expect(ratings.map(view)).toEqual([
      ['m1', 'CBP', 'regular', 118_600],
      ['m2', 'CBP', 'in_conversation', 0],
      ['m3', 'PMP', 'regular', 118_600],
    ]);
  });
});

describe('per-message pricing (2025-07-01 to 2026-09-30)', () => {
  it('charges each delivered template by category, leaves utility in the window and free-form free', () => {
    const ratings = rate([
      inbound('2025-08-01T09:00:00Z', FR),
      template('2025-08-01T09:10:00Z', 'u-in', FR, 'utility'),
      freeForm('2025-08-01T09:11:00Z', 'f-in', FR),
      template('2025-08-01T09:12:00Z', 'mk-in', FR, 'marketing'),
      template('2025-08-01T09:13:00Z', 'au-in', FR, 'authentication'),
      template('2025-08-02T09:00:00Z', 'u-out', FR, 'utility'),
      template('2025-08-02T09:01:00Z', 'mk-out', FR, 'marketing'),
    ]);
    expect(ratings.map(view)).toEqual([
      ['u-in', 'PMP', 'free_customer_service', 0],
      ['f-in', 'PMP', 'free_customer_service', 0],
      ['mk-in', 'PMP', 'regular', 118_600],
      ['au-in', 'PMP', 'regular', 57_200],
      // The window closed at 09:00 exactly: outside it.
      ['u-out', 'PMP', 'regular', 24_800],
      ['mk-out', 'PMP', 'regular', 118_600],
    ]);
    expect(sumMicros(ratings.map((r) => r.amountMicros))).toBe(319_200n);
  });

  it('charges nothing for a failed message, a message only sent, or one failed after delivered; a read alone is delivered', () => {
    const ratings = rate([
      template('2025-09-01T09:00:00Z', 'failed', FR, 'marketing'),
      status('2025-09-01T09:00:01Z', 'failed', 'sent'),
      status('2025-09-01T09:00:02Z', 'failed', 'failed'),
      template('2025-09-01T09:01:00Z', 'sent-only', FR, 'marketing'),
      status('2025-09-01T09:01:01Z', 'sent-only', 'sent'),
      template('2025-09-01T09:02:00Z', 'late-fail', FR, 'marketing'),
      status('2025-09-01T09:02:01Z', 'late-fail', 'delivered'),
      status('2025-09-01T09:02:30Z', 'late-fail', 'failed'),
      template('2025-09-01T09:03:00Z', 'read', FR, 'marketing'),
      status('2025-09-01T09:03:05Z', 'read', 'read'),
      status('2025-09-01T09:03:06Z', 'read', 'delivered'),
      status('2025-09-01T09:03:07Z', 'read', 'delivered'),
    ]);
    expect(ratings.map(view)).toEqual([
      ['failed', 'PMP', 'not_delivered', 0],
      ['sent-only', 'PMP', 'not_delivered', 0],
      ['late-fail', 'PMP', 'not_delivered', 0],
      ['read', 'PMP', 'regular', 118_600],
    ]);
    expect(ratings[3]!.chargedAt).toBe(t('2025-09-01T09:03:05Z'));
  });

  it('is free inside a free-entry-point window, templates included, for 72 h from the reply', () => {
    const ratings = rate([
      inbound('2025-09-01T09:00:00Z', ES, true),
      freeForm('2025-09-02T08:59:59Z', 'r1', ES),
      template('2025-09-05T08:59:58Z', 'm1', ES, 'marketing'),
      template('2025-09-05T08:59:59Z', 'm2', ES, 'marketing'),
    ]);
    expect(ratings.map(view)).toEqual([
      ['r1', 'PMP', 'free_entry_point', 0],
      ['m1', 'PMP', 'free_entry_point', 0],
      ['m2', 'PMP', 'regular', 50_900],
    ]);
  });

  it('opens no free-entry-point window for a reply 24 h or more after the referral', () => {
    const ratings = rate([inbound('2025-09-01T09:00:00Z', ES, true), template('2025-09-02T09:00:00Z', 'm1', ES, 'marketing')]);
    expect(ratings.map(view)).toEqual([['m1', 'PMP', 'regular', 50_900]]);
  });

  it('applies volume tiers to utility past the threshold, per market and month, counting charged messages only', () => {
    const base = card('EUR', '2025-07-01', { India: { marketing: 10_000, utility: 1_400, authentication: 1_400 }, France: { marketing: 118_600, utility: 24_800, authentication: 57_200 } });
    const tiered = withVolumeTiers(base, [
      ['Market', 'Category', 'From', 'To', 'Rate'],
      ['India', 'utility', '1', '2', '0.0014'],
      ['India', 'utility', '3', '', '0.0013'],
    ]);
    if (!tiered.ok) throw new Error(tiered.problems.join('; '));
    const ratings = rate(
      [
        inbound('2025-09-30T09:00:00Z', IN),
        template('2025-09-30T09:01:00Z', 'in-window', IN, 'utility'),
        template('2025-09-30T10:00:00Z', 'u1', '+919876543211', 'utility'),
        template('2025-09-30T10:01:00Z', 'u2', '+919876543212', 'utility'),
        template('2025-09-30T10:02:00Z', 'u3', '+919876543213', 'utility'),
        template('2025-09-30T10:03:00Z', 'mk', '+919876543214', 'marketing'),
        template('2025-09-30T10:04:00Z', 'u4', '+919876543215', 'utility'),
        template('2025-09-30T10:05:00Z', 'fr', FR, 'utility'),
        template('2025-10-01T00:00:00Z', 'u5', '+919876543216', 'utility'),
      ],
      { rateCards: [tiered.card] },
    );
    expect(ratings.map(view)).toEqual([
      ['in-window', 'PMP', 'free_customer_service', 0],
      ['u1', 'PMP', 'regular', 1_400],
      ['u2', 'PMP', 'regular', 1_400],
      ['u3', 'PMP', 'regular', 1_300],
      ['mk', 'PMP', 'regular', 10_000],
      ['u4', 'PMP', 'regular', 1_300],
      ['fr', 'PMP', 'regular', 24_800],
      // A new month starts over at the list rate.
      ['u5', 'PMP', 'regular', 1_400],
    ]);
    expect(ratings[3]!.reason).toContain('volume tier from message 3');
  });
});

describe('from 2026-10-01', () => {
  it('charges service messages at the service rate and in-window utility at the utility rate; FEP stays free', () => {
    const ratings = rate([
      inbound('2026-10-05T09:00:00Z', FR),
      freeForm('2026-10-05T09:01:00Z', 's1', FR),
      template('2026-10-05T09:02:00Z', 'u1', FR, 'utility'),
      inbound('2026-10-05T09:03:00Z', FR2, true),
      freeForm('2026-10-05T09:04:00Z', 'fep', FR2),
    ]);
    expect(ratings.map(view)).toEqual([
      ['s1', 'PMP', 'regular', 19_000],
      ['u1', 'PMP', 'regular', 20_000],
      ['fep', 'PMP', 'free_entry_point', 0],
    ]);
  });

  it("uses the market's utility rate for service when the card has no Service column", () => {
    const ratings = rate([inbound('2026-10-05T09:00:00Z', ES), freeForm('2026-10-05T09:01:00Z', 's1', ES)]);
    expect(ratings.map(view)).toEqual([['s1', 'PMP', 'regular', 15_000]]);
    expect(ratings[0]!.reason).toContain('utility rate');
  });

  it('starts charging service at midnight of 1 October in the business timezone', () => {
    // 22:30 UTC on 30 September is 00:30 on 1 October in Paris.
    const facts = [inbound('2026-09-30T22:00:00Z', FR), freeForm('2026-09-30T22:30:00Z', 's1', FR)];
    expect(rate(facts, { timeZone: 'Europe/Paris' }).map(view)).toEqual([['s1', 'PMP', 'regular', 19_000]]);
    expect(rate(facts, { timeZone: 'UTC' }).map(view)).toEqual([['s1', 'PMP', 'free_customer_service', 0]]);
  });

  it('gives the configured free service messages per number each month, none by default', () => {
    const facts: MessageFact[] = [inbound('2026-10-31T20:00:00Z', FR)];
    for (const [i, at] of ['2026-10-31T20:01:00Z', '2026-10-31T20:02:00Z', '2026-10-31T20:03:00Z', '2026-11-01T08:00:00Z'].entries()) facts.push(freeForm(at, `s${i}`, FR));
    expect(rate(facts, { serviceAllowancePerNumber: 2 }).map(view)).toEqual([
      ['s0', 'PMP', 'free_allowance', 0],
      ['s1', 'PMP', 'free_allowance', 0],
      ['s2', 'PMP', 'regular', 19_000],
      ['s3', 'PMP', 'free_allowance', 0],
    ]);
    expect(rate(facts).every((r) => r.pricingType === 'regular')).toBe(true);
  });

  it('rates by the card in force on the delivery day: a quarter-start change applies at midnight', () => {
    const july = card('USD', '2026-07-01', { Mexico: { marketing: 30_500, utility: 8_500, authentication: 8_500 } });
    const october = card('USD', '2026-10-01', { Mexico: { marketing: 39_700, utility: 8_500, authentication: 8_500, service: 8_500 } });
    const ratings = rate(
      [template('2026-09-30T23:59:59Z', 'before', MX, 'marketing'), template('2026-10-01T00:00:00Z', 'after', MX, 'marketing')],
      { currency: 'USD', rateCards: [october, july] },
    );
    expect(ratings.map((r) => [r.messageId, r.amountMicros, r.rateCardVersion])).toEqual([
      ['before', 30_500, 'USD@2026-07-01'],
      ['after', 39_700, 'USD@2026-10-01'],
    ]);
  });

  it('books a message in the month of its delivery day in the business timezone', () => {
    const [rating] = rate([template('2026-11-30T23:30:00Z', 'm1', FR, 'marketing')], { timeZone: 'Europe/Paris' });
    expect([rating!.day, rating!.month]).toEqual(['2026-12-01', '2026-12']);
  });

  it("adds Relais's platform fee to delivered messages only, apart from Meta's amount", () => {
    const ratings = rate(
      [template('2026-11-02T09:00:00Z', 'ok', FR, 'marketing'), template('2026-11-02T09:01:00Z', 'lost', FR, 'marketing'), status('2026-11-02T09:01:10Z', 'lost', 'failed')],
      { platformFeeMicros: 1_000 },
    );
    expect(ratings.map((r) => [r.messageId, r.amountMicros, r.platformFeeMicros])).toEqual([
      ['ok', 100_000, 1_000],
      ['lost', 0, 0],
    ]);
  });
});

describe('a currency per business', () => {
  it('rates with the card of the business currency, and names the gap when none is in force', () => {
    const facts = [template('2026-11-02T09:00:00Z', 'm1', FR, 'marketing')];
    const usd = card('USD', '2026-07-01', { France: { marketing: 118_600, utility: 24_800, authentication: 24_800 } });
    expect(rate(facts, { currency: 'USD', rateCards: [usd, EUR_2026_10] })[0]).toMatchObject({ currency: 'USD', amountMicros: 118_600, rateCardVersion: 'USD@2026-07-01' });
    expect(replay(facts, settings({ currency: 'GBP' }))).toEqual({ ok: false, messageId: 'm1', problem: 'no GBP rate card is in force on 2026-11-02: import one effective on or before that day' });
  });

  it('names a market the card does not list', () => {
    expect(replay([template('2026-11-02T09:00:00Z', 'm1', '+819012345678', 'marketing')], settings())).toEqual({
      ok: false,
      messageId: 'm1',
      problem: 'the EUR@2026-10-01 rate card has no market "Rest of Asia Pacific"',
    });
  });
});

describe('sums', () => {
  it('are exact to the micro-unit over 100,000 messages', () => {
    const facts: MessageFact[] = [];
    for (let i = 0; i < 100_000; i++) facts.push(template('2025-08-01T09:00:00Z', `m${i}`, i % 2 === 0 ? FR : ES, 'marketing'));
    const ratings = rate(facts);
    // 50,000 × 0.1186 + 50,000 × 0.0509 = 5,930 + 2,545 = 8,475 EUR.
    expect(sumMicros(ratings.map((r) => r.amountMicros))).toBe(8_475_000_000n);
  });
});
