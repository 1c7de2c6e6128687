/**
 * The business's standing at send time, on the local stack (DynamoDB Local, SQS FIFO, the sandbox as Meta): the
 * portfolio's messaging limit holds a template to a new user once the tier's unique users are reached (and lets a
 * counted user through), and an account restriction holds business-initiated messages until it ends while a
 * service reply inside the window goes. Held messages never reach Meta, carry their deferral, and are not lost.
 */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createHealthStore } from '#shared/adapters/health-store.js';
import { bucketStart, DEFAULT_LIMIT_BUCKET_MS } from '#shared/domain/sending/messaging-limit.js';

import {
  BUSINESS_ACCOUNT_ID,
  dataOf,
  eventsMatching,
  postMessage,
  requestsFor,
  sendRequest,
  startSendingStack,
  text,
  ukMobile,
  waitForEvent,
  type SendingStack,
} from '#test/support/stack-harness.js';

let s: SendingStack;

beforeAll(async () => {
  // Read health records fresh at every send: the test changes them between sends.
  s = await startSendingStack({ messagingLimitTier: 'TIER_250', env: { HEALTH_CACHE_TTL_MS: '0' } });
}, 120_000);

afterAll(async () => {
  await s?.stop();
});

/** `order_update`, the local stack's utility template: two positional body parameters. */
const orderUpdate = (name: string) => ({ type: 'template', name: 'order_update', language: 'en_US', components: { body: [{ type: 'text', text: name }, { type: 'text', text: 'Nº 9007199254740993' }] } });

async function accept(key: string, to: string, message: Record<string, unknown>): Promise<string> {
  const answer = await postMessage(s.stack.apiUrl, sendRequest({ idempotencyKey: key, to, message }));
  expect(answer.status).toBe(202);
  return (answer.json as { messageId: string }).messageId;
}

const reachedMeta = (messageId: string) => requestsFor(s.stack.sandbox.requests(), messageId).length > 0;

describe('the messaging limit at send time, on the local stack', () => {
  it('sends the 250th unique user with MessagingLimitReached, holds the 251st with MessageDeferred, and still sends a counted user', async () => {
    // 249 users counted a minute ago for the sandbox account's portfolio (its own id: no portfolio configured).
    const now = Date.now();
    const bucket = `b${bucketStart(now - 60_000) / DEFAULT_LIMIT_BUCKET_MS}`;
    const windowKey = { pk: `MLIMIT#${BUSINESS_ACCOUNT_ID}`, sk: 'WINDOW' };
    await s.outbox.client.send(new PutCommand({ TableName: s.stateTableName, Item: { ...windowKey, total: 249, [bucket]: 249 } }));
    try {
      const last = await accept('limit-250', ukMobile(250), orderUpdate('Zoë 🌸'));
      await waitForEvent(s.eventsLogPath, { detailType: 'MessageSent', messageId: last }, { timeoutMs: 30_000 });
      const reached = eventsMatching(s.eventsLogPath, { detailType: 'MessagingLimitReached' });
      expect(reached.map(dataOf)).toEqual([
        { portfolioId: BUSINESS_ACCOUNT_ID, businessAccountId: BUSINESS_ACCOUNT_ID, tier: 'TIER_250', limit: 250, used: 250, tierSource: 'configuration' },
      ]);

      const over = await accept('limit-251', ukMobile(251), orderUpdate('محمد'));
      const deferred = dataOf(await waitForEvent(s.eventsLogPath, { detailType: 'MessageDeferred', messageId: over }, { timeoutMs: 30_000 }));
      expect(deferred).toMatchObject({ reason: 'messaging_limit_reached', fact: { portfolioId: BUSINESS_ACCOUNT_ID, tier: 'TIER_250', limit: 250, used: 250 } });
      expect(deferred['message']).toMatch(/TIER_250: 250 unique users in a moving 24 h; 250 counted/);
      const record = await s.outbox.waitForStatus(over, ['queued']);
      expect(record).toMatchObject({ attempts: 0, deferral: { reason: 'messaging_limit_reached' } });
      // Room comes back when the bucket of the 249 leaves the window, about a day from now.
      expect(record.deferral!.fact).toMatchObject({ roomAt: expect.any(Number) });
      expect((record.deferral!.fact as { roomAt: number }).roomAt).toBeGreaterThan(now + 23 * 3_600_000);
      expect(reachedMeta(over)).toBe(false);

      // The 250th user, already counted, still goes: the same user twice counts once.
      const again = await accept('limit-250-again', ukMobile(250), orderUpdate('Zoë 🌸 again'));
      await waitForEvent(s.eventsLogPath, { detailType: 'MessageSent', messageId: again }, { timeoutMs: 30_000 });
      expect(reachedMeta(over)).toBe(false);
    } finally {
      // The other tests of this file send templates to new users: they start from an empty count.
      await s.outbox.client.send(new DeleteCommand({ TableName: s.stateTableName, Key: windowKey }));
    }
  }, 120_000);
});

