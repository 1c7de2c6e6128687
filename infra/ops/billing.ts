import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parse as parseCsv } from 'csv-parse/sync';

import { quietAwsSdkNodeSupportWarning } from '../local/aws-sdk-node-support.js';
import { createLedgerStore, createRateCardStore } from '../../shared/adapters/ledger-store.js';
import { ENV } from '../../shared/config.js';
import { monthReport, parseDimensions, reportCsv, reportJson, type ReportDimension } from '../../shared/domain/billing/report.js';
import { parsePricingAnalytics } from '../../shared/contracts/billing/pricing-analytics.js';
import type { LedgerEntry } from '../../shared/domain/billing/ledger.js';
import { describeDifference, reconcileMonth, type AnalyticsPoint } from '../../shared/domain/billing/reconcile-analytics.js';

import { parseFactFile } from '../../shared/contracts/billing/rating-facts.js';
import { DAY_PATTERN, MONTH_PATTERN, timeZoneProblem } from '../../shared/domain/billing/calendar.js';
import { SAMPLE_MARKET_MAPS, parseMarketMapCsv, type MarketMap } from '../../shared/domain/billing/markets.js';
import { formatMicros, parseDecimalMicros, sumMicros } from '../../shared/domain/billing/money.js';
import type { Rating } from '../../shared/domain/billing/pricing.js';
import { parseRateCardCsv, rateCardVersion, type RateCard } from '../../shared/domain/billing/rate-card.js';
import { replay } from '../../shared/domain/billing/replay.js';
import { withVolumeTiers } from '../../shared/domain/billing/volume-tiers.js';

/**
 * Billing from the command line. `rate` is the what-if rating: the ledger's engine over a file of message facts, no
 * AWS needed, to price a campaign before it runs or last month's traffic under a new card. `import-card` puts one of
 * Meta's rate cards into the ledger table (versioned, never changed); `report` reads an account's month from it.
 *
 *   npm run billing -- import-card --file FILE [--volume-tiers FILE] [--effective-from YYYY-MM-DD] [--currency CUR] [--table T]
 *   npm run billing -- report --account WABA --month YYYY-MM [--by market,category] [--format table|csv|json] [--table T]
 *   npm run billing -- reconcile --account WABA --month YYYY-MM --analytics FILE [--format table|json] [--table T]
 *
 *   npm run billing -- rate --rate-card FILE [--rate-card FILE…] [--effective-from YYYY-MM-DD] --timezone Europe/Paris
 *                           --currency EUR --events FILE [--volume-tiers FILE] [--markets FILE --markets-effective-from DAY]
 *                           [--platform-fee 0.001] [--service-allowance 0]
 *
 * Prints one JSON line per outbound message, in the file's order, then `{"total":{…}}`. `--effective-from` dates a
 * single card whose preamble states none (it must agree when both do); with several cards, each states its own.
 * Without `--markets` the sample country-to-market mapping is used (Meta's groupings as its pricing page lists them).
 *
 * Exit status: 0 rated, 1 a message could not be rated (no card in force, no rate for its market), 2 bad arguments,
 * an unreadable file or bad lines (each named with its line number; nothing is printed on stdout then).
 */

export const BILLING_USAGE =
  'usage: npm run billing -- import-card --file FILE [--volume-tiers FILE] [--effective-from YYYY-MM-DD] [--currency CUR] [--table T] | report --account WABA --month YYYY-MM [--by market,category] [--format table|csv|json] [--table T] | reconcile --account WABA --month YYYY-MM --analytics FILE [--format table|json] [--table T] | rate --rate-card FILE [--rate-card FILE…] [--effective-from YYYY-MM-DD] --timezone ZONE --currency CUR --events FILE [--volume-tiers FILE] [--markets FILE --markets-effective-from YYYY-MM-DD] [--platform-fee AMOUNT] [--service-allowance N]';

