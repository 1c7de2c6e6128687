/** A number's health joined with its account's, as an operator and the pacing read it. */
import { describe, expect, it } from 'vitest';

import { applyAccountHealthFact, applyNumberHealthFact } from '#shared/domain/health/apply-health-fact.js';
import { numberHealthView } from '#shared/domain/health/number-view.js';

const NUMBER_ID = '106540352242922123456';
const WABA = '102290129340398987654';
const NOW = '2026-12-04T03:00:00.000Z';

describe('numberHealthView', () => {
  it('paces a number Relais has heard nothing of at 80 msg/s with quality UNKNOWN', () => {
    expect(numberHealthView(NUMBER_ID, undefined, undefined, NOW)).toEqual({ phoneNumberId: NUMBER_ID, quality: 'UNKNOWN', throughputMps: 80, restrictionsInEffect: [] });
  });

  it("shows the number's quality, throughput and status with the portfolio's limit and only the restrictions not expired", () => {
    const number = applyNumberHealthFact(undefined, { at: NOW, phoneNumberId: NUMBER_ID, businessAccountId: WABA, quality: 'YELLOW', throughputMps: 1000, status: 'CONNECTED' }, NOW).record;
    const account = applyAccountHealthFact(
      undefined,
      {
        at: NOW,
        businessAccountId: WABA,
        messagingLimitTier: 'TIER_UNLIMITED',
        restrictions: [
          { type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiresAt: '2026-12-04T02:59:59.999Z' },
          { type: 'RESTRICTED_ADD_PHONE_NUMBER_ACTION', expiresAt: '2026-12-05T03:00:00.000Z' },
          { type: 'OPEN_ENDED' },
        ],
      },
      NOW,
    ).record;
    expect(numberHealthView(NUMBER_ID, number, account, NOW)).toEqual({
      phoneNumberId: NUMBER_ID,
      businessAccountId: WABA,
      quality: 'YELLOW',
      throughputMps: 1000,
      status: 'CONNECTED',
      messagingLimitTier: 'TIER_UNLIMITED',
      restrictionsInEffect: [{ type: 'OPEN_ENDED' }, { type: 'RESTRICTED_ADD_PHONE_NUMBER_ACTION', expiresAt: '2026-12-05T03:00:00.000Z' }],
    });
  });

  it('refuses a time that is not one', () => {
    expect(() => numberHealthView(NUMBER_ID, undefined, undefined, '')).toThrow(/now is not a time/);
  });
});
