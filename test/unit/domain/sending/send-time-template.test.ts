import { describe, expect, it } from 'vitest';
import type { ConsentSnapshot } from '#shared/domain/consent/consent.js';
import { UNKNOWN_CONSENT } from '#shared/domain/consent/consent.js';
import { consentAtSend, MAX_TEMPLATE_HOLD_MS, templateAtSend, type SendTimeTemplateInput } from '#shared/domain/sending/send-time-template.js';
import type { TemplateInfo } from '#shared/domain/templates/template-registry.js';
import type { MessageCategory } from '#shared/contracts/events/outbound/vocabulary.js';

// Facts from Meta's pages: a template paused for low quality is paused 3 h the first time and 6 h the second, and
// sends of it fail with 132015 meanwhile; a disabled one fails with 132016; only APPROVED templates are sent
// (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-pausing); Meta may
// re-categorise an approved template, and the new category is what it bills
// (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-categorization).

const NOW = Date.parse('2026-12-04T03:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const MIN = 60_000;

function template(overrides: Partial<TemplateInfo> = {}): TemplateInfo {
  return { name: 'rappel_rendez_vous', language: 'fr', status: 'APPROVED', category: 'utility', ...overrides };
}

function input(t: TemplateInfo | undefined, overrides: Partial<SendTimeTemplateInput> = {}): SendTimeTemplateInput {
  return { name: 'rappel_rendez_vous', language: 'fr', template: t, acceptedCategory: 'utility', now: NOW, ...overrides };
}

describe('templateAtSend', () => {
  const rows: ReadonlyArray<readonly [what: string, now: TemplateInfo | undefined, outcome: Record<string, unknown>, accepted?: MessageCategory]> = [
    // [what the registry holds now, the outcome, the category accepted (utility unless given)]
    ['an approved template, same category', template(), { action: 'send', category: 'utility', recategorised: false }],
    ['a template Meta moved from utility to marketing', template({ category: 'marketing' }), { action: 'send', category: 'marketing', recategorised: true }],
    ['a template Meta moved from marketing to utility', template({ category: 'utility' }), { action: 'send', category: 'utility', recategorised: true }, 'marketing'],
    ['a template deleted since acceptance', undefined, { action: 'fail', reason: 'template_unknown' }],
    ['a disabled template (132016)', template({ status: 'DISABLED' }), { action: 'fail', reason: 'template_disabled' }],
    ['a template back in review', template({ status: 'PENDING' }), { action: 'fail', reason: 'template_not_approved' }],
    ['a rejected template', template({ status: 'REJECTED' }), { action: 'fail', reason: 'template_not_approved' }],
    ['a template in appeal', template({ status: 'IN_APPEAL' }), { action: 'fail', reason: 'template_not_approved' }],
    ['an archived template', template({ status: 'ARCHIVED' }), { action: 'fail', reason: 'template_not_approved' }],
    ['a status Meta adds later', template({ status: 'LOCKED_FOR_EDIT' }), { action: 'fail', reason: 'template_not_approved' }],
    ['a rate-limiting pause (no known end)', template({ status: 'PAUSED', pause: { since: iso(NOW - 5 * MIN) } }), { action: 'fail', reason: 'template_paused' }],
    ['a first pause (3 h) that began 10 min ago', template({ status: 'PAUSED', pause: { since: iso(NOW - 10 * MIN), until: iso(NOW + 170 * MIN) } }), { action: 'fail', reason: 'template_paused' }],
    ['a first pause ending in 4 min', template({ status: 'PAUSED', pause: { since: iso(NOW - 176 * MIN), until: iso(NOW + 4 * MIN) } }), { action: 'hold', delayMs: 4 * MIN }],
    ['a pause ending in exactly 15 min', template({ status: 'PAUSED', pause: { since: iso(NOW - 345 * MIN), until: iso(NOW + 15 * MIN) } }), { action: 'hold', delayMs: 15 * MIN }],
    ['a pause ending in 15 min and 1 ms', template({ status: 'PAUSED', pause: { since: iso(NOW - 345 * MIN), until: iso(NOW + 15 * MIN + 1) } }), { action: 'fail', reason: 'template_paused' }],
    ['a pause whose documented length ran out, the unpause not yet seen', template({ status: 'PAUSED', pause: { since: iso(NOW - 181 * MIN), until: iso(NOW - MIN) } }), { action: 'send', category: 'utility', recategorised: false }],
    ['a pause with an unreadable end', template({ status: 'PAUSED', pause: { since: iso(NOW), until: 'soon' } }), { action: 'fail', reason: 'template_paused' }],
  ];
  const cases = rows.map(([what, current, outcome, accepted]) => ({ what, current, outcome, accepted: accepted ?? 'utility' }));
  it.each(cases)('for $what: $outcome', ({ current, outcome, accepted }) => {
    expect(templateAtSend(input(current, { acceptedCategory: accepted }))).toMatchObject(outcome);
  });

  it('names the template, the status and when a pause ends in a failure, never the recipient', () => {
    const until = iso(NOW + 170 * MIN);
    const paused = templateAtSend(input(template({ status: 'PAUSED', pause: { since: iso(NOW - 10 * MIN), until } })));
    expect(paused.action === 'fail' && paused.message).toMatch(new RegExp(`Template "rappel_rendez_vous" \\(fr\\) has status PAUSED.*until about ${until}.*not sent`));
    const gone = templateAtSend(input(undefined));
    expect(gone.action === 'fail' && gone.message).toMatch(/Template "rappel_rendez_vous" \(fr\) is no longer known/);
  });

  it('holds at most the given bound', () => {
    const t = template({ status: 'PAUSED', pause: { since: iso(NOW), until: iso(NOW + 2 * MIN) } });
    expect(templateAtSend(input(t, { maxHoldMs: MIN }))).toMatchObject({ action: 'fail', reason: 'template_paused' });
    expect(templateAtSend(input(t))).toMatchObject({ action: 'hold', delayMs: 2 * MIN });
    expect(MAX_TEMPLATE_HOLD_MS).toBe(15 * MIN);
  });
});

describe('consentAtSend', () => {
  const consent = (marketing: ConsentSnapshot['marketing']['status']): ConsentSnapshot => ({ ...UNKNOWN_CONSENT, marketing: { status: marketing } });
  const marketingNeedsOptIn = { requireOptIn: ['marketing'] as const };

  it.each([
    ['opted in', consent('opted_in'), undefined],
    ['unknown', consent('unknown'), 'consent_missing'],
    ['opted out', consent('opted_out'), 'opted_out'],
  ] as const)('refuses a template now marketing to a contact whose marketing consent is %s only without an opt-in', (_what, snapshot, reason) => {
    expect(consentAtSend('marketing', snapshot, marketingNeedsOptIn)?.reason).toBe(reason);
  });

  it('lets a template that became utility go without a utility opt-in, but not to someone who opted out of utility', () => {
    expect(consentAtSend('utility', UNKNOWN_CONSENT, marketingNeedsOptIn)).toBeUndefined();
    expect(consentAtSend('utility', { ...UNKNOWN_CONSENT, utility: { status: 'opted_out' } }, marketingNeedsOptIn)).toMatchObject({
      reason: 'opted_out',
      message: expect.stringMatching(/opted out of utility messages.*became utility while the message was queued/),
    });
  });
});
