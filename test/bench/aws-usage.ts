import { AsyncLocalStorage } from 'node:async_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CONSUMERS } from '../../infra/topology.js';

/**
 * Counts every AWS request the local stack makes, in process, by service, command and caller.
 *
 * How: `send` is wrapped on the prototypes of the SDK client classes the code uses (SQS, DynamoDB and its
 * document client, EventBridge, S3, Secrets Manager). The wrapper adds, once per client middleware stack, a
 * middleware at the `finalizeRequest` step below the SDK's retry middleware, so each attempt that reaches the
 * emulator is counted once, with its input and output. Wrapping the prototypes (rather than only the
 * module-scope clients of `shared/adapters/aws-clients.ts`) is needed because the local stack's own SQS
 * client — the one that plays EventBridge's rule targets and Lambda's event source mappings — is private to
 * `infra/local/stack.ts`. Nothing is changed in what the handlers send, except that DynamoDB requests get
 * `ReturnConsumedCapacity: 'TOTAL'` so DynamoDB Local reports the capacity units each one consumed.
 *
 * Who made a call:
 * - a queue poller (Lambda's event source mapping): its `ReceiveMessage` enters an async context naming the
 *   consumer, which the handler invocation that follows inherits, so the handler's own calls and the
 *   poller's delete are attributed to `consumer:<handler>`;
 * - the bench itself: whatever runs inside {@link AwsUsage.runAs};
 * - no context: SQS `SendMessage` is the local bus delivering to a rule's queue target (EventBridge's rule
 *   target, billed by SQS); anything else comes from an HTTP API handler (in the send run, only
 *   `POST /webhook` is called, by the sandbox's status webhooks).
 *
 * Lambda invocations of queue consumers are counted as the non-empty receives of each consumer's queue
 * (the local poller invokes the handler exactly once per non-empty batch, as an event source mapping does);
 * their wall time runs from the receive's answer to the poller's delete (or its next receive).
 */

export type Actor = string;

interface Store {
  readonly actor: Actor;
  /** The consumer handler whose poller owns this async flow. */
  readonly handler?: string;
  /** Open invocation of that consumer: when its batch was received. */
  invocationStartedAt?: number | undefined;
}

export interface CommandCount {
  readonly service: string;
  readonly command: string;
  readonly actor: Actor;
  /** Attempts that reached the emulator (SDK retries included). */
  calls: number;
  errors: number;
  /** PutEvents entries sent / accepted. */
  entries: number;
  acceptedEntries: number;
  /** SQS: requests to FIFO queues (the rest are standard). */
  fifoCalls: number;
  /** ReceiveMessage: answers with no message (of which on FIFO queues), and messages received. */
  emptyReceives: number;
  emptyFifoReceives: number;
  messagesReceived: number;
  /** DynamoDB capacity units (see {@link dynamoUnits}). */
  readUnits: number;
  writeUnits: number;
}

export interface InvocationCount {
  count: number;
  totalMs: number;
  records: number;
}

export interface AwsUsageSnapshot {
  readonly since: number;
  readonly until: number;
  readonly commands: readonly CommandCount[];
  /** Consumer handler name → invocations. */
  readonly invocations: Readonly<Record<string, InvocationCount>>;
}

/** A successful AWS call, as handed to {@link AwsUsage.observe} listeners. */
export interface ObservedCall {
  readonly service: string;
  readonly command: string;
  readonly actor: Actor;
  readonly input: Readonly<Record<string, unknown>>;
  readonly output: Readonly<Record<string, unknown>>;
}

export interface AwsUsage {
  /** Calls `listener` after every successful AWS call until the returned function is called. */
  observe(listener: (call: ObservedCall) => void): () => void;
  /** Runs `fn` with its AWS calls attributed to `actor` (the bench's producer, the idle check…). */
  runAs<T>(actor: Actor, fn: () => Promise<T>): Promise<T>;
  /** Forgets everything counted so far (e.g. after setup). */
  reset(): void;
  snapshot(): AwsUsageSnapshot;
}

const READ_COMMANDS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const WRITE_COMMANDS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const MARKER = Symbol.for('relais.bench.awsUsage');

/** Queue name (last URL segment, `.fifo` kept) → the consumer handler that polls it. */
function consumerByQueueName(): Map<string, string> {
  const map = new Map<string, string>();
  for (const c of CONSUMERS) map.set(`relais-local-${c.id}${c.fifo ? '.fifo' : ''}`, c.handler);
  return map;
}

/**
 * Installs the counter (once per process; later calls return the same one). Call it before the local stack
 * starts so that every client is covered.
 */
