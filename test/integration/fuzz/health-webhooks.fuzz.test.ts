/**
 * Property suite for the HealthActivity consumer (`functions/track-health.ts`) on DynamoDB Local: any
 * `PhoneNumberQualityChanged`, `BusinessCapabilityChanged` or `AccountUpdated` that ingestion could publish, or `HealthRefreshRequested`, (display
 * numbers with spaces, dashes, emoji or no digits; events and tiers Meta never sent; `restriction_info` as a list, an
 * object, a string or garbage; expirations in seconds, digits, ISO dates, negative or beyond `Date`; ids above 2^53 and
 * ids that are not digits) and any listing Meta's `phone_numbers` could answer (ratings, levels and statuses of any
 * spelling, throttling, refusals) is either applied or acknowledged with a reason: never a batch failure (which would
 * end in the dead-letter queue) except for a throttled listing, which is retried; and every published event matches
 * its contract.
 *
 * Reproducible: seeded from `FUZZ_SEED` (printed in the test name); `FUZZ_RUNS` sets the number of events (default 300).
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, describe, expect, inject, it } from 'vitest';

import { createTrackHealth } from '#functions/track-health.js';
import { createHealthStore } from '#shared/adapters/health-store.js';
import { createNumberRegistry } from '#shared/adapters/number-registry.js';
import type { PayloadStore } from '#shared/adapters/payload-store.js';
import { detailSchemaFor, type DomainEvent } from '#shared/contracts/events/registry.js';
import type { GraphPhoneNumberPage } from '#shared/ports/graph-phone-numbers.js';
import type { GraphTemplateResult } from '#shared/ports/graph-templates.js';
import { localClientConfig } from '#infra/local/emulators.js';
import { STATE_TABLE } from '#infra/topology.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 2026_1204);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 300);
const tableName = inject('tableNames')[STATE_TABLE.id]!;
const raw = new DynamoDBClient(localClientConfig(inject('dynamoEndpoint')));
const client = DynamoDBDocumentClient.from(raw);
afterAll(() => raw.destroy());

const payloads = { get: async () => ({}) } as unknown as PayloadStore;

const id = fc.oneof(
  fc.bigInt({ min: 1n, max: 10n ** 20n }).map(String),
  fc.constantFrom('9007199254740993', '18446744073709551617', '0'),
  fc.string({ maxLength: 40 }).filter((s) => s.length > 0),
);
const wabas = fc.constantFrom('102290129340398', '9007199254740993123', '318446744073709551');
const word = fc.oneof(
  fc.constantFrom('GREEN', 'YELLOW', 'RED', 'UNKNOWN', 'green', ' Red ', 'FLAGGED', 'ONBOARDING', 'THROUGHPUT_UPGRADE', 'DOWNGRADE', 'STANDARD', 'HIGH', 'NOT_APPLICABLE', 'CONNECTED'),
  fc.string({ minLength: 1, maxLength: 30 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
);
const tier = fc.oneof(
  fc.constantFrom('TIER_250', 'TIER_2K', 'TIER_10K', 'TIER_100K', 'TIER_UNLIMITED', 'UNLIMITED', '2000', '10,000', 'TIER_NOT_SET', 'TIER_50', '', ' '),
  fc.string({ maxLength: 20 }),
);
const display = fc.oneof(
  fc.constantFrom('+1 555-078-3881', '15550783881', '+971 50 123 4567', '+44 7700 900123 📞', 'n/a', ''),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);
const expiration = fc.oneof(
  fc.integer({ min: -1e12, max: 1e13 }),
  fc.constantFrom(1798761600, '1798761600', '2027-01-01T00:00:00Z', 'tomorrow', 8.64e15, Number.MAX_SAFE_INTEGER, -1),
  fc.double(),
  fc.anything({ maxDepth: 1 }),
);
const restrictionInfo = fc.oneof(
  fc.array(fc.record({ restriction_type: fc.oneof(fc.constantFrom('RESTRICTED_BIZ_INITIATED_MESSAGING', 'RESTRICTED_CUSTOMER_INITIATED_MESSAGING', 'RESTRICTED_ADD_PHONE_NUMBER_ACTION'), word, fc.anything({ maxDepth: 0 })), expiration }, { requiredKeys: [] }), { maxLength: 4 }),
  fc.record({ restriction_type: word, expiration }),
  fc.anything({ maxDepth: 2 }),
);

const webhook = fc.oneof(
  fc.record({
    detailType: fc.constant('PhoneNumberQualityChanged'),
    data: fc.record(
      { businessAccountId: fc.oneof(wabas, id), displayPhoneNumber: display, event: word, currentLimit: tier, oldLimit: tier, maxDailyConversationsPerBusiness: tier },
      { requiredKeys: ['businessAccountId', 'displayPhoneNumber', 'event'] },
    ),
  }),
  fc.record({
    detailType: fc.constant('BusinessCapabilityChanged'),
    data: fc.record(
      { businessAccountId: fc.oneof(wabas, id), maxDailyConversationsPerBusiness: tier, maxDailyConversationPerPhone: fc.integer(), maxPhoneNumbersPerBusiness: fc.integer(), maxPhoneNumbersPerWaba: fc.integer() },
      { requiredKeys: ['businessAccountId'] },
    ),
  }),
  fc.record({
    detailType: fc.constant('AccountUpdated'),
    data: fc.record({
      businessAccountId: fc.oneof(wabas, id),
      event: fc.oneof(fc.constantFrom('ACCOUNT_RESTRICTION', 'ACCOUNT_VIOLATION', 'DISABLED_UPDATE', 'VOLUME_BASED_PRICING_TIER_UPDATE'), word),
      details: fc.record({ restriction_info: restrictionInfo, violation_info: fc.oneof(fc.record({ violation_type: word }), fc.anything({ maxDepth: 1 })) }, { requiredKeys: [] }),
    }),
  }),
  fc.record({ detailType: fc.constant('HealthRefreshRequested'), data: fc.record({ businessAccountId: wabas }) }),
);

type Listing = { kind: 'page'; page: GraphPhoneNumberPage } | { kind: 'throttled' } | { kind: 'refused' };
const listing: fc.Arbitrary<Listing> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('page' as const), page: fc.record({ numbers: fc.array(fc.record({ id: fc.bigInt({ min: 1n, max: 10n ** 20n }).map(String), displayPhoneNumber: display, qualityRating: word, throughputLevel: word, status: word, messagingLimitTier: tier }, { requiredKeys: ['id', 'displayPhoneNumber'] }), { maxLength: 3 }), unreadable: fc.constant([]) }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'throttled' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'refused' as const }) },
);

const occurredAt = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }).map((ms) => new Date(ms).toISOString());

describe(`HealthActivity consumer fuzz (FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS})`, () => {
  it('applies or acknowledges every event ingestion could publish, retrying only a throttled listing, and publishes only events that match their contract', async () => {
    const store = createHealthStore({ client, tableName });
    const numbers = createNumberRegistry({ client, tableName });
    await fc.assert(
      fc.asyncProperty(webhook, listing, occurredAt, async (hook, answer, at) => {
        const published: DomainEvent[] = [];
        const run = createTrackHealth(
          {
            store,
            numbers,
            graph: {
              listPhoneNumbers: async (): Promise<GraphTemplateResult<GraphPhoneNumberPage>> =>
                answer.kind === 'page' ? { ok: true, value: answer.page }
                : answer.kind === 'throttled' ? { ok: false, error: { kind: 'meta', httpStatus: 400, code: 80007 } }
                : { ok: false, error: { kind: 'meta', httpStatus: 403, code: 200 } },
            },
            publish: async (events) => void published.push(...events),
            now: () => Date.UTC(2026, 11, 4, 12),
          },
          payloads,
        );
        const body = JSON.stringify({
          'detail-type': hook.detailType,
          source: 'relais.whatsapp',
          detail: { metadata: { schemaVersion: 1, eventId: 'fuzz', occurredAt: at, producer: 'receive-webhook' }, data: hook.data },
        });
        const event: SQSEvent = { Records: [{ messageId: 'm1', body, attributes: { ApproximateReceiveCount: '1' } } as unknown as SQSRecord] };

        const result = await run(event);

        const listsNumbers = hook.detailType === 'PhoneNumberQualityChanged' || hook.detailType === 'HealthRefreshRequested';
        const mayRetry = listsNumbers && answer.kind === 'throttled' && /^\d{1,32}$/.test(hook.data.businessAccountId);
        if (!mayRetry) expect(result.batchItemFailures).toEqual([]);
        for (const e of published) expect(detailSchemaFor(e.detailType).safeParse({ metadata: e.metadata, data: e.data }).success).toBe(true);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  }, 240_000);
});
