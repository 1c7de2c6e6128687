import {
  HealthDetailType,
  type AccountHealthEvent,
  type NumberHealthEvent,
} from '../../contracts/events/health.js';
import type {
  AccountHealth,
  AccountHealthFact,
  AccountRestriction,
  HealthApplyResult,
  HealthUnchangedWhy,
  NumberHealth,
  NumberHealthFact,
} from './records.js';

/**
 * Applying what Meta said about a number or an account to the health record Relais holds, keeping the latest truth
 * by Meta's time for each aspect, whatever order the facts arrive in (the same rules as the template registry's
 * `shared/domain/templates/apply-fact.ts`):
 * 1. A fact older than the aspect's time changes nothing for it (`stale`); at the same time with the same value,
 *    nothing (`duplicate`); a newer fact applies, even when it only confirms the value (the aspect's time moves so
 *    that an older fact arriving later cannot undo it). Meta times webhooks to the second: two different values at
 *    the same time are ordered by their value, so every arrival order ends on the same record.
 * 2. Unknown values (a quality, status, event or restriction type Meta adds) are kept as given, upper case.
 *    A fact with an unreadable time, or with no aspect Relais can read, is `unsupported`.
 * 3. `version` grows by one with every change; `updatedAt` is `recordedAt` (Relais's clock).
 * 4. Events, derived from the change alone: `PhoneNumberQualityDowngraded` when the rating falls along
 *    GREEN → YELLOW → RED; `PhoneNumberThroughputChanged` when the level moves (not for a first 80 mps, the
 *    default); `AccountRestricted` for each restriction type newly listed or with a new expiration;
 *    `AccountRestrictionLifted` for each type no longer listed; `MessagingLimitChanged` when the tier moves.
 *    A restriction that simply reaches its expiration raises no event here (no clock): `decideSend` reads the time.
 *
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/account_update
 */

type Aspect<V> = { readonly value: V | undefined; readonly asOf: string | undefined };
type Verdict = 'applied' | HealthUnchangedWhy;

const QUALITY_RANK: Readonly<Record<string, number>> = Object.freeze({ GREEN: 0, YELLOW: 1, RED: 2 });

/** Applies one number fact to the record held (`undefined` when none), at `recordedAt`. Pure. */
export function applyNumberHealthFact(
  current: NumberHealth | undefined,
  fact: NumberHealthFact,
  recordedAt: string,
): HealthApplyResult<NumberHealth, NumberHealthEvent> {
  const at = Date.parse(fact.at);
  if (!Number.isFinite(at)) return { outcome: 'unchanged', why: 'unsupported', record: current };
  const base: NumberHealth = current ?? { phoneNumberId: fact.phoneNumberId, asOf: {}, version: 0, updatedAt: recordedAt };
  const asOf = { ...base.asOf };
  const next: { -readonly [K in keyof NumberHealth]: NumberHealth[K] } = { ...base, asOf };
  const verdicts: Verdict[] = [];

  const quality = upper(fact.quality);
  if (quality !== undefined) {
    const v = judge({ value: base.quality, asOf: base.asOf.quality }, quality, at);
    verdicts.push(v);
    if (v === 'applied') [next.quality, asOf.quality] = [quality, fact.at];
  }
  const mps = fact.throughputMps;
  if (mps !== undefined && Number.isSafeInteger(mps) && mps > 0) {
    const v = judge({ value: base.throughputMps, asOf: base.asOf.throughput }, mps, at);
    verdicts.push(v);
    if (v === 'applied') [next.throughputMps, asOf.throughput] = [mps, fact.at];
  }
  const status = upper(fact.status);
  if (status !== undefined) {
    const v = judge({ value: base.status, asOf: base.asOf.status }, status, at);
    verdicts.push(v);
    if (v === 'applied') [next.status, asOf.status] = [status, fact.at];
  }
  const event = upper(fact.event);
  if (event !== undefined) {
    const v = judge({ value: base.lastEvent, asOf: base.asOf.event }, event, at);
    verdicts.push(v);
    if (v === 'applied') [next.lastEvent, asOf.event] = [event, fact.at];
  }

  if (!verdicts.includes('applied')) return { outcome: 'unchanged', why: whyUnchanged(verdicts), record: current };
  if (fact.businessAccountId !== undefined && fact.businessAccountId !== '') next.businessAccountId = fact.businessAccountId;
  next.version = base.version + 1;
  next.updatedAt = recordedAt;

  const events: NumberHealthEvent[] = [];
  const ref = { phoneNumberId: next.phoneNumberId, ...defined({ businessAccountId: next.businessAccountId }), version: next.version, at: isoOf(fact.at) };
  const before = base.quality === undefined ? undefined : QUALITY_RANK[base.quality];
  const after = next.quality === undefined ? undefined : QUALITY_RANK[next.quality];
  if (before !== undefined && after !== undefined && after > before) {
    events.push({
      detailType: HealthDetailType.PhoneNumberQualityDowngraded,
      data: { ...ref, previousQuality: base.quality as 'GREEN' | 'YELLOW', quality: next.quality as 'YELLOW' | 'RED' },
    });
  }
  if (next.throughputMps !== undefined && next.throughputMps !== base.throughputMps && !(base.throughputMps === undefined && next.throughputMps === 80)) {
    events.push({
      detailType: HealthDetailType.PhoneNumberThroughputChanged,
      data: { ...ref, ...defined({ previousMps: base.throughputMps }), mps: next.throughputMps },
    });
  }
  return { outcome: 'changed', record: next, events };
}

