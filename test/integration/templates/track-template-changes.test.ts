/**
 * The TemplateActivity use case on DynamoDB Local: Meta's template webhooks, delivered shuffled, duplicated and
 * several at once (as a standard queue and four parallel records per batch deliver them), leave the registry with
 * the latest truth by Meta's time, the same as delivering them once in order.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import pLimit from 'p-limit';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';

import { createTemplateStore } from '#shared/adapters/template-store.js';
import type { DomainEvent } from '#shared/contracts/events/registry.js';
import type { TemplateRecord } from '#shared/domain/templates/records.js';
import type { TemplateWebhook } from '#shared/domain/templates/webhook-facts.js';
import { trackTemplateChange } from '#shared/usecases/track-template-changes.js';
import { localClientConfig } from '#infra/local/emulators.js';
import { STATE_TABLE } from '#infra/topology.js';
import { uniqueWaba } from '#test/support/contacts-harness.js';

const tableName = inject('tableNames')[STATE_TABLE.id]!;
const raw = new DynamoDBClient(localClientConfig(inject('dynamoEndpoint')));
const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
const store = createTemplateStore({ client, tableName });
afterAll(() => raw.destroy());

const SEED = Number(process.env['FUZZ_SEED'] ?? 20261204);
const T0 = Date.UTC(2026, 11, 4, 2, 0, 0);
const at = (minute: number) => new Date(T0 + minute * 60_000).toISOString();
/** Above 2^53: exact only as a string. */
const TEMPLATE_ID = '18014398509481985123';
const NAME = 'pedido_enviado';

type Delivery = { readonly webhook: TemplateWebhook; readonly occurredAt: string };

/** A template's life as Meta reports it, minute by minute: review, quality, two pauses, a re-categorisation, an edit. */
function lifeOf(waba: string): Delivery[] {
  const ref = { businessAccountId: waba, templateId: TEMPLATE_ID, templateName: NAME, language: 'es-MX' };
  const status = (minute: number, event: string, extra: Record<string, unknown> = {}): Delivery => ({
    webhook: { detailType: 'TemplateStatusChanged', data: { ...ref, status: event, ...extra } } as TemplateWebhook,
    occurredAt: at(minute),
  });
  return [
    status(1, 'APPROVED', { category: 'UTILITY', reason: 'NONE' }),
    { webhook: { detailType: 'TemplateQualityChanged', data: { ...ref, previousScore: 'UNKNOWN', newScore: 'YELLOW' } }, occurredAt: at(2) },
    status(3, 'PAUSED', { otherInfo: { title: 'FIRST_PAUSE', description: 'Calidad baja 📉 — جودة منخفضة' } }),
    status(183, 'APPROVED', { otherInfo: { title: 'UNPAUSE' } }),
    {
      webhook: { detailType: 'TemplateCategoryChanged', data: { ...ref, phase: 'impending', newCategory: 'UTILITY', correctCategory: 'MARKETING', effectiveAt: (T0 + 1624 * 60_000) / 1000 } },
      occurredAt: at(184),
    },
    {
      webhook: {
        detailType: 'TemplateComponentsChanged',
        data: { ...ref, components: { message_template_element: 'Hola {{1}}, tu pedido {{2}} salió hoy 🚚', message_template_footer: 'Zoë’s café' } },
      },
      occurredAt: at(200),
    },
    { webhook: { detailType: 'TemplateCategoryChanged', data: { ...ref, phase: 'completed', previousCategory: 'UTILITY', newCategory: 'MARKETING' } }, occurredAt: at(1624) },
    { webhook: { detailType: 'TemplateQualityChanged', data: { ...ref, previousScore: 'YELLOW', newScore: 'RED' } }, occurredAt: at(1700) },
    status(1701, 'PAUSED', { otherInfo: { title: 'SECOND_PAUSE', description: 'Pausa de 6 horas' } }),
  ];
}

/** What the sync had stored before any webhook: the template as submitted, PENDING. */
async function seed(waba: string): Promise<void> {
  await store.apply(
    {
      kind: 'snapshot',
      source: 'sync',
      at: at(0),
      businessAccountId: waba,
      name: NAME,
      language: 'es_MX',
      templateId: TEMPLATE_ID,
      category: 'UTILITY',
      status: 'PENDING',
      components: [
        { type: 'BODY', text: 'Hola {{1}}, tu pedido {{2}} está en camino', example: { body_text: [['Zoë', '9007199254740993']] } },
        { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Gracias 🙏' }] },
      ],
    },
    at(0),
  );
}

/** The fields Meta's facts decide (not the version or Relais's times, which count deliveries). */
function truthOf(record: TemplateRecord | undefined) {
  if (record === undefined) return undefined;
  const { businessAccountId: _w, version: _v, updatedAt: _u, ...truth } = record;
  return truth;
}

async function deliver(deliveries: readonly Delivery[], published: DomainEvent[]): Promise<void> {
  const limit = pLimit(4);
  const deps = { store, now: Date.now, publish: async (events: readonly DomainEvent[]) => void published.push(...events) };
  await Promise.all(deliveries.map((d) => limit(() => trackTemplateChange(d.webhook, { occurredAt: d.occurredAt }, deps))));
}

describe('trackTemplateChange on DynamoDB Local', () => {
  it('ends on the same record, the latest by Meta time, whatever the order, duplicates and overlap of deliveries', async () => {
    const inOrder = uniqueWaba();
    await seed(inOrder);
    const orderedEvents: DomainEvent[] = [];
    for (const delivery of lifeOf(inOrder)) await deliver([delivery], orderedEvents);
    const expected = truthOf(await store.get(inOrder, NAME, 'es_MX'));
    expect(expected).toMatchObject({
      status: 'PAUSED',
      pause: { title: 'SECOND_PAUSE', since: at(1701) },
      qualityScore: 'RED',
      category: 'MARKETING',
      templateId: TEMPLATE_ID,
      components: [
        { type: 'BODY', text: 'Hola {{1}}, tu pedido {{2}} salió hoy 🚚' },
        { type: 'FOOTER', text: 'Zoë’s café' },
        { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Gracias 🙏' }] },
      ],
    });
    expect(expected?.pendingCategoryChange).toBeUndefined();
    expect(orderedEvents.map((e) => e.detailType)).toEqual([
      'TemplateApproved',
      'TemplatePaused',
      'TemplateUnpaused',
      'TemplateRecategorisationAnnounced',
      'TemplateRecategorised',
      'TemplatePaused',
    ]);

    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray([0, 1, 2, 3, 4, 5, 6, 7, 8], { minLength: 9, maxLength: 9 }),
        fc.array(fc.nat({ max: 8 }), { maxLength: 6 }),
        async (order, repeats) => {
          const waba = uniqueWaba();
          await seed(waba);
          const life = lifeOf(waba);
          const deliveries = [...order, ...repeats].map((i) => life[i]!);
          const published: DomainEvent[] = [];
          await deliver(deliveries, published);
          expect(truthOf(await store.get(waba, NAME, 'es_MX'))).toEqual(expected);
          // However often a change is published again, one id always carries the same detail-type.
          const typeOf = new Map<string, string>();
          for (const event of published) {
            expect(typeOf.get(event.metadata.eventId) ?? event.detailType).toBe(event.detailType);
            typeOf.set(event.metadata.eventId, event.detailType);
          }
        },
      ),
      { seed: SEED, numRuns: 12 },
    );
  }, 120_000);
});
