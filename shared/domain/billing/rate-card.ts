import { DAY_PATTERN } from './calendar.js';
import { parseDecimalMicros } from './money.js';

/**
 * Meta's rate cards: one CSV per currency, `Market,Currency,Marketing,Utility,Authentication,Authentication-International,Service`,
 * after a preamble such as "Cost per message in USD on the WhatsApp Business Platform, effective July 1, 2026."
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/pricing, "Rate cards and volume tiers").
 * Rates are in the business's billing currency, never converted. A card is in force from its effective day until
 * the next card of that currency; Meta changes rates only on Jan 1, Apr 1, Jul 1 and Oct 1.
 */

/** The categories a card prices. `service` is the Service column (conversations until 2025, messages from 2026-10-01). */
export const RATED_CATEGORIES = ['marketing', 'utility', 'authentication', 'authentication_international', 'service'] as const;
export type RatedCategory = (typeof RATED_CATEGORIES)[number];

/** One market's rates, in micros of the card's currency; a column the card leaves empty is absent. */
export type MarketRates = Readonly<Partial<Record<RatedCategory, number>>>;

export interface RateCard {
  /** ISO 4217, upper case. */
  readonly currency: string;
  /** `YYYY-MM-DD`, the first day the card applies (in the business's timezone). */
  readonly effectiveFrom: string;
  /** Where it comes from: a file name, or `sample`. Part of {@link rateCardVersion}. */
  readonly label: string;
  readonly markets: ReadonlyMap<string, MarketRates>;
  /** Volume tiers by `market|category` (utility, authentication), lowest first ({@link withVolumeTiers}). */
  readonly volumeTiers?: ReadonlyMap<string, readonly VolumeTier[]>;
}

/** From the `from`-th charged message of the month (1-based) on, this rate applies, until the next tier's `from`. */
export interface VolumeTier {
  readonly from: number;
  readonly rateMicros: number;
}

/** `EUR@2026-07-01`: what a ledger record names as the card that rated it. */
export function rateCardVersion(card: Pick<RateCard, 'currency' | 'effectiveFrom'>): string {
  return `${card.currency}@${card.effectiveFrom}`;
}

/** The card of `currency` in force on `day`: the latest whose `effectiveFrom` is not after it. */
export function rateCardOn(cards: readonly RateCard[], currency: string, day: string): RateCard | undefined {
  let chosen: RateCard | undefined;
  for (const card of cards) {
    if (card.currency === currency && card.effectiveFrom <= day && (chosen === undefined || card.effectiveFrom > chosen.effectiveFrom)) chosen = card;
  }
  return chosen;
}

const COLUMNS: ReadonlyArray<readonly [RatedCategory, readonly string[]]> = [
  ['marketing', ['marketing']],
  ['utility', ['utility']],
  ['authentication', ['authentication']],
  ['authentication_international', ['authentication-international', 'authentication international', 'authentication_international']],
  ['service', ['service']],
];

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** The effective day a preamble states ("… effective July 1, 2026."), as `YYYY-MM-DD`. */
export function effectiveDayInPreamble(text: string): string | undefined {
  const match = /effective\s+([A-Za-z]+)\s+(\d{1,2}),\s*(\d{4})/i.exec(text);
  if (match === null) return undefined;
  const month = MONTHS.indexOf(match[1]!.toLowerCase());
  if (month < 0) return undefined;
  return `${match[3]}-${String(month + 1).padStart(2, '0')}-${match[2]!.padStart(2, '0')}`;
}

export interface RateCardImportOptions {
  /** `YYYY-MM-DD`; required unless the preamble states it (then both must agree). */
  readonly effectiveFrom?: string;
  /** The card's currency; checked against the Currency column. @default - the Currency column's */
  readonly currency?: string;
  readonly label: string;
}

export type RateCardImport = { readonly ok: true; readonly card: RateCard } | { readonly ok: false; readonly problems: readonly string[] };

const DAY = DAY_PATTERN;

