import { z } from 'zod';

/**
 * Events of the messaging limit (issue 9, item 5): Meta's limit on the unique users a business portfolio reaches
 * with business-initiated messages over a moving 24 h, counted by Relais at each send
 * (`shared/domain/sending/messaging-limit.ts`). Each is published by the one send that crossed the threshold.
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/messaging-limits
 */

const LimitRef = {
  /** The business portfolio whose count crossed (the account id when no portfolio is configured for it). */
  portfolioId: z.string().min(1).max(128),
  /** The account of the send that crossed. */
  businessAccountId: z.string().min(1).optional(),
  /** The tier enforced (`TIER_250` … `TIER_100K`). */
  tier: z.string().min(1),
  /** Unique users the tier allows in a moving 24 h. */
  limit: z.number().int().positive(),
  /** Unique users counted once the crossing send was counted. */
  used: z.number().int().nonnegative(),
  /** Where the tier came from: Meta's webhook, or Relais's configuration. */
  tierSource: z.enum(['meta', 'configuration']),
};

export const MessagingLimitApproachingSchema = z
  .object(LimitRef)
  .describe('The portfolio has used 80 % of its messaging limit: business-initiated messages to new users will be held once it is reached.');
export type MessagingLimitApproaching = z.infer<typeof MessagingLimitApproachingSchema>;

export const MessagingLimitReachedSchema = z
  .object(LimitRef)
  .describe('The portfolio reached its messaging limit: templates to users not counted in the last 24 h are held until users leave the window.');
export type MessagingLimitReached = z.infer<typeof MessagingLimitReachedSchema>;
