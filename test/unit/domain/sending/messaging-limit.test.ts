import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  countBand,
  countsTowardLimit,
  crossingsBetween,
  decideSend,
  limitRecipientKey,
  MESSAGING_LIMIT_WINDOW_MS,
  parseMessagingLimitTier,
  usageOfBuckets,
  type MessagingLimitTier,
} from '#shared/domain/sending/messaging-limit.js';

const H = 60 * 60 * 1000;
const NOW = Date.parse('2026-12-04T03:00:00.000Z');
const SEED = Number(process.env['FUZZ_SEED'] ?? 5_2026);

function tierOf(value: unknown): MessagingLimitTier {
  const parsed = parseMessagingLimitTier(value);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.tier;
}

describe('parseMessagingLimitTier', () => {
  it.each([
    ['TIER_250', 250],
    ['TIER_2K', 2000],
    ['TIER_10K', 10_000],
    ['TIER_100K', 100_000],
    ['TIER_UNLIMITED', null],
    [2000, 2000],
    ['10000', 10_000],
    [100_000, 100_000],
    ['UNLIMITED', null],
    [' tier_2k ', 2000],
    ['TIER_50', 50],
    [50, 50],
    ['TIER_1K', 1000],
    [1000, 1000],
    ['1,000', 1000],
    ['100,000', 100_000],
  ])('reads Meta value %j as a limit of %s', (value, limit) => {
    expect(tierOf(value).limit).toBe(limit);
  });

  it.each([['TIER_NOT_SET'], ['TIER_5K'], [5000], ['1,00'], [',250'], ['2,000.5'], ['2000.5'], [''], [null], [undefined], [{}], ['🚀'.repeat(300)], [2 ** 53 + 2], [-250], [Number.NaN]])(
    'answers unknown value %j with a problem naming the accepted values, without throwing',
    (value) => {
      const parsed = parseMessagingLimitTier(value);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) {
        expect(parsed.problem).toMatch(/unknown messaging limit tier/);
        expect(parsed.problem).toContain('TIER_UNLIMITED');
        expect(parsed.problem.length).toBeLessThan(300);
      }
    },
  );
});

describe('countsTowardLimit', () => {
  it('counts a template outside the window to a user never counted', () => {
    expect(countsTowardLimit({ isTemplate: true, windowOpen: false }, NOW)).toBe(true);
  });
  it('does not count a template to a user whose window is open', () => {
    expect(countsTowardLimit({ isTemplate: true, windowOpen: true }, NOW)).toBe(false);
  });
  it('does not count a free-form message', () => {
    expect(countsTowardLimit({ isTemplate: false, windowOpen: false }, NOW)).toBe(false);
  });
  it('does not count the same user twice within 24 h', () => {
    expect(countsTowardLimit({ isTemplate: true, windowOpen: false, lastCountedAt: NOW - MESSAGING_LIMIT_WINDOW_MS + 1 }, NOW)).toBe(false);
  });
  it('counts a user again exactly 24 h after they were counted', () => {
    expect(countsTowardLimit({ isTemplate: true, windowOpen: false, lastCountedAt: NOW - MESSAGING_LIMIT_WINDOW_MS }, NOW)).toBe(true);
  });
});

describe('decideSend', () => {
  const t250 = tierOf('TIER_250');
  const full = { count: 250, ageOuts: [{ at: NOW + 2 * H, count: 100 }, { at: NOW + 5 * H, count: 150 }] };

  it('allows a send that does not count even when the limit is reached, adding no user', () => {
    expect(decideSend({ counts: false, usage: full, tier: t250, now: NOW })).toEqual({ action: 'allow', addsUniqueUser: false, crossings: [] });
  });
  it('allows a counted send under the limit and says it adds a unique user', () => {
    expect(decideSend({ counts: true, usage: { count: 10, ageOuts: [{ at: NOW + H, count: 10 }] }, tier: t250, now: NOW })).toEqual({
      action: 'allow',
      addsUniqueUser: true,
      crossings: [],
    });
  });
  it('defers a counted send at the limit until the earliest counted users leave the window, never dropping it', () => {
    expect(decideSend({ counts: true, usage: full, tier: t250, now: NOW })).toEqual({ action: 'defer', until: NOW + 2 * H, used: 250 });
  });
  it('frees room at once when the tier is upgraded mid-window', () => {
    const decision = decideSend({ counts: true, usage: full, tier: tierOf('TIER_2K'), now: NOW });
    expect(decision).toEqual({ action: 'allow', addsUniqueUser: true, crossings: [] });
  });
  it('after a downgrade below the count, defers until enough users left to leave one slot', () => {
    const usage = { count: 2600, ageOuts: [{ at: NOW + H, count: 300 }, { at: NOW + 3 * H, count: 400 }, { at: NOW + 9 * H, count: 1900 }] };
    // 2600 - 300 = 2300 still over 2000; - 400 = 1900 leaves room.
    expect(decideSend({ counts: true, usage, tier: tierOf(2000), now: NOW })).toEqual({ action: 'defer', until: NOW + 3 * H, used: 2600 });
  });
  it('allows any number of users when unlimited, reporting no threshold', () => {
    expect(decideSend({ counts: true, usage: { count: 5_000_000, ageOuts: [] }, tier: tierOf('UNLIMITED'), now: NOW })).toEqual({
      action: 'allow',
      addsUniqueUser: true,
      crossings: [],
    });
  });
  it('reports MessagingLimitApproaching on the send that reaches 80 % and MessagingLimitReached on the one that reaches the limit', () => {
    const at = (count: number) => decideSend({ counts: true, usage: { count, ageOuts: [{ at: NOW + H, count }] }, tier: t250, now: NOW });
    expect(at(198)).toMatchObject({ crossings: [] });
    expect(at(199)).toMatchObject({ crossings: ['MessagingLimitApproaching'] });
    expect(at(200)).toMatchObject({ crossings: [] });
    expect(at(249)).toMatchObject({ crossings: ['MessagingLimitReached'] });
  });
  it('reports both thresholds on the single send of a one-user limit', () => {
    expect(crossingsBetween(0, 1, 1)).toEqual(['MessagingLimitApproaching', 'MessagingLimitReached']);
  });
});

