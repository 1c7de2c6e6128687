import { describe, expect, it } from 'vitest';
import type { OutboundMessage, SendRequestData } from '#shared/contracts/events/outbound/send-request.js';
import type { TemplateComponents } from '#shared/contracts/events/outbound/templates.js';
import { UNKNOWN_CONSENT, type ConsentCategory, type ConsentSnapshot, type ConsentStatus } from '#shared/domain/consent/consent.js';
import { DEFAULT_POLICY_SETTINGS, decideSend, type PolicyDecision, type PolicyInput, type TemplateInfo } from '#shared/domain/sending/policy.js';

const NOW = Date.parse('2026-11-21T09:00:00Z');
const H = 3_600_000;
const DAY = 24 * H;
const FR_PHONE = '+33612345678';
const US_PHONE = '+14155552671';
const CA_PHONE = '+16135550123';

const OPEN = { open: true, closesAt: NOW + 3 * H } as const;
const CLOSED = { open: false, closedAt: NOW - H } as const;

function consent(values: Partial<Record<ConsentCategory, ConsentStatus>> = {}): ConsentSnapshot {
  const snapshot: Record<ConsentCategory, ConsentSnapshot[ConsentCategory]> = { ...UNKNOWN_CONSENT };
  for (const [category, status] of Object.entries(values) as [ConsentCategory, ConsentStatus][]) snapshot[category] = { status, since: NOW - DAY };
  return snapshot;
}

const TEXT: OutboundMessage = { type: 'text', body: 'Your parcel is on its way.' };

function templateMessage(name: string, components?: TemplateComponents): OutboundMessage {
  return { type: 'template', name, language: 'en_US', ...(components === undefined ? {} : { components }) };
}

const PROMO: TemplateInfo = { name: 'spring_sale', language: 'en_US', status: 'APPROVED', category: 'marketing' };
const SHIPPED: TemplateInfo = { name: 'order_shipped', language: 'en_US', status: 'APPROVED', category: 'utility' };
const OTP: TemplateInfo = { name: 'login_code', language: 'en_US', status: 'APPROVED', category: 'authentication' };

function request(message: OutboundMessage, overrides: Partial<SendRequestData> = {}): SendRequestData {
  const base: SendRequestData = { phoneNumberId: '106540352242922', to: FR_PHONE, message };
  if (overrides.recipientUserId !== undefined) {
    const { to: _to, ...rest } = base;
    return { ...rest, ...overrides };
  }
  return { ...base, ...overrides };
}

function input(overrides: Partial<PolicyInput> = {}): PolicyInput {
  return {
    request: request(TEXT),
    now: NOW,
    contact: { onHold: false },
    window: OPEN,
    consent: consent({ marketing: 'opted_in' }),
    template: undefined,
    recentMarketingSends: [],
    settings: DEFAULT_POLICY_SETTINGS,
    ...overrides,
  };
}

function sendTemplate(template: TemplateInfo, overrides: Partial<PolicyInput> = {}, components?: TemplateComponents): PolicyDecision {
  return decideSend(input({ request: request(templateMessage(template.name, components)), template, window: CLOSED, ...overrides }));
}

function refusal(decision: PolicyDecision): { reason: string; message: string } {
  if (decision.allowed) throw new Error(`expected a refusal, got ${JSON.stringify(decision)}`);
  return decision;
}

describe('decideSend: mark-as-read', () => {
  it('is always allowed, on the priority lane as a service message, even on hold, opted out and outside the window', () => {
    const decision = decideSend(
      input({
        request: request({ type: 'markRead', messageId: 'wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA' }),
        window: CLOSED,
        contact: { onHold: true },
        consent: consent({ service: 'opted_out' }),
      }),
    );
    expect(decision).toEqual({ allowed: true, category: 'service', lane: 'priority', countsTowardMarketingCap: false });
  });
});

