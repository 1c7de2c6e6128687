import { s3Client, dynamoDocumentClient } from '#shared/adapters/aws-clients.js';
import { createS3ExportSink } from '#shared/adapters/ledger-export-sink.js';
import { createLedgerStore } from '#shared/adapters/ledger-store.js';
import { loadLedgerExportConfig } from '#shared/billing-config.js';
import { MONTH_PATTERN } from '#shared/domain/billing/calendar.js';
import { ConfigError } from '#shared/config.js';
import { logger } from '#shared/logger.js';
import { exportLedgerMonth, monthsToExport, type ExportLedgerDeps, type MonthExport } from '#shared/usecases/export-ledger.js';

/** What starts an export: the daily schedule (no month: the previous and current months), or a person (`{ "month": "2026-11" }`). */
export interface ExportLedgerEvent {
  readonly month?: unknown;
}

/** The scheduled export of the billing ledger to S3 for Athena. A bad `month` fails the invocation naming it. */
export function createExportLedger(deps: ExportLedgerDeps, now: () => number = Date.now) {
  return async (event: ExportLedgerEvent | undefined): Promise<{ exported: readonly MonthExport[] }> => {
    const month = event?.month;
    if (month !== undefined && (typeof month !== 'string' || !MONTH_PATTERN.test(month))) {
      throw new ConfigError('export-ledger: month must be YYYY-MM, as in { "month": "2026-11" }');
    }
    const exported: MonthExport[] = [];
    for (const m of month === undefined ? monthsToExport(now()) : [month]) {
      const result = await exportLedgerMonth(m, deps);
      logger.info('ledger month exported', { month: result.month, accounts: result.accounts, entries: result.entries, objects: result.objects.length });
      exported.push(result);
    }
    return { exported };
  };
}

let run: ReturnType<typeof createExportLedger> | undefined;
export const handler = (event: ExportLedgerEvent | undefined) => {
  if (run === undefined) {
    const config = loadLedgerExportConfig(process.env);
    run = createExportLedger({
      ledger: createLedgerStore({ client: dynamoDocumentClient(), tableName: config.ledgerTableName }),
      sink: createS3ExportSink({ client: s3Client(), bucket: config.exportBucket }),
    });
  }
  return run(event);
};
