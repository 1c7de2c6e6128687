/**
 * The ledger writer on DynamoDB Local: messages and windows on the state table, charges, counters and rate cards on
 * the ledger table, statuses given as ingestion publishes them (`MessageStatusUpdated` data). Amounts are checked
 * against the sample cards by hand: USD 2026-10-01 rates Spain marketing 0.0707, United Kingdom utility 0.0220.
 */
import { resolve } from 'node:path';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { createContactStore } from '#shared/adapters/contact-store.js';
import { createLedgerStore, createRateCardStore } from '#shared/adapters/ledger-store.js';
import { createMessageStore } from '#shared/adapters/message-store.js';
import { BillingSettingsSchema, billingResolver, type BillingSettingsInput } from '#shared/billing-config.js';
import type { MessageStatusUpdated } from '#shared/contracts/events/ingestion.js';
import type { DomainEvent } from '#shared/contracts/events/registry.js';
import { SAMPLE_MARKET_MAPS } from '#shared/domain/billing/markets.js';
import type { RateCard } from '#shared/domain/billing/rate-card.js';
import type { MessageRecord } from '#shared/domain/sending/records.js';
import { recordCharge, type RecordChargesDeps } from '#shared/usecases/record-charges.js';
import { localClientConfig } from '#infra/local/emulators.js';
import { readRateCardFile } from '#infra/local/local-rate-cards.js';
import { LEDGER_TABLE, STATE_TABLE } from '#infra/topology.js';
import { uniqueWaba } from '#test/support/contacts-harness.js';

const raw = new DynamoDBClient(localClientConfig(inject('dynamoEndpoint')));
const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
const stateTable = inject('tableNames')[STATE_TABLE.id]!;
const ledgerTable = inject('tableNames')[LEDGER_TABLE.id]!;
const messages = createMessageStore({ client, tableName: stateTable });
const contacts = createContactStore({ client, tableName: stateTable });
const ledger = createLedgerStore({ client, tableName: ledgerTable });
const cards = createRateCardStore({ client, tableName: ledgerTable });
afterAll(() => raw.destroy());

/** Events the use case published, all tests together (each test's account is its own). */
const published: DomainEvent[] = [];

const USD_OCTOBER = readRateCardFile(resolve(import.meta.dirname, '../../../examples/billing/rate-card-usd-2026-10-01.sample.csv'));
/** XTS is ISO 4217's code for testing: a card of its own, with volume tiers, shared with no other test. */
const XTS: RateCard = {
  currency: 'XTS',
  effectiveFrom: '2026-10-01',
  label: 'tiered test card',
  markets: new Map([['India', { marketing: 11_800, utility: 1_400, authentication: 1_400, service: 1_400 }]]),
  volumeTiers: new Map([['India|utility', [{ from: 1, rateMicros: 1_400 }, { from: 3, rateMicros: 1_300 }]]]),
};

beforeAll(async () => {
  expect(['created', 'unchanged']).toContain(await cards.put(USD_OCTOBER, Date.now()));
  expect(['created', 'unchanged']).toContain(await cards.put(XTS, Date.now()));
});

const T = Date.parse('2026-11-02T09:00:00Z');
let seq = 0;

interface World {
  readonly waba: string;
  readonly number: string;
  readonly deps: RecordChargesDeps;
}

function world(settings: BillingSettingsInput = {}): World {
  const waba = uniqueWaba();
  return {
    waba,
    number: `1${waba}`,
    deps: {
      messages,
      contacts,
      ledger,
      rateCards: cards,
      marketMaps: SAMPLE_MARKET_MAPS,
      billingFor: billingResolver(BillingSettingsSchema.parse({ default: { currency: 'USD', timeZone: 'Europe/Paris' }, ...settings }), {}),
      publish: async (events) => void published.push(...events),
      now: () => T + 60_000,
    },
  };
}

