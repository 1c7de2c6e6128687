import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BULK_SHARE_PERCENT,
  DEFAULT_RATE_PER_SECOND,
  bulkCapacityOf,
  laneSlot,
  rateSlot,
} from '#shared/domain/sending/rate-slots.js';

const T0 = Date.parse('2026-11-21T09:00:00.000Z');

describe('rateSlot', () => {
  it("gives Meta's default 80 msg/s as 8 sends per 100 ms slot", () => {
    expect(rateSlot(T0 + 250, 80)).toEqual({ slot: Math.floor((T0 + 250) / 100), slotMs: 100, capacity: 8, nextSlotAt: T0 + 300 });
  });

  it('gives an upgraded number (1,000 msg/s) 100 sends per slot', () => {
    expect(rateSlot(T0, 1000).capacity).toBe(100);
  });

  it('gives a slow number one send per slot of 1/rate seconds', () => {
    expect(rateSlot(T0, 5)).toMatchObject({ slotMs: 200, capacity: 1 });
    expect(rateSlot(T0, 1)).toMatchObject({ slotMs: 1000, capacity: 1 });
  });

  it('never allows more than the rate, plus one slot straddling the edge, over any second (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 10_000 }), (rate, offset) => {
        const start = T0 + offset;
        const slots = new Map<number, number>();
        for (let t = start; t < start + 1000; t++) {
          const s = rateSlot(t, rate);
          slots.set(s.slot, s.capacity);
        }
        // Every slot touching the second: those starting inside it and the one already running at its start.
        const allowed = [...slots.values()].reduce((a, b) => a + b, 0);
        return allowed <= rate + rateSlot(start, rate).capacity;
      }),
    );
  });

  it('refuses a rate outside 1 to 1,000 with a clear message', () => {
    expect(() => rateSlot(T0, 0)).toThrow('ratePerSecond must be between 1 and 1000, got 0');
    expect(() => rateSlot(T0, 1001)).toThrow(/between 1 and 1000/);
    expect(() => rateSlot(T0, Number.NaN)).toThrow(/between 1 and 1000/);
  });
});

const FUZZ_SEED = Number(process.env['FUZZ_SEED'] ?? 20261121);

describe('laneSlot: bulk may take a share of each number\'s slots, priority all of them', () => {
  it("defaults to Meta's 80 msg/s and an 80 % bulk share", () => {
    expect([DEFAULT_RATE_PER_SECOND, DEFAULT_BULK_SHARE_PERCENT]).toEqual([80, 80]);
  });

  it('gives bulk 6 or 7 of the 8 sends of an 80 msg/s slot, and 32 of every 40 over 5 slots', () => {
    const caps = [0, 1, 2, 3, 4].map((n) => bulkCapacityOf(n, 8, 80));
    expect(caps).toEqual([6, 6, 7, 6, 7]);
    expect(caps.reduce((a, b) => a + b)).toBe(32);
  });

  it('lets priority take the whole slot and bulk only its share', () => {
    const now = T0 + 250;
    expect(laneSlot(now, 'priority', { ratePerSecond: 80, bulkSharePercent: 80 })).toMatchObject({ capacity: 8, laneCapacity: 8 });
    const bulk = laneSlot(now, 'bulk', { ratePerSecond: 80, bulkSharePercent: 80 });
    expect(bulk.laneCapacity).toBe(bulk.bulkCapacity);
    expect(bulk.bulkCapacity).toBeLessThan(8);
  });

  it('gives a 1-send slot to bulk 4 times in 5 and points a refused bulk sender past the slots it may not use', () => {
    const share = { ratePerSecond: 5, bulkSharePercent: 80 };
    const slotMs = rateSlot(T0, 5).slotMs;
    const first = Math.floor(T0 / slotMs);
    const caps = Array.from({ length: 10 }, (_, i) => bulkCapacityOf(first + i, 1, 80));
    expect(caps.filter((c) => c === 1)).toHaveLength(8);
    const zero = caps.indexOf(0);
    const before = (first + zero - 1) * slotMs;
    expect(laneSlot(before, 'bulk', share).nextLaneSlotAt).toBe((first + zero + 1) * slotMs);
    expect(laneSlot(before, 'priority', share).nextLaneSlotAt).toBe((first + zero) * slotMs);
  });

  it('with a 100 % share gives bulk every send, as before lanes were split', () => {
    expect(laneSlot(T0, 'bulk', { ratePerSecond: 1000, bulkSharePercent: 100 })).toMatchObject({ capacity: 100, bulkCapacity: 100 });
  });

  it('over any run of slots gives bulk its share within one send, and never a whole slot below 100 % when a slot holds 5+ (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 0, max: 2 ** 36 }),
        fc.integer({ min: 1, max: 500 }),
        (rate, percent, start, length) => {
          const { capacity } = rateSlot(0, rate);
          let total = 0;
          for (let n = start; n < start + length; n++) {
            const cap = bulkCapacityOf(n, capacity, percent);
            if (cap < 0 || cap > capacity) return false;
            if (percent <= 80 && capacity >= 5 && cap === capacity) return false;
            total += cap;
          }
          return Math.abs(total - (length * capacity * percent) / 100) <= 1;
        },
      ),
      { seed: FUZZ_SEED, numRuns: 300 },
    );
  });

  it('refuses a bulk share that is not an integer from 1 to 100', () => {
    expect(() => laneSlot(T0, 'bulk', { ratePerSecond: 80, bulkSharePercent: 0 })).toThrow('bulkSharePercent must be an integer from 1 to 100, got 0');
    expect(() => laneSlot(T0, 'bulk', { ratePerSecond: 80, bulkSharePercent: 80.5 })).toThrow(/got 80.5/);
    expect(() => laneSlot(T0, 'priority', { ratePerSecond: 80, bulkSharePercent: 101 })).toThrow(/got 101/);
  });
});
