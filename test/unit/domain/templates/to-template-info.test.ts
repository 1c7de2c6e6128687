import { describe, expect, it } from 'vitest';

import type { TemplateComponents } from '#shared/contracts/events/outbound/templates.js';
import { UNKNOWN_CONSENT } from '#shared/domain/consent/consent.js';
import { DEFAULT_POLICY_SETTINGS, decideSend } from '#shared/domain/sending/policy.js';
import { applyTemplateFact } from '#shared/domain/templates/apply-fact.js';
import type { MetaTemplateComponent, TemplateFact, TemplateParameterFormat, TemplateRecord } from '#shared/domain/templates/records.js';
import { pauseEndsAt, toTemplateInfo } from '#shared/domain/templates/to-template-info.js';

// Components as Meta's message_templates listing returns them (our own values), per
// https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/components

const WABA = '9007199254740993';
const AT = '2026-12-01T10:00:00.000Z';

function recordOf(components: MetaTemplateComponent[], options: { category?: 'MARKETING' | 'UTILITY' | 'AUTHENTICATION'; format?: TemplateParameterFormat; status?: string } = {}): TemplateRecord {
  const fact: TemplateFact = {
    businessAccountId: WABA,
    name: 'suivi_colis',
    language: 'pt-BR',
    templateId: '1234567890123456789',
    kind: 'snapshot',
    source: 'sync',
    at: AT,
    category: options.category ?? 'UTILITY',
    status: options.status ?? 'APPROVED',
    components,
    ...(options.format !== undefined ? { parameterFormat: options.format } : {}),
  };
  const result = applyTemplateFact(undefined, fact, AT);
  if (result.outcome !== 'changed') throw new Error('no record');
  return result.record;
}

