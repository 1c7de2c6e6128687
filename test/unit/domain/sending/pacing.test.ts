import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PAIR_RATE,
  pairDelayMs,
  pairWindowMs,
  retryDelayMs,
} from '#shared/domain/sending/pacing.js';

const T0 = Date.parse('2026-11-21T09:00:00Z');
const S = 1000;
const MIN = 60 * S;

describe('retryDelayMs', () => {
  it('backs off exponentially from 1 s with full jitter for retry', () => {
    expect(retryDelayMs({ action: 'retry', attempt: 1, random: 0.999999 })).toBe(999);
    expect(retryDelayMs({ action: 'retry', attempt: 2, random: 0.5 })).toBe(1000);
    expect(retryDelayMs({ action: 'retry', attempt: 4, random: 0.5 })).toBe(4000);
    expect(retryDelayMs({ action: 'retry', attempt: 3, random: 0 })).toBe(0);
  });

  it('caps retry back-off at 5 min, even for very late attempts', () => {
    expect(retryDelayMs({ action: 'retry', attempt: 20, random: 0.5 })).toBe(150_000);
    expect(retryDelayMs({ action: 'retry', attempt: 5000, random: 0.999 })).toBeLessThanOrEqual(5 * MIN);
  });

  it("waits Meta's 4^X seconds after a pair-rate error, capped at 15 min, without jitter", () => {
    expect(retryDelayMs({ action: 'slow_down_pair', attempt: 1, random: 0.9 })).toBe(4 * S);
    expect(retryDelayMs({ action: 'slow_down_pair', attempt: 2, random: 0 })).toBe(16 * S);
    expect(retryDelayMs({ action: 'slow_down_pair', attempt: 4, random: 0.3 })).toBe(256 * S);
    expect(retryDelayMs({ action: 'slow_down_pair', attempt: 5, random: 0.3 })).toBe(15 * MIN);
    expect(retryDelayMs({ action: 'slow_down_pair', attempt: 40, random: 0.3 })).toBe(15 * MIN);
  });

  it('pauses briefly with jitter after a throughput error, at most 5 s', () => {
    expect(retryDelayMs({ action: 'slow_down_number', attempt: 1, random: 0 })).toBe(500);
    expect(retryDelayMs({ action: 'slow_down_number', attempt: 1, random: 0.5 })).toBe(750);
    expect(retryDelayMs({ action: 'slow_down_number', attempt: 3, random: 0.5 })).toBe(2250);
    expect(retryDelayMs({ action: 'slow_down_number', attempt: 100, random: 0.999 })).toBeLessThan(5 * S);
  });

  it('accepts a source of random numbers instead of a number', () => {
    expect(retryDelayMs({ action: 'retry', attempt: 2, random: () => 0.25 })).toBe(500);
  });

  it('stays an integer within [0, cap] for any attempt and random (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('retry' as const, 'slow_down_pair' as const, 'slow_down_number' as const),
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (action, attempt, random) => {
          const delay = retryDelayMs({ action, attempt, random });
          return Number.isInteger(delay) && delay >= 0 && delay <= 15 * MIN;
        },
      ),
    );
  });

  it('refuses an attempt below 1 or a random outside [0, 1), naming the problem', () => {
    expect(() => retryDelayMs({ action: 'retry', attempt: 0, random: 0.5 })).toThrow(/attempt must be an integer ≥ 1, got 0/);
    expect(() => retryDelayMs({ action: 'retry', attempt: 1.5, random: 0.5 })).toThrow(/attempt/);
    expect(() => retryDelayMs({ action: 'retry', attempt: 1, random: 1 })).toThrow(/random must be a number in \[0, 1\), got 1/);
    expect(() => retryDelayMs({ action: 'slow_down_number', attempt: 1, random: () => Number.NaN })).toThrow(/random/);
  });
});

