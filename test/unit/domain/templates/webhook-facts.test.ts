import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { eventIdOf, templateChangeEvents } from '#shared/domain/templates/change-events.js';
import type { TemplateHistoryEntry, TemplateRecord } from '#shared/domain/templates/records.js';
import { isoFromUnixOrText, mergeWebhookComponents, templateFactOf } from '#shared/domain/templates/webhook-facts.js';

const WABA = '102290129340398';
const SEED = Number(process.env['FUZZ_SEED'] ?? 20261204);
const ref = { businessAccountId: WABA, templateId: '18014398509481985123', templateName: 'pedido_enviado', language: 'pt-BR' };

describe('templateFactOf', () => {
  it("times the fact by Meta, keeps the template id as digits and takes the impending change's effective time from unix seconds", () => {
    const fact = templateFactOf(
      { detailType: 'TemplateCategoryChanged', data: { ...ref, phase: 'impending', newCategory: 'UTILITY', correctCategory: 'MARKETING', effectiveAt: 1_796_443_200 } },
      '2026-12-04T02:00:00.000Z',
      [],
    );
    expect(fact).toEqual({
      kind: 'category',
      source: 'webhook',
      at: '2026-12-04T02:00:00.000Z',
      businessAccountId: WABA,
      name: 'pedido_enviado',
      language: 'pt-BR',
      templateId: '18014398509481985123',
      phase: 'impending',
      newCategory: 'UTILITY',
      correctCategory: 'MARKETING',
      effectiveAt: new Date(1_796_443_200_000).toISOString(),
    });
  });

  it('keeps a null reason (Meta sends one for a scheduled deletion) and leaves out what Meta omitted', () => {
    const fact = templateFactOf({ detailType: 'TemplateStatusChanged', data: { ...ref, status: 'PENDING_DELETION', reason: null } }, '2026-12-04T02:00:00.000Z', []);
    expect(fact).toMatchObject({ kind: 'status', status: 'PENDING_DELETION', reason: null });
    expect(Object.keys(fact)).not.toContain('otherInfo');
    expect(Object.keys(fact)).not.toContain('disableDate');
  });
});

describe('isoFromUnixOrText', () => {
  it('reads unix seconds as a number or digits, and keeps any other text as Meta wrote it', () => {
    expect(isoFromUnixOrText(1_796_356_800)).toBe('2026-12-04T04:00:00.000Z');
    expect(isoFromUnixOrText(' 1796356800 ')).toBe('2026-12-04T04:00:00.000Z');
    expect(isoFromUnixOrText('Dec 31, 2026')).toBe('Dec 31, 2026');
    expect(isoFromUnixOrText('')).toBeUndefined();
    expect(isoFromUnixOrText(Number.MAX_SAFE_INTEGER)).toBeUndefined();
  });
});

