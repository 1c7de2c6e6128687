/**
 * Per-number throughput as fixed time slots: a number allowed `ratePerSecond` messages gets
 * `capacity` sends in each slot of `slotMs`. Slots are short (100 ms at 10 msg/s and above), so the rate
 * stays smooth, and each send costs one atomic counter increment in DynamoDB with no read and no
 * optimistic-locking retries, however many senders run at once.
 */
export interface RateSlot {
  /** Slot number since the epoch; the counter's key. */
  readonly slot: number;
  readonly slotMs: number;
  /** Sends allowed in this slot. */
  readonly capacity: number;
  /** When the next slot starts. */
  readonly nextSlotAt: number;
}

export const MIN_RATE_PER_SECOND = 1;
export const MAX_RATE_PER_SECOND = 1000;

export function rateSlot(now: number, ratePerSecond: number): RateSlot {
  if (!Number.isFinite(ratePerSecond) || ratePerSecond < MIN_RATE_PER_SECOND || ratePerSecond > MAX_RATE_PER_SECOND) {
    throw new RangeError(`ratePerSecond must be between ${MIN_RATE_PER_SECOND} and ${MAX_RATE_PER_SECOND}, got ${ratePerSecond}`);
  }
  // 100 ms slots when they hold at least one send; slower numbers get one send per slot of 1/rate seconds.
  const slotMs = ratePerSecond >= 10 ? 100 : Math.ceil(1000 / ratePerSecond);
  const capacity = Math.max(1, Math.floor((ratePerSecond * slotMs) / 1000));
  const slot = Math.floor(now / slotMs);
  return { slot, slotMs, capacity, nextSlotAt: (slot + 1) * slotMs };
}