const OPTIONS = {
  'rate-card': { type: 'string', multiple: true },
  'effective-from': { type: 'string' },
  timezone: { type: 'string' },
  currency: { type: 'string' },
  events: { type: 'string' },
  'volume-tiers': { type: 'string' },
  markets: { type: 'string' },
  'markets-effective-from': { type: 'string' },
  'platform-fee': { type: 'string' },
  'service-allowance': { type: 'string' },
  file: { type: 'string' },
  table: { type: 'string' },
  account: { type: 'string' },
  month: { type: 'string' },
  by: { type: 'string' },
  format: { type: 'string' },
  analytics: { type: 'string' },
  help: { type: 'boolean' },
} as const;

export interface ImportCardCommand {
  readonly command: 'import-card';
  readonly file: string;
  /** Meta's volume tiers for this card (`Market,Category,From,To,Rate|Discount`). */
  readonly volumeTiers?: string;
  readonly effectiveFrom?: string;
  readonly currency?: string;
  readonly table: string;
}

export interface ReportCommand {
  readonly command: 'report';
  readonly account: string;
  readonly month: string;
  readonly by: readonly ReportDimension[];
  readonly format: 'table' | 'csv' | 'json';
  readonly table: string;
}

export interface ReconcileCommand {
  readonly command: 'reconcile';
  readonly account: string;
  readonly month: string;
  readonly analytics: string;
  readonly format: 'table' | 'json';
  readonly table: string;
}

export type BillingCommand = RateCommand | ImportCardCommand | ReportCommand | ReconcileCommand;

export interface RateCommand {
  readonly command: 'rate';
  readonly rateCards: readonly string[];
  readonly effectiveFrom?: string;
  readonly timeZone: string;
  readonly currency: string;
  readonly events: string;
  readonly volumeTiers?: string;
  readonly markets?: { readonly file: string; readonly effectiveFrom: string };
  readonly platformFeeMicros: number;
  readonly serviceAllowance: number;
}

export type ParsedBillingArgs = { readonly ok: true; readonly command: BillingCommand } | { readonly ok: false; readonly problem: string };

const COMMANDS = 'import-card, report, reconcile or rate';

/** Which options each command takes: another command's option is refused by name. */
const OPTIONS_OF: Readonly<Record<BillingCommand['command'], ReadonlySet<string>>> = {
  rate: new Set(['rate-card', 'effective-from', 'timezone', 'currency', 'events', 'volume-tiers', 'markets', 'markets-effective-from', 'platform-fee', 'service-allowance']),
  'import-card': new Set(['file', 'effective-from', 'currency', 'table', 'volume-tiers']),
  report: new Set(['account', 'month', 'by', 'format', 'table']),
  reconcile: new Set(['account', 'month', 'analytics', 'format', 'table']),
};

/** `--account` and `--month` of report and reconcile, or the problem with them. */
function accountMonth(account: string | undefined, month: string | undefined): { account: string; month: string } | string {
  if (account === undefined || !/^\d{1,32}$/.test(account)) return `--account must be a WhatsApp Business Account id (digits)${account === undefined ? '' : `, got "${account}"`}`;
  if (month === undefined || !MONTH_PATTERN.test(month)) return `--month must be a month, YYYY-MM${month === undefined ? '' : `, got "${month}"`}`;
  return { account, month };
}

function tableOf(given: string | undefined, env: Readonly<Record<string, string | undefined>>): string | { problem: string } {
  const table = given ?? env[ENV.ledgerTableName];
  if (table === undefined || table === '') return { problem: `--table is required (or ${ENV.ledgerTableName}): the LedgerTableName output of the stack` };
  return table;
}

const DAY = DAY_PATTERN;