describe('decideSend: free-form messages', () => {
  it('allows a text inside the window as a service message on the priority lane', () => {
    expect(decideSend(input())).toEqual({ allowed: true, category: 'service', lane: 'priority', countsTowardMarketingCap: false });
  });

  it.each<[string, OutboundMessage]>([
    ['text', TEXT],
    ['image', { type: 'image', link: 'https://cdn.example.com/a.png' }],
    ['reaction', { type: 'reaction', messageId: 'wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA', emoji: '👍' }],
    ['interactive', { type: 'interactive', kind: 'button', body: 'Pick one', buttons: [{ id: 'a', title: 'A' }] }],
  ])('refuses a %s outside the window as window_closed, pointing to templates and Meta error 131047', (_type, message) => {
    const decision = refusal(decideSend(input({ request: request(message), window: CLOSED })));
    expect(decision.reason).toBe('window_closed');
    expect(decision.message).toContain('131047');
    expect(decision.message).toContain('template');
  });

  it('refuses when the window closed exactly now (closedAt = now)', () => {
    expect(refusal(decideSend(input({ window: { open: false, closedAt: NOW } }))).reason).toBe('window_closed');
  });

  it('refuses when no window was ever opened', () => {
    expect(refusal(decideSend(input({ window: { open: false } }))).reason).toBe('window_closed');
  });

  it('is a service message whatever category the caller hints, and reports the ignored hint', () => {
    const decision = decideSend(input({ request: request(TEXT, { category: 'marketing' }) }));
    expect(decision).toEqual({ allowed: true, category: 'service', lane: 'priority', countsTowardMarketingCap: false, ignoredCategoryHint: 'marketing' });
  });

  it('allows a reply inside the window to a contact on hold', () => {
    expect(decideSend(input({ contact: { onHold: true } })).allowed).toBe(true);
  });

  it('is not refused because of a marketing opt-out', () => {
    expect(decideSend(input({ consent: consent({ marketing: 'opted_out' }) })).allowed).toBe(true);
  });

  it('is refused as opted_out only when service itself is opted out', () => {
    expect(refusal(decideSend(input({ consent: consent({ service: 'opted_out' }) }))).reason).toBe('opted_out');
  });

  it('needs a service opt-in when the settings require one', () => {
    const settings = { ...DEFAULT_POLICY_SETTINGS, requireOptIn: ['marketing', 'service'] as const };
    expect(refusal(decideSend(input({ settings }))).reason).toBe('consent_missing');
    expect(decideSend(input({ settings, consent: consent({ service: 'opted_in' }) })).allowed).toBe(true);
  });
});