/** Applies one account fact to the record held (`undefined` when none), at `recordedAt`. Pure. */
export function applyAccountHealthFact(
  current: AccountHealth | undefined,
  fact: AccountHealthFact,
  recordedAt: string,
): HealthApplyResult<AccountHealth, AccountHealthEvent> {
  const at = Date.parse(fact.at);
  if (!Number.isFinite(at)) return { outcome: 'unchanged', why: 'unsupported', record: current };
  const base: AccountHealth = current ?? { businessAccountId: fact.businessAccountId, restrictions: [], events: {}, asOf: {}, version: 0, updatedAt: recordedAt };
  const asOf = { ...base.asOf };
  const seenEvents: Record<string, string> = { ...base.events };
  const next: { -readonly [K in keyof AccountHealth]: AccountHealth[K] } = { ...base, asOf, events: seenEvents };
  const verdicts: Verdict[] = [];

  if (fact.restrictions !== undefined) {
    const restrictions = normaliseRestrictions(fact.restrictions);
    const v = judge({ value: base.restrictions, asOf: base.asOf.restrictions }, restrictions, at);
    verdicts.push(v);
    if (v === 'applied') [next.restrictions, asOf.restrictions] = [restrictions, fact.at];
  }
  const violation = upper(fact.violationType);
  if (violation !== undefined) {
    const v = judge({ value: base.violationType, asOf: base.asOf.violation }, violation, at);
    verdicts.push(v);
    if (v === 'applied') [next.violationType, asOf.violation] = [violation, fact.at];
  }
  const tier = upper(fact.messagingLimitTier);
  if (tier !== undefined) {
    const v = judge({ value: base.messagingLimitTier, asOf: base.asOf.messagingLimit }, tier, at);
    verdicts.push(v);
    if (v === 'applied') [next.messagingLimitTier, asOf.messagingLimit] = [tier, fact.at];
  }
  const event = upper(fact.event);
  if (event !== undefined) {
    const seen = base.events[event];
    const v: Verdict = seen === undefined || Date.parse(seen) < at ? 'applied' : Date.parse(seen) === at ? 'duplicate' : 'stale';
    verdicts.push(v);
    if (v === 'applied') seenEvents[event] = fact.at;
  }

  if (!verdicts.includes('applied')) return { outcome: 'unchanged', why: whyUnchanged(verdicts), record: current };
  next.version = base.version + 1;
  next.updatedAt = recordedAt;

  const ref = { businessAccountId: next.businessAccountId, version: next.version, at: isoOf(fact.at) };
  const events: AccountHealthEvent[] = [];
  const held = new Map(base.restrictions.map((r) => [r.type, r]));
  const now = new Map(next.restrictions.map((r) => [r.type, r]));
  for (const r of next.restrictions) {
    const was = held.get(r.type);
    if (was === undefined || was.expiresAt !== r.expiresAt) {
      events.push({ detailType: HealthDetailType.AccountRestricted, data: { ...ref, restrictionType: r.type, ...defined({ expiresAt: r.expiresAt }) } });
    }
  }
  for (const r of base.restrictions) {
    if (!now.has(r.type)) {
      events.push({ detailType: HealthDetailType.AccountRestrictionLifted, data: { ...ref, restrictionType: r.type, ...defined({ expiresAt: r.expiresAt }) } });
    }
  }
  if (next.messagingLimitTier !== undefined && next.messagingLimitTier !== base.messagingLimitTier) {
    events.push({ detailType: HealthDetailType.MessagingLimitChanged, data: { ...ref, ...defined({ previousTier: base.messagingLimitTier }), tier: next.messagingLimitTier } });
  }
  return { outcome: 'changed', record: next, events };
}

/** One restriction per type (the latest expiration kept), sorted by type, so equal lists compare equal. */
function normaliseRestrictions(list: readonly AccountRestriction[]): AccountRestriction[] {
  const byType = new Map<string, AccountRestriction>();
  for (const r of list) {
    const type = upper(r.type);
    if (type === undefined) continue;
    const expiresAt = r.expiresAt !== undefined && Number.isFinite(Date.parse(r.expiresAt)) ? isoOf(r.expiresAt) : undefined;
    const held = byType.get(type);
    if (held === undefined || (held.expiresAt !== undefined && (expiresAt === undefined || expiresAt > held.expiresAt))) {
      byType.set(type, { type, ...defined({ expiresAt }) });
    }
  }
  return [...byType.values()].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}

function judge<V>(aspect: Aspect<V>, value: V, at: number): Verdict {
  if (aspect.asOf === undefined) return 'applied';
  const held = Date.parse(aspect.asOf);
  if (at > held) return 'applied';
  if (at < held) return 'stale';
  const [a, b] = [JSON.stringify(value), JSON.stringify(aspect.value)];
  if (a === b) return 'duplicate';
  return a > b ? 'applied' : 'stale';
}

function whyUnchanged(verdicts: readonly Verdict[]): HealthUnchangedWhy {
  if (verdicts.length === 0) return 'unsupported';
  return verdicts.includes('duplicate') ? 'duplicate' : 'stale';
}

function upper(value: string | undefined): string | undefined {
  const v = value?.trim().toUpperCase();
  return v === undefined || v === '' ? undefined : v;
}

function isoOf(time: string): string {
  return new Date(Date.parse(time)).toISOString();
}

function defined<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
