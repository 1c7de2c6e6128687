import { describe, expect, it } from 'vitest';
import type { AccountHealth } from '#shared/domain/health/records.js';
import { parseMessagingLimitTier, type MessagingLimitTier } from '#shared/domain/sending/messaging-limit.js';
import {
  DEFAULT_MAX_RESTRICTION_HOLD_MS,
  LIMIT_STEP_MAX_MS,
  RESTRICTION_STEP_MAX_MS,
  limitAtSend,
  portfolioOf,
  restrictionAtSend,
  sendKindOf,
  stepTowards,
  tierToEnforce,
  windowOpenAt,
} from '#shared/domain/sending/send-standing.js';

const T0 = Date.parse('2026-12-04T05:00:00Z');
const MIN = 60_000;
const H = 60 * MIN;
const WABA = '102290129340398';

function account(restrictions: AccountHealth['restrictions'], tier?: string): AccountHealth {
  return {
    businessAccountId: WABA,
    restrictions,
    events: {},
    asOf: {},
    version: 1,
    updatedAt: new Date(T0).toISOString(),
    ...(tier === undefined ? {} : { messagingLimitTier: tier }),
  };
}

const tierOf = (value: string): MessagingLimitTier => {
  const parsed = parseMessagingLimitTier(value);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.tier;
};

const template = { messageType: 'template', createdAt: T0 - 10 * MIN } as const;

describe('the window the gate saw', () => {
  it('is open strictly before it closes and closed at the instant, and a record without one is closed', () => {
    expect(windowOpenAt({ windowClosesAt: T0 + 1 }, T0)).toBe(true);
    expect(windowOpenAt({ windowClosesAt: T0 }, T0)).toBe(false);
    expect(windowOpenAt({}, T0)).toBe(false);
  });

  it('makes a template inside it "template_in_window", outside it "template_outside_window", and any other message "service"', () => {
    expect(sendKindOf({ messageType: 'template', windowClosesAt: T0 + H }, T0)).toBe('template_in_window');
    expect(sendKindOf({ messageType: 'template', windowClosesAt: T0 - 1 }, T0)).toBe('template_outside_window');
    expect(sendKindOf({ messageType: 'text', windowClosesAt: T0 + H }, T0)).toBe('service');
  });
});