async function message(w: World, overrides: Partial<MessageRecord> = {}): Promise<MessageRecord> {
  seq += 1;
  const record: MessageRecord = {
    messageId: `msg-bill-${w.waba}-${seq}`,
    idempotencyKey: `key-${seq}`,
    requestHash: 'h',
    phoneNumberId: w.number,
    businessAccountId: w.waba,
    contactId: `c_bill_${w.waba}_${seq}`,
    recipient: { to: '+34612345678' },
    messageType: 'template',
    category: 'marketing',
    lane: 'bulk',
    status: 'sent',
    attempts: 1,
    createdAt: T,
    updatedAt: T,
    ...overrides,
  };
  expect(await messages.create(record)).toBe('created');
  return record;
}

function status(w: World, record: Pick<MessageRecord, 'messageId'> | undefined, value: MessageStatusUpdated['status'], at: number, extra: Partial<MessageStatusUpdated> = {}): MessageStatusUpdated {
  return {
    repairedCharacters: 0,
    business: { businessAccountId: w.waba, phoneNumberId: w.number },
    wamid: `wamid.HBgL${record?.messageId ?? 'foreign'}${seq}`,
    status: value,
    timestamp: Math.floor(at / 1000),
    recipient: { waId: '34612345678' },
    ...(record === undefined ? {} : { bizOpaqueCallbackData: record.messageId }),
    ...extra,
  } as MessageStatusUpdated;
}

const PMP_MARKETING = { model: 'PMP', type: 'regular', category: 'marketing', billable: true };