describe('mergeWebhookComponents', () => {
  const held = [
    { type: 'HEADER', format: 'VIDEO', example: { header_handle: ['4::dmlkZW8='] } },
    { type: 'BODY', text: 'Olá {{1}}, seu pedido {{2}} saiu', example: { body_text: [['Zoë', '42']] } },
    { type: 'FOOTER', text: 'Equipe 🚚' },
    {
      type: 'BUTTONS',
      buttons: [
        { type: 'COPY_CODE', example: 'PROMO10' },
        { type: 'URL', text: 'Rastrear', url: 'https://example.com/r/{{1}}' },
        { type: 'PHONE_NUMBER', text: 'Ligar', phone_number: '+5511999990000' },
      ],
    },
  ];

  it('keeps a media header and the buttons the update does not carry, keeps the example while the placeholders stay, and drops a footer the update no longer has', () => {
    const merged = mergeWebhookComponents(held, {
      message_template_element: 'Oi {{1}}! Pedido {{2}} a caminho 📦',
      message_template_buttons: [{ message_template_button_type: 'URL', message_template_button_text: 'Ver', message_template_button_url: 'https://example.com/v/{{1}}' }],
    });
    expect(merged).toEqual([
      held[0],
      { type: 'BODY', text: 'Oi {{1}}! Pedido {{2}} a caminho 📦', example: { body_text: [['Zoë', '42']] } },
      { type: 'BUTTONS', buttons: [{ type: 'COPY_CODE', example: 'PROMO10' }, { type: 'URL', text: 'Ver', url: 'https://example.com/v/{{1}}' }] },
    ]);
  });

  it('drops the example of a body whose placeholders changed, adds a text header and appends extra buttons', () => {
    const merged = mergeWebhookComponents([{ type: 'BODY', text: 'Hi {{1}}', example: { body_text: [['Ana']] } }], {
      message_template_element: 'Hi {{1}}, your code {{2}}',
      message_template_title: 'مرحبا',
      message_template_footer: 'Zoë’s café',
      message_template_buttons: [{ message_template_button_type: 'PHONE_NUMBER', message_template_button_text: 'Call', message_template_button_phone_number: '+447911123456' }],
    });
    expect(merged).toEqual([
      { type: 'HEADER', format: 'TEXT', text: 'مرحبا' },
      { type: 'BODY', text: 'Hi {{1}}, your code {{2}}' },
      { type: 'FOOTER', text: 'Zoë’s café' },
      { type: 'BUTTONS', buttons: [{ type: 'PHONE_NUMBER', text: 'Call', phone_number: '+447911123456' }] },
    ]);
  });

  it('never loses a button the update does not carry, whatever the update lists', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('QUICK_REPLY', 'OTP', 'COPY_CODE', 'FLOW', 'URL', 'PHONE_NUMBER'), { maxLength: 10 }),
        fc.array(fc.constantFrom('URL', 'PHONE_NUMBER'), { maxLength: 4 }),
        (heldTypes, incomingTypes) => {
          const buttons = heldTypes.map((type, i) => ({ type, text: `b${i}` }));
          const merged = mergeWebhookComponents([{ type: 'BODY', text: 'x {{1}} y' }, ...(buttons.length > 0 ? [{ type: 'BUTTONS', buttons }] : [])], {
            message_template_element: 'x {{1}} y',
            message_template_buttons: incomingTypes.map((t) => ({ message_template_button_type: t, message_template_button_text: 'n' })),
          });
          const after = (merged.find((c) => c.type === 'BUTTONS')?.buttons ?? []) as Array<{ type: string; text?: string }>;
          expect(after.filter((b) => b.type !== 'URL' && b.type !== 'PHONE_NUMBER')).toEqual(buttons.filter((b) => b.type !== 'URL' && b.type !== 'PHONE_NUMBER'));
          expect(after.filter((b) => b.type === 'URL' || b.type === 'PHONE_NUMBER').map((b) => b.type)).toEqual(incomingTypes);
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe('templateChangeEvents', () => {
  const record: Pick<TemplateRecord, 'businessAccountId' | 'name' | 'language' | 'templateId' | 'category'> = {
    businessAccountId: WABA,
    name: 'pedido_enviado',
    language: 'pt_BR',
    templateId: '18014398509481985123',
    category: 'UTILITY',
  };
  const entry = (changes: TemplateHistoryEntry['changes'], extra: Partial<TemplateHistoryEntry> = {}): TemplateHistoryEntry => ({
    version: 7,
    kind: 'status',
    source: 'webhook',
    at: '2026-12-04T02:00:00Z',
    recordedAt: '2026-12-04T02:00:01.000Z',
    changes,
    ...extra,
  });

  it('publishes nothing for quality, components or time-only changes, nor a category Relais does not know', () => {
    expect(templateChangeEvents(record, entry({ qualityScore: { from: 'GREEN', to: 'RED' } }, { kind: 'quality' }))).toEqual([]);
    expect(templateChangeEvents(record, entry({ 'asOf.status': { from: 'a', to: 'b' } }))).toEqual([]);
    expect(templateChangeEvents(record, entry({ category: { from: undefined, to: 'UTILITY' } }))).toEqual([]);
    expect(templateChangeEvents(record, entry({ status: { from: 'APPROVED', to: 'IN_APPEAL' } }))).toEqual([]);
  });

  it('announces a re-categorisation again only when its target or effective time changed', () => {
    const pending = { newCategory: 'MARKETING', effectiveAt: '2026-12-05T02:00:00.000Z', announcedAt: '2026-12-04T02:00:00.000Z' };
    const again = { ...pending, announcedAt: '2026-12-04T03:00:00.000Z' };
    const moved = { ...pending, effectiveAt: '2026-12-06T02:00:00.000Z' };
    expect(templateChangeEvents(record, entry({ pendingCategoryChange: { from: pending, to: again } }, { kind: 'category' }))).toEqual([]);
    const events = templateChangeEvents(record, entry({ pendingCategoryChange: { from: pending, to: moved } }, { kind: 'category' }));
    expect(events.map((e) => [e.detailType, e.data])).toEqual([['TemplateRecategorisationAnnounced', expect.objectContaining({ newCategory: 'MARKETING', effectiveAt: '2026-12-06T02:00:00.000Z' })]]);
  });

  it('publishes a status change and a category change of the same webhook as two events with distinct ids', () => {
    const events = templateChangeEvents(record, entry({ status: { from: 'PENDING', to: 'APPROVED' }, category: { from: 'UTILITY', to: 'MARKETING' } }));
    expect(events.map((e) => e.detailType)).toEqual(['TemplateApproved', 'TemplateRecategorised']);
    expect(events[0]!.data).toMatchObject({ category: 'MARKETING', previousStatus: 'PENDING' });
    expect(new Set(events.map((e) => e.metadata.eventId)).size).toBe(2);
    expect(events.every((e) => e.metadata.occurredAt === '2026-12-04T02:00:00.000Z')).toBe(true);
  });

  it('derives ids no longer than metadata allows, the same for the same template and version, different otherwise', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9_]{1,512}$/), fc.constantFrom('en_US', 'pt_BR', 'zh_HK', 'es_419'), fc.integer({ min: 1, max: 2 ** 31 }), (name, language, version) => {
        const id = eventIdOf('TemplateRecategorisationAnnounced', { businessAccountId: WABA, name, language }, version);
        expect(id.length).toBeLessThanOrEqual(512);
        expect(eventIdOf('TemplateRecategorisationAnnounced', { businessAccountId: WABA, name, language }, version)).toBe(id);
        expect(eventIdOf('TemplateRecategorisationAnnounced', { businessAccountId: WABA, name, language }, version + 1)).not.toBe(id);
        expect(eventIdOf('TemplateRecategorisationAnnounced', { businessAccountId: WABA, name: `${name}x`.slice(-512), language }, version)).not.toBe(id);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});
