/**
 * The health consumer's use case on the local emulators: DynamoDB Local holds the health records and the number
 * registry, the Cloud API sandbox plays Meta's `GET /{waba}/phone_numbers` (its control endpoints set a number's
 * rating and throughput, as Meta would change them), and the events the use case publishes are collected. The
 * webhooks are given as ingestion publishes them (`data` of PhoneNumberQualityChanged, BusinessCapabilityChanged,
 * AccountUpdated, with Meta's time as `occurredAt`).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';

import { createGraphPhoneNumbers } from '#shared/adapters/graph-templates.js';
import { createHealthStore } from '#shared/adapters/health-store.js';
import { createNumberRegistry } from '#shared/adapters/number-registry.js';
import type { DomainEvent } from '#shared/contracts/events/registry.js';
import { detailSchemaFor } from '#shared/contracts/events/registry.js';
import type { GraphPhoneNumbers } from '#shared/ports/graph-phone-numbers.js';
import { HealthRefreshRetryableError, trackHealth, type HealthWebhook, type TrackHealthDeps } from '#shared/usecases/track-health.js';
import { localClientConfig } from '#infra/local/emulators.js';
import { startSandbox, type Sandbox } from '#infra/local/sandbox/server.js';
import { startWebhookReceiver } from '#infra/local/sandbox/webhook-receiver.js';
import { STATE_TABLE } from '#infra/topology.js';
import { uniqueWaba } from '#test/support/contacts-harness.js';

const TOKEN = 'sandbox-health-token';
const APP_SECRET = 'sandbox-health-secret';
const tableName = inject('tableNames')[STATE_TABLE.id]!;
const raw = new DynamoDBClient(localClientConfig(inject('dynamoEndpoint')));
const client = DynamoDBDocumentClient.from(raw);
const store = createHealthStore({ client, tableName });
afterAll(() => raw.destroy());

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

const NOW = Date.UTC(2026, 11, 4, 9, 0, 0);
const meta = (seconds: number) => ({ occurredAt: new Date(NOW - 3_600_000 + seconds * 1000).toISOString() });

interface World {
  readonly waba: string;
  /** Above 2^53: exact only as digits. */
  readonly numberId: string;
  readonly display: string;
  readonly sandbox: Sandbox;
  readonly published: DomainEvent[];
  readonly deps: TrackHealthDeps;
}

async function world(options: { graph?: (sandbox: Sandbox) => GraphPhoneNumbers } = {}): Promise<World> {
  const waba = uniqueWaba();
  const numberId = `9${waba}`;
  const display = `1555${waba.slice(-7)}`;
  const receiver = await startWebhookReceiver({ appSecret: APP_SECRET });
  cleanups.push(() => receiver.close());
  const sandbox = await startSandbox({
    webhookUrl: receiver.url,
    appSecret: APP_SECRET,
    accessToken: TOKEN,
    businessAccountId: waba,
    phoneNumbers: [{ id: numberId, displayPhoneNumber: display }],
  });
  cleanups.push(() => sandbox.close());
  const published: DomainEvent[] = [];
  const graph = options.graph?.(sandbox) ?? createGraphPhoneNumbers({ baseUrl: sandbox.url, version: sandbox.graphVersion, accessToken: async () => TOKEN });
  const deps: TrackHealthDeps = {
    store,
    numbers: createNumberRegistry({ client, tableName }),
    graph,
    publish: async (events) => {
      published.push(...events);
    },
    now: () => NOW,
  };
  return { waba, numberId, display, sandbox, published, deps };
}