describe('decideSend: templates', () => {
  it('refuses an unknown template as template_unknown, naming it', () => {
    const decision = refusal(decideSend(input({ request: request(templateMessage('nope')), template: undefined })));
    expect(decision.reason).toBe('template_unknown');
    expect(decision.message).toContain('"nope" (en_US)');
  });

  it.each(['PENDING', 'REJECTED', 'IN_APPEAL', 'ARCHIVED', 'PENDING_DELETION', 'DELETED', 'LIMIT_EXCEEDED', 'SOMETHING_NEW'])(
    'refuses a %s template as template_not_approved, naming the status',
    (status) => {
      const decision = refusal(sendTemplate({ ...SHIPPED, status }));
      expect(decision.reason).toBe('template_not_approved');
      expect(decision.message).toContain(`has status ${status}`);
    },
  );

  it('refuses a PAUSED template as template_paused, saying until when Meta pauses it', () => {
    const decision = refusal(sendTemplate({ ...SHIPPED, status: 'PAUSED', pause: { since: '2026-11-21T08:00:00.000Z', until: '2026-11-21T11:00:00.000Z' } }));
    expect(decision.reason).toBe('template_paused');
    expect(decision.message).toContain('has status PAUSED');
    expect(decision.message).toContain('until about 2026-11-21T11:00:00.000Z');
    expect(decision.message).toContain('132015');
  });

  it('refuses a PAUSED template whose pause has no known end, saying since when', () => {
    const sinceOnly = refusal(sendTemplate({ ...SHIPPED, status: 'PAUSED', pause: { since: '2026-11-21T08:00:00.000Z' } }));
    expect(sinceOnly.reason).toBe('template_paused');
    expect(sinceOnly.message).toContain('since 2026-11-21T08:00:00.000Z');
    expect(sinceOnly.message).not.toContain('until about');
    const unknown = refusal(sendTemplate({ ...SHIPPED, status: 'PAUSED' }));
    expect(unknown.reason).toBe('template_paused');
    expect(unknown.message).toContain('has status PAUSED');
  });

  it('refuses a DISABLED template as template_disabled, naming the status', () => {
    const decision = refusal(sendTemplate({ ...SHIPPED, status: 'DISABLED' }));
    expect(decision.reason).toBe('template_disabled');
    expect(decision.message).toContain('has status DISABLED');
    expect(decision.message).toContain('132016');
  });

  it('allows an approved utility template outside the window on the priority lane', () => {
    expect(sendTemplate(SHIPPED)).toEqual({ allowed: true, category: 'utility', lane: 'priority', countsTowardMarketingCap: false });
  });

  it('sends authentication templates on the priority lane', () => {
    expect(sendTemplate(OTP)).toMatchObject({ allowed: true, category: 'authentication', lane: 'priority' });
  });

  it('sends marketing templates on the bulk lane, counting toward the cap outside the window', () => {
    expect(sendTemplate(PROMO)).toEqual({ allowed: true, category: 'marketing', lane: 'bulk', countsTowardMarketingCap: true });
  });

  it('counts a marketing template inside an open window toward the cap by default', () => {
    expect(sendTemplate(PROMO, { window: OPEN })).toEqual({ allowed: true, category: 'marketing', lane: 'bulk', countsTowardMarketingCap: true });
  });

  it("decides by the template's category, not the caller's hint: a utility hint on a marketing template needs marketing consent", () => {
    const hinted = (consentSnapshot: ConsentSnapshot) =>
      decideSend(input({ request: request(templateMessage(PROMO.name), { category: 'utility' }), template: PROMO, window: CLOSED, consent: consentSnapshot }));
    expect(refusal(hinted(consent({ utility: 'opted_in' }))).reason).toBe('consent_missing');
    expect(hinted(consent({ marketing: 'opted_in' }))).toEqual({
      allowed: true,
      category: 'marketing',
      lane: 'bulk',
      countsTowardMarketingCap: true,
      ignoredCategoryHint: 'utility',
    });
  });

  it("uses the template's category when the caller hints marketing for a utility template", () => {
    const decision = decideSend(input({ request: request(templateMessage(SHIPPED.name), { category: 'marketing' }), template: SHIPPED, window: CLOSED }));
    expect(decision).toMatchObject({ allowed: true, category: 'utility', lane: 'priority', ignoredCategoryHint: 'marketing' });
  });

  it('allows templates whatever the window state', () => {
    expect(sendTemplate(SHIPPED, { window: OPEN }).allowed).toBe(true);
    expect(sendTemplate(SHIPPED, { window: { open: false } }).allowed).toBe(true);
  });
});

