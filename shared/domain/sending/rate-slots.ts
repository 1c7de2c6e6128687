import type { SendLane } from '../../contracts/events/outbound/vocabulary.js';

/**
 * Per-number throughput as fixed time slots: a number allowed `ratePerSecond` messages gets
 * `capacity` sends in each slot of `slotMs`. Slots are short (100 ms at 10 msg/s and above), so the rate
 * stays smooth, and each send costs one atomic counter increment in DynamoDB with no read and no
 * optimistic-locking retries, however many senders run at once.
 *
 * The two lanes share a number's slots, but not equally: the bulk lane may take at most
 * `bulkSharePercent` of them, so a campaign saturating a number always leaves the rest to the priority
 * lane (OTPs, service replies), which may take every slot. See {@link laneSlot}.
 */
export interface RateSlot {
  /** Slot number since the epoch; the counter's key. */
  readonly slot: number;
  readonly slotMs: number;
  /** Sends allowed in this slot, both lanes together. */
  readonly capacity: number;
  /** When the next slot starts. */
  readonly nextSlotAt: number;
}

export const MIN_RATE_PER_SECOND = 1;
export const MAX_RATE_PER_SECOND = 1000;
/**
 * Meta's default throughput per business phone number: 80 messages per second, upgraded to 1,000 for
 * eligible numbers, 20 for coexistence numbers; over it, error 130429.
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/throughput
 */
export const DEFAULT_RATE_PER_SECOND = 80;
/** Share of each number's slots the bulk lane may take, in percent; priority may take all of them. */
export const DEFAULT_BULK_SHARE_PERCENT = 80;

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

/** How one number's throughput is shared between the lanes. */
export interface LaneShare {
  readonly ratePerSecond: number;
  /** An integer from 1 to 100. @default DEFAULT_BULK_SHARE_PERCENT */
  readonly bulkSharePercent: number;
}

export interface LaneSlot extends RateSlot {
  /** Bulk sends allowed in this slot (≤ capacity); the rest of the slot is held for priority. */
  readonly bulkCapacity: number;
  /** Sends `lane` may take in this slot, whatever the other lane took: `capacity` or `bulkCapacity`. */
  readonly laneCapacity: number;
  /** When the next slot starts in which `lane` may send at all (bulk may have slots of 0 at low rates). */
  readonly nextLaneSlotAt: number;
}

/** Throws a `RangeError` naming the problem when the bulk share is not an integer from 1 to 100. */
export function validateBulkSharePercent(percent: number): void {
  if (!(Number.isInteger(percent) && percent >= 1 && percent <= 100)) {
    throw new RangeError(`bulkSharePercent must be an integer from 1 to 100, got ${percent}`);
  }
}

/**
 * Bulk sends allowed in slot number `slot`. The share is spread so that any run of slots gets its exact
 * share, give or take one send: slot n allows ⌊(n+1)·c·p/100⌋ − ⌊n·c·p/100⌋ (c = capacity, p = percent).
 * At 80 msg/s and 80 % (c = 8, 6.4 per slot) that is 6 or 7, never 8, so every slot keeps at least one send
 * for priority; at c = 1 bulk gets 4 slots in 5 and priority the fifth as well as any bulk left unused.
 */
export function bulkCapacityOf(slot: number, capacity: number, bulkSharePercent: number): number {
  validateBulkSharePercent(bulkSharePercent);
  const upTo = (n: number) => Math.floor((n * capacity * bulkSharePercent) / 100);
  return upTo(slot + 1) - upTo(slot);
}

/**
 * The slot `now` falls in, seen from one lane. The caller (the pacing store) takes a send when fewer than
 * `capacity` sends of either lane were taken in the slot and, for bulk, fewer than `bulkCapacity` bulk ones:
 * - priority is never held back by bulk beyond `capacity − bulkCapacity` per slot, so with bulk saturating
 *   a number a priority message gets a slot in the current one or, if priority itself filled it, the next;
 * - bulk takes what priority leaves, up to its share: `min(bulkCapacity, capacity − priority sends)`.
 */
export function laneSlot(now: number, lane: SendLane, share: LaneShare): LaneSlot {
  const base = rateSlot(now, share.ratePerSecond);
  const bulkCapacity = bulkCapacityOf(base.slot, base.capacity, share.bulkSharePercent);
  let nextLaneSlotAt = base.nextSlotAt;
  if (lane === 'bulk') {
    // At most ⌈100/p⌉ slots in a row give bulk nothing; the loop ends well before that bound.
    for (let n = base.slot + 1; bulkCapacityOf(n, base.capacity, share.bulkSharePercent) === 0; n++) nextLaneSlotAt = (n + 1) * base.slotMs;
  }
  return { ...base, bulkCapacity, laneCapacity: lane === 'bulk' ? bulkCapacity : base.capacity, nextLaneSlotAt };
}
