import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { describeDeadLetterNotice, watchDeadLetterQueues, type DeadLetterNotice } from '#infra/local/dead-letter-notices.js';
import type { DeadLetter } from '#infra/local/event-bus/server.js';

const LETTER: DeadLetter = {
  rule: 'SendRequestsFromAnySource',
  eventId: '5f0c8a1e-6d5b-4b5e-9a4e-1d2c3b4a5f60',
  detailType: 'SendRequested',
  source: 'acme.orders',
  reason: 'retries-exhausted',
  error: 'connect ECONNREFUSED 127.0.0.1:4566\n    at TCPConnectWrap.afterConnect',
  attempts: 186,
  failedAt: '2026-12-04T02:00:00.000Z',
  path: '/srv/relais/.local/dead-letters.ndjson',
  written: true,
};

describe('describeDeadLetterNotice', () => {
  it('says which rule gave up on which event, why, and where the letter is, on one line with the path relative to the working directory', () => {
    const line = describeDeadLetterNotice({ source: 'bus', letter: LETTER }, '/srv/relais');

    expect(line).toBe(
      'DEAD LETTER  rule SendRequestsFromAnySource gave up on a SendRequested event from acme.orders: retries exhausted after 186 attempts ' +
        '(connect ECONNREFUSED 127.0.0.1:4566 at TCPConnectWrap.afterConnect); kept in .local/dead-letters.ndjson (event 5f0c8a1e-6d5b-4b5e-9a4e-1d2c3b4a5f60)',
    );
  });

  it('shows an absolute path outside the working directory, and says when the letter could not be written', () => {
    const line = describeDeadLetterNotice({ source: 'bus', letter: { ...LETTER, written: false, attempts: 1, reason: 'not-retryable' } }, '/home/dev/elsewhere');

    expect(line).toMatch(/the target refused it \(not retryable\) after 1 attempt \(/);
    expect(line).toMatch(/could not be written to \/srv\/relais\/\.local\/dead-letters\.ndjson; see the error log above$/);
  });

  it('cuts a very long error message so the notice stays readable', () => {
    const line = describeDeadLetterNotice({ source: 'bus', letter: { ...LETTER, error: 'é'.repeat(5_000) } }, '/srv/relais');

    expect(line.length).toBeLessThan(500);
    expect(line).toContain(`${'é'.repeat(199)}…`);
  });

  it('names the queue, its consumer, how many arrived and where to read them for a DLQ that grew', () => {
    const notice: DeadLetterNotice = { source: 'queue', consumer: 'OutboundBulk', handler: 'send-message', dlqUrl: 'http://127.0.0.1:4566/000000000000/relais-local-OutboundBulk-dlq.fifo', added: 3, total: 7 };

    expect(describeDeadLetterNotice(notice, '/srv/relais')).toBe(
      'DEAD LETTER  3 messages of the OutboundBulk queue (consumer functions/send-message.ts) moved to relais-local-OutboundBulk-dlq.fifo, now holding 7; ' +
        'read them at http://127.0.0.1:4566/000000000000/relais-local-OutboundBulk-dlq.fifo (README "Dead letters" for redriving)',
    );
  });
});

describe('watchDeadLetterQueues', () => {
  const sqs = mockClient(SQSClient);
  afterEach(() => {
    sqs.reset();
    vi.useRealTimers();
  });

  it('tells of each growth of a DLQ once, stays silent when it shrinks, and reports a failed poll without stopping', async () => {
    vi.useFakeTimers();
    const depths = [0, 2, 2, 1, 4];
    sqs.on(GetQueueAttributesCommand).callsFake(() => {
      const depth = depths.shift();
      if (depth === undefined) throw new Error('emulator gone');
      return { Attributes: { ApproximateNumberOfMessages: String(depth), ApproximateNumberOfMessagesNotVisible: '0' } };
    });
    const notices: DeadLetterNotice[] = [];
    const errors: unknown[] = [];
    const watcher = watchDeadLetterQueues({
      sqs: new SQSClient({ region: 'eu-west-1' }),
      queues: [{ consumer: 'ContactActivity', handler: 'track-contact-activity', dlqUrl: 'http://q/relais-local-ContactActivity-dlq' }],
      onNotice: (n) => notices.push(n),
      onError: (e) => errors.push(e),
      intervalMs: 100,
    });

    for (let tick = 0; tick < 6; tick += 1) await vi.advanceTimersByTimeAsync(100);
    await watcher.stop();

    expect(notices.map((n) => (n.source === 'queue' ? [n.added, n.total] : undefined))).toEqual([
      [2, 2],
      [3, 4],
    ]);
    expect(errors).toEqual([new Error('emulator gone')]);
  });
});
