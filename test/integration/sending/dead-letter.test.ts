/**
 * A send that keeps failing spends its retry budget (`SEND_MAX_ATTEMPTS=2` here), is dead-lettered with an
 * event saying so, and waits in its lane's DLQ; the documented redrive (`infra/ops/redrive-dlq.ts`) puts it back
 * once Meta recovers, and it is then sent exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { redriveDeadLetters } from '#infra/ops/redrive-dlq.js';
import {
  acceptedRequests,
  allQueueDepths,
  dataOf,
  eventsMatching,
  queueDepth,
  requestsFor,
  sendRequest,
  startSendingStack,
  text,
  ukMobile,
  waIdOf,
  waitForEvent,
  type SendingStack,
} from '#test/support/stack-harness.js';

const MAX_ATTEMPTS = 2;
const CUSTOMER = ukMobile(40);

let s: SendingStack;

beforeAll(async () => {
  s = await startSendingStack({ env: { SEND_MAX_ATTEMPTS: String(MAX_ATTEMPTS) } });
  const { wamid } = await s.stack.sandbox.actAsCustomer(waIdOf(CUSTOMER), { type: 'text', text: { body: 'Is my refund done?' } });
  await waitForEvent(s.eventsLogPath, { detailType: 'CustomerServiceWindowOpened', where: (e) => dataOf(e)['wamid'] === wamid });
});

afterAll(async () => {
  await s?.stop();
});

const lane = () => s.stack.queueUrls['OutboundPriority']!;

async function reply(label: string): Promise<string> {
  await s.bus.putSendRequested(sendRequest({ idempotencyKey: `dlq-${label}`, correlationId: label, to: CUSTOMER, message: text(`Refund ${label}`) }));
  return dataOf(await waitForEvent(s.eventsLogPath, { detailType: 'SendAccepted', correlationId: label }))['messageId'] as string;
}

function redrive() {
  return redriveDeadLetters({ dlqUrl: lane().dlqUrl, queueUrl: lane().queueUrl, tableName: s.stateTableName, max: 10, dryRun: false, sqs: s.sqs, dynamo: s.outbox.client });
}

/** Runs `label` into the DLQ under a persistent HTTP 500 and returns its message id. */
async function deadLetter(label: string): Promise<string> {
  s.stack.sandbox.setFaults({ kind: 'http500', durationMs: 10 * 60_000 });
  const messageId = await reply(label);
  await waitForEvent(s.eventsLogPath, { detailType: 'MessageDeadLettered', messageId }, { timeoutMs: 30_000 });
  s.stack.sandbox.clearFaults();
  await s.stack.whenIdle(30_000);
  return messageId;
}

describe('the retry budget', () => {
  it('spent on HTTP 500s dead-letters the message: an event, the outbox record and the lane DLQ all say so', async () => {
    const messageId = await deadLetter('refund-1');

    const event = dataOf(eventsMatching(s.eventsLogPath, { detailType: 'MessageDeadLettered', messageId })[0]!);
    expect(event).toMatchObject({ messageId, correlationId: 'refund-1', attempts: MAX_ATTEMPTS, lastError: { error: { code: 131000 } } });
    expect(await s.outbox.get(messageId)).toMatchObject({ status: 'dead_lettered', attempts: MAX_ATTEMPTS });
    expect(requestsFor(s.stack.sandbox.requests(), messageId).map((r) => r.status)).toEqual([500, 500]);
    expect(await queueDepth(s.sqs, lane().queueUrl)).toBe(0);
    expect(await queueDepth(s.sqs, lane().dlqUrl)).toBe(1);

    const report = await redrive();
    expect(report).toEqual({ moved: 1, dropped: 0, inspected: 1 });
    await waitForEvent(s.eventsLogPath, { detailType: 'MessageRead', messageId });
    await s.stack.whenIdle(30_000);

    expect(acceptedRequests(requestsFor(s.stack.sandbox.requests(), messageId))).toHaveLength(1);
    expect(new Set(eventsMatching(s.eventsLogPath, { detailType: 'MessageSent', messageId }).map((e) => e.detail.metadata?.eventId)).size).toBe(1);
    expect(['delivered', 'read']).toContain((await s.outbox.get(messageId))?.status);
    const depths = await allQueueDepths(s.sqs, s.stack.queueUrls);
    expect(Object.values(depths).every((n) => n === 0), `queue depths: ${JSON.stringify(depths)}`).toBe(true);
  }, 90_000);

  it('is fresh again after a redrive: one more transient error is retried, not dead-lettered at once', async () => {
    const messageId = await deadLetter('refund-2');
    s.stack.sandbox.addFault({ kind: 'http500', count: 1 });
    expect(await redrive()).toMatchObject({ moved: 1 });
    await waitForEvent(s.eventsLogPath, { detailType: 'MessageRead', messageId }, { timeoutMs: 30_000 });

    expect(requestsFor(s.stack.sandbox.requests(), messageId).map((r) => r.status)).toEqual([500, 500, 500, 200]);
    expect(eventsMatching(s.eventsLogPath, { detailType: 'MessageDeadLettered', messageId })).toHaveLength(1);
  }, 90_000);

  it('leaves alone a dead-lettered message whose record was closed meanwhile: the redrive drops it from the DLQ, never resends it', async () => {
    const messageId = await deadLetter('refund-3');
    // An operator gave up on it (the record was closed as failed) before the redrive ran.
    await s.outbox.store.transition(messageId, ['dead_lettered'], 'failed', Date.now());

    expect(await redrive()).toEqual({ moved: 0, dropped: 1, inspected: 1 });
    await s.stack.whenIdle(30_000);
    expect(acceptedRequests(requestsFor(s.stack.sandbox.requests(), messageId))).toEqual([]);
    expect(await queueDepth(s.sqs, lane().dlqUrl)).toBe(0);
  }, 90_000);
});