describe('toTemplateInfo', () => {
  it('gives the send path lowercase category, the format, the account and the parameters each component takes', () => {
    const info = toTemplateInfo(
      recordOf([
        { type: 'HEADER', format: 'TEXT', text: 'Pedido {{1}} 📦', example: { header_text: ['#9'] } },
        { type: 'BODY', text: 'Olá {{1}}, seu pedido {{2}} saiu. Obrigado, {{1}}! 🇧🇷', example: { body_text: [['João', '#9']] } },
        { type: 'FOOTER', text: 'Loja Ação' },
        {
          type: 'BUTTONS',
          buttons: [
            { type: 'QUICK_REPLY', text: 'Parar promoções' },
            { type: 'URL', text: 'Rastrear', url: 'https://exemplo.com.br/rastreio/{{1}}', example: ['https://exemplo.com.br/rastreio/AB12'] },
            { type: 'URL', text: 'Loja', url: 'https://exemplo.com.br' },
            { type: 'PHONE_NUMBER', text: 'Ligar', phone_number: '+5511999999999' },
            { type: 'COPY_CODE', example: 'DESCONTO10' },
          ],
        },
      ]),
    );
    expect(info).toEqual({
      name: 'suivi_colis',
      language: 'pt_BR',
      status: 'APPROVED',
      category: 'utility',
      parameterFormat: 'positional',
      businessAccountId: WABA,
      parameters: { header: 1, body: 2, buttons: [1, 4], optionalButtons: [0] },
      text: { header: 'Pedido {{1}} 📦', body: 'Olá {{1}}, seu pedido {{2}} saiu. Obrigado, {{1}}! 🇧🇷' },
    });
  });

  it('lists the named body parameters once each, in order of first use', () => {
    const info = toTemplateInfo(
      recordOf(
        [
          { type: 'HEADER', format: 'TEXT', text: 'Bienvenue' },
          { type: 'BODY', text: 'שלום {{first_name}}! ההזמנה {{order_id}} מוכנה, {{first_name}}.' },
        ],
        { format: 'NAMED', category: 'MARKETING' },
      ),
    );
    expect(info.parameterFormat).toBe('named');
    expect(info.category).toBe('marketing');
    expect(info.parameters).toEqual({ header: 0, body: ['first_name', 'order_id'], buttons: [] });
  });

  it.each(['IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION'])('counts a %s header as one parameter', (format) => {
    expect(toTemplateInfo(recordOf([{ type: 'HEADER', format }, { type: 'BODY', text: 'Hi' }])).parameters?.header).toBe(1);
  });

  it('requires the code of an authentication template with a one-tap or copy-code button', () => {
    const info = toTemplateInfo(
      recordOf(
        [
          { type: 'BODY', text: '{{1}} is your verification code.' },
          { type: 'BUTTONS', buttons: [{ type: 'OTP', otp_type: 'ONE_TAP', text: 'Copy code', autofill_text: 'Autofill' }] },
        ],
        { category: 'AUTHENTICATION' },
      ),
    );
    expect(info.parameters).toEqual({ header: 0, body: 1, buttons: [0] });
  });

  it('treats flow and catalog buttons as optional', () => {
    const info = toTemplateInfo(
      recordOf([{ type: 'BODY', text: 'Hi' }, { type: 'BUTTONS', buttons: [{ type: 'FLOW', text: 'Book', flow_id: '1' }, { type: 'CATALOG', text: 'View' }] }]),
    );
    expect(info.parameters).toEqual({ header: 0, body: 0, buttons: [], optionalButtons: [0, 1] });
  });

  it('leaves parameters out while the components were never received from Meta', () => {
    const fromWebhook = applyTemplateFact(
      undefined,
      { businessAccountId: WABA, name: 'x', language: 'en-US', kind: 'status', source: 'webhook', at: AT, status: 'APPROVED', category: 'UTILITY' },
      AT,
    );
    if (fromWebhook.outcome !== 'changed') throw new Error('no record');
    expect(toTemplateInfo(fromWebhook.record).parameters).toBeUndefined();
  });

  it('leaves the parameter format out too until the components arrive, so a send with named parameters is not refused on a guess', () => {
    const fromWebhook = applyTemplateFact(
      undefined,
      { businessAccountId: WABA, name: 'entrega_hoy', language: 'es', kind: 'status', source: 'webhook', at: AT, status: 'APPROVED', category: 'UTILITY' },
      AT,
    );
    if (fromWebhook.outcome !== 'changed') throw new Error('no record');
    const info = toTemplateInfo(fromWebhook.record);
    expect(info.parameterFormat).toBeUndefined();
    const named: TemplateComponents = { body: [{ type: 'text', parameterName: 'nombre', text: 'Zoë' }] };
    const decision = decideSend({
      request: { phoneNumberId: '106540352242922', to: '+5511987654321', message: { type: 'template', name: 'entrega_hoy', language: 'es', components: named } },
      now: Date.parse(AT),
      contact: { onHold: false },
      window: { open: false, closedAt: Date.parse(AT) - 1 },
      consent: UNKNOWN_CONSENT,
      template: info,
      recentMarketingSends: [],
      settings: DEFAULT_POLICY_SETTINGS,
    });
    expect(decision).toMatchObject({ allowed: true });
  });

  it('says until when a first or second pause lasts (3 h, 6 h) and only since when for another pause', () => {
    const approved = recordOf([{ type: 'BODY', text: 'Hi' }]);
    const pause = (title: string | undefined) => {
      const result = applyTemplateFact(
        approved,
        { businessAccountId: WABA, name: 'suivi_colis', language: 'pt_BR', kind: 'status', source: 'webhook', at: '2026-12-01T12:00:00Z', status: 'PAUSED', ...(title ? { otherInfo: { title } } : {}) },
        AT,
      );
      if (result.outcome !== 'changed') throw new Error('no change');
      return toTemplateInfo(result.record).pause;
    };
    expect(pause('FIRST_PAUSE')).toEqual({ since: '2026-12-01T12:00:00Z', until: '2026-12-01T15:00:00.000Z' });
    expect(pause('SECOND_PAUSE')).toEqual({ since: '2026-12-01T12:00:00Z', until: '2026-12-01T18:00:00.000Z' });
    expect(pause('RATE_LIMITING_PAUSE')).toEqual({ since: '2026-12-01T12:00:00Z' });
    expect(pause(undefined)).toEqual({ since: '2026-12-01T12:00:00Z' });
    expect(toTemplateInfo(approved).pause).toBeUndefined();
    expect(pauseEndsAt({ title: 'FIRST_PAUSE', since: 'not a time' })).toBeUndefined();
  });

  it('lets decideSend accept a request that fits the derived parameters and name what a wrong one lacks', () => {
    const info = toTemplateInfo(
      recordOf([
        { type: 'HEADER', format: 'IMAGE', example: { header_handle: ['4::aW1hZ2U='] } },
        { type: 'BODY', text: 'Oi {{1}}, código {{2}}.' },
        { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Sim' }, { type: 'URL', text: 'Ver', url: 'https://exemplo.com.br/p/{{1}}' }] },
      ]),
    );
    const decide = (components: TemplateComponents) =>
      decideSend({
        request: { phoneNumberId: '106540352242922', to: '+5511987654321', message: { type: 'template', name: 'suivi_colis', language: 'pt_BR', components } },
        now: Date.parse(AT),
        contact: { onHold: false },
        window: { open: false, closedAt: Date.parse(AT) - 1 },
        consent: UNKNOWN_CONSENT,
        template: info,
        recentMarketingSends: [],
        settings: DEFAULT_POLICY_SETTINGS,
      });
    const fits: TemplateComponents = {
      header: { type: 'image', link: 'https://exemplo.com.br/i.png' },
      body: [
        { type: 'text', text: 'Zé' },
        { type: 'text', text: '𝟕𝟕' },
      ],
      buttons: [{ subType: 'url', index: 1, text: 'abc' }],
    };
    expect(decide(fits).allowed).toBe(true);
    expect(decide({ ...fits, buttons: [{ subType: 'quick_reply', index: 0, payload: 'sim' }, { subType: 'url', index: 1, text: 'abc' }] }).allowed).toBe(true);
    const noButton = decide({ header: fits.header!, body: fits.body! });
    expect(noButton).toMatchObject({ allowed: false, reason: 'template_parameters_invalid' });
    expect(noButton.allowed === false && noButton.message).toContain('buttons take parameters at index 1');
  });
});
