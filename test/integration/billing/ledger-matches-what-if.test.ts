/**
 * The what-if rating gives exactly what the ledger records: one month of traffic (inbound messages, a referral, replies,
 * templates of every category, statuses in Meta's orders) is rated by `replay` from its facts, and recorded by the
 * Billing consumer's use case from the message records and windows the send path would have left in DynamoDB Local.
 * Both use the USD sample card of 2026-10-01; the entries and the what-if lines must agree message by message.
 */
import { resolve } from 'node:path';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';

import { localClientConfig } from '#infra/local/emulators.js';
import { readRateCardFile } from '#infra/local/local-rate-cards.js';
import { LEDGER_TABLE, STATE_TABLE } from '#infra/topology.js';
import { createContactStore } from '#shared/adapters/contact-store.js';
import { createLedgerStore } from '#shared/adapters/ledger-store.js';
import { createMessageStore } from '#shared/adapters/message-store.js';
import { BillingSettingsSchema, billingResolver } from '#shared/billing-config.js';
import type { MessageStatusUpdated } from '#shared/contracts/events/ingestion.js';
import { SAMPLE_MARKET_MAPS } from '#shared/domain/billing/markets.js';
import { replay, type MessageFact } from '#shared/domain/billing/replay.js';
import type { MessageRecord } from '#shared/domain/sending/records.js';
import { extendWindow, freeEntryPointOpportunity, openFreeEntryPointWindow, type CustomerServiceWindow } from '#shared/domain/windows/customer-service-window.js';
import { recordCharge } from '#shared/usecases/record-charges.js';
import { uniqueWaba } from '#test/support/contacts-harness.js';

const raw = new DynamoDBClient(localClientConfig(inject('dynamoEndpoint')));
const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
const stateTable = inject('tableNames')[STATE_TABLE.id]!;
const messages = createMessageStore({ client, tableName: stateTable });
const contacts = createContactStore({ client, tableName: stateTable });
const ledger = createLedgerStore({ client, tableName: inject('tableNames')[LEDGER_TABLE.id]! });
afterAll(() => raw.destroy());

const CARD = readRateCardFile(resolve(import.meta.dirname, '../../../examples/billing/rate-card-usd-2026-10-01.sample.csv'));
const t = (iso: string) => Date.parse(iso);

/** One month of traffic, in time order, as the what-if file would hold it. */
const FACTS: MessageFact[] = [
  { kind: 'inbound', at: t('2026-11-03T08:00:00Z'), from: '+447911123401', referral: false },
  { kind: 'outbound', at: t('2026-11-03T08:01:00Z'), id: 'reply', to: '+447911123401', category: 'service' },
  { kind: 'outbound', at: t('2026-11-03T08:02:00Z'), id: 'utility-in', to: '+447911123401', category: 'utility' },
  { kind: 'status', at: t('2026-11-03T08:02:05Z'), id: 'utility-in', status: 'read' },
  { kind: 'outbound', at: t('2026-11-04T09:00:00Z'), id: 'utility-out', to: '+447911123401', category: 'utility' },
  { kind: 'outbound', at: t('2026-11-04T09:01:00Z'), id: 'promo-es', to: '+34612345601', category: 'marketing' },
  { kind: 'status', at: t('2026-11-04T09:01:03Z'), id: 'promo-es', status: 'delivered' },
  { kind: 'status', at: t('2026-11-04T09:01:09Z'), id: 'promo-es', status: 'read' },
  { kind: 'inbound', at: t('2026-11-05T10:00:00Z'), from: '+33612345601', referral: true },
  { kind: 'outbound', at: t('2026-11-05T10:05:00Z'), id: 'fep-reply', to: '+33612345601', category: 'service' },
  { kind: 'outbound', at: t('2026-11-06T10:00:00Z'), id: 'fep-promo', to: '+33612345601', category: 'marketing' },
  { kind: 'outbound', at: t('2026-11-07T11:00:00Z'), id: 'otp', to: '+14155552601', category: 'authentication' },
  { kind: 'outbound', at: t('2026-11-07T11:05:00Z'), id: 'lost', to: '+14155552602', category: 'marketing' },
  { kind: 'status', at: t('2026-11-07T11:05:04Z'), id: 'lost', status: 'failed' },
];

