/**
 * The operator read API's handlers over DynamoDB Local with the real stores: a held message shows its reason and the
 * fact behind it, a number's health joins its account's, a portfolio's limit shows its unique users and when they
 * leave the window. Path parameters that are not ids answer 400 naming the parameter; unknown ids answer 404.
 */
import { randomUUID } from 'node:crypto';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';

import { createGetMessage } from '#functions/get-message.js';
import { createGetMessagingLimit } from '#functions/get-messaging-limit.js';
import { createGetNumberHealth } from '#functions/get-number-health.js';
import { createHealthStore } from '#shared/adapters/health-store.js';
import { createMessageStore, type MessageRecord } from '#shared/adapters/message-store.js';
import { createMessagingLimitStore } from '#shared/adapters/messaging-limit-store.js';
import { createNumberRegistry } from '#shared/adapters/number-registry.js';
import { MESSAGING_LIMIT_WINDOW_MS, parseMessagingLimitTier, type MessagingLimitTier } from '#shared/domain/sending/messaging-limit.js';
import { httpErrors, type HttpEvent, type HttpResult } from '#shared/middleware/http.js';
import middy from '@middy/core';
import { localClientConfig } from '#infra/local/emulators.js';
import { STATE_TABLE } from '#infra/topology.js';
import { uniqueWaba } from '#test/support/contacts-harness.js';

const tableName = inject('tableNames')[STATE_TABLE.id]!;
const raw = new DynamoDBClient(localClientConfig(inject('dynamoEndpoint')));
const client = DynamoDBDocumentClient.from(raw);
afterAll(() => raw.destroy());

const messages = createMessageStore({ client, tableName });
const health = createHealthStore({ client, tableName });
const numbers = createNumberRegistry({ client, tableName });
const limits = createMessagingLimitStore({ client, tableName });
const NOW = Date.UTC(2026, 11, 4, 12, 0, 0);
const TIER_250 = (parseMessagingLimitTier('TIER_250') as { ok: true; tier: MessagingLimitTier }).tier;

/** The handler as deployed: the same error middleware turns RelaisErrors into JSON answers. */
function asDeployed(handler: (event: HttpEvent) => Promise<HttpResult>) {
  const wrapped = middy<HttpEvent, HttpResult>().use(httpErrors()).handler(handler);
  return async (pathParameters: Record<string, string>) => {
    const answer = (await wrapped({ pathParameters } as unknown as HttpEvent, {} as never)) as HttpResult;
    return { status: answer.statusCode, body: JSON.parse(answer.body as string) as Record<string, unknown> };
  };
}

const getMessage = asDeployed(createGetMessage({ messages }));
const getHealth = asDeployed(createGetNumberHealth({ health, businessAccountOf: (id) => numbers.businessAccountOf(id), now: () => NOW }));
const getLimit = asDeployed(createGetMessagingLimit({ health, usage: limits, configuredTier: TIER_250, portfolios: {}, now: () => NOW }));

function queued(over: Partial<MessageRecord> = {}): MessageRecord {
  return {
    messageId: `m_${randomUUID()}`,
    idempotencyKey: `standing-${randomUUID()}`,
    requestHash: 'h',
    phoneNumberId: '106540352242922',
    businessAccountId: '102290129340398',
    recipient: { to: '+966501234567' },
    messageType: 'template',
    category: 'marketing',
    lane: 'bulk',
    status: 'queued',
    request: { phoneNumberId: '106540352242922', to: '+966501234567', message: { type: 'template', name: 'عرض_الشتاء', language: 'ar' } } as MessageRecord['request'],
    attempts: 0,
    createdAt: NOW - 60_000,
    updatedAt: NOW - 60_000,
    ...over,
  };
}

describe('GET /messages/{messageId}', () => {
  it('shows a message held by the messaging limit with the tier, the count and when room comes, times in ISO 8601', async () => {
    const record = queued();
    expect(await messages.create(record)).toBe('created');
    // As the sender does: claim the message, then hold it back with the reason.
    expect((await messages.claim(record.messageId, NOW - 30_000)).claimed).toBe(true);
    await messages.defer(
      record.messageId,
      { reason: 'messaging_limit_reached', message: 'the portfolio reached 250 unique users in 24 h', since: NOW - 30_000, until: NOW + 600_000, fact: { portfolioId: '9007199254740993123', tier: 'TIER_250', limit: 250, used: 250, roomAt: NOW + 3_600_000 } },
      NOW - 30_000,
    );

    const answer = await getMessage({ messageId: record.messageId });

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      messageId: record.messageId,
      status: 'queued',
      attempts: 0,
      category: 'marketing',
      lane: 'bulk',
      template: { name: 'عرض_الشتاء', language: 'ar' },
      deferral: {
        reason: 'messaging_limit_reached',
        since: new Date(NOW - 30_000).toISOString(),
        until: new Date(NOW + 600_000).toISOString(),
        fact: { portfolioId: '9007199254740993123', tier: 'TIER_250', limit: 250, used: 250, roomAt: new Date(NOW + 3_600_000).toISOString() },
      },
    });
    expect(answer.body).not.toHaveProperty('request');
  });

  it('shows why a message was refused', async () => {
    const record = queued({ status: 'rejected', rejection: { reason: 'template_paused', message: 'template عرض_الشتاء (ar) is paused until 2026-12-04T15:00:00.000Z' } });
    await messages.create(record);
    expect((await getMessage({ messageId: record.messageId })).body).toMatchObject({ status: 'rejected', rejection: { reason: 'template_paused' } });
  });

  it('answers 404 for an unknown id and 400 naming the parameter for one that is not a message id', async () => {
    expect(await getMessage({ messageId: `m_${randomUUID()}` })).toMatchObject({ status: 404, body: { error: { code: 'message_not_found' } } });
    const bad = await getMessage({ messageId: '../m_🚚' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('messageId');
  });
});