/** Reads the command line (and `LEDGER_TABLE_NAME` from `env`), or names the first problem. Pure: no file is opened. */
export function parseBillingArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): ParsedBillingArgs {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    return { ok: false, problem: error instanceof Error ? error.message.split('. ')[0]! : 'the arguments cannot be read' };
  }
  const [command, ...extra] = parsed.positionals;
  if (command === undefined) return { ok: false, problem: `no command given (${COMMANDS})` };
  if (command !== 'rate' && command !== 'import-card' && command !== 'report' && command !== 'reconcile') return { ok: false, problem: `unknown command "${command}" (${COMMANDS})` };
  if (extra.length > 0) return { ok: false, problem: `unexpected argument "${extra[0]}"` };
  const v = parsed.values;
  const foreign = Object.keys(v).find((name) => name !== 'help' && !OPTIONS_OF[command].has(name));
  if (foreign !== undefined) return { ok: false, problem: `--${foreign} is not an option of ${command}` };
  if (command === 'import-card') {
    if (v.file === undefined) return { ok: false, problem: "--file FILE is required (Meta's rate card CSV)" };
    if (v['effective-from'] !== undefined && !DAY.test(v['effective-from'])) return { ok: false, problem: `--effective-from must be a day, YYYY-MM-DD, got "${v['effective-from']}"` };
    if (v.currency !== undefined && !/^[A-Za-z]{3}$/.test(v.currency)) return { ok: false, problem: `--currency must be an ISO 4217 code such as EUR, got "${v.currency}"` };
    const table = tableOf(v.table, env);
    if (typeof table !== 'string') return { ok: false, problem: table.problem };
    return {
      ok: true,
      command: { command, file: v.file, table, ...(v['volume-tiers'] !== undefined ? { volumeTiers: v['volume-tiers'] } : {}), ...(v['effective-from'] !== undefined ? { effectiveFrom: v['effective-from'] } : {}), ...(v.currency !== undefined ? { currency: v.currency.toUpperCase() } : {}) },
    };
  }
  if (command === 'reconcile') {
    const period = accountMonth(v.account, v.month);
    if (typeof period === 'string') return { ok: false, problem: period };
    if (v.analytics === undefined) return { ok: false, problem: "--analytics FILE is required (Meta's pricing_analytics answer, JSON)" };
    const format = v.format ?? 'table';
    if (format !== 'table' && format !== 'json') return { ok: false, problem: `--format must be table or json, got "${format}"` };
    const table = tableOf(v.table, env);
    if (typeof table !== 'string') return { ok: false, problem: table.problem };
    return { ok: true, command: { command, ...period, analytics: v.analytics, format, table } };
  }
  if (command === 'report') {
    const period = accountMonth(v.account, v.month);
    if (typeof period === 'string') return { ok: false, problem: period };
    const by = parseDimensions(v.by);
    if (!by.ok) return { ok: false, problem: `--by: ${by.problem}` };
    const format = v.format ?? 'table';
    if (format !== 'table' && format !== 'csv' && format !== 'json') return { ok: false, problem: `--format must be table, csv or json, got "${format}"` };
    const table = tableOf(v.table, env);
    if (typeof table !== 'string') return { ok: false, problem: table.problem };
    return { ok: true, command: { command, ...period, by: by.dimensions, format, table } };
  }
  const cards = v['rate-card'] ?? [];
  if (cards.length === 0) return { ok: false, problem: '--rate-card FILE is required (Meta\'s rate card CSV for the currency)' };
  if (v['effective-from'] !== undefined && !DAY.test(v['effective-from'])) return { ok: false, problem: `--effective-from must be a day, YYYY-MM-DD, got "${v['effective-from']}"` };
  if (v['effective-from'] !== undefined && cards.length > 1) return { ok: false, problem: '--effective-from dates a single card: with several, each card\'s preamble states its day' };
  if (v.timezone === undefined) return { ok: false, problem: '--timezone is required (the WhatsApp Business Account\'s, e.g. Europe/Paris)' };
  const zoneProblem = timeZoneProblem(v.timezone);
  if (zoneProblem !== undefined) return { ok: false, problem: `--timezone: ${zoneProblem}` };
  if (v.currency === undefined) return { ok: false, problem: '--currency is required (the business\'s billing currency, e.g. EUR)' };
  if (!/^[A-Za-z]{3}$/.test(v.currency)) return { ok: false, problem: `--currency must be an ISO 4217 code such as EUR, got "${v.currency}"` };
  if (v.events === undefined) return { ok: false, problem: '--events FILE is required (JSON lines of message facts)' };
  if ((v.markets === undefined) !== (v['markets-effective-from'] === undefined)) return { ok: false, problem: '--markets and --markets-effective-from go together' };
  if (v['markets-effective-from'] !== undefined && !DAY.test(v['markets-effective-from'])) return { ok: false, problem: '--markets-effective-from must be a day, YYYY-MM-DD' };
  let platformFeeMicros = 0;
  if (v['platform-fee'] !== undefined) {
    const fee = parseDecimalMicros(v['platform-fee']);
    if (!fee.ok) return { ok: false, problem: `--platform-fee ${fee.problem}` };
    platformFeeMicros = fee.micros;
  }
  let serviceAllowance = 0;
  if (v['service-allowance'] !== undefined) {
    if (!/^\d{1,7}$/.test(v['service-allowance'])) return { ok: false, problem: `--service-allowance must be a whole number of messages, got "${v['service-allowance']}"` };
    serviceAllowance = Number(v['service-allowance']);
  }
  return {
    ok: true,
    command: {
      command: 'rate',
      rateCards: cards,
      ...(v['effective-from'] !== undefined ? { effectiveFrom: v['effective-from'] } : {}),
      timeZone: v.timezone,
      currency: v.currency.toUpperCase(),
      events: v.events,
      ...(v['volume-tiers'] !== undefined ? { volumeTiers: v['volume-tiers'] } : {}),
      ...(v.markets !== undefined && v['markets-effective-from'] !== undefined ? { markets: { file: v.markets, effectiveFrom: v['markets-effective-from'] } } : {}),
      platformFeeMicros,
      serviceAllowance,
    },
  };
}

