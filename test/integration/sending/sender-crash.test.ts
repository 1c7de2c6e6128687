/**
 * A sender that dies in the middle of a batch, on the local stack. Lambda then never reports the batch, so SQS
 * hands every record back after the visibility timeout; what the dead sender had written to the outbox is what
 * the next one finds. Each test writes that state with the real outbox adapter (as the dead sender left it) and
 * puts the batch back on the priority lane as SQS redelivers it; the stack's sender takes it from there.
 */
import { createHash } from 'node:crypto';

import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createGraphApiClient } from '#shared/adapters/graph-api.js';
import type { MessageRecord } from '#shared/adapters/message-store.js';
import { pairKey } from '#shared/domain/sending/pacing.js';
import { toGraphMessage } from '#shared/domain/sending/graph-payload.js';
import type { SendRequestData } from '#shared/contracts/events/outbound/send-request.js';
import { LOCAL_SECRET_DEFAULTS } from '#infra/local/stack.js';
import {
  BUSINESS_ACCOUNT_ID,
  BUSINESS_PHONE_NUMBER_ID,
  acceptedRequests,
  allQueueDepths,
  dataOf,
  eventsMatching,
  queueDepth,
  requestsFor,
  startSendingStack,
  ukMobile,
  waIdOf,
  waitForEvent,
  type SendingStack,
} from '#test/support/stack-harness.js';

const R1 = ukMobile(50);
const R2 = ukMobile(51);
const R3 = ukMobile(52);
const R4 = ukMobile(53);

let s: SendingStack;

beforeAll(async () => {
  s = await startSendingStack();
  for (const to of [R1, R2, R3, R4]) {
    const { wamid } = await s.stack.sandbox.actAsCustomer(waIdOf(to), { type: 'text', text: { body: 'Hello?' } });
    await waitForEvent(s.eventsLogPath, { detailType: 'CustomerServiceWindowOpened', where: (e) => dataOf(e)['wamid'] === wamid });
  }
});

afterAll(async () => {
  await s?.stop();
});

const lane = () => s.stack.queueUrls['OutboundPriority']!;

/** What request-send writes for an accepted service reply. */
async function queuedMessage(label: string, to: string): Promise<MessageRecord> {
  const now = Date.now();
  const request: SendRequestData = { phoneNumberId: BUSINESS_PHONE_NUMBER_ID, to, message: { type: 'text', body: `Reply ${label}` } };
  const record: MessageRecord = {
    messageId: `m_crash_${label}`,
    idempotencyKey: `crash-${label}`,
    requestHash: createHash('sha256').update(JSON.stringify(request)).digest('hex'),
    requestedBy: 'acme.support',
    correlationId: label,
    phoneNumberId: BUSINESS_PHONE_NUMBER_ID,
    businessAccountId: BUSINESS_ACCOUNT_ID,
    recipient: { to },
    messageType: 'text',
    category: 'service',
    lane: 'priority',
    request,
    status: 'queued',
    attempts: 0,
    createdAt: now,
    updatedAt: now,
  };
  expect(await s.outbox.store.create(record)).toBe('created');
  return record;
}

/** The batch as SQS hands it back: one queue message per record, grouped and de-duplicated as request-send enqueues them. */
async function redeliver(records: readonly MessageRecord[]): Promise<void> {
  const out = await s.sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: lane().queueUrl,
      Entries: records.map((record, i) => ({
        Id: String(i),
        MessageBody: JSON.stringify({ messageId: record.messageId }),
        MessageGroupId: pairKey(record.phoneNumberId, (record.recipient as { to: string }).to),
        MessageDeduplicationId: createHash('sha256').update(record.idempotencyKey).digest('hex'),
      })),
    }),
  );
  expect(out.Failed ?? []).toEqual([]);
}

/** The call the dead sender made: the same payload and callback data the sender would have sent. */
async function callMetaAsTheDeadSender(record: MessageRecord): Promise<string> {
  const graph = createGraphApiClient({ baseUrl: s.stack.sandboxUrl, version: s.stack.sandbox.graphVersion, accessToken: async () => LOCAL_SECRET_DEFAULTS.accessToken });
  const result = await graph.sendMessage(record.phoneNumberId, toGraphMessage(record.request!, { bizOpaqueCallbackData: record.messageId }));
  if (result.outcome !== 'accepted') throw new Error(`the sandbox did not accept the dead sender's call: ${JSON.stringify(result)}`);
  return result.wamid;
}