export function installAwsUsage(): AwsUsage {
  const existing = (globalThis as Record<symbol, unknown>)[MARKER] as AwsUsage | undefined;
  if (existing !== undefined) return existing;

  const storage = new AsyncLocalStorage<Store>();
  const consumers = consumerByQueueName();
  let since = Date.now();
  let counts = new Map<string, CommandCount>();
  let invocations: Record<string, InvocationCount> = {};
  const instrumented = new WeakSet<object>();
  const listeners = new Set<(call: ObservedCall) => void>();

  const countFor = (service: string, command: string, actor: Actor): CommandCount => {
    const key = `${service}|${command}|${actor}`;
    let c = counts.get(key);
    if (c === undefined) {
      c = { service, command, actor, calls: 0, errors: 0, entries: 0, acceptedEntries: 0, fifoCalls: 0, emptyReceives: 0, emptyFifoReceives: 0, messagesReceived: 0, readUnits: 0, writeUnits: 0 };
      counts.set(key, c);
    }
    return c;
  };

  const closeInvocation = (store: Store | undefined, at: number) => {
    if (store?.invocationStartedAt === undefined || store.handler === undefined) return;
    const inv = (invocations[store.handler] ??= { count: 0, totalMs: 0, records: 0 });
    inv.totalMs += at - store.invocationStartedAt;
    store.invocationStartedAt = undefined;
  };

  const actorOf = (service: string, command: string): Actor => {
    const store = storage.getStore();
    if (store !== undefined) return store.actor;
    if (service === 'SQS' && command === 'SendMessage') return 'eventbridge-rule-target';
    return 'api:receive-webhook';
  };

  function usageMiddleware(service: string) {
    return (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
      async (args: unknown): Promise<unknown> => {
        const command = (context.commandName ?? 'Unknown').replace(/Command$/, '');
        const input = ((args as { input?: Record<string, unknown> }).input ?? {}) as Record<string, unknown>;
        const actor = actorOf(service, command);
        const count = countFor(service, command, actor);
        count.calls++;
        if (service === 'SQS' && typeof input['QueueUrl'] === 'string' && input['QueueUrl'].endsWith('.fifo')) count.fifoCalls++;
        if (service === 'EventBridge' && command === 'PutEvents') count.entries += Array.isArray(input['Entries']) ? input['Entries'].length : 0;
        try {
          const result = (await next(args)) as { output?: Record<string, unknown> };
          const output = result.output ?? {};
          if (service === 'EventBridge' && command === 'PutEvents') {
            count.acceptedEntries += (Array.isArray(input['Entries']) ? input['Entries'].length : 0) - Number(output['FailedEntryCount'] ?? 0);
          }
          if (service === 'SQS' && command === 'ReceiveMessage') onReceived(count, input, output);
          for (const listener of listeners) listener({ service, command, actor, input, output });
          if (service === 'DynamoDB') {
            const units = dynamoUnits(command, input, output, undefined);
            count.readUnits += units.read;
            count.writeUnits += units.write;
          }
          return result;
        } catch (error) {
          count.errors++;
          if (service === 'DynamoDB') {
            const units = dynamoUnits(command, input, undefined, error);
            count.readUnits += units.read;
            count.writeUnits += units.write;
          }
          throw error;
        }
      };
  }

  function onReceived(count: CommandCount, input: Record<string, unknown>, output: Record<string, unknown>): void {
    const messages = Array.isArray(output['Messages']) ? output['Messages'].length : 0;
    if (messages === 0) {
      count.emptyReceives++;
      if (String(input['QueueUrl'] ?? '').endsWith('.fifo')) count.emptyFifoReceives++;
      return;
    }
    count.messagesReceived += messages;
    const queueName = String(input['QueueUrl'] ?? '').split('/').pop() ?? '';
    const handler = consumers.get(queueName) ?? `unknown:${queueName}`;
    const inv = (invocations[handler] ??= { count: 0, totalMs: 0, records: 0 });
    inv.count++;
    inv.records += messages;
    const store = storage.getStore();
    if (store !== undefined && store.handler === handler) store.invocationStartedAt = Date.now();
  }

  /** Capacity reporting for DynamoDB requests that accept it. */
  function withCapacity(next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) {
    return (args: unknown): Promise<unknown> => {
      const command = (context.commandName ?? '').replace(/Command$/, '');
      const a = args as { input?: Record<string, unknown> };
      if ((READ_COMMANDS.has(command) || WRITE_COMMANDS.has(command)) && a.input !== undefined && a.input['ReturnConsumedCapacity'] === undefined) {
        return next({ ...a, input: { ...a.input, ReturnConsumedCapacity: 'TOTAL' } });
      }
      return next(args);
    };
  }

  const patch = (ClientClass: { prototype: object }, service: string) => {
    const proto = ClientClass.prototype as { send: (...args: unknown[]) => unknown };
    const original = proto.send;
    proto.send = function patchedSend(this: { middlewareStack: { add: (mw: unknown, opts: unknown) => void } }, ...args: unknown[]) {
      const stack = this.middlewareStack;
      if (!instrumented.has(stack)) {
        instrumented.add(stack);
        stack.add(usageMiddleware(service), { step: 'finalizeRequest', priority: 'low', name: 'relaisBenchUsage', override: true });
        if (service === 'DynamoDB') stack.add(withCapacity, { step: 'initialize', priority: 'high', name: 'relaisBenchCapacity', override: true });
      }
      const command = args[0] as { constructor?: { name?: string }; input?: { QueueUrl?: string } } | undefined;
      if (service === 'SQS' && command?.constructor?.name === 'ReceiveMessageCommand') {
        // Only the pollers (Lambda's event source mappings) receive. What follows in this async flow — the
        // handler invocation and the delete — belongs to the consumer of that queue. An invocation still open
        // in this flow (its batch was not deleted) ends here.
        closeInvocation(storage.getStore(), Date.now());
        const queueName = String(command.input?.QueueUrl ?? '').split('/').pop() ?? '';
        const handler = consumers.get(queueName) ?? `unknown:${queueName}`;
        storage.enterWith({ actor: `consumer:${handler}`, handler });
      }
      return original.apply(this, args);
    };
  };
  patch(SQSClient, 'SQS');
  patch(DynamoDBClient, 'DynamoDB');
  patch(DynamoDBDocumentClient, 'DynamoDB');
  patch(EventBridgeClient, 'EventBridge');
  patch(S3Client, 'S3');
  patch(SecretsManagerClient, 'SecretsManager');

  const usage: AwsUsage = {
    observe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    runAs: (actor, fn) => storage.run({ actor }, fn),
    reset() {
      since = Date.now();
      counts = new Map();
      invocations = {};
    },
    snapshot() {
      return {
        since,
        until: Date.now(),
        commands: [...counts.values()].map((c) => ({ ...c })),
        invocations: Object.fromEntries(Object.entries(invocations).map(([k, v]) => [k, { ...v }])),
      };
    },
  };
  (globalThis as Record<symbol, unknown>)[MARKER] = usage;
  return usage;
}

/** A counter that counts nothing (and enables no async context tracking), for runs without counting. */
export function noAwsUsage(): AwsUsage {
  let since = Date.now();
  return {
    observe: () => () => undefined,
    runAs: (_actor, fn) => fn(),
    reset() {
      since = Date.now();
    },
    snapshot: () => ({ since, until: Date.now(), commands: [], invocations: {} }),
  };
}

/**
 * Capacity units of one DynamoDB request, on-demand terms: read request units (RRU) and write request units
 * (WRU). The figure DynamoDB Local reports (`ConsumedCapacity`) is used, raised to what AWS bills at least:
 * a read of a missing item still costs 0.5 RRU (eventually consistent) or 1 RRU (strongly consistent) per key,
 * which DynamoDB Local reports as 0 for `BatchGetItem`. A write refused by its condition still consumes
 * 1 WRU (an item ≤ 1 KB), and a cancelled `TransactWriteItems` 2 WRU per item; DynamoDB returns no capacity
 * with errors, so those are estimated that way.
 */
export function dynamoUnits(
  command: string,
  input: Record<string, unknown>,
  output: Record<string, unknown> | undefined,
  error: unknown,
): { read: number; write: number } {
  const isRead = READ_COMMANDS.has(command);
  const isWrite = WRITE_COMMANDS.has(command);
  if (!isRead && !isWrite) return { read: 0, write: 0 };
  if (output === undefined) {
    const name = (error as { name?: string } | undefined)?.name ?? '';
    if (isWrite && name === 'ConditionalCheckFailedException') return { read: 0, write: 1 };
    if (isWrite && name === 'TransactionCanceledException') {
      const items = Array.isArray(input['TransactItems']) ? input['TransactItems'].length : 1;
      return { read: 0, write: 2 * items };
    }
    return { read: 0, write: 0 };
  }
  const consumed = output['ConsumedCapacity'];
  const list = Array.isArray(consumed) ? consumed : consumed === undefined ? [] : [consumed];
  const reported = list.reduce((sum: number, c) => sum + Number((c as { CapacityUnits?: number }).CapacityUnits ?? 0), 0);
  if (isWrite) return { read: 0, write: Math.max(reported, 1) };
  return { read: Math.max(reported, minimumReadUnits(command, input)), write: 0 };
}

function minimumReadUnits(command: string, input: Record<string, unknown>): number {
  const perKey = (consistent: unknown) => (consistent === true ? 1 : 0.5);
  if (command === 'BatchGetItem') {
    const requestItems = (input['RequestItems'] ?? {}) as Record<string, { Keys?: unknown[]; ConsistentRead?: boolean }>;
    return Object.values(requestItems).reduce((sum, r) => sum + (r.Keys?.length ?? 0) * perKey(r.ConsistentRead), 0);
  }
  if (command === 'TransactGetItems') return 2 * (Array.isArray(input['TransactItems']) ? input['TransactItems'].length : 1);
  return perKey(input['ConsistentRead']);
}
