import { z } from 'zod';

/**
 * Events of the billing ledger (issue 10): published by the Billing consumer as it records charges.
 */

export const BudgetThresholdReachedSchema = z
  .object({
    businessAccountId: z.string().min(1),
    /** `YYYY-MM`, in the account's timezone. */
    month: z.string().regex(/^\d{4}-\d{2}$/),
    /** 80 (approaching) or 100 (reached). */
    thresholdPercent: z.union([z.literal(80), z.literal(100)]),
    currency: z.string().regex(/^[A-Z]{3}$/),
    /** The monthly budget configured for the account (`billing` in the CDK context), micros. */
    budgetMicros: z.number().int().positive(),
    /** Meta's charges of the month recorded so far, the crossing charge included, micros. */
    spentMicros: z.number().int().nonnegative(),
    /** The charge that crossed the threshold. */
    messageKey: z.string().min(1),
  })
  .describe("The account's Meta charges of the month reached 80 % or 100 % of its monthly budget; published once per threshold and month.");
export type BudgetThresholdReached = z.infer<typeof BudgetThresholdReachedSchema>;
