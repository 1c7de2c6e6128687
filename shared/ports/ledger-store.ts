import type { LedgerEntry } from '../domain/billing/ledger.js';
import type { RateCard } from '../domain/billing/rate-card.js';

/**
 * The billing ledger (its own table, `infra/topology.ts` LEDGER_TABLE). Implementation: `shared/adapters/ledger-store.ts`.
 */
export interface LedgerStore {
  /**
   * Writes `entry` unless its message already has one (`undefined` then: a repeated or later status of a charged
   * message), and on a write adds it to the month's counters (charged messages per portfolio, market and category;
   * service messages per number; the account's month total, which it answers with).
   */
  record(entry: LedgerEntry): Promise<RecordedCharge | undefined>;
  /** The entry of a message, by Relais's message id or `wamid:<wamid>`. */
  find(messageKey: string): Promise<LedgerEntry | undefined>;
  /** Charged messages counted so far this month for a portfolio, market and category (volume tiers). */
  chargedCount(portfolioId: string, month: string, market: string, category: string): Promise<number>;
  /** Service messages counted so far this month for a business number (the free allowance from 2026-10-01). */
  serviceCount(phoneNumberId: string, month: string): Promise<number>;
  /** Every entry of an account's month, in day order, page by page (one Query of the month, never a scan). */
  entriesOfMonth(businessAccountId: string, month: string, onPage?: (read: { readonly entries: number; readonly pages: number }) => void): AsyncIterable<LedgerEntry>;
  /** The accounts charged in a month (their month totals: one Query). */
  accountsOfMonth(month: string): Promise<string[]>;
}

/** Where the ledger's export goes (S3): one object per key, replaced whole on a second export. */
export interface ExportSink {
  put(key: string, body: string): Promise<void>;
}

export interface RecordedCharge {
  /** Meta's charges of the account's month once this one was added (0 for an unrated entry, which adds nothing). */
  readonly monthAmountMicros: number;
}

/** Rate cards, versioned by currency and effective day: a card once imported is never changed. */
export interface RateCardStore {
  /** Every card of the currency, oldest first. */
  cards(currency: string): Promise<RateCard[]>;
  /** `created`; `unchanged` when the same card was imported before; `conflict` when another card holds that day. */
  put(card: RateCard, importedAt: number): Promise<'created' | 'unchanged' | 'conflict'>;
}