export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly readFile: (path: string) => string;
  /** The DynamoDB client of import-card and report. @default - one from the standard chain */
  readonly dynamo?: DynamoDBDocumentClient;
  readonly now?: () => number;
}

class InputError extends Error {
  constructor(readonly lines: readonly string[]) {
    super(lines.join('\n'));
  }
}

function read(io: Io, path: string, what: string): string {
  try {
    return io.readFile(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new InputError([`${what} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : 'cannot be read'}`]);
  }
}

function csvRows(io: Io, path: string, what: string): string[][] {
  try {
    return parseCsv(read(io, path, what), { bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true }) as string[][];
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError([`${what} ${path}: not CSV (${error instanceof Error ? error.message.split('\n')[0]!.slice(0, 120) : 'unreadable'})`]);
  }
}

function loadCards(command: RateCommand, io: Io): RateCard[] {
  const problems: string[] = [];
  const cards: RateCard[] = [];
  for (const path of command.rateCards) {
    const parsed = parseRateCardCsv(csvRows(io, path, 'rate card'), { label: basename(path), currency: command.currency, ...(command.effectiveFrom !== undefined ? { effectiveFrom: command.effectiveFrom } : {}) });
    if (parsed.ok) cards.push(parsed.card);
    else problems.push(...parsed.problems.map((problem) => `rate card ${path}: ${problem}`));
  }
  if (problems.length > 0) throw new InputError(problems);
  const days = cards.map((card) => card.effectiveFrom);
  const twice = days.find((day, i) => days.indexOf(day) !== i);
  if (twice !== undefined) throw new InputError([`two ${command.currency} rate cards are effective on ${twice}`]);
  if (command.volumeTiers === undefined) return cards;
  // Tiers belong to the latest card (the one in force today); older cards keep their list rates.
  const latest = cards.reduce((a, b) => (b.effectiveFrom > a.effectiveFrom ? b : a));
  const tiered = withVolumeTiers(latest, csvRows(io, command.volumeTiers, 'volume tiers'));
  if (!tiered.ok) throw new InputError(tiered.problems.map((problem) => `volume tiers ${command.volumeTiers}: ${problem}`));
  return cards.map((card) => (card === latest ? tiered.card : card));
}

function loadMarkets(command: RateCommand, io: Io): readonly MarketMap[] {
  if (command.markets === undefined) return SAMPLE_MARKET_MAPS;
  const parsed = parseMarketMapCsv(csvRows(io, command.markets.file, 'markets'), command.markets.effectiveFrom, basename(command.markets.file));
  if (!parsed.ok) throw new InputError(parsed.problems.map((problem) => `markets ${command.markets!.file}: ${problem}`));
  return [parsed.map];
}

/** The line printed for one rating: the fields of the issue's format, then the card and Relais's fee. */
export function ratingLine(rating: Rating): Record<string, unknown> {
  return {
    id: rating.messageId,
    at: new Date(rating.chargedAt).toISOString(),
    market: rating.market,
    category: rating.pricingCategory,
    pricingModel: rating.pricingModel,
    pricingType: rating.pricingType,
    billable: rating.billable,
    amountMicros: rating.amountMicros,
    currency: rating.currency,
    month: rating.month,
    reason: rating.reason,
    platformFeeMicros: rating.platformFeeMicros,
    ...(rating.rateCardVersion !== undefined ? { rateCardVersion: rating.rateCardVersion } : {}),
  };
}

/** Runs `rate`; returns the exit status. */
export function runRate(command: RateCommand, io: Io): number {
  try {
    const cards = loadCards(command, io);
    const marketMaps = loadMarkets(command, io);
    const file = parseFactFile(read(io, command.events, 'events').split(/\r?\n/));
    if (file.problems.length > 0) throw new InputError(file.problems.map((problem) => `events ${command.events} ${problem}`));
    const result = replay(file.facts, {
      currency: command.currency,
      timeZone: command.timeZone,
      rateCards: cards,
      marketMaps,
      platformFeeMicros: command.platformFeeMicros,
      serviceAllowancePerNumber: command.serviceAllowance,
    });
    if (!result.ok) {
      io.err(`message ${result.messageId}: ${result.problem}`);
      return 1;
    }
    for (const rating of result.ratings) io.out(JSON.stringify(ratingLine(rating)));
    const total = sumMicros(result.ratings.map((rating) => rating.amountMicros));
    const fees = sumMicros(result.ratings.map((rating) => rating.platformFeeMicros));
    // bigint totals written as JSON numbers, exact however large.
    io.out(`{"total":{"amountMicros":${total},"platformFeeMicros":${fees},"currency":${JSON.stringify(command.currency)},"messages":${result.ratings.length}}}`);
    return 0;
  } catch (error) {
    if (error instanceof InputError) {
      for (const line of error.lines) io.err(line);
      return 2;
    }
    throw error;
  }
}

async function withDynamo<T>(io: Io, use: (client: DynamoDBDocumentClient) => Promise<T>): Promise<T> {
  if (io.dynamo !== undefined) return use(io.dynamo);
  const raw = new DynamoDBClient({});
  try {
    return await use(DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } }));
  } finally {
    raw.destroy();
  }
}

