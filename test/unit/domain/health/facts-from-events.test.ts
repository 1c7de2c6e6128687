/** Health facts from the ingestion events' data, as Meta's webhook values give them (fields missing included). */
import { describe, expect, it } from 'vitest';

import {
  factFromAccountUpdated,
  factFromBusinessCapabilityChanged,
  factsFromListedPhoneNumber,
  factsFromPhoneNumberQualityChanged,
  messagingLimitTierOf,
  throughputMpsOfLevel,
} from '#shared/domain/health/facts-from-events.js';

const WABA = '102290129340398987654';
const NUMBER_ID = '106540352242922123456';
const AT = '2026-12-04T03:00:00.000Z';

describe('messagingLimitTierOf', () => {
  it.each([
    ['250', 'TIER_250'],
    [2000, 'TIER_2K'],
    ['10000', 'TIER_10K'],
    ['100,000', 'TIER_100K'],
    ['UNLIMITED', 'TIER_UNLIMITED'],
    ['tier_2k', 'TIER_2K'],
    ['TIER_NOT_SET', 'TIER_NOT_SET'],
    ['5000000', '5000000'],
    ['TIER_50', 'TIER_50'],
    ['50', 'TIER_50'],
    [' tier_1k ', 'TIER_1K'],
    [1000, 'TIER_1K'],
    ['1,000', 'TIER_1K'],
    ['tier_🚀', 'TIER_🚀'],
  ])('reads %s as %s', (value, tier) => {
    expect(messagingLimitTierOf(value)).toBe(tier);
  });

  it('reads nothing from an absent or blank value', () => {
    expect(messagingLimitTierOf(undefined)).toBeUndefined();
    expect(messagingLimitTierOf('  ')).toBeUndefined();
  });
});

describe('factsFromPhoneNumberQualityChanged', () => {
  it('sets 1,000 msg/s on THROUGHPUT_UPGRADE and the portfolio limit from max_daily_conversations_per_business', () => {
    const facts = factsFromPhoneNumberQualityChanged(
      { repairedCharacters: 0, businessAccountId: WABA, displayPhoneNumber: '+44 7700 900123', event: 'THROUGHPUT_UPGRADE', maxDailyConversationsPerBusiness: 'UNLIMITED' },
      { phoneNumberId: NUMBER_ID, at: AT },
    );
    expect(facts).toEqual({
      number: { at: AT, phoneNumberId: NUMBER_ID, businessAccountId: WABA, event: 'THROUGHPUT_UPGRADE', throughputMps: 1000 },
      account: { at: AT, businessAccountId: WABA, messagingLimitTier: 'TIER_UNLIMITED' },
    });
  });

  it('keeps an old-style or unknown event without a throughput, and the limit from current_limit when that is all Meta sent', () => {
    const facts = factsFromPhoneNumberQualityChanged(
      { repairedCharacters: 0, businessAccountId: WABA, displayPhoneNumber: '15550001111', event: 'downgrade', currentLimit: 'TIER_10K', oldLimit: 'TIER_100K' },
      { phoneNumberId: NUMBER_ID, at: AT },
    );
    expect(facts.number).toEqual({ at: AT, phoneNumberId: NUMBER_ID, businessAccountId: WABA, event: 'DOWNGRADE' });
    expect(facts.account?.messagingLimitTier).toBe('TIER_10K');
  });

  it('gives no account fact when the webhook names no limit (the fields Meta removed in 2026)', () => {
    expect(factsFromPhoneNumberQualityChanged({ repairedCharacters: 0, businessAccountId: WABA, displayPhoneNumber: '1', event: 'ONBOARDING' }, { phoneNumberId: NUMBER_ID, at: AT })).not.toHaveProperty('account');
  });
});

describe('factFromBusinessCapabilityChanged', () => {
  it('reads the portfolio limit, and nothing when Meta sent only number counts', () => {
    expect(factFromBusinessCapabilityChanged({ repairedCharacters: 0, businessAccountId: WABA, maxDailyConversationsPerBusiness: '2000', maxPhoneNumbersPerWaba: 25 }, AT)).toEqual({
      at: AT,
      businessAccountId: WABA,
      messagingLimitTier: 'TIER_2K',
    });
    expect(factFromBusinessCapabilityChanged({ repairedCharacters: 0, businessAccountId: WABA, maxPhoneNumbersPerBusiness: 2 }, AT)).toBeUndefined();
  });
});