function distinctEventIds(detailType: string, messageId: string): number {
  return new Set(eventsMatching(s.eventsLogPath, { detailType, messageId }).map((e) => e.detail.metadata?.eventId)).size;
}

describe('a sender that dies mid-batch', () => {
  it('after claiming a message: on redelivery that message becomes uncertain and is not resent, and the rest of the batch is sent once', async () => {
    const crashed = await queuedMessage('claimed', R1);
    const sameConversation = await queuedMessage('after-claimed', R1);
    const others = [await queuedMessage('other-1', R2), await queuedMessage('other-2', R3)];
    await s.outbox.store.claim(crashed.messageId, Date.now());

    await redeliver([crashed, sameConversation, ...others]);

    const uncertain = dataOf(await waitForEvent(s.eventsLogPath, { detailType: 'SendOutcomeUncertain', messageId: crashed.messageId }));
    expect(uncertain).toMatchObject({ correlationId: 'claimed', requestedBy: 'acme.support' });
    for (const record of [sameConversation, ...others]) await waitForEvent(s.eventsLogPath, { detailType: 'MessageRead', messageId: record.messageId });
    await s.stack.whenIdle(30_000);

    expect(await s.outbox.get(crashed.messageId)).toMatchObject({ status: 'uncertain', attempts: 1 });
    const requests = s.stack.sandbox.requests();
    expect(requestsFor(requests, crashed.messageId)).toEqual([]);
    for (const record of [sameConversation, ...others]) {
      expect(acceptedRequests(requestsFor(requests, record.messageId)), record.correlationId).toHaveLength(1);
      expect(distinctEventIds('MessageSent', record.messageId), record.correlationId).toBe(1);
    }

    // The dead sender's call did reach Meta: its status webhooks, carrying our id, resolve the uncertain message.
    const wamid = await callMetaAsTheDeadSender(crashed);
    await waitForEvent(s.eventsLogPath, { detailType: 'MessageRead', messageId: crashed.messageId });
    expect(await s.outbox.get(crashed.messageId)).toMatchObject({ status: 'read', wamid });
    expect(distinctEventIds('MessageSent', crashed.messageId)).toBe(1);
    expect(requestsFor(s.stack.sandbox.requests(), crashed.messageId)).toHaveLength(1);
  }, 60_000);

  it("after recording Meta's answer but before publishing MessageSent: the redelivery publishes it, without calling Meta again", async () => {
    const crashed = await queuedMessage('answered', R4);
    await s.outbox.store.claim(crashed.messageId, Date.now());
    const wamid = await callMetaAsTheDeadSender(crashed);
    await s.outbox.store.accept(crashed.messageId, wamid, Date.now());

    await redeliver([crashed]);

    const sent = dataOf(await waitForEvent(s.eventsLogPath, { detailType: 'MessageSent', messageId: crashed.messageId }));
    expect(sent).toMatchObject({ wamid, correlationId: 'answered', messageType: 'text', category: 'service' });
    await s.stack.whenIdle(30_000);
    expect(requestsFor(s.stack.sandbox.requests(), crashed.messageId)).toHaveLength(1);
    expect(distinctEventIds('MessageSent', crashed.messageId)).toBe(1);
  }, 60_000);

  it('after dead-lettering a message but before moving it to the DLQ: the redelivery moves it there, so the redrive can find it', async () => {
    const crashed = await queuedMessage('spent', R2);
    await s.outbox.store.claim(crashed.messageId, Date.now());
    await s.outbox.store.transition(crashed.messageId, ['sending'], 'dead_lettered', Date.now(), {
      lastError: { message: 'Meta answered HTTP 500 with code 131000', error: { code: 131000 } },
    });

    await redeliver([crashed]);

    await waitForEvent(s.eventsLogPath, { detailType: 'MessageDeadLettered', messageId: crashed.messageId });
    await s.stack.whenIdle(30_000);
    expect(await queueDepth(s.sqs, lane().dlqUrl)).toBe(1);
    expect(requestsFor(s.stack.sandbox.requests(), crashed.messageId)).toEqual([]);
    const { ['OutboundPriority-dlq']: _dlq, ...rest } = await allQueueDepths(s.sqs, s.stack.queueUrls);
    expect(Object.values(rest).every((n) => n === 0), `queue depths: ${JSON.stringify(rest)}`).toBe(true);
  }, 60_000);
});
