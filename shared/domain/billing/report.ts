import type { LedgerEntry } from './ledger.js';
import { formatMicros } from './money.js';

/**
 * Finance's monthly report: an account's entries of a month grouped by the dimensions asked for, each group with its
 * message count, billable count, Meta's amount and Relais's fee, summed exactly (bigint micros). Pure: the caller
 * streams the entries (one Query of the month) and passes them in.
 */

export const REPORT_DIMENSIONS = ['market', 'category', 'pricingType', 'pricingModel', 'phoneNumberId', 'day', 'currency', 'reconciliation'] as const;
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];

export type DimensionsParse = { readonly ok: true; readonly dimensions: readonly ReportDimension[] } | { readonly ok: false; readonly problem: string };

/** `market,category` → the dimensions, each known and given once; empty means one total line. */
export function parseDimensions(text: string | undefined): DimensionsParse {
  if (text === undefined || text.trim() === '') return { ok: true, dimensions: [] };
  const names = text.split(',').map((name) => name.trim());
  const unknown = names.find((name) => !(REPORT_DIMENSIONS as readonly string[]).includes(name));
  if (unknown !== undefined) return { ok: false, problem: `cannot group by ${JSON.stringify(unknown.slice(0, 40))}: use ${REPORT_DIMENSIONS.join(', ')}` };
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) return { ok: false, problem: `${twice} is given twice` };
  return { ok: true, dimensions: names as ReportDimension[] };
}

export interface ReportGroup {
  /** The group's value of each dimension, in the order asked. */
  readonly key: Readonly<Partial<Record<ReportDimension, string>>>;
  readonly messages: number;
  readonly billable: number;
  readonly unrated: number;
  readonly amountMicros: bigint;
  readonly platformFeeMicros: bigint;
}

export interface MonthReport {
  readonly businessAccountId: string;
  readonly month: string;
  readonly by: readonly ReportDimension[];
  /** Sorted by the dimensions' values. */
  readonly groups: readonly ReportGroup[];
  /** The month's sum, by currency (an account bills in one; a change of currency mid-month shows as two). */
  readonly totals: readonly (Omit<ReportGroup, 'key'> & { readonly currency: string })[];
}

function valueOf(entry: LedgerEntry, dimension: ReportDimension): string {
  switch (dimension) {
    case 'category':
      return entry.pricingCategory;
    default:
      return String(entry[dimension]);
  }
}

interface Sum {
  messages: number;
  billable: number;
  unrated: number;
  amountMicros: bigint;
  platformFeeMicros: bigint;
}

const empty = (): Sum => ({ messages: 0, billable: 0, unrated: 0, amountMicros: 0n, platformFeeMicros: 0n });

function add(sum: Sum, entry: LedgerEntry): void {
  sum.messages += 1;
  if (entry.billable) sum.billable += 1;
  if (entry.pricingType === 'unrated') sum.unrated += 1;
  sum.amountMicros += BigInt(entry.amountMicros);
  sum.platformFeeMicros += BigInt(entry.platformFeeMicros);
}

export async function monthReport(
  businessAccountId: string,
  month: string,
  by: readonly ReportDimension[],
  entries: AsyncIterable<LedgerEntry> | Iterable<LedgerEntry>,
): Promise<MonthReport> {
  const groups = new Map<string, { key: Partial<Record<ReportDimension, string>>; sum: Sum }>();
  const totals = new Map<string, Sum>();
  for await (const entry of entries) {
    const key = Object.fromEntries(by.map((dimension) => [dimension, valueOf(entry, dimension)])) as Partial<Record<ReportDimension, string>>;
    const id = JSON.stringify(by.map((dimension) => key[dimension]));
    let group = groups.get(id);
    if (group === undefined) groups.set(id, (group = { key, sum: empty() }));
    add(group.sum, entry);
    let total = totals.get(entry.currency);
    if (total === undefined) totals.set(entry.currency, (total = empty()));
    add(total, entry);
  }
  const sorted = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, group]) => ({ key: group.key, ...group.sum }));
  return { businessAccountId, month, by, groups: sorted, totals: [...totals.entries()].sort().map(([currency, sum]) => ({ currency, ...sum })) };
}

/** The report as JSON-ready values: micros as numbers when exact, else as strings of digits; amounts also as decimals. */
export function reportJson(report: MonthReport): Record<string, unknown> {
  const money = (micros: bigint) => (micros <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(micros) : micros.toString());
  const line = (sum: Omit<ReportGroup, 'key'>) => ({
    messages: sum.messages,
    billable: sum.billable,
    unrated: sum.unrated,
    amountMicros: money(sum.amountMicros),
    amount: formatMicros(sum.amountMicros),
    platformFeeMicros: money(sum.platformFeeMicros),
    platformFee: formatMicros(sum.platformFeeMicros),
  });
  return {
    businessAccountId: report.businessAccountId,
    month: report.month,
    by: report.by,
    groups: report.groups.map((group) => ({ ...group.key, ...line(group) })),
    totals: report.totals.map((total) => ({ currency: total.currency, ...line(total) })),
  };
}

const csvCell = (value: string) => (/[",\n\r]/.test(value) || /^[=+\-@\t]/.test(value) ? `"${value.replace(/^([=+\-@\t])/, "'$1").replace(/"/g, '""')}"` : value);

/**
 * The groups as CSV (RFC 4180), one line each: the dimensions, then messages, billable, unrated, amount and fee as
 * decimals of the currency. A cell a spreadsheet would run as a formula is quoted and prefixed with `'`.
 */
export function reportCsv(report: MonthReport): string {
  const header = [...report.by, 'messages', 'billable', 'unrated', 'amount', 'platformFee'];
  const rows = report.groups.map((group) => [
    ...report.by.map((dimension) => group.key[dimension] ?? ''),
    String(group.messages),
    String(group.billable),
    String(group.unrated),
    formatMicros(group.amountMicros),
    formatMicros(group.platformFeeMicros),
  ]);
  return `${[header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