describe('factFromAccountUpdated', () => {
  const restriction = (restriction_info: unknown) => factFromAccountUpdated({ repairedCharacters: 0, businessAccountId: WABA, event: 'ACCOUNT_RESTRICTION', details: { restriction_info } }, AT);

  it('reads every restriction with its expiration in unix seconds, digits or ISO 8601', () => {
    expect(
      restriction([
        { restriction_type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiration: 1796349600 },
        { restriction_type: 'RESTRICTED_ADD_PHONE_NUMBER_ACTION', expiration: ' 1796436000 ' },
        { restriction_type: 'restricted_customer_initiated_messaging', expiration: '2026-12-31T23:59:59+01:00' },
      ]).restrictions,
    ).toEqual([
      { type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiresAt: '2026-12-04T02:00:00.000Z' },
      { type: 'RESTRICTED_ADD_PHONE_NUMBER_ACTION', expiresAt: '2026-12-05T02:00:00.000Z' },
      { type: 'RESTRICTED_CUSTOMER_INITIATED_MESSAGING', expiresAt: '2026-12-31T22:59:59.000Z' },
    ]);
  });

  it('keeps no expiration beyond year 9999 or before 1970, which ISO 8601 events cannot carry in four digits', () => {
    expect(
      restriction([
        { restriction_type: 'FAR', expiration: 8411738588295 },
        { restriction_type: 'BEFORE', expiration: -86400 },
        { restriction_type: 'LAST', expiration: 253402300799 },
      ]).restrictions,
    ).toEqual([{ type: 'FAR' }, { type: 'BEFORE' }, { type: 'LAST', expiresAt: '9999-12-31T23:59:59.000Z' }]);
  });

  it('keeps a restriction whose expiration is missing, null, huge or unreadable, without one; skips entries without a type', () => {
    expect(
      restriction([
        { restriction_type: 'RESTRICTED_BIZ_INITIATED_MESSAGING' },
        { restriction_type: 'A', expiration: null },
        { restriction_type: 'B', expiration: 1e300 },
        { restriction_type: 'C', expiration: 'بعد أسبوع 🙂' },
        { expiration: 1796436000 },
        { restriction_type: '' },
        'RESTRICTED',
        null,
      ]).restrictions,
    ).toEqual([{ type: 'RESTRICTED_BIZ_INITIATED_MESSAGING' }, { type: 'A' }, { type: 'B' }, { type: 'C' }]);
  });

  it('reads a single restriction object, and an empty list when restriction_info is missing', () => {
    expect(restriction({ restriction_type: 'RESTRICTED_BIZ_INITIATED_MESSAGING' }).restrictions).toEqual([{ type: 'RESTRICTED_BIZ_INITIATED_MESSAGING' }]);
    expect(restriction(undefined).restrictions).toEqual([]);
  });

  it('reads the violation type of ACCOUNT_VIOLATION and keeps any other event by name only', () => {
    expect(factFromAccountUpdated({ repairedCharacters: 0, businessAccountId: WABA, event: 'ACCOUNT_VIOLATION', details: { violation_info: { violation_type: 'ADULT_PRODUCTS' } } }, AT)).toEqual({
      at: AT,
      businessAccountId: WABA,
      event: 'ACCOUNT_VIOLATION',
      violationType: 'ADULT_PRODUCTS',
    });
    expect(factFromAccountUpdated({ repairedCharacters: 0, businessAccountId: WABA, event: 'disabled_update', details: { ban_info: { waba_ban_state: ['DISABLE'] } } }, AT)).toEqual({
      at: AT,
      businessAccountId: WABA,
      event: 'DISABLED_UPDATE',
    });
  });
});

describe('factsFromListedPhoneNumber', () => {
  it("reads Meta's listing: the rating, STANDARD as 80 and HIGH as 1,000 msg/s, the status and the portfolio's tier", () => {
    expect(
      factsFromListedPhoneNumber(
        { id: NUMBER_ID, qualityRating: 'YELLOW', throughputLevel: 'high', status: 'CONNECTED', messagingLimitTier: 'TIER_10K' },
        { businessAccountId: WABA, at: AT },
      ),
    ).toEqual({
      number: { at: AT, phoneNumberId: NUMBER_ID, businessAccountId: WABA, quality: 'YELLOW', throughputMps: 1000, status: 'CONNECTED' },
      account: { at: AT, businessAccountId: WABA, messagingLimitTier: 'TIER_10K' },
    });
    expect(throughputMpsOfLevel('STANDARD')).toBe(80);
  });

  it('leaves out what the listing omits, and a throughput level it cannot read (NOT_APPLICABLE, a new one)', () => {
    expect(factsFromListedPhoneNumber({ id: NUMBER_ID, throughputLevel: 'NOT_APPLICABLE' }, { businessAccountId: WABA, at: AT })).toEqual({
      number: { at: AT, phoneNumberId: NUMBER_ID, businessAccountId: WABA },
    });
    expect(throughputMpsOfLevel('ULTRA')).toBeUndefined();
  });
});
