/**
 * What the billing ledger costs (issue 10): DynamoDB requests and capacity units per delivered message through the
 * Billing consumer's use case, and the monthly report's time and read units, on DynamoDB Local with the real
 * adapters (`recordChargesFromEnvironment`'s). A benchmark: it prints figures and asserts nothing.
 *
 *   BENCH_MESSAGES=2000 BENCH_MONTH_RECORDS=100000 BENCH_OTHER_RECORDS=100000 npx tsx test/bench/ledger-cost.ts
 *
 * 1. Write path: `BENCH_MESSAGES` outbound messages (seeded plan: marketing templates outside the window, utility
 *    templates inside it, service replies; UK, Spanish and French numbers) each get Meta's `delivered` then `read`
 *    status, as the sandbox sends them; every request the use case makes is counted by command with the capacity
 *    DynamoDB reports (`ReturnConsumedCapacity: INDEXES`, table and index), per delivered message.
 * 2. Report: `BENCH_MONTH_RECORDS` entries of one account's month are loaded (BatchWriteItem, not counted), and the
 *    month report (`monthReport` over `entriesOfMonth`, by market and category) is read: wall time, pages, read units.
 *    Then `BENCH_OTHER_RECORDS` entries of other months and accounts are added and the same report read again: the
 *    cost follows the month's entries, not the table.
 */
import { performance } from 'node:perf_hooks';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';

import { quietAwsSdkNodeSupportWarning } from '../../infra/local/aws-sdk-node-support.js';
import { localClientConfig, provisionTables, startDynamoDbLocal } from '../../infra/local/emulators.js';
import { readRateCardFile } from '../../infra/local/local-rate-cards.js';
import { LEDGER_TABLE, STATE_TABLE } from '../../infra/topology.js';
import { createContactStore } from '../../shared/adapters/contact-store.js';
import { createLedgerStore, createRateCardStore, ledgerItem } from '../../shared/adapters/ledger-store.js';
import { createMessageStore, type MessageRecord } from '../../shared/adapters/message-store.js';
import { BillingSettingsSchema, billingResolver } from '../../shared/billing-config.js';
import type { MessageStatusUpdated } from '../../shared/contracts/events/ingestion.js';
import type { LedgerEntry } from '../../shared/domain/billing/ledger.js';
import { SAMPLE_MARKET_MAPS } from '../../shared/domain/billing/markets.js';
import { monthReport } from '../../shared/domain/billing/report.js';
import { recordCharge } from '../../shared/usecases/record-charges.js';

quietAwsSdkNodeSupportWarning();

const messages = Number(process.env['BENCH_MESSAGES'] ?? '2000');
const monthRecords = Number(process.env['BENCH_MONTH_RECORDS'] ?? '100000');
const otherRecords = Number(process.env['BENCH_OTHER_RECORDS'] ?? '100000');
const seed = Number(process.env['BENCH_SEED'] ?? '2026');
for (const [name, value] of Object.entries({ messages, monthRecords, otherRecords, seed })) {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`BENCH setting ${name} must be a non-negative integer, got ${value}`);
}

const WABA = '102290129340398';
const NUMBER = '106540352242922';
const T0 = Date.parse('2026-11-02T08:00:00Z');

interface Usage {
  requests: Map<string, number>;
  units: number;
  /** Units of writes (PutItem, UpdateItem), apart. */
  writeUnits: number;
}
const usage: Usage = { requests: new Map(), units: 0, writeUnits: 0 };
const reset = () => {
  usage.requests.clear();
  usage.units = 0;
  usage.writeUnits = 0;
};