describe('pairDelayMs', () => {
  it('is 0 for a recipient never messaged', () => {
    expect(pairDelayMs([], T0)).toBe(0);
  });

  it('lets a burst of 10 go at once by default, then waits 1 min after the first of them', () => {
    const burst = Array.from({ length: 9 }, (_, i) => T0 + i);
    expect(pairDelayMs(burst, T0 + 9)).toBe(0);
    const full = [...burst, T0 + 9];
    expect(pairDelayMs(full, T0 + 10)).toBe(MIN - 10);
    expect(pairDelayMs(full, T0 + MIN - 1)).toBe(1);
    expect(pairDelayMs(full, T0 + MIN)).toBe(0);
  });

  it('lets a configured burst of 20 go at once, then waits 2 min (Meta\'s "burst of 20, wait 2 min")', () => {
    const config = { intervalMs: 6 * S, burst: 20 };
    const full = Array.from({ length: 20 }, (_, i) => T0 + i);
    expect(pairDelayMs(full.slice(0, 19), T0 + 19, config)).toBe(0);
    expect(pairDelayMs(full, T0 + 20, config)).toBe(2 * MIN - 20);
  });

  it('allows a steady 1 message per 6 s indefinitely', () => {
    const sends: number[] = [];
    for (let i = 0; i < 100; i++) {
      const now = T0 + i * 6 * S;
      expect(pairDelayMs(sends, now)).toBe(0);
      sends.push(now);
    }
  });

  it('ignores sends older than the window and counts them in any order', () => {
    const old = Array.from({ length: 30 }, (_, i) => T0 - 10 * MIN - i);
    expect(pairDelayMs(old, T0)).toBe(0);
    const recent = Array.from({ length: 10 }, (_, i) => T0 - i * S).reverse();
    expect(pairDelayMs([...recent].reverse(), T0)).toBe(pairDelayMs(recent, T0));
    expect(pairDelayMs(recent, T0)).toBe(MIN - 9 * S);
  });

  it('follows a configured interval and burst', () => {
    const config = { intervalMs: 10 * S, burst: 2 };
    expect(pairWindowMs(config)).toBe(20 * S);
    expect(pairDelayMs([T0], T0, config)).toBe(0);
    expect(pairDelayMs([T0, T0 + 1 * S], T0 + 2 * S, config)).toBe(18 * S);
  });

  it('has a 1 min window by default (10 × 6 s)', () => {
    expect(DEFAULT_PAIR_RATE).toEqual({ intervalMs: 6000, burst: 10 });
    expect(pairWindowMs()).toBe(MIN);
  });

  it('refuses a burst above 45 or below 1 and a non-positive interval', () => {
    expect(() => pairDelayMs([], T0, { intervalMs: 6000, burst: 46 })).toThrow(/burst must be an integer from 1 to 45.*got 46/);
    expect(() => pairDelayMs([], T0, { intervalMs: 6000, burst: 0 })).toThrow(/burst/);
    expect(() => pairDelayMs([], T0, { intervalMs: 0, burst: 20 })).toThrow(/intervalMs must be an integer ≥ 1/);
  });

  /**
   * Meta's pair limit modelled as it documents it: quota of 1 message per 6 s, borrowable up to 45
   * messages ahead (a virtual schedule that may run at most 45 × 6 s ahead of the clock).
   */
  function metaDebtAfter(sends: readonly number[], intervalMs: number): number {
    let schedule = -Infinity;
    let worst = 0;
    for (const t of sends) {
      schedule = Math.max(schedule, t) + intervalMs;
      worst = Math.max(worst, schedule - t);
    }
    return worst;
  }

  it('never lets the sends run more than burst × interval ahead of Meta quota, so 131056 is not hit (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 45 }),
        fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 1, maxLength: 200 }),
        (burst, gaps) => {
          const config = { intervalMs: 6000, burst };
          const sends: number[] = [];
          let now = T0;
          for (const gap of gaps) {
            now += gap;
            now += pairDelayMs(sends, now, config);
            sends.push(now);
          }
          return metaDebtAfter(sends, config.intervalMs) <= burst * config.intervalMs;
        },
      ),
    );
  });

  it('makes the next send wait exactly until it fits: free after the delay, not 1 ms before (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: T0 - 3 * MIN, max: T0 + 10 * S }), { maxLength: 60 }), (sends) => {
        const delay = pairDelayMs(sends, T0);
        if (delay === 0) return true;
        return pairDelayMs(sends, T0 + delay) === 0 && pairDelayMs(sends, T0 + delay - 1) > 0;
      }),
    );
  });
});