describe('threshold crossings (property)', () => {
  it(`are reported once per crossing along any walk of counts, and again after the count fell back below (FUZZ_SEED=${SEED})`, () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.array(fc.boolean(), { maxLength: 400 }), (limit, steps) => {
        let count = 0;
        let reported = 0;
        let expected = 0;
        let above = false;
        for (const up of steps) {
          if (up && count < limit) {
            const crossings = crossingsBetween(count, count + 1, limit);
            reported += crossings.filter((c) => c === 'MessagingLimitApproaching').length;
            count += 1;
          } else if (!up && count > 0) count -= 1;
          const nowAbove = count >= Math.ceil(limit * 0.8);
          if (nowAbove && !above) expected += 1;
          above = nowAbove;
        }
        expect(reported).toBe(expected);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it(`countBand holds the count and every count in the band crosses the same thresholds (FUZZ_SEED=${SEED})`, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }).chain((limit) => fc.tuple(fc.constant(limit), fc.integer({ min: 0, max: limit - 1 }))),
        ([limit, count]) => {
          const band = countBand(count, limit);
          expect(band.lo).toBeLessThanOrEqual(count);
          expect(band.hi).toBeGreaterThanOrEqual(count);
          expect(band.hi).toBeLessThan(limit);
          const mine = crossingsBetween(count, count + 1, limit);
          for (const other of [band.lo, band.hi]) expect(crossingsBetween(other, other + 1, limit)).toEqual(mine);
          // A band is as wide as possible: the count just outside it crosses differently.
          if (band.lo > 0) expect(crossingsBetween(band.lo - 1, band.lo, limit)).not.toEqual(mine);
        },
      ),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe('usageOfBuckets', () => {
  const BUCKET = 10 * 60 * 1000;
  it('keeps a bucket until its end is 24 h old, so a user counts at most one bucket longer than Meta counts', () => {
    const start = Math.floor(NOW / BUCKET) * BUCKET;
    const buckets = new Map([[start, 3]]);
    const bucketEnd = start + BUCKET;
    const at = bucketEnd + MESSAGING_LIMIT_WINDOW_MS;
    expect(usageOfBuckets(buckets, at - 1, BUCKET)).toMatchObject({ count: 3, ageOuts: [{ at, count: 3 }], expired: [] });
    expect(usageOfBuckets(buckets, at, BUCKET)).toMatchObject({ count: 0, ageOuts: [], expiredCount: 3 });
  });
  it('lists age-outs earliest first whatever the order of the buckets', () => {
    const b = (h: number) => Math.floor((NOW - h * H) / BUCKET) * BUCKET;
    const usage = usageOfBuckets(new Map([[b(1), 5], [b(20), 7], [b(30), 2], [b(10), 1]]), NOW, BUCKET);
    expect(usage.count).toBe(13);
    expect(usage.ageOuts.map((a) => a.count)).toEqual([7, 1, 5]);
    expect(usage.expired).toEqual([b(30)]);
  });
});

describe('limitRecipientKey', () => {
  it('never holds the phone number and differs per recipient', () => {
    const key = limitRecipientKey('+34 612 345 678');
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(key).not.toContain('612345678');
    expect(limitRecipientKey('34612345679')).not.toBe(limitRecipientKey('34612345678'));
  });
});