describe('recording charges from status webhooks', () => {
  it('records a delivered marketing template once, rated and reconciled with Meta, without the phone number', async () => {
    const w = world();
    const record = await message(w);
    const result = await recordCharge(status(w, record, 'delivered', T + 5_000, { pricing: PMP_MARKETING, conversation: { id: 'conv-9007199254740993' } }), w.deps);
    expect(result.outcome).toBe('recorded');
    const entry = await ledger.find(record.messageId);
    expect(entry).toMatchObject({
      businessAccountId: w.waba,
      phoneNumberId: w.number,
      messageKey: record.messageId,
      contactId: record.contactId,
      conversationId: 'conv-9007199254740993',
      market: 'Spain',
      pricingCategory: 'marketing',
      pricingModel: 'PMP',
      pricingType: 'regular',
      billable: true,
      amountMicros: 70_700,
      currency: 'USD',
      rateCardVersion: 'USD@2026-10-01',
      month: '2026-11',
      day: '2026-11-02',
      metaPricing: PMP_MARKETING,
      reconciliation: 'agrees',
      differences: [],
      source: 'relais',
    });
    expect(JSON.stringify(entry)).not.toContain('34612345678');
  });

  it('never counts twice: Meta’s read after delivered, the same delivered again, and read before delivered', async () => {
    const w = world();
    const a = await message(w);
    expect((await recordCharge(status(w, a, 'delivered', T + 5_000, { pricing: PMP_MARKETING }), w.deps)).outcome).toBe('recorded');
    expect((await recordCharge(status(w, a, 'delivered', T + 5_000, { pricing: PMP_MARKETING }), w.deps)).outcome).toBe('duplicate');
    expect((await recordCharge(status(w, a, 'read', T + 9_000), w.deps)).outcome).toBe('duplicate');

    const b = await message(w);
    expect((await recordCharge(status(w, b, 'read', T + 9_000), w.deps)).outcome).toBe('recorded');
    expect((await recordCharge(status(w, b, 'delivered', T + 5_000, { pricing: PMP_MARKETING }), w.deps)).outcome).toBe('duplicate');
    expect((await ledger.find(b.messageId))?.chargedAt).toBe(Math.floor((T + 9_000) / 1000) * 1000);

    const entries = [];
    for await (const entry of ledger.entriesOfMonth(w.waba, '2026-11')) entries.push(entry);
    expect(entries.map((e) => [e.messageKey, e.amountMicros])).toEqual([
      [a.messageId, 70_700],
      [b.messageId, 70_700],
    ]);
  });

  it('charges nothing for sent and failed statuses', async () => {
    const w = world();
    const record = await message(w);
    expect(await recordCharge(status(w, record, 'sent', T + 1_000, { pricing: PMP_MARKETING }), w.deps)).toEqual({ outcome: 'ignored', why: 'a sent status charges nothing' });
    expect((await recordCharge(status(w, record, 'failed', T + 2_000), w.deps)).outcome).toBe('ignored');
    expect(await ledger.find(record.messageId)).toBeUndefined();
  });

  it('books a delivery in the month of the business timezone, and flags where Meta disagrees', async () => {
    const w = world();
    const record = await message(w, { category: 'utility', recipient: { to: '+447700900123' }, windowClosesAt: T + 3_600_000 });
    // 23:30 UTC on 30 November is 00:30 on 1 December in Paris.
    const at = Date.parse('2026-11-30T23:30:00Z');
    await recordCharge(status(w, record, 'delivered', at, { pricing: { model: 'PMP', type: 'free_customer_service', category: 'utility', billable: false } }), w.deps);
    const entry = await ledger.find(record.messageId);
    expect(entry).toMatchObject({ month: '2026-12', day: '2026-12-01', market: 'United Kingdom', pricingType: 'regular', amountMicros: 22_000, reconciliation: 'disagrees' });
    expect(entry?.differences).toEqual(['pricingType: Meta free_customer_service, Relais regular', 'billable: Meta false, Relais true']);
  });

  it('is free inside a free-entry-point window the reply opened, and adds the platform fee', async () => {
    const w = world({ default: { currency: 'USD', timeZone: 'Europe/Paris', platformFee: '0.001' } });
    const profile = await contacts.resolve(w.waba, { phone: '+34612345679' }, T - 60_000);
    expect(profile).toBeDefined();
    await contacts.openFreeEntryPointWindow(profile!.contactId, w.number, { opensAt: T + 1_000, closesAt: T + 1_000 + 72 * 3_600_000 });
    const record = await message(w, { contactId: profile!.contactId, recipient: { to: '+34612345679' } });
    await recordCharge(status(w, record, 'delivered', T + 5_000, { pricing: { model: 'PMP', type: 'free_entry_point', category: 'referral_conversion', billable: false } }), w.deps);
    expect(await ledger.find(record.messageId)).toMatchObject({ pricingType: 'free_entry_point', pricingCategory: 'referral_conversion', amountMicros: 0, platformFeeMicros: 1_000, reconciliation: 'agrees' });
  });

  it('applies the volume tier from the portfolio’s charged count of the month', async () => {
    const w = world({ default: { currency: 'XTS', timeZone: 'UTC' } });
    const amounts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const record = await message(w, { category: 'utility', recipient: { to: `+91987654321${i}` } });
      await recordCharge(status(w, record, 'delivered', T + i * 1_000), w.deps);
      amounts.push((await ledger.find(record.messageId))!.amountMicros);
    }
    expect(amounts).toEqual([1_400, 1_400, 1_300, 1_300]);
    expect(await ledger.chargedCount(w.waba, '2026-11', 'India', 'utility')).toBe(4);
  });

  it('rates a message Relais did not send from Meta’s pricing alone', async () => {
    const w = world();
    const update = status(w, undefined, 'delivered', T + 5_000, { recipient: { waId: '447700900456' }, pricing: { model: 'PMP', type: 'regular', category: 'utility', billable: true } });
    const result = await recordCharge(update, w.deps);
    expect(result.outcome).toBe('recorded');
    expect(await ledger.find(`wamid:${update.wamid}`)).toMatchObject({ source: 'meta_pricing', market: 'United Kingdom', pricingCategory: 'utility', amountMicros: 22_000, reconciliation: 'agrees' });
  });

  it('records a message no card covers as unrated, in the month’s report, and rates it in place once a card does', async () => {
    const w = world();
    const record = await message(w, { recipient: { to: '+966501234567' } });
    const first = await recordCharge(status(w, record, 'delivered', T + 5_000, { pricing: PMP_MARKETING }), w.deps);
    expect(first).toMatchObject({ outcome: 'unrated', problem: 'the USD@2026-10-01 rate card has no market "Saudi Arabia"' });
    expect(await ledger.find(record.messageId)).toMatchObject({ pricingType: 'unrated', amountMicros: 0, reason: 'the USD@2026-10-01 rate card has no market "Saudi Arabia"' });

    const withSaudi: RecordChargesDeps = {
      ...w.deps,
      rateCards: { cards: async () => [{ ...USD_OCTOBER, markets: new Map([...USD_OCTOBER.markets, ['Saudi Arabia', { marketing: 45_500, utility: 11_500, authentication: 11_500 }]]) }] },
    };
    expect((await recordCharge(status(w, record, 'read', T + 9_000), withSaudi)).outcome).toBe('recorded');
    expect(await ledger.find(record.messageId)).toMatchObject({ pricingType: 'regular', amountMicros: 45_500 });
    expect((await recordCharge(status(w, record, 'read', T + 9_000), withSaudi)).outcome).toBe('duplicate');
  });

  it('keeps its entries when the contact is erased: they hold no phone number and stay attributable', async () => {
    const w = world();
    const record = await message(w);
    await recordCharge(status(w, record, 'delivered', T + 5_000, { pricing: PMP_MARKETING }), w.deps);
    await messages.eraseContact(record.contactId!, T + 3_600_000);
    expect(await ledger.find(record.messageId)).toMatchObject({ contactId: record.contactId, amountMicros: 70_700, market: 'Spain' });
  });
});

