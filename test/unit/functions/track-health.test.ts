import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';

import { createTrackHealth } from '#functions/track-health.js';
import type { PayloadStore } from '#shared/adapters/payload-store.js';
import type { DomainEvent } from '#shared/contracts/events/registry.js';
import { applyAccountHealthFact, applyNumberHealthFact } from '#shared/domain/health/apply-health-fact.js';
import type { AccountHealth, NumberHealth } from '#shared/domain/health/records.js';
import { BadRequestError } from '#shared/errors.js';
import type { HealthStore } from '#shared/ports/health-store.js';

const WABA = '102290129340398';
const at = (seconds: number) => new Date(Date.UTC(2026, 11, 4, 8, 0, 0) + seconds * 1000).toISOString();

/** In-memory store over the real domain rules; ids that are not digits refused as the DynamoDB store refuses them. */
function memoryStore(): HealthStore & { accounts: Map<string, AccountHealth> } {
  const accounts = new Map<string, AccountHealth>();
  const numbers = new Map<string, NumberHealth>();
  const digits = (id: string) => {
    if (!/^\d{1,32}$/.test(id)) throw new BadRequestError('invalid_business_account_id', 'businessAccountId must be a WhatsApp Business Account id (1 to 32 digits)');
  };
  return {
    accounts,
    getNumber: async (id) => numbers.get(id),
    getAccount: async (id) => accounts.get(id),
    async applyNumberFact(fact, recordedAt) {
      const result = applyNumberHealthFact(numbers.get(fact.phoneNumberId), fact, recordedAt);
      if (result.outcome === 'changed') numbers.set(fact.phoneNumberId, result.record);
      return result;
    },
    async applyAccountFact(fact, recordedAt) {
      digits(fact.businessAccountId);
      const result = applyAccountHealthFact(accounts.get(fact.businessAccountId), fact, recordedAt);
      if (result.outcome === 'changed') accounts.set(fact.businessAccountId, result.record);
      return result;
    },
  };
}

const payloads = { get: async () => ({}) } as unknown as PayloadStore;
const body = (detailType: string, data: unknown) =>
  JSON.stringify({
    'detail-type': detailType,
    source: 'relais.whatsapp',
    detail: { metadata: { schemaVersion: 1, eventId: `e-${detailType}`, occurredAt: at(0), producer: 'receive-webhook', businessAccountId: WABA }, data },
  });
const record = (messageId: string, b: string): SQSRecord => ({ messageId, body: b, attributes: { ApproximateReceiveCount: '1' } }) as unknown as SQSRecord;

describe('HealthActivity consumer', () => {
  it('applies account webhooks, acknowledges one whose ids cannot key a record, and fails only what it cannot read or does not take', async () => {
    const store = memoryStore();
    const published: DomainEvent[] = [];
    const run = createTrackHealth(
      {
        store,
        numbers: { phoneNumberIdOf: async () => undefined, remember: async () => undefined },
        publish: async (events) => void published.push(...events),
        now: () => Date.parse(at(30)),
      },
      payloads,
    );
    const event: SQSEvent = {
      Records: [
        record('restricted', body('AccountUpdated', { businessAccountId: WABA, event: 'ACCOUNT_RESTRICTION', details: { restriction_info: [{ restriction_type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiration: 1798761600 }] } })),
        record('not-json', '{"detail-type":'),
        record('wrong-type', body('TemplateQualityChanged', { businessAccountId: WABA, templateName: 'x', language: 'en_US', newScore: 'RED' })),
        record('bad-id', body('BusinessCapabilityChanged', { businessAccountId: 'not-a-waba', maxDailyConversationsPerBusiness: '2000' })),
      ],
    };

    const answer = await run(event);

    expect(answer.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['not-json', 'wrong-type']);
    expect(store.accounts.get(WABA)?.restrictions).toEqual([{ type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiresAt: '2027-01-01T00:00:00.000Z' }]);
    expect(published.map((e) => e.detailType)).toEqual(['AccountRestricted']);
  });
});
