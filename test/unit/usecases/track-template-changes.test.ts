import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';

import { createTrackTemplateChanges } from '#functions/track-template-changes.js';
import type { PayloadStore } from '#shared/adapters/payload-store.js';
import type { DomainEvent } from '#shared/contracts/events/registry.js';
import { applyTemplateFact } from '#shared/domain/templates/apply-fact.js';
import type { TemplateHistoryEntry, TemplateRecord } from '#shared/domain/templates/records.js';
import type { TemplateWebhook } from '#shared/domain/templates/webhook-facts.js';
import { BadRequestError } from '#shared/errors.js';
import type { TemplateStore } from '#shared/ports/template-store.js';
import { trackTemplateChange } from '#shared/usecases/track-template-changes.js';

const WABA = '102290129340398';
// Meta's template ids exceed 2^53: they must stay digit for digit.
const TEMPLATE_ID = '90071992547409931';
const T0 = Date.parse('2026-12-04T02:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

/** In-memory store over the real domain rule, with history newest first, as the DynamoDB store keeps it. */
function memoryStore(): TemplateStore & { records: Map<string, TemplateRecord>; lines: Map<string, TemplateHistoryEntry[]> } {
  const records = new Map<string, TemplateRecord>();
  const lines = new Map<string, TemplateHistoryEntry[]>();
  const key = (waba: string, name: string, language: string) => `${waba}/${name}/${language.replace('-', '_').toLowerCase()}`;
  return {
    records,
    lines,
    get: async (waba, name, language) => records.get(key(waba, name, language)),
    languagesOf: async () => [],
    list: async () => ({ items: [] }),
    history: async (waba, name, language, page) => ({ items: (lines.get(key(waba, name, language)) ?? []).slice(0, page.limit) }),
    async apply(fact, recordedAt) {
      if (!/^[a-z0-9_]{1,512}$/.test(fact.name)) throw new BadRequestError('invalid_template', `template name ${JSON.stringify(fact.name.slice(0, 40))} is not one Meta allows`);
      const k = key(fact.businessAccountId, fact.name, fact.language);
      const result = applyTemplateFact(records.get(k), fact, recordedAt);
      if (result.outcome === 'changed') {
        records.set(k, result.record);
        lines.set(k, [result.entry, ...(lines.get(k) ?? [])]);
      }
      return result;
    },
  };
}

const ref = { businessAccountId: WABA, templateId: TEMPLATE_ID, templateName: 'order_update', language: 'en-US' };

function status(event: string, extra: Record<string, unknown> = {}): TemplateWebhook {
  return { detailType: 'TemplateStatusChanged', data: { ...ref, status: event, ...extra } } as TemplateWebhook;
}

const approvedSnapshot = (seconds: number) => ({
  kind: 'snapshot' as const,
  source: 'sync' as const,
  at: at(seconds),
  businessAccountId: WABA,
  name: 'order_update',
  language: 'en_US',
  templateId: TEMPLATE_ID,
  category: 'UTILITY' as const,
  status: 'APPROVED',
  components: [
    { type: 'HEADER', format: 'TEXT', text: 'Pedido 📦' },
    { type: 'BODY', text: 'Hola {{1}}, tu pedido {{2}} ✅ está en camino', example: { body_text: [['Zoë', '9007199254740993']] } },
    {
      type: 'BUTTONS',
      buttons: [
        { type: 'QUICK_REPLY', text: 'Gracias' },
        { type: 'URL', text: 'Seguir', url: 'https://example.com/t/{{1}}' },
      ],
    },
  ],
});

describe('trackTemplateChange', () => {
  let store: ReturnType<typeof memoryStore>;
  let published: DomainEvent[];
  let failPublish: number;
  const deps = () => ({
    store,
    now: () => T0 + 3_600_000,
    publish: async (events: readonly DomainEvent[]) => {
      if (failPublish > 0) {
        failPublish--;
        throw new Error('PutEvents failed');
      }
      published.push(...events);
    },
  });
  const record = () => store.records.get(`${WABA}/order_update/en_us`);

  beforeEach(async () => {
    store = memoryStore();
    published = [];
    failPublish = 0;
    await store.apply(approvedSnapshot(0), at(0));
  });

  it('records a first pause and publishes TemplatePaused with its title, Meta time and the end of its 3 h pause', async () => {
    const result = await trackTemplateChange(
      status('PAUSED', { otherInfo: { title: 'FIRST_PAUSE', description: 'جودة منخفضة — low quality 📉' } }),
      { occurredAt: at(60) },
      deps(),
    );
    expect(result.outcome).toBe('changed');
    expect(record()).toMatchObject({ status: 'PAUSED', pause: { title: 'FIRST_PAUSE', since: at(60) } });
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      detailType: 'TemplatePaused',
      metadata: { eventId: `TemplatePaused:${WABA}:order_update:en_US:v2`, occurredAt: at(60), businessAccountId: WABA, producer: 'track-template-changes' },
      data: {
        templateId: TEMPLATE_ID,
        templateName: 'order_update',
        language: 'en_US',
        category: 'UTILITY',
        pauseTitle: 'FIRST_PAUSE',
        pauseDescription: 'جودة منخفضة — low quality 📉',
        pausedAt: at(60),
        pauseEndsAt: at(60 + 3 * 3600),
      },
    });
  });

  it('republishes the same event id when the pause is delivered again, so consumers drop the copy', async () => {
    const pause = status('PAUSED', { otherInfo: { title: 'SECOND_PAUSE' } });
    await trackTemplateChange(pause, { occurredAt: at(60) }, deps());
    const again = await trackTemplateChange(pause, { occurredAt: at(60) }, deps());
    expect(again).toMatchObject({ outcome: 'unchanged', why: 'duplicate' });
    expect(published.map((e) => e.metadata.eventId)).toEqual([`TemplatePaused:${WABA}:order_update:en_US:v2`, `TemplatePaused:${WABA}:order_update:en_US:v2`]);
    expect(published[1]!.data).toEqual(published[0]!.data);
    expect(record()!.version).toBe(2);
  });

  it('publishes on the retry when the first delivery wrote the record but failed to publish', async () => {
    const disable = status('DISABLED', { disableDate: String(Math.floor(T0 / 1000) + 120) });
    failPublish = 1;
    await expect(trackTemplateChange(disable, { occurredAt: at(120) }, deps())).rejects.toThrow('PutEvents failed');
    expect(record()!.status).toBe('DISABLED');
    await trackTemplateChange(disable, { occurredAt: at(120) }, deps());
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ detailType: 'TemplateDisabled', data: { previousStatus: 'APPROVED', disableDate: at(120) } });
  });

  it('unpauses a paused template (TemplateUnpaused), while approval from review publishes TemplateApproved', async () => {
    await trackTemplateChange(status('PAUSED', { otherInfo: { title: 'FIRST_PAUSE' } }), { occurredAt: at(60) }, deps());
    await trackTemplateChange(status('APPROVED', { otherInfo: { title: 'UNPAUSE' } }), { occurredAt: at(90) }, deps());
    await trackTemplateChange(status('REJECTED', { reason: 'INVALID_FORMAT', rejectionInfo: { reason: 'INVALID_FORMAT', recommendation: 'Quita el emoji 🚫' } }), { occurredAt: at(100) }, deps());
    await trackTemplateChange(status('REINSTATED'), { occurredAt: at(110) }, deps());
    expect(published.map((e) => e.detailType)).toEqual(['TemplatePaused', 'TemplateUnpaused', 'TemplateRejected', 'TemplateApproved']);
    expect(published[1]!.data).toMatchObject({ pausedAt: at(60) });
    expect(published[2]!.data).toMatchObject({ previousStatus: 'APPROVED', reason: 'INVALID_FORMAT', recommendation: 'Quita el emoji 🚫' });
    expect(published[3]!.data).toMatchObject({ previousStatus: 'REJECTED', event: 'REINSTATED' });
    expect(record()!.status).toBe('APPROVED');
  });

  it('keeps the latest truth when an older pause arrives after a newer approval, publishing nothing for it', async () => {
    await trackTemplateChange(status('APPROVED'), { occurredAt: at(200) }, deps());
    const late = await trackTemplateChange(status('PAUSED', { otherInfo: { title: 'FIRST_PAUSE' } }), { occurredAt: at(100) }, deps());
    expect(late).toMatchObject({ outcome: 'unchanged', why: 'stale', published: [] });
    expect(record()!.status).toBe('APPROVED');
    expect(published).toEqual([]);
  });

  it('announces an impending re-categorisation with its effective time, then reports the completed one from and to', async () => {
    const effective = Math.floor(T0 / 1000) + 86_400;
    await trackTemplateChange(
      { detailType: 'TemplateCategoryChanged', data: { ...ref, phase: 'impending', newCategory: 'UTILITY', correctCategory: 'MARKETING', effectiveAt: effective } },
      { occurredAt: at(30) },
      deps(),
    );
    await trackTemplateChange(
      { detailType: 'TemplateCategoryChanged', data: { ...ref, phase: 'completed', previousCategory: 'UTILITY', newCategory: 'MARKETING' } },
      { occurredAt: at(86_400) },
      deps(),
    );
    expect(published.map((e) => [e.detailType, e.data])).toEqual([
      ['TemplateRecategorisationAnnounced', expect.objectContaining({ category: 'UTILITY', newCategory: 'MARKETING', effectiveAt: new Date(effective * 1000).toISOString() })],
      ['TemplateRecategorised', expect.objectContaining({ category: 'MARKETING', previousCategory: 'UTILITY', newCategory: 'MARKETING', version: 3 })],
    ]);
    expect(record()).toMatchObject({ category: 'MARKETING' });
    expect(record()!.pendingCategoryChange).toBeUndefined();
  });

  it('records a quality change without publishing an event', async () => {
    const result = await trackTemplateChange({ detailType: 'TemplateQualityChanged', data: { ...ref, previousScore: 'GREEN', newScore: 'RED' } }, { occurredAt: at(10) }, deps());
    expect(result.outcome).toBe('changed');
    expect(record()!.qualityScore).toBe('RED');
    expect(published).toEqual([]);
  });

  it('leaves a quality change of a template the registry never held alone (the sync brings it)', async () => {
    const result = await trackTemplateChange(
      { detailType: 'TemplateQualityChanged', data: { ...ref, templateName: 'never_listed', newScore: 'YELLOW' } },
      { occurredAt: at(10) },
      deps(),
    );
    expect(result).toMatchObject({ outcome: 'unchanged', why: 'unknown_template' });
    expect(store.records.has(`${WABA}/never_listed/en_us`)).toBe(false);
  });

  it('merges a components update into the held components: new body and URL, quick reply and header format kept', async () => {
    await trackTemplateChange(
      {
        detailType: 'TemplateComponentsChanged',
        data: {
          ...ref,
          components: {
            message_template_element: 'Hola {{1}}, tu pedido {{2}} llega {{3}} 🚚',
            message_template_title: 'Pedido 📦',
            message_template_buttons: [{ message_template_button_type: 'URL', message_template_button_text: 'Seguir', message_template_button_url: 'https://example.com/n/{{1}}' }],
          },
        },
      },
      { occurredAt: at(40) },
      deps(),
    );
    expect(record()!.components).toEqual([
      { type: 'HEADER', format: 'TEXT', text: 'Pedido 📦' },
      { type: 'BODY', text: 'Hola {{1}}, tu pedido {{2}} llega {{3}} 🚚' },
      { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Gracias' }, { type: 'URL', text: 'Seguir', url: 'https://example.com/n/{{1}}' }] },
    ]);
    expect(published).toEqual([]);
  });

  it('creates the record from a status webhook of a template Relais never listed, publishing TemplateApproved without a previous status', async () => {
    await trackTemplateChange(
      { detailType: 'TemplateStatusChanged', data: { ...ref, templateName: 'new_one', templateId: '12345678901234567890', status: 'APPROVED', category: 'MARKETING' } },
      { occurredAt: at(5) },
      deps(),
    );
    expect(published).toHaveLength(1);
    expect(published[0]!.data).toEqual({ businessAccountId: WABA, templateId: '12345678901234567890', templateName: 'new_one', language: 'en_US', category: 'MARKETING', version: 1 });
  });
});

