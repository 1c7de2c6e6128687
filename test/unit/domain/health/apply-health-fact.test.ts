/**
 * Number and account health rules: latest by Meta's time per aspect, unknown values kept, derived events.
 * The order-independence property is seeded from `FUZZ_SEED` (printed in the suite name); `FUZZ_RUNS` sets the runs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { HealthDetailType } from '#shared/contracts/events/health.js';
import { HEALTH_EVENT_SCHEMAS } from '#shared/contracts/events/health.js';
import { applyAccountHealthFact, applyNumberHealthFact } from '#shared/domain/health/apply-health-fact.js';
import type { AccountHealth, AccountHealthFact, NumberHealth, NumberHealthFact } from '#shared/domain/health/records.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 2026_1204);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 300);

/** Above 2^53: exact only as a string. */
const NUMBER_ID = '106540352242922123456';
const WABA = '102290129340398987654';
const RECORDED = '2026-12-04T03:20:00.000Z';
const at = (seconds: number) => new Date(Date.UTC(2026, 11, 4, 1, 0, 0) + seconds * 1000).toISOString();

const numberFact = (seconds: number, fields: Partial<NumberHealthFact>): NumberHealthFact => ({ at: at(seconds), phoneNumberId: NUMBER_ID, ...fields });
const accountFact = (seconds: number, fields: Partial<AccountHealthFact>): AccountHealthFact => ({ at: at(seconds), businessAccountId: WABA, ...fields });

function numberAfter(facts: readonly NumberHealthFact[]): NumberHealth | undefined {
  return facts.reduce<NumberHealth | undefined>((record, fact) => applyNumberHealthFact(record, fact, RECORDED).record, undefined);
}
function accountAfter(facts: readonly AccountHealthFact[]): AccountHealth | undefined {
  return facts.reduce<AccountHealth | undefined>((record, fact) => applyAccountHealthFact(record, fact, RECORDED).record, undefined);
}

