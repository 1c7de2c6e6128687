import type { LedgerEntry } from '../domain/billing/ledger.js';
import type { ExportSink, LedgerStore } from '../ports/ledger-store.js';

/**
 * The ledger's export for SQL (Athena): every entry of a month as one JSON line, under
 * `ledger/month=<yyyy-mm>/account=<waba>/part-<nnnnn>.jsonl`, the Hive-style layout the Glue table of the CDK app
 * projects (`infra/constructs/ledger-export.ts`). Objects hold at most {@link EXPORT_PART_ENTRIES} entries, so memory
 * stays bounded; a month exported again is written whole again under the same keys (entries only ever become rated,
 * never fewer), so the export is idempotent and a re-run after a failure completes it.
 */

export const EXPORT_PART_ENTRIES = 10_000;
export const EXPORT_PREFIX = 'ledger';

export interface ExportLedgerDeps {
  readonly ledger: Pick<LedgerStore, 'accountsOfMonth' | 'entriesOfMonth'>;
  readonly sink: ExportSink;
}

export interface MonthExport {
  readonly month: string;
  readonly accounts: number;
  readonly entries: number;
  readonly objects: readonly string[];
}

/** One line per entry: its fields as stored, amounts as integers, without the engine's counter flags. */
export function exportLine(entry: LedgerEntry): string {
  const { counts: _counts, opensConversation: _opens, messageId: _id, ...fields } = entry;
  return JSON.stringify({ ...fields, month: entry.month });
}

export function exportKey(month: string, businessAccountId: string, part: number): string {
  return `${EXPORT_PREFIX}/month=${month}/account=${businessAccountId}/part-${String(part).padStart(5, '0')}.jsonl`;
}

export async function exportLedgerMonth(month: string, deps: ExportLedgerDeps): Promise<MonthExport> {
  const accounts = await deps.ledger.accountsOfMonth(month);
  const objects: string[] = [];
  let entries = 0;
  for (const account of accounts) {
    let lines: string[] = [];
    let part = 0;
    const flush = async () => {
      const key = exportKey(month, account, part);
      await deps.sink.put(key, `${lines.join('\n')}\n`);
      objects.push(key);
      part += 1;
      lines = [];
    };
    for await (const entry of deps.ledger.entriesOfMonth(account, month)) {
      lines.push(exportLine(entry));
      entries += 1;
      if (lines.length === EXPORT_PART_ENTRIES) await flush();
    }
    if (lines.length > 0 || part === 0) await flush();
  }
  return { month, accounts: accounts.length, entries, objects };
}

/** The months a scheduled export covers at `now`: the previous and the current UTC month (late statuses land in both). */
export function monthsToExport(now: number): string[] {
  const date = new Date(now);
  const current = date.toISOString().slice(0, 7);
  const previous = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
  return [previous, current];
}