describe('TemplateActivity consumer', () => {
  const payloads: PayloadStore = { get: async () => ({}) } as unknown as PayloadStore;
  const body = (detailType: string, data: unknown, eventId = 'e1') =>
    JSON.stringify({
      'detail-type': detailType,
      source: 'relais.whatsapp',
      detail: { metadata: { schemaVersion: 1, eventId, occurredAt: at(60), producer: 'receive-webhook', businessAccountId: WABA }, data },
    });
  const sqsRecord = (messageId: string, b: string): SQSRecord => ({ messageId, body: b, attributes: { ApproximateReceiveCount: '1' } }) as unknown as SQSRecord;

  it('applies valid webhooks, acknowledges the ones naming a template Meta could not have, and fails only unreadable ones', async () => {
    const store = memoryStore();
    await store.apply(approvedSnapshot(0), at(0));
    const published: DomainEvent[] = [];
    const run = createTrackTemplateChanges({ store, now: () => T0, publish: async (events) => void published.push(...events) }, payloads);
    const event: SQSEvent = {
      Records: [
        sqsRecord('ok', body('TemplateStatusChanged', { ...ref, status: 'PAUSED', otherInfo: { title: 'FIRST_PAUSE' } })),
        sqsRecord('not-json', '{'),
        sqsRecord('wrong-type', body('MessageStatusUpdated', { business: { businessAccountId: WABA, phoneNumberId: '1' }, wamid: 'w', status: 'sent', timestamp: 1, recipient: {} })),
        sqsRecord('bad-name', body('TemplateStatusChanged', { ...ref, templateName: 'Bad Name', status: 'APPROVED', category: 'UTILITY' })),
      ],
    };
    const answer = await run(event);
    // A name or language outside Meta's rules is Meta's data, not a fault retrying could clear: no retry, no dead letter.
    expect(answer.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['not-json', 'wrong-type']);
    expect([...store.records.keys()]).toEqual([`${WABA}/order_update/en_us`]);
    expect(store.records.get(`${WABA}/order_update/en_us`)!.status).toBe('PAUSED');
    expect(published.map((e) => e.detailType)).toEqual(['TemplatePaused']);
  });
});