describe('budget alerts', () => {
  it('publishes BudgetThresholdReached once at 80 % and once at 100 % of the monthly budget', async () => {
    // Budget 0.2 USD: 0.0707 (35 %), 0.1414 (70 %), 0.2121 (106 %, crosses 80 and 100 at once), 0.2828.
    const w = world({ default: { currency: 'USD', timeZone: 'Europe/Paris', monthlyBudget: '0.2' } });
    for (let i = 0; i < 4; i++) {
      const record = await message(w);
      await recordCharge(status(w, record, 'delivered', T + i * 1_000, { pricing: PMP_MARKETING }), w.deps);
      await recordCharge(status(w, record, 'read', T + i * 1_000 + 500), w.deps);
    }
    const alerts = published.filter((event) => event.detailType === 'BudgetThresholdReached' && (event.data as { businessAccountId: string }).businessAccountId === w.waba);
    expect(alerts.map((event) => [event.metadata.eventId, event.data])).toEqual([
      [`BudgetThresholdReached:${w.waba}:2026-11:80`, expect.objectContaining({ month: '2026-11', thresholdPercent: 80, currency: 'USD', budgetMicros: 200_000, spentMicros: 212_100 })],
      [`BudgetThresholdReached:${w.waba}:2026-11:100`, expect.objectContaining({ thresholdPercent: 100, spentMicros: 212_100 })],
    ]);
  });
});

describe('rate cards in the ledger table', () => {
  it('keeps a card once: the same again is unchanged, another for that day a conflict', async () => {
    expect(await cards.put(USD_OCTOBER, Date.now())).toBe('unchanged');
    const changed = { ...USD_OCTOBER, markets: new Map([...USD_OCTOBER.markets, ['Spain', { marketing: 1, utility: 1, authentication: 1 }]]) };
    expect(await cards.put(changed, Date.now())).toBe('conflict');
    const stored = (await cards.cards('USD')).find((card) => card.effectiveFrom === '2026-10-01');
    expect(stored?.markets.get('Spain')).toEqual({ marketing: 70_700, utility: 20_000, authentication: 20_000, service: 20_000 });
  });
});