/** Runs `import-card`: exit 0 imported or already there, 1 another card holds that day, 2 a bad file. */
export async function runImportCard(command: ImportCardCommand, io: Io): Promise<number> {
  let card: RateCard;
  try {
    const parsed = parseRateCardCsv(csvRows(io, command.file, 'rate card'), {
      label: basename(command.file),
      ...(command.effectiveFrom !== undefined ? { effectiveFrom: command.effectiveFrom } : {}),
      ...(command.currency !== undefined ? { currency: command.currency } : {}),
    });
    if (!parsed.ok) throw new InputError(parsed.problems.map((problem) => `rate card ${command.file}: ${problem}`));
    card = parsed.card;
    if (command.volumeTiers !== undefined) {
      const tiered = withVolumeTiers(card, csvRows(io, command.volumeTiers, 'volume tiers'));
      if (!tiered.ok) throw new InputError(tiered.problems.map((problem) => `volume tiers ${command.volumeTiers}: ${problem}`));
      card = tiered.card;
    }
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    for (const line of error.lines) io.err(line);
    return 2;
  }
  const outcome = await withDynamo(io, (client) => createRateCardStore({ client, tableName: command.table }).put(card, (io.now ?? Date.now)()));
  const summary = { currency: card.currency, effectiveFrom: card.effectiveFrom, markets: card.markets.size, volumeTiers: card.volumeTiers?.size ?? 0, rateCardVersion: rateCardVersion(card) };
  if (outcome === 'conflict') {
    io.err(`another ${card.currency} card is already effective ${card.effectiveFrom}: cards never change once imported; date a corrected card from its own day`);
    return 1;
  }
  io.out(JSON.stringify({ outcome, ...summary }));
  return 0;
}