const dynamo = await startDynamoDbLocal();
try {
  const tables = await provisionTables(dynamo.endpoint, [STATE_TABLE, LEDGER_TABLE], (spec) => `bench-ledger-${spec.id}`);
  const raw = new DynamoDBClient(localClientConfig(dynamo.endpoint));
  const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  // Every request asks for its consumed capacity; the counts and units are summed here.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      input['ReturnConsumedCapacity'] = 'INDEXES';
      const output = await next(args);
      const command = String(context.commandName).replace(/Command$/, '');
      usage.requests.set(command, (usage.requests.get(command) ?? 0) + 1);
      const consumed = (output.output as { ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[] }).ConsumedCapacity;
      for (const c of Array.isArray(consumed) ? consumed : consumed === undefined ? [] : [consumed]) {
        usage.units += c.CapacityUnits ?? 0;
        if (/Put|Update|Delete|Write/.test(command)) usage.writeUnits += c.CapacityUnits ?? 0;
      }
      return output;
    },
    { step: 'initialize', name: 'benchConsumedCapacity' },
  );
  const stateTable = tables[STATE_TABLE.id]!;
  const ledgerTable = tables[LEDGER_TABLE.id]!;
  const store = createMessageStore({ client, tableName: stateTable });
  const ledger = createLedgerStore({ client, tableName: ledgerTable });
  const cards = createRateCardStore({ client, tableName: ledgerTable });
  await cards.put(readRateCardFile(resolve(import.meta.dirname, '../../examples/billing/rate-card-usd-2026-10-01.sample.csv')), T0);

  // ---- 1. write path -------------------------------------------------------------------------------------------
  type Kind = 'marketing' | 'utility_in_window' | 'service';
  const plan = fc.sample(fc.tuple(fc.constantFrom<Kind>('marketing', 'utility_in_window', 'service'), fc.constantFrom('+447911123', '+346123', '+336123'), fc.integer({ min: 0, max: 99_999 })), { seed, numRuns: messages });
  const records: MessageRecord[] = plan.map(([kind, prefix, n], i) => ({
    messageId: `m_bench_ledger_${i}`,
    idempotencyKey: `k${i}`,
    requestHash: 'h',
    phoneNumberId: NUMBER,
    businessAccountId: WABA,
    contactId: `c_bench_${i}`,
    recipient: { to: `${prefix}${String(n).padStart(prefix.length === 10 ? 3 : 5, '0')}` },
    messageType: kind === 'service' ? 'text' : 'template',
    category: kind === 'marketing' ? 'marketing' : kind === 'service' ? 'service' : 'utility',
    lane: kind === 'marketing' ? 'bulk' : 'priority',
    status: 'sent',
    attempts: 1,
    createdAt: T0 + i * 1_000,
    updatedAt: T0 + i * 1_000,
    ...(kind === 'marketing' ? {} : { windowClosesAt: T0 + i * 1_000 + 3_600_000 }),
  }));
  for (const record of records) await store.create(record);
  const deps = {
    messages: store,
    contacts: createContactStore({ client, tableName: stateTable }),
    ledger,
    rateCards: { cards: async (currency: string) => cards.cards(currency) },
    marketMaps: SAMPLE_MARKET_MAPS,
    billingFor: billingResolver(BillingSettingsSchema.parse({ default: { currency: 'USD', timeZone: 'Europe/Paris', monthlyBudget: '1000' } }), {}),
    publish: async () => undefined,
    now: Date.now,
  };
  // Rate cards are cached per container in production (5 min): fetched once here, outside the count.
  const cached = await cards.cards('USD');
  deps.rateCards = { cards: async () => cached };
  const status = (record: MessageRecord, value: 'delivered' | 'read', at: number): MessageStatusUpdated =>
    ({
      repairedCharacters: 0,
      business: { businessAccountId: WABA, phoneNumberId: NUMBER },
      wamid: `wamid.HBgL${record.messageId}`,
      status: value,
      timestamp: Math.floor(at / 1000),
      recipient: { waId: 'recipient' },
      bizOpaqueCallbackData: record.messageId,
      pricing: { model: 'PMP', category: record.category, type: 'regular', billable: true },
    }) as MessageStatusUpdated;

  const perStatus: Record<string, { requests: Map<string, number>; units: number; writeUnits: number; count: number }> = {};
  const measure = async (label: string, run: () => Promise<unknown>) => {
    reset();
    await run();
    const slot = (perStatus[label] ??= { requests: new Map(), units: 0, writeUnits: 0, count: 0 });
    for (const [command, n] of usage.requests) slot.requests.set(command, (slot.requests.get(command) ?? 0) + n);
    slot.units += usage.units;
    slot.writeUnits += usage.writeUnits;
    slot.count += 1;
  };
  const writeStart = performance.now();
  for (const record of records) {
    await measure('delivered', () => recordCharge(status(record, 'delivered', record.createdAt + 3_000), deps));
    await measure('read (repeat)', () => recordCharge(status(record, 'read', record.createdAt + 9_000), deps));
  }
  const writeMs = performance.now() - writeStart;

  // ---- 2. report -------------------------------------------------------------------------------------------------
  const template: LedgerEntry = (await ledger.find(records[0]!.messageId))!;
  const load = async (count: number, make: (i: number) => LedgerEntry) => {
    for (let start = 0; start < count; start += 25) {
      const items = Array.from({ length: Math.min(25, count - start) }, (_, j) => ({ PutRequest: { Item: ledgerItem(make(start + j)) } }));
      let request: Record<string, unknown>[] | undefined = items;
      while (request !== undefined && request.length > 0) {
        const out = await client.send(new BatchWriteCommand({ RequestItems: { [ledgerTable]: request as never } }));
        request = out.UnprocessedItems?.[ledgerTable] as Record<string, unknown>[] | undefined;
      }
    }
  };
  const markets = ['United Kingdom', 'Spain', 'France', 'Germany', 'Italy'];
  const monthEntry = (i: number): LedgerEntry => ({ ...template, messageKey: `m_month_${i}`, messageId: `m_month_${i}`, market: markets[i % 5]!, day: `2026-11-${String(1 + (i % 30)).padStart(2, '0')}` });
  const otherEntry = (i: number): LedgerEntry =>
    i % 2 === 0
      ? { ...template, messageKey: `m_other_${i}`, messageId: `m_other_${i}`, month: '2026-10', day: '2026-10-15' }
      : { ...template, messageKey: `m_other_${i}`, messageId: `m_other_${i}`, businessAccountId: '9007199254740993' };
  const loadStart = performance.now();
  await load(monthRecords, monthEntry);
  const loadMs = performance.now() - loadStart;
  const report = async () => {
    reset();
    let pages = 0;
    const start = performance.now();
    const result = await monthReport(WABA, '2026-11', ['market', 'category'], ledger.entriesOfMonth(WABA, '2026-11', (read) => (pages = read.pages)));
    return { ms: performance.now() - start, pages, units: usage.units, queries: usage.requests.get('Query') ?? 0, messages: result.totals.reduce((n, t) => n + t.messages, 0) };
  };
  const alone = await report();
  await load(otherRecords, otherEntry);
  const crowded = await report();

  // ---- print ---------------------------------------------------------------------------------------------------
  const line = (label: string) => {
    const slot = perStatus[label]!;
    const requests = [...slot.requests].map(([command, n]) => `${command} ${(n / slot.count).toFixed(2)}`).join(', ');
    return `| ${label} | ${requests} | ${((slot.units - slot.writeUnits) / slot.count).toFixed(2)} | ${(slot.writeUnits / slot.count).toFixed(2)} |`;
  };
  console.log(`machine: ${availableParallelism()}× ${cpus()[0]?.model ?? 'cpu'}, Node ${process.versions.node}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`settings: BENCH_MESSAGES=${messages} BENCH_MONTH_RECORDS=${monthRecords} BENCH_OTHER_RECORDS=${otherRecords} BENCH_SEED=${seed}`);
  console.log('\nwrite path, per status (DynamoDB Local capacity units, table + gsi1)');
  console.log('| status | requests per status | read units | write units |');
  console.log('|---|---|---|---|');
  console.log(line('delivered'));
  console.log(line('read (repeat)'));
  console.log(`${messages} messages, ${messages * 2} statuses in ${(writeMs / 1000).toFixed(1)} s (${(writeMs / (messages * 2)).toFixed(2)} ms per status, one after another)`);
  console.log(`\nmonth report (by market, category), ${monthRecords} entries in the month (loaded in ${(loadMs / 1000).toFixed(0)} s)`);
  console.log('| table holds | entries read | Query pages | read units | ms |');
  console.log('|---|---|---|---|---|');
  console.log(`| the month only (${monthRecords + messages}) | ${alone.messages} | ${alone.pages} | ${alone.units.toFixed(1)} | ${alone.ms.toFixed(0)} |`);
  console.log(`| + ${otherRecords} of other months and accounts | ${crowded.messages} | ${crowded.pages} | ${crowded.units.toFixed(1)} | ${crowded.ms.toFixed(0)} |`);
  console.log(`ratio crowded / alone: read units ${(crowded.units / alone.units).toFixed(3)}, time ${(crowded.ms / alone.ms).toFixed(2)}`);
  raw.destroy();
} finally {
  await dynamo.stop();
}
