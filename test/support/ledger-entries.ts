import type { LedgerEntry } from '../../shared/domain/billing/ledger.js';

/**
 * A ledger entry as the Billing consumer writes one, for tests that load entries directly: a delivered Spanish
 * marketing template of `month` (day 2), rated on the USD sample card of 2026-10-01. `n` makes the message unique.
 */
export function ledgerEntry(options: { readonly account: string; readonly n: number; readonly month: string; readonly label: string }, overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  const { account, n, month, label } = options;
  return {
    messageId: `m-${label}-${account}-${n}`,
    messageKey: `m-${label}-${account}-${n}`,
    era: 'pmp_2026',
    pricingModel: 'PMP',
    pricingType: 'regular',
    pricingCategory: 'marketing',
    billable: true,
    market: 'Spain',
    rateMicros: 70_700,
    amountMicros: 70_700,
    platformFeeMicros: 0,
    currency: 'USD',
    rateCardVersion: 'USD@2026-10-01',
    chargedAt: Date.parse(`${month}-02T09:00:00Z`) + n,
    day: `${month}-02`,
    month,
    reason: 'a delivered marketing template',
    counts: { charged: true, freeServiceConversation: false, serviceMessage: false },
    businessAccountId: account,
    phoneNumberId: `1${account}`,
    wamid: `wamid.${label}${n}`,
    portfolioId: account,
    reconciliation: 'agrees',
    differences: [],
    source: 'relais',
    recordedAt: Date.parse(`${month}-02T09:01:00Z`),
    ...overrides,
  };
}
