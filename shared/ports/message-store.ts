import type { MarketingSends, MessageRecord, OutboxStatus } from '../domain/sending/records.js';

/**
 * The outbox: one record per accepted or refused send, with an idempotency item per (requester, key) and a
 * wamid item once Meta has answered. Meta and SQS FIFO de-duplicate for minutes at most; the store does it
 * for its retention period. The DynamoDB implementation is `shared/adapters/message-store.ts`.
 */
export interface MessageStore {
  /** The record of `requestedBy`'s request with this key: keys of different requesters never collide. */
  findByIdempotencyKey(requestedBy: string, key: string): Promise<MessageRecord | undefined>;
  /**
   * Writes the idempotency item and the record atomically (and, for a marketing send, the contact's
   * marketing-send list, guarded by its version). `exists` when the key was taken meanwhile;
   * `cap_conflict` when another marketing send to the contact won the race: decide again.
   */
  create(record: MessageRecord, marketing?: { previous: MarketingSends | undefined; sends: readonly number[] }): Promise<'created' | 'exists' | 'cap_conflict'>;
  get(messageId: string): Promise<MessageRecord | undefined>;
  findByWamid(wamid: string): Promise<MessageRecord | undefined>;
  marketingSends(contactId: string): Promise<MarketingSends | undefined>;
  /** `queued` → `sending`, counting the attempt. Returns the current record when it is not `queued`. */
  claim(messageId: string, now: number): Promise<{ claimed: true; record: MessageRecord } | { claimed: false; record: MessageRecord | undefined }>;
  /** `sending`/`uncertain` → `accepted` with Meta's wamid; writes the wamid item. */
  accept(messageId: string, wamid: string, now: number): Promise<MessageRecord | undefined>;
  /**
   * `sending` → `queued`: the message goes back to its queue. `refundAttempt` when nothing was tried (a
   * pacing wait), so waiting never uses up the retry budget.
   */
  release(messageId: string, lastError: MessageRecord['lastError'], now: number, refundAttempt?: boolean): Promise<void>;
  /**
   * `sending` → `queued` with the reason it is held back (`deferral`), the attempt refunded: a message waiting for the
   * messaging limit, an account restriction or a template pause has not been tried. `accept` removes the deferral.
   */
  defer(messageId: string, deferral: NonNullable<MessageRecord['deferral']>, now: number): Promise<void>;
  /**
   * GDPR erasure of one contact's messages: recipient and content removed from every record of the
   * contact (listed under `CONTACT#<id>#MSGS`, written once with each message: a one-unit item rather than
   * an index that would copy every status update); ids, statuses and categories stay for billing.
   */
  eraseContact(contactId: string, at: number): Promise<number>;
  /**
   * Moves to `to` when the current status is one of `from`. Returns the updated record or undefined.
   * `attempts` resets the retry budget (the DLQ redrive puts a message back with a fresh one).
   * `category` re-bills a message whose template changed category while it was queued (the sender, `sending` → `sending`).
   */
  transition(
    messageId: string,
    from: readonly OutboxStatus[],
    to: OutboxStatus,
    now: number,
    extra?: Partial<Pick<MessageRecord, 'wamid' | 'lastError' | 'attempts' | 'failureReason' | 'category'>>,
  ): Promise<MessageRecord | undefined>;
}