/**
 * Reads one rate card from its CSV rows (already split into cells). Lines before the header are the preamble; the
 * header is found by its `Market` cell and columns by name, so a card without Authentication-International or Service
 * (older cards) is read too. Every problem names its line: an unreadable rate, a second currency, a market twice.
 */
export function parseRateCardCsv(rows: readonly (readonly string[])[], options: RateCardImportOptions): RateCardImport {
  const problems: string[] = [];
  const headerAt = rows.findIndex((row) => (row[0] ?? '').trim().toLowerCase() === 'market');
  if (headerAt < 0) return { ok: false, problems: ['no header line starting with Market (Market,Currency,Marketing,Utility,…)'] };
  const preamble = rows.slice(0, headerAt).map((row) => row.join(',')).join(' ');
  const stated = effectiveDayInPreamble(preamble);
  const effectiveFrom = options.effectiveFrom ?? stated;
  if (effectiveFrom === undefined) problems.push('no effective day: give one (--effective-from YYYY-MM-DD), the preamble states none');
  else if (!DAY.test(effectiveFrom)) problems.push(`the effective day must be YYYY-MM-DD (got ${JSON.stringify(effectiveFrom)})`);
  else if (stated !== undefined && options.effectiveFrom !== undefined && stated !== options.effectiveFrom) {
    problems.push(`the preamble says the card is effective ${stated}, not ${options.effectiveFrom}`);
  }

  const header = rows[headerAt]!.map((cell) => cell.trim().toLowerCase());
  const currencyColumn = header.indexOf('currency');
  const columns = COLUMNS.map(([category, names]) => [category, header.findIndex((cell) => names.includes(cell))] as const).filter(([, index]) => index >= 0);
  if (!columns.some(([category]) => category === 'marketing') || !columns.some(([category]) => category === 'utility')) {
    problems.push(`line ${headerAt + 1}: the header must name at least the Marketing and Utility columns`);
  }

  let currency = options.currency?.toUpperCase();
  const markets = new Map<string, MarketRates>();
  rows.slice(headerAt + 1).forEach((row, index) => {
    const line = headerAt + 2 + index;
    if (row.every((cell) => cell.trim() === '')) return;
    const market = (row[0] ?? '').trim();
    if (market === '') {
      problems.push(`line ${line}: the market is empty`);
      return;
    }
    if (markets.has(market)) problems.push(`line ${line}: ${market} is listed twice`);
    if (currencyColumn >= 0) {
      const rowCurrency = (row[currencyColumn] ?? '').trim().toUpperCase();
      if (!/^[A-Z]{3}$/.test(rowCurrency)) problems.push(`line ${line}: the currency must be an ISO 4217 code (got ${JSON.stringify(rowCurrency.slice(0, 10))})`);
      else if (currency === undefined) currency = rowCurrency;
      else if (rowCurrency !== currency) problems.push(`line ${line}: ${market} is in ${rowCurrency}, the card in ${currency} (one file per currency)`);
    }
    const rates: Partial<Record<RatedCategory, number>> = {};
    for (const [category, column] of columns) {
      const cell = (row[column] ?? '').trim();
      if (cell === '' || cell === '-' || /^n\/?a$/i.test(cell)) continue;
      const parsed = parseDecimalMicros(cell.replace(/^[$€£₹]/, ''));
      if (parsed.ok) rates[category] = parsed.micros;
      else problems.push(`line ${line}: ${market} ${category} rate ${JSON.stringify(cell.slice(0, 20))} ${parsed.problem}`);
    }
    markets.set(market, rates);
  });
  if (currency === undefined) problems.push('no currency: the card has no Currency column; give one (--currency EUR)');
  else if (!/^[A-Z]{3}$/.test(currency)) problems.push(`the currency must be an ISO 4217 code (got ${JSON.stringify(currency)})`);
  if (markets.size === 0 && problems.length === 0) problems.push('the card lists no market');
  if (problems.length > 0 || currency === undefined || effectiveFrom === undefined) return { ok: false, problems };
  return { ok: true, card: { currency, effectiveFrom, label: options.label, markets } };
}
