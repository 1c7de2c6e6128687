import type { LimitDecision, MessagingLimitTier, WindowUsage } from '../domain/sending/messaging-limit.js';

/** One send to check against the portfolio's messaging limit. */
export interface LimitAdmission {
  /** The business portfolio (Meta counts the limit per portfolio, across all its numbers). */
  readonly portfolioId: string;
  /** The recipient's phone number or WhatsApp id; stored only as a hash (`limitRecipientKey`). */
  readonly recipient: string;
  readonly isTemplate: boolean;
  /** The recipient's customer service window is open. */
  readonly windowOpen: boolean;
  /** The portfolio's tier now (`parseMessagingLimitTier`). */
  readonly tier: MessagingLimitTier;
  /** Epoch ms. */
  readonly now: number;
}

/**
 * The messaging-limit count shared by every sender of a portfolio. `admit` decides with `decideSend` in
 * `domain/sending/messaging-limit.ts` and, when it allows a send that counts, records the user in the same atomic
 * step: two concurrent sends to one new user count it once, and two to different users never both take the last slot.
 */
export interface MessagingLimitStore {
  admit(admission: LimitAdmission): Promise<LimitDecision>;
}

/**
 * The read side of the same count, for the operator read API. Apart from {@link MessagingLimitStore} so the sender,
 * which only admits, is not handed it (and its test doubles need not implement it); the DynamoDB store is both.
 */
export interface MessagingLimitUsageReader {
  /**
   * Read only: the portfolio's unique users in the moving 24 h at `now` (epoch ms) and when they leave the window,
   * as `admit` would count them (`usageOfBuckets`). Writes nothing: buckets past the window are left for `admit` to
   * drop. A portfolio never counted has `{ count: 0, ageOuts: [] }`.
   */
  usage(portfolioId: string, now: number): Promise<WindowUsage>;
}
