import type { SendLane } from '../contracts/events/outbound/vocabulary.js';
import type { LaneShare } from '../domain/sending/rate-slots.js';

/** A request for one send slot of a business number's throughput. */
export interface SlotRequest {
  readonly phoneNumberId: string;
  readonly lane: SendLane;
  /** The number's throughput and the bulk lane's share of it. */
  readonly share: LaneShare;
  /** Epoch ms: which slot the send falls in. */
  readonly now: number;
}

export type SlotGrant = { readonly granted: true } | { readonly granted: false; readonly retryAt: number };

/**
 * Pacing state shared by every sender: per-number throughput slots (split between the lanes by
 * `laneSlot` in `domain/sending/rate-slots.ts`) and per-recipient send history.
 */
export interface PacingStore {
  /**
   * Takes one send from the number's current slot for the lane, atomically across concurrent senders, or
   * says when to ask again (the next slot with room for the lane, or the end of a pause).
   */
  acquire(request: SlotRequest): Promise<SlotGrant>;
  /** Stops the number's sends, both lanes, until `until` (after Meta's 130429). */
  pause(phoneNumberId: string, until: number): Promise<void>;
  /** When earlier sends to the pair went (epoch ms); see `pairKey` in `domain/sending/pacing.ts`. */
  recentSends(pairKey: string): Promise<number[]>;
  recordSend(pairKey: string, at: number, keepMs: number): Promise<void>;
}