describe('the ledger and the what-if rating', () => {
  it('agree message by message on the same month of traffic', async () => {
    const settings = { default: { currency: 'USD', timeZone: 'Europe/Paris', platformFee: '0.0005' } };
    const expected = replay(FACTS, { currency: 'USD', timeZone: 'Europe/Paris', rateCards: [CARD], marketMaps: SAMPLE_MARKET_MAPS, platformFeeMicros: 500 });
    if (!expected.ok) throw new Error(expected.problem);

    // What the send path leaves: message records (window as the gate saw it at acceptance), contacts' FEP windows.
    const waba = uniqueWaba();
    const number = `1${waba}`;
    const windows = new Map<string, CustomerServiceWindow>();
    const contactOf = new Map<string, string>();
    for (const fact of FACTS) {
      if (fact.kind === 'inbound') {
        windows.set(fact.from, extendWindow(windows.get(fact.from), fact.at) ?? windows.get(fact.from)!);
        const profile = await contacts.resolve(waba, { phone: fact.from }, fact.at);
        contactOf.set(fact.from, profile!.contactId);
        if (fact.referral) {
          const offer = freeEntryPointOpportunity(fact.at);
          const reply = FACTS.find((f) => f.kind === 'outbound' && f.to === fact.from && f.at > fact.at)!;
          await contacts.openFreeEntryPointWindow(profile!.contactId, number, openFreeEntryPointWindow(offer, undefined, reply.at)!);
        }
      }
      if (fact.kind === 'outbound') {
        const window = windows.get(fact.to);
        const record: MessageRecord = {
          messageId: `${fact.id}-${waba}`,
          idempotencyKey: fact.id,
          requestHash: 'h',
          phoneNumberId: number,
          businessAccountId: waba,
          ...(contactOf.has(fact.to) ? { contactId: contactOf.get(fact.to)! } : {}),
          recipient: { to: fact.to },
          messageType: fact.category === 'service' ? 'text' : 'template',
          category: fact.category === 'authentication_international' ? 'authentication' : fact.category,
          lane: 'priority',
          status: 'sent',
          attempts: 1,
          createdAt: fact.at,
          updatedAt: fact.at,
          ...(window !== undefined && fact.at < window.closesAt ? { windowClosesAt: window.closesAt } : {}),
        };
        await messages.create(record);
      }
    }
    // Meta's statuses, in the file's order; a message with none is delivered at its own time, as the what-if takes it.
    const deps = {
      messages,
      contacts,
      ledger,
      rateCards: { cards: async () => [CARD] },
      marketMaps: SAMPLE_MARKET_MAPS,
      billingFor: billingResolver(BillingSettingsSchema.parse(settings), {}),
      publish: async () => undefined,
      now: () => t('2026-12-01T00:00:00Z'),
    };
    const statusOf = (id: string, status: MessageStatusUpdated['status'], at: number): MessageStatusUpdated =>
      ({ repairedCharacters: 0, business: { businessAccountId: waba, phoneNumberId: number }, wamid: `wamid.W${id}${waba}`, status, timestamp: at / 1000, recipient: {}, bizOpaqueCallbackData: `${id}-${waba}` }) as MessageStatusUpdated;
    for (const fact of FACTS) {
      if (fact.kind === 'status') await recordCharge(statusOf(fact.id, fact.status, fact.at), deps);
      if (fact.kind === 'outbound' && !FACTS.some((f) => f.kind === 'status' && f.id === fact.id)) await recordCharge(statusOf(fact.id, 'delivered', fact.at), deps);
    }

    const recorded = [];
    for await (const entry of ledger.entriesOfMonth(waba, '2026-11')) recorded.push(entry);
    const view = (r: { pricingType: string; pricingCategory: string; market: string; amountMicros: number; platformFeeMicros: number; month: string }) => [r.market, r.pricingCategory, r.pricingType, r.amountMicros, r.platformFeeMicros, r.month];
    const byId = new Map(recorded.map((entry) => [entry.messageKey.replace(`-${waba}`, ''), view(entry)]));
    const whatIf = expected.ratings.filter((r) => r.pricingType !== 'not_delivered').map((r) => [r.messageId, view(r)]);
    expect(whatIf.map(([id]) => [id, byId.get(id as string)])).toEqual(whatIf);
    // The failed message is in neither: the what-if says not_delivered, the ledger never saw a delivery.
    expect(byId.has('lost')).toBe(false);
    expect(whatIf.map(([id, v]) => [id, (v as unknown[])[2]])).toEqual([
      ['reply', 'regular'],
      ['utility-in', 'regular'],
      ['utility-out', 'regular'],
      ['promo-es', 'regular'],
      ['fep-reply', 'free_entry_point'],
      ['fep-promo', 'free_entry_point'],
      ['otp', 'regular'],
    ]);
  });
});
