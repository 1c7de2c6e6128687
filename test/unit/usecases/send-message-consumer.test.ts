/**
 * The outbound lanes' consumer (functions/send-message.ts) over a real sendMessage use case with in-memory
 * ports: FIFO group semantics (a group stops at its first record that cannot go, the other groups go on),
 * pacing waits handed back to the queue, and retry budgets ending in the DLQ.
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createSendMessageConsumer } from '#functions/send-message.js';
import type { DomainEvent } from '#shared/contracts/events/registry.js';
import type { MessageRecord } from '#shared/domain/sending/records.js';
import type { GraphSendResult } from '#shared/ports/graph-api.js';
import type { QueueControl, ReceivedQueueMessage } from '#shared/ports/outbound-queue.js';
import type { SendMessageDeps } from '#shared/usecases/send-message.js';
import { inMemoryMessageStore } from '#test/support/in-memory-messages.js';

const T0 = Date.parse('2026-11-21T10:00:00Z');
const ARN = 'arn:aws:sqs:eu-west-1:123456789012:relais-priority.fifo';

function queued(id: string, to: string): MessageRecord {
  return {
    messageId: id,
    idempotencyKey: `key-${id}`,
    requestHash: 'h',
    requestedBy: 'acme.orders',
    phoneNumberId: '106540352242922',
    recipient: { to },
    messageType: 'text',
    category: 'service',
    lane: 'priority',
    status: 'queued',
    request: { phoneNumberId: '106540352242922', to, message: { type: 'text', body: `Réponse ${id} 🎉` } },
    attempts: 0,
    createdAt: T0,
    updatedAt: T0,
  };
}

function sqsRecord(messageId: string, group: string): SQSRecord {
  return {
    messageId: `sqs-${messageId}`,
    receiptHandle: `rh-${messageId}`,
    body: JSON.stringify({ messageId }),
    attributes: { MessageGroupId: group, MessageDeduplicationId: `dedup-${messageId}`, ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: ARN,
    awsRegion: 'eu-west-1',
  };
}

function setup(answers: Record<string, GraphSendResult>, maxAttempts = 3) {
  const messages = inMemoryMessageStore();
  const published: DomainEvent[] = [];
  const calls: string[] = [];
  const control = { retried: [] as Array<{ id: string; delayMs: number }>, deadLettered: [] as string[] };
  const queue: QueueControl = {
    retryLater: async (m: ReceivedQueueMessage, delayMs) => void control.retried.push({ id: m.receiptHandle, delayMs }),
    deadLetter: async (m: ReceivedQueueMessage) => void control.deadLettered.push(m.receiptHandle),
  };
  const deps: SendMessageDeps = {
    messages,
    pacing: { acquire: async () => ({ granted: true }), pause: async () => {}, recentSends: async () => [], recordSend: async () => {} },
    graph: {
      sendMessage: async (_n, body) => {
        const id = String((body as { biz_opaque_callback_data?: string }).biz_opaque_callback_data);
        calls.push(id);
        return answers[id] ?? { outcome: 'accepted', wamid: `wamid.${id}`, httpStatus: 200 };
      },
    },
    publish: async (events) => void published.push(...events),
    freeEntryPoints: { openFreeEntryPointWindow: async () => true },
    settings: { ratePerSecond: () => 80, bulkSharePercent: 80, pairRate: { intervalMs: 6000, burst: 10 }, maxAttempts, inlineWaitMs: 1000 },
    now: () => T0,
    sleep: async () => {},
    random: () => 0.5,
  };
  return { consumer: createSendMessageConsumer(deps, queue), messages, calls, control, published };
}

const event = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
const RETRY: GraphSendResult = { outcome: 'error', httpStatus: 500, error: { code: 131000 } };

describe('send-message consumer', () => {
  it('stops a group at its first record to retry, reporting it and the rest of its group, while another group is sent', async () => {
    const ctx = setup({ a2: RETRY });
    for (const [id, to] of [['a1', '+447911123001'], ['a2', '+447911123001'], ['a3', '+447911123001'], ['b1', '+447911123002']] as const) await ctx.messages.create(queued(id, to));

    const result = await ctx.consumer(event(sqsRecord('a1', 'A'), sqsRecord('a2', 'A'), sqsRecord('a3', 'A'), sqsRecord('b1', 'B')));

    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['sqs-a2', 'sqs-a3']);
    expect(ctx.calls.sort()).toEqual(['a1', 'a2', 'b1']);
    expect(ctx.control.retried).toEqual([{ id: 'rh-a2', delayMs: expect.any(Number) }]);
    expect(ctx.messages.records.get('a3')?.status).toBe('queued');
  });

  it('moves a message past its retry budget to the DLQ and goes on with its group', async () => {
    const ctx = setup({ a1: RETRY }, 1);
    await ctx.messages.create(queued('a1', '+447911123003'));
    await ctx.messages.create(queued('a2', '+447911123003'));

    const result = await ctx.consumer(event(sqsRecord('a1', 'A'), sqsRecord('a2', 'A')));

    expect(result.batchItemFailures).toEqual([]);
    expect(ctx.control.deadLettered).toEqual(['rh-a1']);
    expect(ctx.published.map((e) => e.detailType)).toEqual(['MessageDeadLettered', 'MessageSent']);
  });

  it('reports a body that names no message as failed, without touching Meta', async () => {
    const ctx = setup({});
    const bad = { ...sqsRecord('x', 'X'), body: '{"id":"🎉"}' };
    await expect(ctx.consumer(event(bad))).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: 'sqs-x' }] });
    expect(ctx.calls).toEqual([]);
  });
});