describe('applyNumberHealthFact', () => {
  it('creates a record at version 1 with the quality, throughput and status Meta gave, the id kept exactly', () => {
    const result = applyNumberHealthFact(undefined, numberFact(0, { quality: 'green', throughputMps: 80, status: 'CONNECTED', businessAccountId: WABA }), RECORDED);
    expect(result.outcome).toBe('changed');
    expect(result.record).toEqual({
      phoneNumberId: NUMBER_ID,
      businessAccountId: WABA,
      quality: 'GREEN',
      throughputMps: 80,
      status: 'CONNECTED',
      asOf: { quality: at(0), throughput: at(0), status: at(0) },
      version: 1,
      updatedAt: RECORDED,
    });
    // A first 80 msg/s is the default, not a change people act on.
    expect(result.outcome === 'changed' && result.events).toEqual([]);
  });

  it.each([
    ['GREEN', 'YELLOW'],
    ['YELLOW', 'RED'],
    ['GREEN', 'RED'],
  ])('publishes PhoneNumberQualityDowngraded when the rating falls from %s to %s', (from, to) => {
    const first = numberAfter([numberFact(0, { quality: from })]);
    const result = applyNumberHealthFact(first, numberFact(60, { quality: to }), RECORDED);
    expect(result.outcome === 'changed' && result.events).toEqual([
      { detailType: HealthDetailType.PhoneNumberQualityDowngraded, data: { phoneNumberId: NUMBER_ID, version: 2, at: at(60), previousQuality: from, quality: to } },
    ]);
    if (result.outcome === 'changed') expect(HEALTH_EVENT_SCHEMAS.PhoneNumberQualityDowngraded.parse(result.events[0]?.data)).toBeDefined();
  });

  it.each([
    ['RED', 'GREEN'],
    ['YELLOW', 'GREEN'],
    ['GREEN', 'UNKNOWN'],
    ['UNKNOWN', 'RED'],
  ])('publishes nothing when the rating moves from %s to %s (not a downgrade along GREEN → YELLOW → RED)', (from, to) => {
    const result = applyNumberHealthFact(numberAfter([numberFact(0, { quality: from })]), numberFact(60, { quality: to }), RECORDED);
    expect(result.outcome).toBe('changed');
    expect(result.outcome === 'changed' && result.events).toEqual([]);
  });

  it('keeps a quality value Meta adds later, upper case, without an event', () => {
    const result = applyNumberHealthFact(numberAfter([numberFact(0, { quality: 'GREEN' })]), numberFact(5, { quality: 'Amber-ish ✨' }), RECORDED);
    expect(result.record?.quality).toBe('AMBER-ISH ✨');
    expect(result.outcome === 'changed' && result.events).toEqual([]);
  });

  it('publishes PhoneNumberThroughputChanged from 80 to 1,000 msg/s, and for a coexistence number first seen at 20', () => {
    const upgraded = applyNumberHealthFact(numberAfter([numberFact(0, { throughputMps: 80 })]), numberFact(9, { throughputMps: 1000, event: 'THROUGHPUT_UPGRADE' }), RECORDED);
    expect(upgraded.outcome === 'changed' && upgraded.events).toEqual([
      { detailType: HealthDetailType.PhoneNumberThroughputChanged, data: { phoneNumberId: NUMBER_ID, version: 2, at: at(9), previousMps: 80, mps: 1000 } },
    ]);
    expect(upgraded.record).toMatchObject({ throughputMps: 1000, lastEvent: 'THROUGHPUT_UPGRADE' });
    const coexistence = applyNumberHealthFact(undefined, numberFact(0, { throughputMps: 20 }), RECORDED);
    expect(coexistence.outcome === 'changed' && coexistence.events.map((e) => e.data)).toEqual([{ phoneNumberId: NUMBER_ID, version: 1, at: at(0), mps: 20 }]);
  });

  it('ignores an older quality arriving late (stale) and the same fact twice (duplicate), writing nothing', () => {
    const record = numberAfter([numberFact(0, { quality: 'GREEN' }), numberFact(100, { quality: 'RED' })]);
    expect(applyNumberHealthFact(record, numberFact(50, { quality: 'YELLOW' }), RECORDED)).toEqual({ outcome: 'unchanged', why: 'stale', record });
    expect(applyNumberHealthFact(record, numberFact(100, { quality: 'RED' }), RECORDED)).toEqual({ outcome: 'unchanged', why: 'duplicate', record });
  });

  it('judges each aspect by its own time: a late status still applies when only its quality is older', () => {
    const record = numberAfter([numberFact(100, { quality: 'RED' })]);
    const result = applyNumberHealthFact(record, numberFact(50, { quality: 'GREEN', status: 'FLAGGED' }), RECORDED);
    expect(result.record).toMatchObject({ quality: 'RED', status: 'FLAGGED', asOf: { quality: at(100), status: at(50) }, version: 2 });
  });

  it('moves the time of an aspect a newer fact confirms, so an older different fact cannot undo it', () => {
    const confirmed = numberAfter([numberFact(0, { quality: 'YELLOW' }), numberFact(200, { quality: 'YELLOW' })]);
    expect(confirmed).toMatchObject({ version: 2, asOf: { quality: at(200) } });
    expect(applyNumberHealthFact(confirmed, numberFact(100, { quality: 'GREEN' }), RECORDED).outcome).toBe('unchanged');
  });

  it('answers unsupported for a fact with an unreadable time, no aspect, or a throughput that is not a positive integer', () => {
    expect(applyNumberHealthFact(undefined, { at: 'yesterday', phoneNumberId: NUMBER_ID, quality: 'GREEN' }, RECORDED)).toMatchObject({ outcome: 'unchanged', why: 'unsupported' });
    expect(applyNumberHealthFact(undefined, numberFact(0, {}), RECORDED)).toMatchObject({ outcome: 'unchanged', why: 'unsupported' });
    for (const throughputMps of [0, -80, 80.5, Number.NaN, 2 ** 60]) {
      expect(applyNumberHealthFact(undefined, numberFact(0, { throughputMps }), RECORDED)).toMatchObject({ outcome: 'unchanged', why: 'unsupported' });
    }
    expect(applyNumberHealthFact(undefined, numberFact(0, { quality: '   ', status: '' }), RECORDED)).toMatchObject({ why: 'unsupported' });
  });
});

