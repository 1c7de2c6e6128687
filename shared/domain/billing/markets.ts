import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import metadata from 'libphonenumber-js/min/metadata';

/**
 * The market a recipient is rated in. Meta prices a message by the recipient's country calling code, each country
 * either a market of its own (France, India…) or one of Meta's regional groupings ("Rest of Western Europe",
 * "Other"…), and the groupings change: countries leave a group for a rate of their own on a quarter start
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/pricing). Relais resolves the number to
 * its country with libphonenumber (so +1 876 is Jamaica, not North America; +7 7 is Kazakhstan, not Russia), then
 * the country to its market with the mapping in force that day.
 */

/** One mapping of countries (ISO 3166-1 alpha-2) to markets, in force from a day. */
export interface MarketMap {
  /** `YYYY-MM-DD`: the first day it applies (in the business's timezone, as Meta accrues). */
  readonly effectiveFrom: string;
  /** Where it comes from, e.g. `sample` or the file it was imported from. */
  readonly label: string;
  /** Country → market name, as the rate card spells the market. */
  readonly markets: ReadonlyMap<string, string>;
  /** The market of every country not listed: Meta's "Other". */
  readonly fallback: string;
}

export const OTHER_MARKET = 'Other';

/** The map in force on `day` (`YYYY-MM-DD`): the latest whose `effectiveFrom` is not after it. */
export function marketMapOn(maps: readonly MarketMap[], day: string): MarketMap | undefined {
  let chosen: MarketMap | undefined;
  for (const map of maps) if (map.effectiveFrom <= day && (chosen === undefined || map.effectiveFrom > chosen.effectiveFrom)) chosen = map;
  return chosen;
}

/**
 * The countries a recipient may be rated as, most precise first: for an E.164 number, the country libphonenumber
 * resolves (when its ranges tell) then the main country of its calling code (the first libphonenumber lists: GB for
 * +44, US for +1); for a BSUID, its country prefix (`FR.…`). Empty when none can be told.
 */
export function recipientCountries(recipient: string): string[] {
  if (!recipient.startsWith('+')) {
    const prefix = /^([A-Z]{2})\./.exec(recipient)?.[1];
    return prefix === undefined ? [] : [prefix];
  }
  const parsed = parsePhoneNumberFromString(recipient);
  if (parsed === undefined) return [];
  // libphonenumber's metadata lists a calling code's countries main one first (44: GB, GG, IM, JE).
  const main = (metadata as { country_calling_codes: Record<string, string[] | undefined> }).country_calling_codes[parsed.countryCallingCode]?.[0];
  return [...new Set([parsed.country, main].filter((country): country is string => country !== undefined))];
}

/** The most precise country of a recipient ({@link recipientCountries}). */
export function recipientCountry(recipient: string): string | undefined {
  return recipientCountries(recipient)[0];
}

/**
 * The market of a recipient in `map`. Meta rates by calling code, so a country the map does not list takes its calling
 * code's main country's market (Guernsey, +44, is rated as the United Kingdom; an unallocated +1 number as North
 * America); a country listed keeps its own (Jamaica, +1 876, is "Rest of Latin America").
 */
export function marketOfRecipient(map: MarketMap, recipient: string): string {
  for (const country of recipientCountries(recipient)) {
    const market = map.markets.get(country);
    if (market !== undefined) return market;
  }
  return map.fallback;
}

/** The market of a country in `map`: its own, its group's, or the fallback. */
export function marketOfCountry(map: MarketMap, country: string | undefined): string {
  return (country === undefined ? undefined : map.markets.get(country)) ?? map.fallback;
}

// ---------------------------------------------------------------------------------------------------------
// Sample mapping: Meta's markets and groupings as its pricing page lists them, and the dated splits of 2026.
// A SAMPLE, for the local stack and the tests: import Meta's "Country Calling Codes and Regional Rate Mapping"
// (`npm run billing -- import-markets`) before rating real traffic.
// ---------------------------------------------------------------------------------------------------------

const OWN_MARKETS: Readonly<Record<string, string>> = {
  AR: 'Argentina', BR: 'Brazil', CL: 'Chile', CO: 'Colombia', EG: 'Egypt', FR: 'France', DE: 'Germany', IN: 'India',
  ID: 'Indonesia', IL: 'Israel', IT: 'Italy', MY: 'Malaysia', MX: 'Mexico', NL: 'Netherlands', NG: 'Nigeria',
  PK: 'Pakistan', PE: 'Peru', RU: 'Russia', SA: 'Saudi Arabia', ZA: 'South Africa', ES: 'Spain', TR: 'Turkey',
  AE: 'United Arab Emirates', GB: 'United Kingdom', US: 'North America', CA: 'North America',
};

