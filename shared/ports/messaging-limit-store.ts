import type { LimitDecision, MessagingLimitTier } from '../domain/sending/messaging-limit.js';

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
