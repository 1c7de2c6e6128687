/**
 * Monthly budget alerts: an account's Meta charges of a month against the budget set for it. A threshold is crossed by
 * the one charge that takes the month's spend from below it to at or above it, so each is reported once per month
 * (the month total is added to atomically, and each addition sees its own before and after).
 */

export const BUDGET_THRESHOLDS = [80, 100] as const;
export type BudgetThreshold = (typeof BUDGET_THRESHOLDS)[number];

/** The thresholds (percent of `budgetMicros`) a charge crossed going from `beforeMicros` to `afterMicros`. Integer arithmetic. */
export function budgetCrossings(budgetMicros: number, beforeMicros: number, afterMicros: number): BudgetThreshold[] {
  if (budgetMicros <= 0 || afterMicros <= beforeMicros) return [];
  const budget = BigInt(budgetMicros);
  const before = BigInt(beforeMicros) * 100n;
  const after = BigInt(afterMicros) * 100n;
  return BUDGET_THRESHOLDS.filter((percent) => before < BigInt(percent) * budget && after >= BigInt(percent) * budget);
}