describe('applyAccountHealthFact', () => {
  const bizRestriction = (expiresAt?: string) => ({ type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', ...(expiresAt === undefined ? {} : { expiresAt }) });

  it('records an ACCOUNT_RESTRICTION and publishes AccountRestricted naming the type and until when', () => {
    const result = applyAccountHealthFact(undefined, accountFact(0, { event: 'ACCOUNT_RESTRICTION', restrictions: [bizRestriction(at(86_400))] }), RECORDED);
    expect(result.record).toMatchObject({ restrictions: [bizRestriction(at(86_400))], events: { ACCOUNT_RESTRICTION: at(0) }, version: 1 });
    expect(result.outcome === 'changed' && result.events).toEqual([
      { detailType: HealthDetailType.AccountRestricted, data: { businessAccountId: WABA, version: 1, at: at(0), restrictionType: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiresAt: at(86_400) } },
    ]);
    if (result.outcome === 'changed') expect(() => HEALTH_EVENT_SCHEMAS.AccountRestricted.parse(result.events[0]?.data)).not.toThrow();
  });

  it('publishes AccountRestrictionLifted when a later restriction list no longer names the type, and AccountRestricted for a new end date', () => {
    const restricted = accountAfter([accountFact(0, { restrictions: [bizRestriction(at(1000)), { type: 'RESTRICTED_ADD_PHONE_NUMBER_ACTION' }] })]);
    const extended = applyAccountHealthFact(restricted, accountFact(10, { restrictions: [bizRestriction(at(5000)), { type: 'RESTRICTED_ADD_PHONE_NUMBER_ACTION' }] }), RECORDED);
    expect(extended.outcome === 'changed' && extended.events.map((e) => [e.detailType, 'restrictionType' in e.data ? e.data.restrictionType : undefined])).toEqual([['AccountRestricted', 'RESTRICTED_BIZ_INITIATED_MESSAGING']]);
    const lifted = applyAccountHealthFact(extended.record, accountFact(20, { restrictions: [] }), RECORDED);
    expect(lifted.record?.restrictions).toEqual([]);
    expect(lifted.outcome === 'changed' && lifted.events.map((e) => [e.detailType, e.data])).toEqual([
      ['AccountRestrictionLifted', { businessAccountId: WABA, version: 3, at: at(20), restrictionType: 'RESTRICTED_ADD_PHONE_NUMBER_ACTION' }],
      ['AccountRestrictionLifted', { businessAccountId: WABA, version: 3, at: at(20), restrictionType: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiresAt: at(5000) }],
    ]);
  });

  it('keeps one restriction per type (the latest end, none meaning open-ended) in type order, so a reordered list is a duplicate', () => {
    const record = accountAfter([
      accountFact(0, { restrictions: [bizRestriction(at(10)), { type: 'zz_new_type_meta_adds' }, bizRestriction(at(99)), { type: ' ' }] }),
    ]);
    expect(record?.restrictions).toEqual([bizRestriction(at(99)), { type: 'ZZ_NEW_TYPE_META_ADDS' }]);
    const reordered = applyAccountHealthFact(record, accountFact(0, { restrictions: [{ type: 'ZZ_NEW_TYPE_META_ADDS' }, bizRestriction(at(99))] }), RECORDED);
    expect(reordered).toMatchObject({ outcome: 'unchanged', why: 'duplicate' });
    expect(accountAfter([accountFact(0, { restrictions: [bizRestriction(at(10)), bizRestriction()] })])?.restrictions).toEqual([bizRestriction()]);
  });

  it('does not lift a restriction for an older list arriving late', () => {
    const record = accountAfter([accountFact(100, { restrictions: [bizRestriction(at(9000))] })]);
    expect(applyAccountHealthFact(record, accountFact(50, { restrictions: [] }), RECORDED)).toEqual({ outcome: 'unchanged', why: 'stale', record });
  });

  it('publishes MessagingLimitChanged when the tier moves, with the tier before', () => {
    const first = applyAccountHealthFact(undefined, accountFact(0, { messagingLimitTier: 'TIER_250' }), RECORDED);
    expect(first.outcome === 'changed' && first.events.map((e) => e.data)).toEqual([{ businessAccountId: WABA, version: 1, at: at(0), tier: 'TIER_250' }]);
    const raised = applyAccountHealthFact(first.record, accountFact(3600, { messagingLimitTier: 'tier_2k' }), RECORDED);
    expect(raised.outcome === 'changed' && raised.events.map((e) => e.data)).toEqual([{ businessAccountId: WABA, version: 2, at: at(3600), previousTier: 'TIER_250', tier: 'TIER_2K' }]);
    const confirmed = applyAccountHealthFact(raised.record, accountFact(7200, { messagingLimitTier: 'TIER_2K' }), RECORDED);
    expect(confirmed.outcome === 'changed' && confirmed.events).toEqual([]);
  });

  it('keeps unknown account_update events by name with their latest time, and a violation type', () => {
    const record = accountAfter([
      accountFact(10, { event: 'DISABLED_UPDATE' }),
      accountFact(5, { event: 'DISABLED_UPDATE' }),
      accountFact(7, { event: 'SOMETHING_META_ADDS_IN_2027' }),
      accountFact(8, { event: 'ACCOUNT_VIOLATION', violationType: 'Adult_Products' }),
    ]);
    expect(record).toMatchObject({
      events: { DISABLED_UPDATE: at(10), SOMETHING_META_ADDS_IN_2027: at(7), ACCOUNT_VIOLATION: at(8) },
      violationType: 'ADULT_PRODUCTS',
      restrictions: [],
      version: 3,
    });
  });
});

describe(`health facts in any arrival order (FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS})`, () => {
  const qualities = fc.constantFrom('GREEN', 'YELLOW', 'RED', 'UNKNOWN', 'NEW_VALUE');
  const numberFacts = fc.array(
    fc.record(
      { seconds: fc.integer({ min: 0, max: 20 }), quality: qualities, throughputMps: fc.constantFrom(20, 80, 1000), status: fc.constantFrom('CONNECTED', 'FLAGGED', 'PENDING') },
      { requiredKeys: ['seconds'] },
    ),
    { minLength: 1, maxLength: 12 },
  );
  const restrictionTypes = fc.constantFrom('RESTRICTED_BIZ_INITIATED_MESSAGING', 'RESTRICTED_ADD_PHONE_NUMBER_ACTION', 'RESTRICTED_CUSTOMER_INITIATED_MESSAGING');
  const accountFacts = fc.array(
    fc.record(
      {
        seconds: fc.integer({ min: 0, max: 20 }),
        restrictions: fc.array(fc.record({ type: restrictionTypes, expiresAt: fc.integer({ min: 0, max: 50 }).map((s) => at(86_400 + s)) }, { requiredKeys: ['type'] }), { maxLength: 3 }),
        messagingLimitTier: fc.constantFrom('TIER_250', 'TIER_2K', 'TIER_UNLIMITED'),
        event: fc.constantFrom('ACCOUNT_RESTRICTION', 'DISABLED_UPDATE', 'PARTNER_ADDED'),
      },
      { requiredKeys: ['seconds'] },
    ),
    { minLength: 1, maxLength: 12 },
  );
  /** The record minus what depends on how many changes it took. */
  const truth = <R extends { version: number; updatedAt: string }>(record: R | undefined) => {
    if (record === undefined) return undefined;
    const { version: _v, updatedAt: _u, ...rest } = record;
    return rest;
  };

  it('ends on the same number record whatever order the facts arrive in, same-second conflicts and duplicates included', () => {
    fc.assert(
      fc.property(numberFacts.chain((facts) => fc.tuple(fc.constant(facts), fc.shuffledSubarray(facts, { minLength: facts.length, maxLength: facts.length }))), ([facts, shuffled]) => {
        const toFact = ({ seconds, ...fields }: (typeof facts)[number]) => numberFact(seconds, fields);
        const inOrder = [...facts].sort((a, b) => a.seconds - b.seconds).map(toFact);
        expect(truth(numberAfter([...shuffled.map(toFact), ...shuffled.slice(0, 2).map(toFact)]))).toEqual(truth(numberAfter(inOrder)));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('derives only events whose data its contract accepts', () => {
    fc.assert(
      fc.property(numberFacts, accountFacts, (nFacts, aFacts) => {
        let number: NumberHealth | undefined;
        for (const { seconds, ...fields } of nFacts) {
          const result = applyNumberHealthFact(number, numberFact(seconds, fields), RECORDED);
          for (const event of result.outcome === 'changed' ? result.events : []) HEALTH_EVENT_SCHEMAS[event.detailType].parse(event.data);
          number = result.record;
        }
        let account: AccountHealth | undefined;
        for (const { seconds, ...fields } of aFacts) {
          const result = applyAccountHealthFact(account, accountFact(seconds, fields), RECORDED);
          for (const event of result.outcome === 'changed' ? result.events : []) HEALTH_EVENT_SCHEMAS[event.detailType].parse(event.data);
          account = result.record;
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('ends on the same account record whatever order the facts arrive in', () => {
    fc.assert(
      fc.property(accountFacts.chain((facts) => fc.tuple(fc.constant(facts), fc.shuffledSubarray(facts, { minLength: facts.length, maxLength: facts.length }))), ([facts, shuffled]) => {
        const toFact = ({ seconds, ...fields }: (typeof facts)[number]) => accountFact(seconds, fields);
        const inOrder = [...facts].sort((a, b) => a.seconds - b.seconds).map(toFact);
        expect(truth(accountAfter(shuffled.map(toFact)))).toEqual(truth(accountAfter(inOrder)));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