const GROUPS: Readonly<Record<string, string>> = {
  'Rest of Africa': 'DZ AO BJ BW BF BI CM TD CG CD ER ET GA GM GH GW CI KE LS LR LY MG MW ML MR MA MZ NA NE RW SN SL SO SS SD SZ TZ TG TN UG ZM',
  'Rest of Asia Pacific': 'AF AU BD KH CN HK JP LA MN NP NZ PG PH SG LK TW TJ TH TM UZ VN',
  'Rest of Central & Eastern Europe': 'AL AM AZ BY BG HR CZ GE GR HU LV LT MK MD PL RO RS SK SI UA',
  'Rest of Latin America': 'BO CR DO EC SV GT HT HN JM NI PA PY PR UY VE',
  'Rest of Middle East': 'BH IQ JO KW LB OM QA YE',
  'Rest of Western Europe': 'AT BE DK FI IE NO PT SE CH',
};

/** Countries that left their group for a market of their own, and the day they did. */
const SPLITS: ReadonlyArray<{ readonly effectiveFrom: string; readonly markets: Readonly<Record<string, string>> }> = [
  { effectiveFrom: '2026-07-01', markets: { HK: 'Hong Kong', HU: 'Hungary', PL: 'Poland', QA: 'Qatar', RO: 'Romania', SG: 'Singapore' } },
  {
    effectiveFrom: '2026-10-01',
    // Meta's pricing page lists nine (Kazakhstan among them, which some summaries leave out).
    markets: { BD: 'Bangladesh', IQ: 'Iraq', KZ: 'Kazakhstan', KW: 'Kuwait', MA: 'Morocco', NP: 'Nepal', OM: 'Oman', LK: 'Sri Lanka', UA: 'Ukraine' },
  },
];

function sampleMaps(): MarketMap[] {
  const base = new Map<string, string>();
  for (const [market, countries] of Object.entries(GROUPS)) for (const country of countries.split(' ')) base.set(country, market);
  for (const [country, market] of Object.entries(OWN_MARKETS)) base.set(country, market);
  const maps: MarketMap[] = [{ effectiveFrom: '2000-01-01', label: 'sample', markets: base, fallback: OTHER_MARKET }];
  let current = base;
  for (const split of SPLITS) {
    current = new Map([...current, ...Object.entries(split.markets)]);
    maps.push({ effectiveFrom: split.effectiveFrom, label: 'sample', markets: current, fallback: OTHER_MARKET });
  }
  return maps;
}

/** The sample mappings, oldest first. */
export const SAMPLE_MARKET_MAPS: readonly MarketMap[] = Object.freeze(sampleMaps());

// ---------------------------------------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------------------------------------

export type MarketMapImport = { readonly ok: true; readonly map: MarketMap } | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Reads a country-to-market CSV: a header naming an ISO country column (`ISO`, `Country code` or `ISO code`) and a
 * `Market` column, in any order with any other columns; lines before the header (Meta's preamble) are skipped.
 * Meta's own layout of that file is UNVERIFIED here, which is why columns are found by name. Problems name the line.
 */
export function parseMarketMapCsv(rows: readonly (readonly string[])[], effectiveFrom: string, label: string): MarketMapImport {
  const problems: string[] = [];
  const headerAt = rows.findIndex((row) => row.some((cell) => /^market$/i.test(cell.trim())));
  if (headerAt < 0) return { ok: false, problems: ['no header line with a Market column'] };
  const header = rows[headerAt]!.map((cell) => cell.trim().toLowerCase());
  const marketColumn = header.indexOf('market');
  const isoColumn = header.findIndex((cell) => ['iso', 'iso code', 'country code', 'iso 3166'].includes(cell));
  if (isoColumn < 0) return { ok: false, problems: [`line ${headerAt + 1}: no ISO country column (ISO, ISO code or Country code)`] };
  const markets = new Map<string, string>();
  rows.slice(headerAt + 1).forEach((row, index) => {
    const line = headerAt + 2 + index;
    if (row.every((cell) => cell.trim() === '')) return;
    const country = (row[isoColumn] ?? '').trim().toUpperCase();
    const market = (row[marketColumn] ?? '').trim();
    if (!/^[A-Z]{2}$/.test(country)) problems.push(`line ${line}: the country must be an ISO 3166-1 alpha-2 code such as FR (got ${JSON.stringify(country.slice(0, 20))})`);
    else if (market === '') problems.push(`line ${line}: the market is empty`);
    else if (markets.has(country) && markets.get(country) !== market) problems.push(`line ${line}: ${country} is already mapped to ${markets.get(country)}`);
    else markets.set(country, market);
  });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, map: { effectiveFrom, label, markets, fallback: OTHER_MARKET } };
}

/** The market of a recipient (E.164 or BSUID) on `day`, by the mapping then in force; `Other` without one. */
export function marketOf(recipient: string, day: string, maps: readonly MarketMap[]): string {
  const map = marketMapOn(maps, day);
  return map === undefined ? OTHER_MARKET : marketOfRecipient(map, recipient);
}