async function control(sandbox: Sandbox, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${sandbox.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  expect(response.status).toBe(200);
}

const quality = (w: World, event: string, extra: Record<string, string> = {}): HealthWebhook => ({
  detailType: 'PhoneNumberQualityChanged',
  // Meta formats the display number with spaces and dashes; the registry compares digits.
  data: { businessAccountId: w.waba, displayPhoneNumber: `+${w.display.slice(0, 1)} ${w.display.slice(1, 4)}-${w.display.slice(4, 7)}-${w.display.slice(7)}`, event, ...extra },
});
const restriction = (w: World, restrictions: unknown[]): HealthWebhook => ({
  detailType: 'AccountUpdated',
  data: { businessAccountId: w.waba, event: 'ACCOUNT_RESTRICTION', details: { restriction_info: restrictions } },
});
const types = (events: readonly DomainEvent[]) => events.map((e) => e.detailType);

describe('trackHealth with DynamoDB Local and the sandbox', () => {
  it("resolves a quality update's display number through Meta's listing, records the rating Meta lists and publishes a downgrade when it falls", async () => {
    const w = await world();
    const first = await trackHealth(quality(w, 'ONBOARDING'), meta(0), w.deps);
    expect(first).toMatchObject({ phoneNumberId: w.numberId, refresh: { outcome: 'read', numbers: 1 } });
    expect(await store.getNumber(w.numberId)).toMatchObject({ phoneNumberId: w.numberId, businessAccountId: w.waba, quality: 'GREEN', throughputMps: 80, lastEvent: 'ONBOARDING' });
    expect(await w.deps.numbers.phoneNumberIdOf(w.waba, w.display)).toBe(w.numberId);

    await control(w.sandbox, `/_sandbox/phone-numbers/${w.numberId}/quality`, { event: 'ONBOARDING', qualityRating: 'RED' });
    const second = await trackHealth(quality(w, 'ONBOARDING'), meta(60), { ...w.deps, now: () => NOW + 60_000 });

    expect(types(second.published)).toEqual(['PhoneNumberQualityDowngraded']);
    const event = second.published[0]!;
    expect(event.data).toMatchObject({ phoneNumberId: w.numberId, businessAccountId: w.waba, previousQuality: 'GREEN', quality: 'RED' });
    expect(event.metadata).toMatchObject({ producer: 'track-health', phoneNumberId: w.numberId, businessAccountId: w.waba });
    expect(detailSchemaFor(event.detailType).safeParse({ metadata: event.metadata, data: event.data }).success).toBe(true);
    expect((await store.getNumber(w.numberId))?.quality).toBe('RED');
  });

  it('takes a THROUGHPUT_UPGRADE to 1,000 msg/s at Meta time and publishes the change once, however often the webhook comes', async () => {
    const w = await world();
    await control(w.sandbox, '/_sandbox/account/capability', { messagingLimit: 10000, throughput: { level: 'HIGH', phoneNumberId: w.numberId } });
    const upgrade = quality(w, 'THROUGHPUT_UPGRADE', { maxDailyConversationsPerBusiness: 'TIER_10K' });

    const first = await trackHealth(upgrade, meta(10), w.deps);
    const again = await trackHealth(upgrade, meta(10), w.deps);

    expect(types(first.published).sort()).toEqual(['MessagingLimitChanged', 'PhoneNumberThroughputChanged']);
    expect(first.published.find((e) => e.detailType === 'PhoneNumberThroughputChanged')?.data).toMatchObject({ mps: 1000 });
    expect(first.published.find((e) => e.detailType === 'MessagingLimitChanged')?.data).toMatchObject({ tier: 'TIER_10K' });
    expect(again.published).toEqual([]);
    expect(await store.getNumber(w.numberId)).toMatchObject({ throughputMps: 1000, lastEvent: 'THROUGHPUT_UPGRADE' });
    expect((await store.getAccount(w.waba))?.messagingLimitTier).toBe('TIER_10K');
  });

  it('records a restriction until its date, lifts it when Meta lists none, and ignores an older update arriving late', async () => {
    const w = await world();
    const until = Math.floor(NOW / 1000) + 86_400;
    const restricted = await trackHealth(restriction(w, [{ restriction_type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiration: until }]), meta(0), w.deps);
    const lifted = await trackHealth(restriction(w, []), meta(120), w.deps);
    const late = await trackHealth(restriction(w, [{ restriction_type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiration: until }]), meta(60), w.deps);

    expect(restricted.published.map((e) => [e.detailType, e.data])).toEqual([
      ['AccountRestricted', expect.objectContaining({ businessAccountId: w.waba, restrictionType: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiresAt: new Date(until * 1000).toISOString() })],
    ]);
    expect(restricted.published[0]?.metadata.eventId).toBe(`AccountRestricted:${w.waba}:v1:RESTRICTED_BIZ_INITIATED_MESSAGING`);
    expect(types(lifted.published)).toEqual(['AccountRestrictionLifted']);
    expect(late.published).toEqual([]);
    expect((await store.getAccount(w.waba))?.restrictions).toEqual([]);
  });

  it('takes the portfolio limit from business_capability_update in any of Meta spellings', async () => {
    const w = await world();
    const result = await trackHealth({ detailType: 'BusinessCapabilityChanged', data: { businessAccountId: w.waba, maxDailyConversationsPerBusiness: '100000' } }, meta(0), w.deps);
    expect(result.published.map((e) => e.data)).toEqual([expect.objectContaining({ tier: 'TIER_100K' })]);
    expect(result.refresh).toEqual({ outcome: 'skipped' });
  });

  it("keeps a quality update whose display number neither the registry nor Meta's listing knows as the account's fact only", async () => {
    const w = await world();
    const stranger: HealthWebhook = { detailType: 'PhoneNumberQualityChanged', data: { businessAccountId: w.waba, displayPhoneNumber: '+33 6 12 34 56 78', event: 'ONBOARDING', maxDailyConversationsPerBusiness: 'TIER_2K' } };
    const result = await trackHealth(stranger, meta(0), w.deps);
    expect(result).toMatchObject({ numberUnresolved: true, refresh: { outcome: 'read', numbers: 1 } });
    expect((await store.getAccount(w.waba))?.messagingLimitTier).toBe('TIER_2K');
    // The listed number is still recorded: the listing is news about every number of the account.
    expect((await store.getNumber(w.numberId))?.quality).toBe('GREEN');
  });

  it("throws to be retried when Meta throttles the listing (80007), keeping the webhook's own facts, and applies the listing on redelivery", async () => {
    let throttled = 1;
    const w = await world({
      graph: (sandbox) => {
        const real = createGraphPhoneNumbers({ baseUrl: sandbox.url, version: sandbox.graphVersion, accessToken: async () => TOKEN });
        return {
          listPhoneNumbers: async (waba, page) =>
            throttled-- > 0 ? { ok: false, error: { kind: 'meta', httpStatus: 400, code: 80007, title: 'Rate limit hit' } } : real.listPhoneNumbers(waba, page),
        };
      },
    });
    await w.deps.numbers.remember(w.numberId, w.waba, w.display);
    const upgrade = quality(w, 'THROUGHPUT_UPGRADE');

    await expect(trackHealth(upgrade, meta(0), w.deps)).rejects.toBeInstanceOf(HealthRefreshRetryableError);
    expect(await store.getNumber(w.numberId)).toMatchObject({ throughputMps: 1000 });
    const redelivered = await trackHealth(upgrade, meta(0), w.deps);

    expect(redelivered.refresh).toEqual({ outcome: 'read', numbers: 1 });
    expect(await store.getNumber(w.numberId)).toMatchObject({ quality: 'GREEN', status: 'CONNECTED' });
  });

  it('acknowledges a listing Meta refuses for good (a token without the permission) and says why', async () => {
    const w = await world({ graph: () => ({ listPhoneNumbers: async () => ({ ok: false, error: { kind: 'meta', httpStatus: 403, code: 200, title: 'Permissions error' } }) }) });
    const result = await trackHealth(quality(w, 'ONBOARDING'), meta(0), w.deps);
    expect(result).toMatchObject({ numberUnresolved: true, refresh: { outcome: 'failed', problem: 'meta, HTTP 403 code 200: Permissions error' } });
  });
});

describe('HealthRefreshRequested', () => {
  it("reads Meta's listing of the account alone, so a rating that fell without any webhook is seen", async () => {
    const w = await world();
    const refresh: HealthWebhook = { detailType: 'HealthRefreshRequested', data: { businessAccountId: w.waba } };
    const first = await trackHealth(refresh, meta(0), w.deps);
    expect(first.refresh).toEqual({ outcome: 'read', numbers: 1 });
    // The sandbox's account starts at 2,000 users: the first reading is news of the tier only.
    expect(first.published.map((e) => [e.detailType, e.data])).toEqual([['MessagingLimitChanged', expect.objectContaining({ tier: 'TIER_2K' })]]);
    await control(w.sandbox, `/_sandbox/phone-numbers/${w.numberId}/quality`, { event: 'ONBOARDING', qualityRating: 'YELLOW' });

    const later = await trackHealth(refresh, meta(900), { ...w.deps, now: () => NOW + 900_000 });

    expect(later.published.map((e) => e.data)).toEqual([expect.objectContaining({ phoneNumberId: w.numberId, previousQuality: 'GREEN', quality: 'YELLOW' })]);
    expect(await w.deps.numbers.phoneNumberIdOf(w.waba, w.display)).toBe(w.numberId);
  });
});