describe('GET /phone-numbers/{phoneNumberId}/health', () => {
  it("joins a number's RED rating and 1,000 msg/s with its account's restriction in effect and its tier, ids above 2^53 as strings", async () => {
    const waba = uniqueWaba();
    const id = `9${waba}`;
    await health.applyNumberFact({ at: new Date(NOW - 7_200_000).toISOString(), phoneNumberId: id, businessAccountId: waba, quality: 'RED', throughputMps: 1000, status: 'CONNECTED' }, new Date(NOW).toISOString());
    await health.applyAccountFact(
      { at: new Date(NOW - 3_600_000).toISOString(), businessAccountId: waba, restrictions: [{ type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiresAt: new Date(NOW + 86_400_000).toISOString() }, { type: 'OLD', expiresAt: new Date(NOW - 1).toISOString() }], messagingLimitTier: 'TIER_10K' },
      new Date(NOW).toISOString(),
    );

    const answer = await getHealth({ phoneNumberId: id });

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      phoneNumberId: id,
      businessAccountId: waba,
      quality: 'RED',
      throughputMps: 1000,
      status: 'CONNECTED',
      messagingLimitTier: 'TIER_10K',
      restrictionsInEffect: [{ type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiresAt: new Date(NOW + 86_400_000).toISOString() }],
      number: { asOf: { quality: new Date(NOW - 7_200_000).toISOString() } },
    });
  });

  it("paces a number the registry knows but Meta has said nothing of at Meta's default 80 msg/s, and answers 404 for one nobody named", async () => {
    const waba = uniqueWaba();
    const id = `8${waba}`;
    await numbers.remember(id, waba, '+44 7700 900123');
    expect((await getHealth({ phoneNumberId: id })).body).toMatchObject({ phoneNumberId: id, businessAccountId: waba, quality: 'UNKNOWN', throughputMps: 80, restrictionsInEffect: [] });
    expect(await getHealth({ phoneNumberId: `7${waba}` })).toMatchObject({ status: 404, body: { error: { code: 'phone_number_not_known' } } });
    expect((await getHealth({ phoneNumberId: '+447700900123' })).status).toBe(400);
  });
});

describe('GET /accounts/{businessAccountId}/messaging-limit', () => {
  it('counts three unique users of the portfolio, with what is left and when they leave the window, under the configured tier', async () => {
    const waba = uniqueWaba();
    for (const [recipient, at] of [['966501234567', NOW - 3_600_000], ['972521234567', NOW - 1_800_000], ['966501234567', NOW - 60_000], ['33612345678', NOW - 60_000]] as const) {
      await limits.admit({ portfolioId: waba, recipient, isTemplate: true, windowOpen: false, tier: TIER_250, now: at });
    }

    const answer = await getLimit({ businessAccountId: waba });

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ businessAccountId: waba, portfolioId: waba, tier: 'TIER_250', tierSource: 'configuration', limit: 250, used: 3, remaining: 247, approachingAt: 200, reached: false });
    const ageOuts = answer.body['ageOuts'] as Array<{ at: string; count: number }>;
    expect(ageOuts.reduce((sum, out) => sum + out.count, 0)).toBe(3);
    expect(Date.parse(ageOuts[0]!.at)).toBeGreaterThan(NOW - 3_600_000 + MESSAGING_LIMIT_WINDOW_MS - 1);
  });

  it("takes the tier Meta last stated over the configured one, and names a bad account id", async () => {
    const waba = uniqueWaba();
    await health.applyAccountFact({ at: new Date(NOW).toISOString(), businessAccountId: waba, messagingLimitTier: 'TIER_UNLIMITED' }, new Date(NOW).toISOString());
    expect((await getLimit({ businessAccountId: waba })).body).toMatchObject({ tier: 'TIER_UNLIMITED', tierSource: 'meta', limit: null, remaining: null, used: 0, reached: false, ageOuts: [] });
    const bad = await getLimit({ businessAccountId: 'acme' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('businessAccountId');
  });
});