describe('account restrictions at send time, on the local stack', () => {
  it('holds a template while the account is restricted and sends it when the restriction ends, never calling Meta before', async () => {
    const health = createHealthStore({ client: s.outbox.client, tableName: s.stateTableName });
    const endsAt = new Date(Date.now() + 4000);
    await health.applyAccountFact(
      { at: new Date().toISOString(), businessAccountId: BUSINESS_ACCOUNT_ID, event: 'ACCOUNT_RESTRICTION', restrictions: [{ type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiresAt: endsAt.toISOString() }] },
      new Date().toISOString(),
    );

    const held = await accept('restricted-1', ukMobile(300), orderUpdate('Ærøskøbing'));
    const deferred = dataOf(await waitForEvent(s.eventsLogPath, { detailType: 'MessageDeferred', messageId: held }, { timeoutMs: 30_000 }));
    expect(deferred).toMatchObject({
      reason: 'account_restricted',
      fact: { businessAccountId: BUSINESS_ACCOUNT_ID, restrictionType: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiresAt: endsAt.toISOString() },
    });
    expect(reachedMeta(held)).toBe(false);

    await waitForEvent(s.eventsLogPath, { detailType: 'MessageSent', messageId: held }, { timeoutMs: 30_000 });
    const calls = requestsFor(s.stack.sandbox.requests(), held);
    expect(calls.length).toBe(1);
    expect(Date.parse(calls[0]!.time)).toBeGreaterThanOrEqual(endsAt.getTime());
    expect((await s.outbox.get(held))?.deferral).toBeUndefined();
    expect(eventsMatching(s.eventsLogPath, { detailType: 'MessageDeferred', messageId: held })).toHaveLength(1);
  }, 120_000);

  it('lets a service reply inside the window go while business-initiated messages are restricted', async () => {
    const health = createHealthStore({ client: s.outbox.client, tableName: s.stateTableName });
    await health.applyAccountFact(
      { at: new Date(Date.now() + 1000).toISOString(), businessAccountId: BUSINESS_ACCOUNT_ID, event: 'ACCOUNT_RESTRICTION', restrictions: [{ type: 'RESTRICTED_BIZ_INITIATED_MESSAGING' }] },
      new Date().toISOString(),
    );
    const customer = ukMobile(301);
    await s.stack.sandbox.actAsCustomer(customer.slice(1), { type: 'text', text: { body: 'Bonjour, où est ma commande ? 📦' } });
    await waitForEvent(s.eventsLogPath, { detailType: 'CustomerServiceWindowOpened' }, { timeoutMs: 30_000 });

    const reply = await accept('restricted-reply', customer, text('Elle arrive demain 🚚'));
    await waitForEvent(s.eventsLogPath, { detailType: 'MessageSent', messageId: reply }, { timeoutMs: 30_000 });
    expect(eventsMatching(s.eventsLogPath, { detailType: 'MessageDeferred', messageId: reply })).toEqual([]);
  }, 120_000);
});
