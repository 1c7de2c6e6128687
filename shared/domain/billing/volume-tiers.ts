import { discounted, parseDecimalMicros } from './money.js';
import type { RateCard, RatedCategory, VolumeTier } from './rate-card.js';

/**
 * Meta's volume tiers: utility and authentication messages get a lower rate once a business portfolio's charged
 * messages of that category to a market pass a threshold in a calendar month (reset at midnight in the business's
 * timezone); marketing never does (https://developers.facebook.com/documentation/business-messaging/whatsapp/pricing,
 * "Volume tiers"). Meta publishes them in a separate CSV whose layout is UNVERIFIED here, so Relais reads a layout of
 * its own, by column name: `Market,Category,From,Rate` (the rate of that tier) or `Market,Category,From,Discount`
 * (a percentage off the card's rate, e.g. `5` or `5%`), neither for a tier at the list rate; `To` may be given and is
 * checked to meet the next `From`.
 */

export function tierKey(market: string, category: RatedCategory): string {
  return `${market}|${category}`;
}

/** The tier the `nth` charged message of the month falls in, or `undefined` when the card has none for it (list rate). */
export function tierRate(card: RateCard, market: string, category: RatedCategory, nth: number): VolumeTier | undefined {
  const tiers = card.volumeTiers?.get(tierKey(market, category));
  if (tiers === undefined) return undefined;
  let chosen: VolumeTier | undefined;
  for (const tier of tiers) if (tier.from <= nth) chosen = tier;
  return chosen !== undefined && chosen.from > 1 ? chosen : undefined;
}

export type VolumeTierImport = { readonly ok: true; readonly card: RateCard } | { readonly ok: false; readonly problems: readonly string[] };

const TIERED: ReadonlySet<string> = new Set(['utility', 'authentication']);

/** The card with the tiers of a tier CSV (rows already split into cells) added. Every problem names its line. */
export function withVolumeTiers(card: RateCard, rows: readonly (readonly string[])[]): VolumeTierImport {
  const problems: string[] = [];
  const headerAt = rows.findIndex((row) => (row[0] ?? '').trim().toLowerCase() === 'market');
  if (headerAt < 0) return { ok: false, problems: ['no header line starting with Market (Market,Category,From,Rate)'] };
  const header = rows[headerAt]!.map((cell) => cell.trim().toLowerCase());
  const column = (name: string) => header.indexOf(name);
  const [categoryAt, fromAt, toAt, rateAt, discountAt] = [column('category'), column('from'), column('to'), column('rate'), column('discount')];
  if (categoryAt < 0 || fromAt < 0 || (rateAt < 0 && discountAt < 0)) {
    return { ok: false, problems: [`line ${headerAt + 1}: the header must name Market, Category, From and Rate or Discount`] };
  }
  const collected = new Map<string, { tier: VolumeTier; to?: number; line: number }[]>();
  rows.slice(headerAt + 1).forEach((row, index) => {
    const line = headerAt + 2 + index;
    if (row.every((cell) => cell.trim() === '')) return;
    const market = (row[0] ?? '').trim();
    const category = (row[categoryAt] ?? '').trim().toLowerCase();
    const listRate = card.markets.get(market)?.[category as RatedCategory];
    if (!card.markets.has(market)) return void problems.push(`line ${line}: the ${card.currency} card has no market "${market.slice(0, 60)}"`);
    if (!TIERED.has(category)) return void problems.push(`line ${line}: volume tiers apply to utility and authentication only (got ${JSON.stringify(category.slice(0, 30))})`);
    if (listRate === undefined) return void problems.push(`line ${line}: the card has no ${category} rate for ${market} to tier`);
    const from = Number((row[fromAt] ?? '').trim().replace(/[ ,_]/g, ''));
    if (!Number.isSafeInteger(from) || from < 1) return void problems.push(`line ${line}: From must be a whole number of messages, 1 or more`);
    const toText = toAt < 0 ? '' : (row[toAt] ?? '').trim().replace(/[ ,_]/g, '');
    const to = toText === '' || /^(∞|inf|infinity|unlimited|\+)$/i.test(toText) ? undefined : Number(toText);
    if (to !== undefined && (!Number.isSafeInteger(to) || to < from)) return void problems.push(`line ${line}: To must be a whole number not below From`);
    let rateMicros: number;
    if (rateAt >= 0 && (row[rateAt] ?? '').trim() !== '') {
      const parsed = parseDecimalMicros((row[rateAt] ?? '').trim());
      if (!parsed.ok) return void problems.push(`line ${line}: Rate ${parsed.problem}`);
      rateMicros = parsed.micros;
    } else if (discountAt < 0 || (row[discountAt] ?? '').trim() === '') {
      // Neither rate nor discount: the tier is at the card's list rate (Meta's first tier usually is).
      rateMicros = listRate;
    } else {
      const text = (row[discountAt] ?? '').trim().replace(/%$/, '');
      const percent = parseDecimalMicros(text);
      if (!percent.ok || percent.micros > 100 * 1_000_000 || percent.micros % 10_000 !== 0) {
        return void problems.push(`line ${line}: Discount must be a percentage from 0 to 100 with at most 2 decimals`);
      }
      rateMicros = discounted(listRate, percent.micros / 10_000);
    }
    const key = tierKey(market, category as RatedCategory);
    collected.set(key, [...(collected.get(key) ?? []), { tier: { from, rateMicros }, ...(to === undefined ? {} : { to }), line }]);
  });
  const volumeTiers = new Map<string, VolumeTier[]>();
  for (const [key, entries] of collected) {
    const sorted = [...entries].sort((a, b) => a.tier.from - b.tier.from);
    sorted.forEach((entry, i) => {
      const next = sorted[i + 1];
      if (next !== undefined && next.tier.from === entry.tier.from) problems.push(`line ${next.line}: a second tier of ${key.replace('|', ' ')} from ${entry.tier.from}`);
      else if (next !== undefined && entry.to !== undefined && entry.to + 1 !== next.tier.from) {
        problems.push(`line ${entry.line}: the tier ending at ${entry.to} does not meet the next, from ${next.tier.from}`);
      }
    });
    volumeTiers.set(key, sorted.map((entry) => entry.tier));
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, card: { ...card, volumeTiers } };
}