describe('restrictionAtSend', () => {
  const restricted = (expiresAt?: string) => account([{ type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', ...(expiresAt === undefined ? {} : { expiresAt }) }]);

  it('sends when the account has no restriction, is unknown, or its restriction has expired', () => {
    expect(restrictionAtSend({ message: template, account: undefined, now: T0 })).toEqual({ action: 'send' });
    expect(restrictionAtSend({ message: template, account: account([]), now: T0 })).toEqual({ action: 'send' });
    expect(restrictionAtSend({ message: template, account: restricted(new Date(T0).toISOString()), now: T0 })).toEqual({ action: 'send' });
  });

  it('lets a service reply inside the window go while business-initiated messages are restricted', () => {
    expect(restrictionAtSend({ message: { messageType: 'text', createdAt: T0, windowClosesAt: T0 + H }, account: restricted(), now: T0 })).toEqual({ action: 'send' });
  });

  it('holds a template until a restriction ending in 20 min, with the restriction as the fact, first time only', () => {
    const ends = new Date(T0 + 20 * MIN).toISOString();
    const verdict = restrictionAtSend({ message: template, account: restricted(ends), now: T0 });
    expect(verdict).toMatchObject({
      action: 'hold',
      delayMs: 20 * MIN,
      first: true,
      deferral: {
        reason: 'account_restricted',
        since: T0,
        until: T0 + 20 * MIN,
        fact: { businessAccountId: WABA, restrictionType: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiresAt: ends },
      },
    });
    if (verdict.action !== 'hold') throw new Error('expected a hold');
    expect(verdict.deferral.message).toContain(`until ${ends}`);

    // Looked at again 15 min later: the same deferral, its start kept, not announced again.
    const again = restrictionAtSend({ message: { ...template, deferral: verdict.deferral }, account: restricted(ends), now: T0 + 15 * MIN });
    expect(again).toMatchObject({ action: 'hold', delayMs: 5 * MIN, first: false, deferral: { since: T0 } });
  });

  it('looks again every 30 min at most, so a restriction Meta lifts early releases the message within 30 min', () => {
    const verdict = restrictionAtSend({ message: template, account: restricted(new Date(T0 + 5 * H).toISOString()), now: T0 });
    expect(verdict).toMatchObject({ action: 'hold', delayMs: RESTRICTION_STEP_MAX_MS });
    const noEnd = restrictionAtSend({ message: template, account: restricted(), now: T0 });
    expect(noEnd).toMatchObject({ action: 'hold', delayMs: RESTRICTION_STEP_MAX_MS });
    expect(noEnd.action === 'hold' && noEnd.deferral.fact).toEqual({ businessAccountId: WABA, restrictionType: 'RESTRICTED_BIZ_INITIATED_MESSAGING' });
  });

  it('never holds past the hold limit: the last step ends at it, and at it the message fails account_restricted', () => {
    const createdAt = T0 - DEFAULT_MAX_RESTRICTION_HOLD_MS + 10 * MIN;
    const last = restrictionAtSend({ message: { ...template, createdAt }, account: restricted(), now: T0 });
    expect(last).toMatchObject({ action: 'hold', delayMs: 10 * MIN });
    const failed = restrictionAtSend({ message: { ...template, createdAt }, account: restricted(), now: T0 + 10 * MIN });
    expect(failed).toMatchObject({ action: 'fail', reason: 'account_restricted' });
    expect(failed.action === 'fail' && failed.message).toMatch(/waited 720 min of the 720 min/);
  });

  it('follows a configured policy: a restriction type it says holds nothing lets templates go', () => {
    const policy = { affects: { RESTRICTED_BIZ_INITIATED_MESSAGING: [] }, unknownTypeAffects: [] };
    expect(restrictionAtSend({ message: template, account: restricted(), now: T0, policy })).toEqual({ action: 'send' });
  });
});

describe('limitAtSend', () => {
  it('sends what the limit allows', () => {
    expect(limitAtSend({ message: template, decision: { action: 'allow', addsUniqueUser: true, crossings: [] }, portfolioId: 'p', tier: tierOf('TIER_250'), now: T0 })).toEqual({
      action: 'send',
    });
  });

  it('holds a deferred send until room comes back, in steps of at most 2 h, with the figures as the fact', () => {
    const roomAt = T0 + 23 * H;
    const verdict = limitAtSend({ message: template, decision: { action: 'defer', until: roomAt, used: 250 }, portfolioId: '830144582109437', tier: tierOf('TIER_250'), now: T0 });
    expect(verdict).toMatchObject({
      action: 'hold',
      delayMs: LIMIT_STEP_MAX_MS,
      first: true,
      deferral: { reason: 'messaging_limit_reached', since: T0, until: T0 + LIMIT_STEP_MAX_MS, fact: { portfolioId: '830144582109437', tier: 'TIER_250', limit: 250, used: 250, roomAt } },
    });
    const near = limitAtSend({ message: template, decision: { action: 'defer', until: T0 + 90_000, used: 250 }, portfolioId: 'p', tier: tierOf('TIER_250'), now: T0 });
    expect(near).toMatchObject({ action: 'hold', delayMs: 90_000 });
  });
});

describe('stepTowards', () => {
  it('waits at least a second (SQS counts in seconds) and at most the cap', () => {
    expect(stepTowards(T0 + 1, T0, H)).toBe(1000);
    expect(stepTowards(T0 - MIN, T0, H)).toBe(1000);
    expect(stepTowards(T0 + 3 * H, T0, H)).toBe(H);
    expect(stepTowards(T0 + 7 * MIN, T0, H)).toBe(7 * MIN);
  });
});

describe('portfolioOf and tierToEnforce', () => {
  it('maps a configured account to its portfolio and takes any other as its own portfolio', () => {
    expect(portfolioOf(WABA, { [WABA]: '830144582109437' })).toBe('830144582109437');
    expect(portfolioOf('9007199254740993', { [WABA]: '830144582109437' })).toBe('9007199254740993');
    expect(portfolioOf('constructor', {})).toBe('constructor');
  });

  it("prefers Meta's tier for the account, else the configured one, and names a tier it cannot read", () => {
    const configured = tierOf('TIER_250');
    expect(tierToEnforce(account([], 'TIER_10K'), configured)).toEqual({ tier: tierOf('TIER_10K'), source: 'meta' });
    expect(tierToEnforce(account([]), configured)).toEqual({ tier: configured, source: 'configuration' });
    expect(tierToEnforce(undefined, configured)).toEqual({ tier: configured, source: 'configuration' });
    const unreadable = tierToEnforce(account([], 'TIER_NOT_SET'), configured);
    expect(unreadable).toMatchObject({ tier: configured, source: 'configuration' });
    expect(unreadable.problem).toMatch(/unknown messaging limit tier "TIER_NOT_SET"/);
  });
});
