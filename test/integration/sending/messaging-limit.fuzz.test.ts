/**
 * Property: for any sequence of template sends (users repeating, the clock moving by seconds to hours, windows
 * sometimes open) the store on DynamoDB Local never lets more unique users than the limit be counted in any 24 h,
 * never counts a user twice in 24 h, defers only when the window (with its one-bucket over-count) is full, and
 * reports each threshold on the send that reaches it.
 *
 * Reproducible: seeded from `FUZZ_SEED` (printed in the test name and on failure); `FUZZ_RUNS` runs more cases.
 */
import { randomBytes } from 'node:crypto';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';

import { createMessagingLimitStore } from '#shared/adapters/messaging-limit-store.js';
import { MESSAGING_LIMIT_WINDOW_MS } from '#shared/domain/sending/messaging-limit.js';
import { localClientConfig } from '#infra/local/emulators.js';
import { STATE_TABLE } from '#infra/topology.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 5_2026);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 60);
const BUCKET = 10 * 60 * 1000;

const raw = new DynamoDBClient(localClientConfig(inject('dynamoEndpoint')));
const client = DynamoDBDocumentClient.from(raw);
const store = createMessagingLimitStore({ client, tableName: inject('tableNames')[STATE_TABLE.id]!, bucketMs: BUCKET });
afterAll(() => raw.destroy());

const stepArb = fc.record({
  user: fc.integer({ min: 0, max: 11 }),
  advanceMs: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 6 * 3_600_000 }), fc.constant(MESSAGING_LIMIT_WINDOW_MS),
    // Close to a whole window, where counted users are about to leave it.
    fc.integer({ min: MESSAGING_LIMIT_WINDOW_MS - 3 * BUCKET, max: MESSAGING_LIMIT_WINDOW_MS + BUCKET }),
  ),
  windowOpen: fc.boolean(),
});

describe('messaging limit store (property)', () => {
  it(`never counts more users than the limit in any 24 h nor one user twice (FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS})`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.array(stepArb, { minLength: 1, maxLength: 30 }), async (limit, steps) => {
        const portfolioId = `1${randomBytes(8).toString('hex')}`;
        const tier = { name: 'TIER_250' as const, limit };
        const counted: { user: number; at: number }[] = [];
        const inWindow = (now: number, spanMs: number) => counted.filter((c) => c.at > now - spanMs);
        let now = Date.parse('2026-12-04T03:00:00.000Z');
        for (const step of steps) {
          now += step.advanceMs;
          // Users in the names are emoji and RTL, as real contacts' keys can be anything.
          const decision = await store.admit({ portfolioId, recipient: `+971 5${step.user} 🙂 مرحبا`, isTemplate: true, windowOpen: step.windowOpen, tier, now });
          const recent = inWindow(now, MESSAGING_LIMIT_WINDOW_MS);
          const userRecent = recent.some((c) => c.user === step.user);
          if (step.windowOpen || userRecent) {
            expect(decision).toEqual({ action: 'allow', addsUniqueUser: false, crossings: [] });
            continue;
          }
          if (decision.action === 'defer') {
            expect(decision.until).toBeGreaterThan(now);
            // Full within the window stretched by one bucket (the documented over-count), never otherwise.
            expect(inWindow(now, MESSAGING_LIMIT_WINDOW_MS + BUCKET).length).toBeGreaterThanOrEqual(limit);
            continue;
          }
          expect(decision.addsUniqueUser).toBe(true);
          expect(recent.length).toBeLessThan(limit);
          counted.push({ user: step.user, at: now });
          if (decision.crossings.includes('MessagingLimitReached')) {
            // The stored count lies between the exact 24 h count and the one-bucket-longer one.
            expect(recent.length + 1).toBeLessThanOrEqual(limit);
            expect(inWindow(now, MESSAGING_LIMIT_WINDOW_MS + BUCKET).length).toBeGreaterThanOrEqual(limit);
          }
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
