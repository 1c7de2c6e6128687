import { relative } from 'node:path';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetter } from './event-bus/server.js';

/**
 * What `npm start` prints when something is dead-lettered: one readable line among the JSON logs, saying what
 * failed, why, and where to look. Two sources: the local bus giving up on a rule target (`DeadLetter`), and a
 * queue's DLQ gaining messages (a consumer failed a message `maxReceiveCount` times, or set it aside itself).
 */
export type DeadLetterNotice =
  | { readonly source: 'bus'; readonly letter: DeadLetter }
  | {
      readonly source: 'queue';
      /** The consumer's id in `infra/topology.ts` (`SendRequests`, `OutboundBulk`, …). */
      readonly consumer: string;
      /** Its handler module under `functions/`. */
      readonly handler: string;
      readonly dlqUrl: string;
      /** Messages that arrived since the last notice. */
      readonly added: number;
      /** Messages the DLQ holds now. */
      readonly total: number;
    };

/** The line for a notice. Paths are shown relative to `cwd` when inside it. Names no message content or phone number. */
export function describeDeadLetterNotice(notice: DeadLetterNotice, cwd: string): string {
  if (notice.source === 'bus') {
    const { letter } = notice;
    const where = letter.written ? `kept in ${shortPath(letter.path, cwd)} (event ${letter.eventId})` : `could not be written to ${shortPath(letter.path, cwd)}; see the error log above`;
    return (
      `DEAD LETTER  rule ${letter.rule} gave up on a ${letter.detailType} event from ${letter.source}: ` +
      `${REASONS[letter.reason]} after ${letter.attempts} attempt${letter.attempts === 1 ? '' : 's'} (${oneLine(letter.error)}); ${where}`
    );
  }
  const queueName = notice.dlqUrl.slice(notice.dlqUrl.lastIndexOf('/') + 1);
  const count = `${notice.added} message${notice.added === 1 ? '' : 's'}`;
  return (
    `DEAD LETTER  ${count} of the ${notice.consumer} queue (consumer functions/${notice.handler}.ts) moved to ${queueName}, ` +
    `now holding ${notice.total}; read them at ${notice.dlqUrl} (README "Dead letters" for redriving)`
  );
}

const REASONS: Readonly<Record<DeadLetter['reason'], string>> = {
  'retries-exhausted': 'retries exhausted',
  'max-event-age-exceeded': 'event older than the maximum event age',
  'not-retryable': 'the target refused it (not retryable)',
  'bus-closed-before-retry': 'the bus stopped before the next retry',
};

/** `path` relative to `cwd` when it lies inside it (as the banner and the notices show it), else as given. */
export function shortPath(path: string, cwd: string): string {
  const inside = relative(cwd, path);
  return inside !== '' && !inside.startsWith('..') ? inside : path;
}

/** Error messages can span lines; the notice stays one. */
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}

export interface DeadLetterQueueWatch {
  readonly consumer: string;
  readonly handler: string;
  readonly dlqUrl: string;
}

export interface DeadLetterQueueWatcher {
  /** Stops polling; resolves once a poll in progress has finished. */
  stop(): Promise<void>;
}

/**
 * Polls the depth of each DLQ (`ApproximateNumberOfMessages` plus those in flight) every `intervalMs` and calls
 * `onNotice` when one has grown. Depth falling (a redrive) is remembered silently. A failed poll is passed to
 * `onError` and the watch goes on.
 */
export function watchDeadLetterQueues(options: {
  readonly sqs: SQSClient;
  readonly queues: readonly DeadLetterQueueWatch[];
  readonly onNotice: (notice: DeadLetterNotice) => void;
  readonly onError?: (error: unknown) => void;
  /** @default 1000 */
  readonly intervalMs?: number;
}): DeadLetterQueueWatcher {
  const seen = new Map<string, number>(options.queues.map((q) => [q.dlqUrl, 0]));
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  const poll = async (): Promise<void> => {
    for (const queue of options.queues) {
      if (stopped) return;
      const { Attributes = {} } = await options.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queue.dlqUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
      );
      const total = Number(Attributes['ApproximateNumberOfMessages'] ?? 0) + Number(Attributes['ApproximateNumberOfMessagesNotVisible'] ?? 0);
      const before = seen.get(queue.dlqUrl) ?? 0;
      seen.set(queue.dlqUrl, total);
      if (total > before && !stopped) options.onNotice({ source: 'queue', consumer: queue.consumer, handler: queue.handler, dlqUrl: queue.dlqUrl, added: total - before, total });
    }
  };

  let busy = false;
  const timer = setInterval(() => {
    // A slow emulator must not stack polls up: skip the tick while one runs.
    if (busy) return;
    busy = true;
    running = poll()
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => (busy = false));
  }, options.intervalMs ?? 1000);
  timer.unref();

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
