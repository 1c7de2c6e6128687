import type { LedgerEntry } from './ledger.js';
import { marketMapOn, marketOfCountry, type MarketMap } from './markets.js';
import { formatMicros } from './money.js';

/**
 * Reconciliation of an account's month against Meta's `pricing_analytics` (what Meta will invoice): both sides summed by
 * UTC day, market, pricing category and pricing type, and every key where the message count or the cost differs
 * listed. Days are UTC on both sides, as Meta's data points start at UTC midnights, whatever the account's timezone.
 * https://developers.facebook.com/docs/graph-api/reference/whats-app-business-account/pricing_analytics/
 */

/** One of Meta's data points, read ({@link parsePricingAnalytics} in `shared/contracts/billing`). */
export interface AnalyticsPoint {
  /** Epoch seconds of the period's start (UTC). */
  readonly start: number;
  /** ISO 3166-1 alpha-2, as Meta gives `country`. */
  readonly country: string;
  /** Lower case: `marketing`, `utility`, `authentication`, `authentication_international`, `service`, … */
  readonly category: string;
  /** Lower case: `regular`, `free_customer_service`, `free_entry_point`, … */
  readonly pricingType: string;
  readonly volume: number;
  /** Meta's cost, micros of the account's currency. */
  readonly costMicros: number;
}

export interface ReconciliationLine {
  readonly day: string;
  readonly market: string;
  readonly category: string;
  readonly pricingType: string;
  readonly relais: { readonly messages: number; readonly amountMicros: number };
  readonly meta: { readonly messages: number; readonly costMicros: number };
}

export interface Reconciliation {
  /** Keys where the two sides differ, sorted by day, market, category, type. */
  readonly differences: readonly ReconciliationLine[];
  /** Keys compared in all. */
  readonly compared: number;
  readonly totals: { readonly relaisMicros: bigint; readonly metaMicros: bigint; readonly relaisMessages: number; readonly metaMessages: number };
}

const utcDay = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 10);

/** Relais's entries and Meta's points, side by side. Unrated entries count as Relais's messages at no cost. */
export function reconcileMonth(entries: Iterable<LedgerEntry>, points: Iterable<AnalyticsPoint>, marketMaps: readonly MarketMap[]): Reconciliation {
  const lines = new Map<string, { day: string; market: string; category: string; pricingType: string; relais: { messages: number; amountMicros: number }; meta: { messages: number; costMicros: number } }>();
  const lineOf = (day: string, market: string, category: string, pricingType: string) => {
    const key = [day, market, category, pricingType].join('|');
    let line = lines.get(key);
    if (line === undefined) lines.set(key, (line = { day, market, category, pricingType, relais: { messages: 0, amountMicros: 0 }, meta: { messages: 0, costMicros: 0 } }));
    return line;
  };
  let relaisMicros = 0n;
  let metaMicros = 0n;
  let relaisMessages = 0;
  let metaMessages = 0;
  for (const entry of entries) {
    const line = lineOf(utcDay(entry.chargedAt), entry.market, entry.pricingCategory, entry.pricingType);
    line.relais.messages += 1;
    line.relais.amountMicros += entry.amountMicros;
    relaisMicros += BigInt(entry.amountMicros);
    relaisMessages += 1;
  }
  for (const point of points) {
    const day = utcDay(point.start * 1000);
    const map = marketMapOn(marketMaps, day);
    const market = map === undefined ? point.country : marketOfCountry(map, point.country);
    const line = lineOf(day, market, point.category, point.pricingType);
    line.meta.messages += point.volume;
    line.meta.costMicros += point.costMicros;
    metaMicros += BigInt(point.costMicros);
    metaMessages += point.volume;
  }
  const differences = [...lines.values()]
    .filter((line) => line.relais.messages !== line.meta.messages || line.relais.amountMicros !== line.meta.costMicros)
    .sort((a, b) => [a.day, a.market, a.category, a.pricingType].join('|').localeCompare([b.day, b.market, b.category, b.pricingType].join('|')));
  return { differences, compared: lines.size, totals: { relaisMicros, metaMicros, relaisMessages, metaMessages } };
}

/** One line a person reads: `2026-11-02 Spain marketing regular: Relais 2 messages 0.1414, Meta 3 messages 0.2121`. */
export function describeDifference(line: ReconciliationLine): string {
  return `${line.day} ${line.market} ${line.category} ${line.pricingType}: Relais ${line.relais.messages} messages ${formatMicros(line.relais.amountMicros)}, Meta ${line.meta.messages} messages ${formatMicros(line.meta.costMicros)}`;
}
