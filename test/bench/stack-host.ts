/**
 * Child process of `npm run bench`: runs one local stack (the real handlers, DynamoDB Local, fauxqs, the local
 * bus, the Cloud API sandbox) for one phase, with the AWS request counter installed, and talks to the
 * orchestrator (`run.ts`) over IPC. Each phase gets a fresh process: the handlers keep their configuration
 * (queue URLs, emulator endpoints) in module scope, as Lambda does, so one stack per process.
 *
 * Argument: JSON `{ "role": "webhook", ... }` or `{ "role": "send", "send": SendRunOptions, ... }` ({@link HostRequest}).
 * - webhook: answers `ready` with the API URL, then serves `reset` / `snapshot` until `stop`;
 * - send: runs the send scenario and answers `result`, then stops.
 */
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { localClientConfig } from '../../infra/local/emulators.js';
import { LOCAL_SECRET_DEFAULTS, startLocalStack, type LocalStack } from '../../infra/local/stack.js';
import { installAwsUsage, noAwsUsage } from './aws-usage.js';
import { runSendScenario, type SendRunOptions } from './send-scenario.js';

export type HostRequest =
  | { readonly role: 'webhook'; readonly eventsLogPath: string; readonly countAws: boolean }
  | { readonly role: 'send'; readonly eventsLogPath: string; readonly countAws: boolean; readonly send: SendRunOptions };

export type ParentMessage = { readonly type: 'reset' } | { readonly type: 'snapshot' } | { readonly type: 'stop' };

export type ChildMessage =
  | { readonly type: 'ready'; readonly apiUrl: string; readonly appSecret: string; readonly startMs: number }
  | { readonly type: 'reset-done' }
  | { readonly type: 'snapshot'; readonly usage: ReturnType<ReturnType<typeof installAwsUsage>['snapshot']>; readonly backlog: Record<string, number> }
  | { readonly type: 'result'; readonly startMs: number; readonly result: Awaited<ReturnType<typeof runSendScenario>> }
  | { readonly type: 'error'; readonly message: string; readonly stack?: string };

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.send === undefined) return reject(new Error('stack-host must be started by test/bench/run.ts (no IPC channel)'));
    process.send(message, (error: Error | null) => (error === null ? resolve() : reject(error)));
  });
}

async function backlog(stack: LocalStack): Promise<Record<string, number>> {
  const sqs = new SQSClient(localClientConfig(stack.sqsEndpoint));
  const out: Record<string, number> = {};
  for (const [id, { queueUrl }] of Object.entries(stack.queueUrls)) {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] }),
    );
    out[id] =
      Number(Attributes['ApproximateNumberOfMessages'] ?? 0) +
      Number(Attributes['ApproximateNumberOfMessagesNotVisible'] ?? 0) +
      Number(Attributes['ApproximateNumberOfMessagesDelayed'] ?? 0);
  }
  sqs.destroy();
  return out;
}

async function main(): Promise<void> {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error('stack-host needs its phase as a JSON argument');
  const request = JSON.parse(raw) as HostRequest;
  const usage = request.countAws ? installAwsUsage() : noAwsUsage();
  const started = Date.now();
  const stack = await startLocalStack({
    port: 0,
    sandboxPort: 0,
    eventsLogPath: request.eventsLogPath,
    ...(request.role === 'send' ? { throughputPerSecond: request.send.throughputPerSecond } : {}),
  });
  const startMs = Date.now() - started;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await stack.stop().catch(() => undefined);
    process.exit(code);
  };
  process.on('disconnect', () => void stop(1));

  if (request.role === 'send') {
    try {
      const result = await runSendScenario(stack, usage, request.send);
      await send({ type: 'result', startMs, result });
    } catch (error) {
      await send({ type: 'error', message: error instanceof Error ? error.message : String(error), ...(error instanceof Error && error.stack !== undefined ? { stack: error.stack } : {}) });
      await stop(1);
    }
    await stop(0);
    return;
  }

  process.on('message', (message: ParentMessage) => {
    void (async () => {
      if (message.type === 'reset') {
        usage.reset();
        await send({ type: 'reset-done' });
      } else if (message.type === 'snapshot') {
        const snapshot = usage.snapshot();
        await send({ type: 'snapshot', usage: snapshot, backlog: await usage.runAs('harness', () => backlog(stack)) });
      } else if (message.type === 'stop') {
        await stop(0);
      }
    })().catch(async (error: unknown) => {
      await send({ type: 'error', message: error instanceof Error ? error.message : String(error) }).catch(() => undefined);
      await stop(1);
    });
  });
  await send({ type: 'ready', apiUrl: stack.apiUrl, appSecret: LOCAL_SECRET_DEFAULTS.appSecret, startMs });
}

main().catch(async (error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  await send({ type: 'error', message, ...(error instanceof Error && error.stack !== undefined ? { stack: error.stack } : {}) }).catch(() => undefined);
  process.exit(1);
});