/** Runs `report`: one Query of the account's month, progress on stderr per page. */
export async function runReport(command: ReportCommand, io: Io): Promise<number> {
  const report = await withDynamo(io, (client) =>
    monthReport(
      command.account,
      command.month,
      command.by,
      createLedgerStore({ client, tableName: command.table }).entriesOfMonth(command.account, command.month, ({ entries, pages }) => io.err(`read ${entries} entries (${pages} page${pages === 1 ? '' : 's'})`)),
    ),
  );
  if (command.format === 'json') io.out(JSON.stringify(reportJson(report)));
  else if (command.format === 'csv') for (const line of reportCsv(report).trimEnd().split('\r\n')) io.out(line);
  else {
    const json = reportJson(report) as { groups: Record<string, unknown>[]; totals: Record<string, unknown>[] };
    const columns = [...command.by, 'messages', 'billable', 'unrated', 'amount', 'platformFee'];
    const rows = [columns, ...json.groups.map((group) => columns.map((column) => String(group[column] ?? ''))), ...json.totals.map((total) => columns.map((column, i) => (i === 0 && command.by.length > 0 ? `total ${String(total['currency'])}` : String(total[column] ?? ''))))];
    const widths = columns.map((_, i) => Math.max(...rows.map((row) => [...row[i]!].length)));
    for (const row of rows) io.out(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  }
  return 0;
}

/**
 * Runs `reconcile`: the account's month from the ledger against Meta's pricing_analytics file, by UTC day, market,
 * category and type. Exit 0 when they agree, 3 when they differ (each difference on stdout), 2 a bad file.
 */
export async function runReconcile(command: ReconcileCommand, io: Io): Promise<number> {
  let points: readonly AnalyticsPoint[];
  try {
    let json: unknown;
    try {
      json = JSON.parse(read(io, command.analytics, 'analytics'));
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw new InputError([`analytics ${command.analytics}: not JSON`]);
    }
    const parsed = parsePricingAnalytics(json);
    if (!parsed.ok) throw new InputError(parsed.problems.slice(0, 20).map((problem) => `analytics ${command.analytics}: ${problem}`));
    points = parsed.points;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    for (const line of error.lines) io.err(line);
    return 2;
  }
  const entries: LedgerEntry[] = [];
  await withDynamo(io, async (client) => {
    for await (const entry of createLedgerStore({ client, tableName: command.table }).entriesOfMonth(command.account, command.month, ({ entries: n, pages }) => io.err(`read ${n} entries (${pages} page${pages === 1 ? '' : 's'})`))) entries.push(entry);
  });
  const result = reconcileMonth(entries, points, SAMPLE_MARKET_MAPS);
  const totals = { relais: formatMicros(result.totals.relaisMicros), meta: formatMicros(result.totals.metaMicros), relaisMessages: result.totals.relaisMessages, metaMessages: result.totals.metaMessages };
  if (command.format === 'json') io.out(JSON.stringify({ account: command.account, month: command.month, compared: result.compared, totals, differences: result.differences }));
  else {
    io.out(`${command.account} ${command.month}: Relais ${totals.relaisMessages} messages ${totals.relais}, Meta ${totals.metaMessages} messages ${totals.meta}; ${result.differences.length} of ${result.compared} day, market, category and type keys differ`);
    for (const line of result.differences) io.out(describeDifference(line));
  }
  return result.differences.length === 0 ? 0 : 3;
}

/** The CLI: parses, runs, and resolves with the command's exit status. */
export async function main(argv: readonly string[], io: Io, env: Readonly<Record<string, string | undefined>> = {}): Promise<number> {
  const parsed = parseBillingArgs(argv, env);
  if (!parsed.ok) {
    io.err(parsed.problem);
    io.err(BILLING_USAGE);
    return 2;
  }
  const command = parsed.command;
  if (command.command === 'import-card') return runImportCard(command, io);
  if (command.command === 'report') return runReport(command, io);
  if (command.command === 'reconcile') return runReconcile(command, io);
  return runRate(command, io);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  quietAwsSdkNodeSupportWarning();
  main(
    process.argv.slice(2),
    { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`), readFile: (path) => readFileSync(path, 'utf8') },
    process.env,
  ).then(
    (status) => {
      process.exitCode = status;
    },
    (error: unknown) => {
      // AWS errors name the problem (no table, no credentials); no stack trace leaves the process.
      process.stderr.write(`billing failed: ${error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error'}\n`);
      process.exitCode = 1;
    },
  );
}
