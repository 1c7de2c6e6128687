import { describe, expect, it } from 'vitest';

import type { TemplateMessage } from '#shared/contracts/events/outbound/templates.js';
import { UNKNOWN_CONSENT } from '#shared/domain/consent/consent.js';
import { DEFAULT_POLICY_SETTINGS, decideSend, type PolicyDecision } from '#shared/domain/sending/policy.js';
import { applyTemplateFact } from '#shared/domain/templates/apply-fact.js';
import { fillPlaceholders, hydratedLengths, hydratedTextProblem } from '#shared/domain/templates/hydration.js';
import type { MetaTemplateComponent } from '#shared/domain/templates/records.js';
import type { TemplateInfo } from '#shared/domain/templates/template-registry.js';
import { toTemplateInfo } from '#shared/domain/templates/to-template-info.js';

// Meta counts a template's limits once the parameters are filled in: body 1024, text header 60 (error 132005),
// https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/components

const NOW = Date.parse('2026-12-04T09:00:00Z');
/** "Olá " + " — " + " 📦" around two parameters: 4 + 3 + 2 = 9 code points of fixed text. */
const POSITIONAL_BODY = 'Olá {{1}} — {{ 2 }} 📦';
const FIXED = 9;

const positional: TemplateInfo = {
  name: 'suivi_colis',
  language: 'pt_BR',
  status: 'APPROVED',
  category: 'utility',
  parameterFormat: 'positional',
  parameters: { header: 1, body: 2 },
  text: { header: 'Pedido {{1}}', body: POSITIONAL_BODY },
};

function message(body: readonly string[], header = '#9'): TemplateMessage {
  return {
    type: 'template',
    name: 'suivi_colis',
    language: 'pt_BR',
    components: { header: { type: 'text', text: header }, body: body.map((text) => ({ type: 'text', text })) },
  };
}

function decide(template: TemplateInfo, msg: TemplateMessage): PolicyDecision {
  return decideSend({
    request: { phoneNumberId: '106540352242922', to: '+33612345678', message: msg },
    now: NOW,
    contact: undefined,
    window: { open: false, closedAt: NOW - 3_600_000 },
    consent: UNKNOWN_CONSENT,
    template,
    recentMarketingSends: [],
    settings: DEFAULT_POLICY_SETTINGS,
  });
}

/** `count` code points of mixed scripts: emoji (two UTF-16 units each), Hebrew and accented Latin. */
function mixed(count: number): string {
  const pieces = ['📦', 'ש', 'é', '🇧', 'ל'];
  return Array.from({ length: count }, (_, i) => pieces[i % pieces.length]).join('');
}

describe('fillPlaceholders', () => {
  it('fills positional placeholders by number and named ones by name, tolerating spaces inside the braces', () => {
    expect(fillPlaceholders(POSITIONAL_BODY, { positional: ['Ana', '#42'], named: new Map() })).toBe('Olá Ana — #42 📦');
    expect(fillPlaceholders('Oi {{ first_name }}, {{order}}', { positional: [], named: new Map([['first_name', 'João'], ['order', 'A-1']]) })).toBe('Oi João, A-1');
  });

  it('leaves a placeholder with no value as it is', () => {
    expect(fillPlaceholders('{{1}} and {{3}}', { positional: ['a'], named: new Map() })).toBe('a and {{3}}');
  });
});

describe('hydratedLengths', () => {
  it('counts code points, so an emoji counts one and a flag two', () => {
    const lengths = hydratedLengths(message(['📦📦', '🇧🇷'], 'שלום 👋'), positional);
    expect(lengths).toEqual([
      { component: 'header', characters: 'Pedido '.length + 6, limit: 60 },
      { component: 'body', characters: FIXED + 2 + 2, limit: 1024 },
    ]);
  });

  it('counts what a currency or a date shows: its fallback value', () => {
    const template: TemplateInfo = { ...positional, text: { body: 'Total {{1}} due {{2}}.' } };
    const msg: TemplateMessage = {
      type: 'template',
      name: 'suivi_colis',
      language: 'pt_BR',
      components: {
        body: [
          { type: 'currency', fallbackValue: '€1 234,50', code: 'EUR', amount1000: 1_234_500 },
          { type: 'date_time', fallbackValue: '25 février 2027' },
        ],
      },
    };
    expect(hydratedLengths(msg, template)).toEqual([{ component: 'body', characters: 'Total  due .'.length + 9 + 15, limit: 1024 }]);
  });

  it('leaves out components whose text the registry does not know', () => {
    const { text: _text, ...withoutText } = positional;
    expect(hydratedLengths(message(['a', 'b']), withoutText)).toEqual([]);
  });
});

