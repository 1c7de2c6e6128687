import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rateSlot } from '#shared/domain/sending/rate-slots.js';

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