describe('decideSend: template parameters', () => {
  const positional: TemplateInfo = { ...SHIPPED, parameters: { header: 1, body: 2, buttons: [0] } };
  const fits: TemplateComponents = {
    header: { type: 'text', text: 'Order 42' },
    body: [
      { type: 'text', text: 'Ana' },
      { type: 'text', text: '42' },
    ],
    buttons: [{ subType: 'url', index: 0, text: 'track/42' }],
  };

  it('allows parameters that fit the template', () => {
    expect(sendTemplate(positional, {}, fits).allowed).toBe(true);
  });

  it('refuses a body parameter count mismatch as template_parameters_invalid naming the body', () => {
    const decision = refusal(sendTemplate(positional, {}, { ...fits, body: [{ type: 'text', text: 'Ana' }] }));
    expect(decision.reason).toBe('template_parameters_invalid');
    expect(decision.message).toContain('body takes 2 parameters, the request gives 1');
  });

  it('refuses a missing header parameter naming the header', () => {
    const { header: _header, ...withoutHeader } = fits;
    const decision = refusal(sendTemplate(positional, {}, withoutHeader));
    expect(decision.reason).toBe('template_parameters_invalid');
    expect(decision.message).toContain('header takes 1 parameter, the request gives 0');
  });

  it('refuses button parameters at the wrong index naming the buttons', () => {
    const decision = refusal(sendTemplate(positional, {}, { ...fits, buttons: [{ subType: 'url', index: 1, text: 'track/42' }] }));
    expect(decision.reason).toBe('template_parameters_invalid');
    expect(decision.message).toContain('buttons take parameters at index 0, the request gives index 1');
  });

  it('refuses parameters given to a template that takes none', () => {
    const none: TemplateInfo = { ...SHIPPED, parameters: { body: 0 } };
    expect(refusal(sendTemplate(none, {}, { body: [{ type: 'text', text: 'x' }] })).message).toContain('body takes 0 parameters, the request gives 1');
  });

  it('does not check a component whose parameters are not known', () => {
    const bodyOnly: TemplateInfo = { ...SHIPPED, parameters: { body: 1 } };
    expect(sendTemplate(bodyOnly, {}, { header: { type: 'text', text: 'x' }, body: [{ type: 'text', text: 'y' }] }).allowed).toBe(true);
    expect(sendTemplate(SHIPPED, {}, fits).allowed).toBe(true);
  });

  const named: TemplateInfo = { ...SHIPPED, parameterFormat: 'named', parameters: { body: ['first_name', 'order_id'] } };

  it('allows named parameters matching the names in any order', () => {
    const components: TemplateComponents = {
      body: [
        { type: 'text', text: '42', parameterName: 'order_id' },
        { type: 'text', text: 'Ana', parameterName: 'first_name' },
      ],
    };
    expect(sendTemplate(named, {}, components).allowed).toBe(true);
  });

  it('refuses missing and unexpected named parameters, naming them', () => {
    const components: TemplateComponents = {
      body: [
        { type: 'text', text: 'Ana', parameterName: 'first_name' },
        { type: 'text', text: '42', parameterName: 'order_number' },
      ],
    };
    const decision = refusal(sendTemplate(named, {}, components));
    expect(decision.reason).toBe('template_parameters_invalid');
    expect(decision.message).toContain('missing order_id');
    expect(decision.message).toContain('unexpected order_number');
  });

  it('refuses positional parameters for a named template', () => {
    const decision = refusal(sendTemplate(named, {}, { body: [{ type: 'text', text: 'Ana' }, { type: 'text', text: '42' }] }));
    expect(decision.reason).toBe('template_parameters_invalid');
    expect(decision.message).toContain('takes named parameters');
  });

  it('refuses named parameters for a positional template', () => {
    const decision = refusal(sendTemplate({ ...SHIPPED, parameterFormat: 'positional' }, {}, { body: [{ type: 'text', text: 'Ana', parameterName: 'first_name' }] }));
    expect(decision.reason).toBe('template_parameters_invalid');
    expect(decision.message).toContain('takes positional parameters');
  });

  it('reports a non-approved status before a parameter mismatch', () => {
    const decision = refusal(sendTemplate({ ...positional, status: 'PAUSED' }, {}, { body: [{ type: 'text', text: 'x' }] }));
    expect(decision.reason).toBe('template_paused');
    expect(refusal(sendTemplate({ ...positional, status: 'REJECTED' }, {}, { body: [{ type: 'text', text: 'x' }] })).reason).toBe('template_not_approved');
  });

  it('lets a request give or leave out an optional button parameter (quick reply payload), but no other extra one', () => {
    const withQuickReply: TemplateInfo = { ...SHIPPED, parameters: { body: 0, buttons: [1], optionalButtons: [0] } };
    const code = { subType: 'copy_code', index: 1, couponCode: 'ÉTÉ25' } as const;
    expect(sendTemplate(withQuickReply, {}, { buttons: [code] }).allowed).toBe(true);
    expect(sendTemplate(withQuickReply, {}, { buttons: [{ subType: 'quick_reply', index: 0, payload: 'stop_promos 🛑' }, code] }).allowed).toBe(true);
    const missing = refusal(sendTemplate(withQuickReply, {}, { buttons: [{ subType: 'quick_reply', index: 0, payload: 'x' }] }));
    expect(missing.message).toContain('buttons take parameters at index 1 (and may give index 0), the request gives index 0');
    const extra = refusal(sendTemplate(withQuickReply, {}, { buttons: [code, { subType: 'url', index: 2, text: 'x' }] }));
    expect(extra.message).toContain('the request gives index 1, 2');
  });
});