describe('the gate on hydrated length', () => {
  const room = 1024 - FIXED;

  it('sends a body of exactly 1024 characters of emoji, Hebrew and accents once filled', () => {
    const decision = decide(positional, message([mixed(500), mixed(room - 500)]));
    expect(decision.allowed).toBe(true);
  });

  it('refuses a body one character over 1024 as template_parameters_invalid, naming the body and the excess', () => {
    const decision = decide(positional, message([mixed(500), mixed(room - 499)]));
    expect(decision).toMatchObject({ allowed: false, reason: 'template_parameters_invalid' });
    if (decision.allowed) return;
    expect(decision.message).toBe(
      'Template "suivi_colis" (pt_BR) body would be 1025 characters once its parameters are filled in, over Meta\'s limit of 1024 (Meta would refuse it with error 132005): shorten the parameter values by 1 characters.',
    );
  });

  it('refuses a text header over 60 once filled, and allows one at 60', () => {
    const room60 = 60 - 'Pedido '.length;
    expect(decide(positional, message(['a', 'b'], mixed(room60))).allowed).toBe(true);
    const over = decide(positional, message(['a', 'b'], mixed(room60 + 1)));
    expect(over).toMatchObject({ allowed: false, reason: 'template_parameters_invalid', message: expect.stringContaining('header would be 61 characters') });
  });

  it('names a parameter mismatch before the length, so the caller fixes the count first', () => {
    const decision = decide(positional, message([mixed(1020)]));
    expect(decision).toMatchObject({ allowed: false, reason: 'template_parameters_invalid', message: expect.stringContaining('body takes 2 parameters, the request gives 1') });
  });

  it('checks a named template by its names', () => {
    const named: TemplateInfo = { ...positional, parameterFormat: 'named', parameters: { body: ['first_name'] }, text: { body: 'Oi {{first_name}}!' } };
    const msg = (value: string): TemplateMessage => ({ type: 'template', name: 'suivi_colis', language: 'pt_BR', components: { body: [{ type: 'text', text: value, parameterName: 'first_name' }] } });
    expect(decide(named, msg(mixed(1020))).allowed).toBe(true);
    expect(hydratedTextProblem(msg(mixed(1021)), named)).toContain('body would be 1025 characters');
  });
});

describe('toTemplateInfo carries the text the gate fills', () => {
  function infoOf(components: MetaTemplateComponent[]): TemplateInfo {
    const result = applyTemplateFact(
      undefined,
      { businessAccountId: '9007199254740993', name: 'suivi_colis', language: 'pt_BR', templateId: '1234567890123456789', kind: 'snapshot', source: 'sync', at: '2026-12-01T10:00:00.000Z', category: 'UTILITY', status: 'APPROVED', components },
      '2026-12-01T10:00:00.000Z',
    );
    if (result.outcome !== 'changed') throw new Error('no record');
    return toTemplateInfo(result.record);
  }

  it('takes the body and a text header from Meta components', () => {
    const info = infoOf([
      { type: 'HEADER', format: 'TEXT', text: 'Pedido {{1}}' },
      { type: 'BODY', text: POSITIONAL_BODY },
      { type: 'FOOTER', text: 'Relais' },
    ]);
    expect(info.text).toEqual({ header: 'Pedido {{1}}', body: POSITIONAL_BODY });
  });

  it('leaves a media header out, and an authentication body without text', () => {
    expect(infoOf([{ type: 'HEADER', format: 'IMAGE' }, { type: 'BODY' }]).text).toEqual({});
  });
});
