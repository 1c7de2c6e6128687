/** The send-time decision on account restrictions: deferred until the restriction ends, for the kinds it affects. */
import { describe, expect, it } from 'vitest';

import { decideSend, DEFAULT_RESTRICTION_POLICY, type RestrictionPolicy } from '#shared/domain/health/send-decision.js';
import type { AccountHealth, AccountRestriction } from '#shared/domain/health/records.js';

const WABA = '102290129340398987654';
const NOW = '2026-12-04T03:00:00.000Z';
const later = (hours: number) => new Date(Date.parse(NOW) + hours * 3_600_000).toISOString();

const account = (...restrictions: AccountRestriction[]): AccountHealth => ({
  businessAccountId: WABA,
  restrictions,
  events: { ACCOUNT_RESTRICTION: '2026-12-03T00:00:00.000Z' },
  asOf: { restrictions: '2026-12-03T00:00:00.000Z' },
  version: 1,
  updatedAt: NOW,
});
const BIZ = 'RESTRICTED_BIZ_INITIATED_MESSAGING';

describe('decideSend', () => {
  it('allows every kind of message for an account Relais knows nothing of, or with no restriction', () => {
    for (const kind of ['template_outside_window', 'template_in_window', 'service'] as const) {
      expect(decideSend(undefined, kind, NOW)).toEqual({ decision: 'allowed' });
      expect(decideSend(account(), kind, NOW)).toEqual({ decision: 'allowed' });
    }
  });

  it('defers a business-initiated template until the restriction expires, naming the type and the date', () => {
    expect(decideSend(account({ type: BIZ, expiresAt: later(30) }), 'template_outside_window', NOW)).toEqual({
      decision: 'deferred',
      reason: 'account_restricted',
      restrictionType: BIZ,
      until: later(30),
      message: `Meta restricted this WhatsApp Business Account (${BIZ}) until ${later(30)}: held until then.`,
    });
  });

  it('lets a service reply inside an open window go while business-initiated messaging is restricted', () => {
    expect(decideSend(account({ type: BIZ, expiresAt: later(30) }), 'service', NOW)).toEqual({ decision: 'allowed' });
  });

  it('defers a template inside an open window by default, and lets it go when the policy says the restriction does not cover it', () => {
    const restricted = account({ type: BIZ, expiresAt: later(2) });
    expect(decideSend(restricted, 'template_in_window', NOW)).toMatchObject({ decision: 'deferred', until: later(2) });
    const lenient: RestrictionPolicy = { ...DEFAULT_RESTRICTION_POLICY, affects: { ...DEFAULT_RESTRICTION_POLICY.affects, [BIZ]: ['template_outside_window'] } };
    expect(decideSend(restricted, 'template_in_window', NOW, lenient)).toEqual({ decision: 'allowed' });
  });

  it('allows again once the expiration is reached (exactly at it, and after)', () => {
    const restricted = account({ type: BIZ, expiresAt: later(1) });
    expect(decideSend(restricted, 'template_outside_window', later(1))).toEqual({ decision: 'allowed' });
    expect(decideSend(restricted, 'template_outside_window', later(1) .replace('00.000Z', '00.001Z'))).toEqual({ decision: 'allowed' });
    expect(decideSend(restricted, 'template_outside_window', new Date(Date.parse(later(1)) - 1).toISOString())).toMatchObject({ decision: 'deferred' });
  });

  it('holds until Meta lifts a restriction that has no expiration, and says so', () => {
    const decision = decideSend(account({ type: BIZ }, { type: 'SOMETHING_NEW', expiresAt: later(5) }), 'template_outside_window', NOW);
    expect(decision).toMatchObject({ decision: 'deferred', restrictionType: BIZ });
    expect(decision).not.toHaveProperty('until');
    expect(decision.decision === 'deferred' && decision.message).toContain('no end date');
  });

  it('waits for the restriction lasting longest when several apply, an unknown type counting as business-initiated', () => {
    const decision = decideSend(account({ type: BIZ, expiresAt: later(3) }, { type: 'RESTRICTED_2027_KIND', expiresAt: later(48) }), 'template_outside_window', NOW);
    expect(decision).toMatchObject({ decision: 'deferred', restrictionType: 'RESTRICTED_2027_KIND', until: later(48) });
  });

  it('does not hold messages for a restriction on adding phone numbers', () => {
    expect(decideSend(account({ type: 'RESTRICTED_ADD_PHONE_NUMBER_ACTION', expiresAt: later(100) }), 'template_outside_window', NOW)).toEqual({ decision: 'allowed' });
  });

  it('refuses a time that is not one, naming it', () => {
    expect(() => decideSend(account(), 'service', 'soon')).toThrow(/now is not a time: soon/);
  });
});