describe('decideSend: hold and consent for templates', () => {
  it('refuses a template to a contact on hold as contact_on_hold, even inside the window', () => {
    expect(refusal(sendTemplate(SHIPPED, { contact: { onHold: true } })).reason).toBe('contact_on_hold');
    expect(refusal(sendTemplate(SHIPPED, { contact: { onHold: true }, window: OPEN })).reason).toBe('contact_on_hold');
  });

  it('treats a contact never seen as not on hold', () => {
    expect(sendTemplate(SHIPPED, { contact: undefined }).allowed).toBe(true);
  });

  it('refuses marketing without a recorded opt-in as consent_missing', () => {
    expect(refusal(sendTemplate(PROMO, { consent: consent() })).reason).toBe('consent_missing');
  });

  it('refuses marketing to someone who opted out as opted_out', () => {
    const decision = refusal(sendTemplate(PROMO, { consent: consent({ marketing: 'opted_out' }) }));
    expect(decision.reason).toBe('opted_out');
    expect(decision.message).toContain('marketing');
  });

  it('refuses a utility template when utility is opted out, though utility needs no opt-in', () => {
    expect(sendTemplate(SHIPPED, { consent: consent() }).allowed).toBe(true);
    expect(refusal(sendTemplate(SHIPPED, { consent: consent({ utility: 'opted_out' }) })).reason).toBe('opted_out');
  });

  it('lets a utility template through a marketing opt-out', () => {
    expect(sendTemplate(SHIPPED, { consent: consent({ marketing: 'opted_out' }) }).allowed).toBe(true);
  });

  it('reports the hold before the consent', () => {
    expect(refusal(sendTemplate(PROMO, { contact: { onHold: true }, consent: consent({ marketing: 'opted_out' }) })).reason).toBe('contact_on_hold');
  });
});

describe('decideSend: marketing to +1 numbers', () => {
  it.each([US_PHONE, CA_PHONE])('refuses a marketing template to %s as marketing_to_us_number, without the number in the message', (to) => {
    const decision = refusal(sendTemplate(PROMO, { request: request(templateMessage(PROMO.name), { to }) }));
    expect(decision.reason).toBe('marketing_to_us_number');
    expect(decision.message).not.toContain(to);
    expect(decision.message).not.toContain(to.slice(1));
  });

  it('allows a utility template to a +1 number', () => {
    expect(sendTemplate(SHIPPED, { request: request(templateMessage(SHIPPED.name), { to: US_PHONE }) }).allowed).toBe(true);
  });

  it('treats a US. business-scoped user id as a +1 recipient', () => {
    const decision = refusal(sendTemplate(PROMO, { request: request(templateMessage(PROMO.name), { recipientUserId: 'US.13491208655302741918' }) }));
    expect(decision.reason).toBe('marketing_to_us_number');
    expect(refusal(sendTemplate(PROMO, { request: request(templateMessage(PROMO.name), { recipientUserId: 'US.ENT.1349120865530' }) })).reason).toBe(
      'marketing_to_us_number',
    );
  });

  it('allows marketing to a BSUID of another country', () => {
    expect(sendTemplate(PROMO, { request: request(templateMessage(PROMO.name), { recipientUserId: 'FR.13491208655302741918' }) }).allowed).toBe(true);
  });

  it('follows the configured calling codes: none blocked lets +1 marketing through, 33 blocks France', () => {
    const none = { ...DEFAULT_POLICY_SETTINGS, noMarketingCountryCallingCodes: [] };
    expect(sendTemplate(PROMO, { request: request(templateMessage(PROMO.name), { to: US_PHONE }), settings: none }).allowed).toBe(true);
    const france = { ...DEFAULT_POLICY_SETTINGS, noMarketingCountryCallingCodes: ['33'] };
    expect(refusal(sendTemplate(PROMO, { settings: france })).reason).toBe('marketing_to_us_number');
  });

  it('reports an opt-out before the +1 rule', () => {
    const decision = refusal(sendTemplate(PROMO, { request: request(templateMessage(PROMO.name), { to: US_PHONE }), consent: consent({ marketing: 'opted_out' }) }));
    expect(decision.reason).toBe('opted_out');
  });
});

