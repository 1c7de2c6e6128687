/**
 * The ledger's export for Athena on the emulators: entries recorded in DynamoDB Local, exported by the export
 * function's handler logic to S3 (fauxqs) as JSON lines under `ledger/month=<yyyy-mm>/account=<waba>/`, read back.
 */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';

import { createExportLedger } from '#functions/export-ledger.js';
import { LEDGER_EXPORT_COLUMNS } from '#infra/constructs/ledger-export.js';
import { localClientConfig } from '#infra/local/emulators.js';
import { LEDGER_TABLE } from '#infra/topology.js';
import { createS3ExportSink } from '#shared/adapters/ledger-export-sink.js';
import { createLedgerStore } from '#shared/adapters/ledger-store.js';
import type { LedgerEntry } from '#shared/domain/billing/ledger.js';
import { monthsToExport } from '#shared/usecases/export-ledger.js';
import { uniqueWaba } from '#test/support/contacts-harness.js';
import { ledgerEntry } from '#test/support/ledger-entries.js';

const raw = new DynamoDBClient(localClientConfig(inject('dynamoEndpoint')));
const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
const ledger = createLedgerStore({ client, tableName: inject('tableNames')[LEDGER_TABLE.id]! });
const s3 = new S3Client({ ...localClientConfig(inject('s3Endpoint')), forcePathStyle: true });
const bucket = inject('payloadBucket');
afterAll(() => {
  raw.destroy();
  s3.destroy();
});

/** A month of its own (year 2031), so that no other test's entries are in it. */
const MONTH = `2031-${String(1 + (Date.now() % 12)).padStart(2, '0')}`;

const entry = (waba: string, n: number, overrides: Partial<LedgerEntry> = {}): LedgerEntry =>
  ledgerEntry(
    { account: waba, n, month: MONTH, label: 'export' },
    { reason: 'a delivered marketing template — 🎯 «promo»', metaPricing: { model: 'PMP', type: 'regular', category: 'marketing', billable: true }, ...overrides },
  );

const read = async (key: string) => (await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString()).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the ledger export', () => {
  it("writes each charged account's month as JSON lines Athena's table reads, and writes the same again on a re-run", async () => {
    const a = uniqueWaba();
    const b = `9007199254740993${a.slice(-4)}`;
    for (let i = 0; i < 3; i++) await ledger.record(entry(a, i));
    await ledger.record(entry(b, 0, { market: 'France', pricingType: 'unrated', amountMicros: 0, billable: false }));
    const run = createExportLedger({ ledger, sink: createS3ExportSink({ client: s3, bucket }) });

    const first = await run({ month: MONTH });
    const mine = first.exported[0]!.objects.filter((key) => key.includes(`account=${a}/`) || key.includes(`account=${b}/`)).sort();
    expect(mine).toEqual([`ledger/month=${MONTH}/account=${a}/part-00000.jsonl`, `ledger/month=${MONTH}/account=${b}/part-00000.jsonl`].sort());

    const rows = await read(`ledger/month=${MONTH}/account=${a}/part-00000.jsonl`);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ messageKey: `m-export-${a}-0`, businessAccountId: a, market: 'Spain', amountMicros: 70_700, month: MONTH, reason: 'a delivered marketing template — 🎯 «promo»' });
    expect(rows[0]).not.toHaveProperty('counts');
    // Every field the Glue table declares is one the export writes (JSON SerDe matches names case-insensitively).
    const written = new Set(Object.keys(rows[0]!).map((k) => k.toLowerCase()));
    expect(LEDGER_EXPORT_COLUMNS.map((c) => c.name).filter((name) => !written.has(name) && !['contactid', 'conversationid'].includes(name))).toEqual([]);

    const second = await run({ month: MONTH });
    expect(second.exported[0]!.objects.filter((key) => mine.includes(key)).sort()).toEqual(mine);
    expect(await read(`ledger/month=${MONTH}/account=${a}/part-00000.jsonl`)).toEqual(rows);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `ledger/month=${MONTH}/account=${a}/` }));
    expect(listed.KeyCount).toBe(1);
  });

  it('exports the previous and the current UTC month on its schedule, and refuses a month that is not one', async () => {
    expect(monthsToExport(Date.parse('2027-01-01T00:30:00Z'))).toEqual(['2026-12', '2027-01']);
    const run = createExportLedger({ ledger, sink: createS3ExportSink({ client: s3, bucket }) }, () => Date.parse('2031-01-15T02:30:00Z'));
    expect((await run(undefined)).exported.map((e) => e.month)).toEqual(['2030-12', '2031-01']);
    await expect(run({ month: '2031-13' })).rejects.toThrow('export-ledger: month must be YYYY-MM, as in { "month": "2026-11" }');
  });
});