describe('decideSend: marketing cap', () => {
  it('refuses a second marketing template within 24 h as marketing_cap_reached', () => {
    const decision = refusal(sendTemplate(PROMO, { recentMarketingSends: [NOW - 23 * H] }));
    expect(decision.reason).toBe('marketing_cap_reached');
    expect(decision.message).toContain('24 h');
  });

  it('no longer counts a send exactly 24 h ago, but still counts one 1 ms later', () => {
    expect(sendTemplate(PROMO, { recentMarketingSends: [NOW - DAY] }).allowed).toBe(true);
    expect(refusal(sendTemplate(PROMO, { recentMarketingSends: [NOW - DAY + 1] })).reason).toBe('marketing_cap_reached');
  });

  it('refuses at the configured maximum and allows below it', () => {
    const settings = { ...DEFAULT_POLICY_SETTINGS, marketingCap: { max: 3, perMs: 7 * DAY } };
    expect(sendTemplate(PROMO, { settings, recentMarketingSends: [NOW - DAY, NOW - 2 * DAY] }).allowed).toBe(true);
    expect(refusal(sendTemplate(PROMO, { settings, recentMarketingSends: [NOW - DAY, NOW - 2 * DAY, NOW - 3 * DAY] })).reason).toBe('marketing_cap_reached');
    expect(sendTemplate(PROMO, { settings, recentMarketingSends: [NOW - DAY, NOW - 2 * DAY, NOW - 7 * DAY] }).allowed).toBe(true);
  });

  it('applies the cap inside an open window too, unless the window is exempted like Meta exempts it', () => {
    expect(refusal(sendTemplate(PROMO, { window: OPEN, recentMarketingSends: [NOW - H] })).reason).toBe('marketing_cap_reached');
    const exempt = { ...DEFAULT_POLICY_SETTINGS, marketingCap: { ...DEFAULT_POLICY_SETTINGS.marketingCap, exemptInsideWindow: true } };
    expect(sendTemplate(PROMO, { window: OPEN, recentMarketingSends: [NOW - H], settings: exempt })).toMatchObject({ allowed: true, countsTowardMarketingCap: false });
    expect(refusal(sendTemplate(PROMO, { window: CLOSED, recentMarketingSends: [NOW - H], settings: exempt })).reason).toBe('marketing_cap_reached');
  });

  it('does not apply the cap to utility templates', () => {
    expect(sendTemplate(SHIPPED, { recentMarketingSends: [NOW - H, NOW - 2 * H] }).allowed).toBe(true);
  });

  it('reports the +1 rule before the cap', () => {
    const decision = refusal(sendTemplate(PROMO, { request: request(templateMessage(PROMO.name), { to: US_PHONE }), recentMarketingSends: [NOW - H] }));
    expect(decision.reason).toBe('marketing_to_us_number');
  });
});

describe('DEFAULT_POLICY_SETTINGS', () => {
  it('caps marketing at 1 per 24 h, requires marketing opt-in and blocks +1 marketing', () => {
    expect(DEFAULT_POLICY_SETTINGS).toEqual({ marketingCap: { max: 1, perMs: DAY }, requireOptIn: ['marketing'], noMarketingCountryCallingCodes: ['1'] });
  });
});
