import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_PAIR_RATE } from '../../shared/domain/sending/pacing.js';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/emulators.js';
import type { LocalStack } from '../../infra/local/stack.js';
import type { RequestLogEntry } from '../../infra/local/sandbox/server.js';
import type { AwsUsage, AwsUsageSnapshot } from './aws-usage.js';
import { orderFigure, type OrderedMessage, type OrderFigure } from './findings.js';
import { logSize, readLogSlice } from './events-log.js';
import { rateOf, summarise, type LatencySummary, type RateSummary } from './stats.js';

/**
 * The send-pipeline run (issue 4), executed next to a running local stack: open the customer-service window
 * of every recipient, then put numbered `SendRequested` service texts on the bus as fast as the bus takes
 * them, and read what reached "Meta" (the sandbox's request log): rate, errors, order, duplicates, latency,
 * plus the AWS requests the whole lifecycle cost (up to the status webhooks being processed).
 */

export interface SendRunOptions {
  /** Messages per second configured for the number, in Relais and in the sandbox. */
  readonly throughputPerSecond: number;
  readonly recipients: number;
  /** Messages to each recipient; at most Relais's pair burst, so the per-number limit is what is measured. */
  readonly perRecipient: number;
  /** PutEvents calls in flight at once. */
  readonly putConcurrency: number;
  /** Messages of the unloaded latency probe (one every `probeIntervalMs`, to their own recipients). */
  readonly probeMessages: number;
  readonly probeIntervalMs: number;
  /** How long to wait for every message to reach the sandbox after the last put. */
  readonly acceptDeadlineMs: number;
  /** How long to wait afterwards for the stack to be idle (status webhooks processed). */
  readonly idleDeadlineMs: number;
  readonly runId: string;
}

export interface SendRunResult {
  readonly options: SendRunOptions;
  readonly pairRate: { readonly relais: { intervalMs: number; burst: number }; readonly sandbox: { perSeconds: number; burst: number } };
  readonly windows: { readonly opened: number; readonly failed: number; readonly ms: number };
  readonly probe: { readonly sent: number; readonly accepted: number; readonly latencyMs: LatencySummary };
  readonly requested: number;
  readonly putFailures: number;
  readonly putMs: number;
  /** Time between the puts of consecutive messages to the same recipient (the ordering test's margin). */
  readonly samePairPutGapMs: LatencySummary;
  /** Time from the first put to the last acceptance at the sandbox. */
  readonly deliveryMs: number | undefined;
  readonly accepted: number;
  readonly missing: number;
  readonly duplicates: number;
  readonly graphRequests: number;
  readonly errorsByCode: Readonly<Record<string, number>>;
  /**
   * Per-recipient order, stage by stage: requested (the bench's puts) → accepted (the order the request-send
   * consumer put the messages on the outbound FIFO lane, by SQS sequence number: Relais's acceptance) → sent (the
   * sandbox's arrival order). Order lost before acceptance is the bus's, documented; order lost after it is Relais's.
   */
  readonly order: OrderFigure;
  readonly rate: RateSummary;
  readonly pacingAccuracy: number | undefined;
  readonly latencyMs: LatencySummary;
  readonly idle: { readonly reached: boolean; readonly afterMs: number };
  readonly events: Readonly<Record<string, number>>;
  readonly rejections: Readonly<Record<string, number>>;
  readonly failures: Readonly<Record<string, number>>;
  readonly webhooks: { readonly deliveries: number; readonly attempts: number; readonly failed: number };
  readonly usage: AwsUsageSnapshot;
  readonly harnessUsage: readonly { command: string; calls: number }[];
}

const BODY = /^bench (\S+) r(\d+) #(\d+)$/;
const IDEMPOTENCY_KEY = /^bench-(\S+)-r(\d+)-(\d+)$/;
/** Relais's defaults (PAIR_INTERVAL_MS, PAIR_BURST) and the sandbox's (Meta's 1 per 6 s, bursts of 45). */
const SANDBOX_PAIR_RATE = { perSeconds: 6, burst: 45 };

export function recipientWaId(index: number): string {
  return `1650555${String(1000 + index).padStart(4, '0')}`;
}

export async function runSendScenario(stack: LocalStack, usage: AwsUsage, options: SendRunOptions): Promise<SendRunResult> {
  const relaisPair = {
    intervalMs: Number(process.env['PAIR_INTERVAL_MS'] ?? DEFAULT_PAIR_RATE.intervalMs),
    burst: Number(process.env['PAIR_BURST'] ?? DEFAULT_PAIR_RATE.burst),
  };
  if (options.perRecipient > relaisPair.burst) {
    throw new Error(`perRecipient ${options.perRecipient} exceeds Relais's pair burst ${relaisPair.burst}: the pair rate, not the number's throughput, would be measured`);
  }
  const phoneNumberId = stack.sandbox.phoneNumbers[0]!.id;
  const producer = new EventBridgeClient({ region: LOCAL_REGION, endpoint: stack.busUrl, credentials: { ...LOCAL_CREDENTIALS } });
  const idle = (ms: number) => usage.runAs('harness', () => stack.whenIdle(ms));

  // 1. Every recipient (and each probe recipient) writes first: the customer-service window opens.
  const totalRecipients = options.recipients + options.probeMessages;
  const windowsStarted = Date.now();
  let opened = 0;
  let failedWindows = 0;
  await pool(totalRecipients, 8, async (i) => {
    const result = await stack.sandbox.actAsCustomer(recipientWaId(i), { type: 'text', text: { body: 'Hello, a question about my order' } });
    if (result.delivered === 200) opened++;
    else failedWindows++;
  });
  await idle(120_000);
  const windowsMs = Date.now() - windowsStarted;

  const entry = (recipient: number, k: number): PutEventsRequestEntry => ({
    EventBusName: stack.bus.busName,
    Source: 'bench.orders',
    DetailType: 'SendRequested',
    Detail: JSON.stringify({
      metadata: { schemaVersion: 1, idempotencyKey: `bench-${options.runId}-r${recipient}-${k}`, correlationId: `bench-${options.runId}-r${recipient}` },
      data: { phoneNumberId, to: `+${recipientWaId(recipient)}`, message: { type: 'text', body: `bench ${options.runId} r${recipient} #${k}` } },
    }),
  });
  const putAt = new Map<string, number>();
  let putFailures = 0;
  const put = async (entries: Array<{ key: string; entry: PutEventsRequestEntry }>) => {
    const startedAt = Date.now();
    for (const e of entries) putAt.set(e.key, startedAt);
    const out = await usage.runAs('producer', () => producer.send(new PutEventsCommand({ Entries: entries.map((e) => e.entry) })));
    putFailures += out.FailedEntryCount ?? 0;
  };

  // 2. Unloaded latency: single messages, spaced, to the probe recipients (not counted in the main run).
  stack.sandbox.clearRequests();
  for (let i = 0; i < options.probeMessages; i++) {
    const r = options.recipients + i;
    await put([{ key: `r${r}#0`, entry: entry(r, 0) }]);
    await sleep(options.probeIntervalMs);
  }
  await waitForAccepted(stack, options.runId, options.probeMessages, Date.now() + 30_000);
  const probeSeen = analyse(stack.sandbox.requests(), options.runId, putAt);
  await idle(60_000);

  // 3. The burst: message k of every recipient before message k+1 of any, ten entries per PutEvents.
  stack.sandbox.clearRequests();
  putAt.clear();
  const deliveriesBefore = stack.sandbox.webhookDeliveries().length;
  const logStart = await logSize(stack.eventsLogPath);
  usage.reset();
  const enqueued: Array<{ messageId: string; sequence: string; order: number }> = [];
  const stopObserving = usage.observe((call) => {
    if (call.service !== 'SQS' || call.command !== 'SendMessage' || !String(call.input['QueueUrl'] ?? '').endsWith('.fifo')) return;
    if (call.actor !== 'consumer:request-send') return;
    try {
      const { messageId } = JSON.parse(String(call.input['MessageBody'])) as { messageId?: string };
      if (typeof messageId === 'string') enqueued.push({ messageId, sequence: String(call.output['SequenceNumber'] ?? ''), order: enqueued.length });
    } catch {
      // Not an outbound queue message: ignored.
    }
  });
  const batches: Array<Array<{ key: string; entry: PutEventsRequestEntry }>> = [];
  let current: Array<{ key: string; entry: PutEventsRequestEntry }> = [];
  for (let k = 0; k < options.perRecipient; k++) {
    for (let r = 0; r < options.recipients; r++) {
      current.push({ key: `r${r}#${k}`, entry: entry(r, k) });
      if (current.length === 10) {
        batches.push(current);
        current = [];
      }
    }
  }
  if (current.length > 0) batches.push(current);
  const requested = options.recipients * options.perRecipient;
  // A recipient's message k+1 is put only once the batch holding its message k was answered.
  const batchesPerRound = Math.max(1, Math.floor(options.recipients / 10));
  const done: Array<Promise<void>> = [];
  const putStarted = Date.now();
  await pool(batches.length, options.putConcurrency, async (b) => {
    const previousRound = b >= batchesPerRound ? done[b - batchesPerRound] : undefined;
    const promise = (async () => {
      await previousRound;
      await put(batches[b]!);
    })();
    done[b] = promise;
    await promise;
  });
  const putMs = Date.now() - putStarted;

  // 4. Wait for "Meta" to have accepted every message, then for the statuses to be processed.
  await waitForAccepted(stack, options.runId, requested, Date.now() + options.acceptDeadlineMs);
  const idleStarted = Date.now();
  let idleReached = true;
  try {
    await idle(options.idleDeadlineMs);
  } catch {
    idleReached = false;
  }
  const idleAfterMs = Date.now() - idleStarted;
  const snapshot = usage.snapshot();
  stopObserving();

  const seen = analyse(stack.sandbox.requests(), options.runId, putAt);
  const deliveries = stack.sandbox.webhookDeliveries().slice(deliveriesBefore);
  const rejections: Record<string, number> = {};
  const failures: Record<string, number> = {};
  const keyOfMessage = new Map<string, { recipient: string; k: number }>();
  const slice = await readLogSlice(stack.eventsLogPath, logStart, undefined, (event) => {
    const detail = event['detail'] as { data?: { reason?: string; messageId?: string; idempotencyKey?: string } } | undefined;
    if (event['detail-type'] === 'SendAccepted') {
      const match = IDEMPOTENCY_KEY.exec(detail?.data?.idempotencyKey ?? '');
      if (match !== null && match[1] === options.runId && detail?.data?.messageId !== undefined) keyOfMessage.set(detail.data.messageId, { recipient: match[2]!, k: Number(match[3]) });
    }
    if (event['detail-type'] === 'SendRejected') rejections[detail?.data?.reason ?? 'unknown'] = (rejections[detail?.data?.reason ?? 'unknown'] ?? 0) + 1;
    if (event['detail-type'] === 'MessageFailed') failures[detail?.data?.reason ?? 'unknown'] = (failures[detail?.data?.reason ?? 'unknown'] ?? 0) + 1;
  });

  const rate = rateOf(seen.acceptedTimes);
  const harness = snapshot.commands.filter((c) => c.actor === 'harness');
  return {
    options,
    pairRate: { relais: relaisPair, sandbox: SANDBOX_PAIR_RATE },
    windows: { opened, failed: failedWindows, ms: windowsMs },
    probe: { sent: options.probeMessages, accepted: probeSeen.accepted, latencyMs: summarise(probeSeen.latencies) },
    requested,
    putFailures,
    putMs,
    samePairPutGapMs: summarise(samePairGaps(putAt, options.recipients, options.perRecipient)),
    deliveryMs: rate.lastAt === undefined ? undefined : rate.lastAt - putStarted,
    accepted: seen.accepted,
    missing: requested - seen.accepted,
    duplicates: seen.duplicates,
    graphRequests: seen.graphRequests,
    errorsByCode: seen.errorsByCode,
    order: orderFigure(orderedMessages(seen.acceptedMessages, acceptanceOrder(enqueued, keyOfMessage))),
    rate,
    pacingAccuracy: rate.steadyPerSecond === undefined ? undefined : rate.steadyPerSecond / options.throughputPerSecond,
    latencyMs: summarise(seen.latencies),
    idle: { reached: idleReached, afterMs: idleAfterMs },
    events: slice.byDetailType,
    rejections,
    failures,
    webhooks: {
      deliveries: deliveries.length,
      attempts: deliveries.reduce((sum, d) => sum + d.attempts, 0),
      failed: deliveries.filter((d) => !d.ok).length,
    },
    usage: { ...snapshot, commands: snapshot.commands.filter((c) => c.actor !== 'harness') },
    harnessUsage: harness.map((c) => ({ command: `${c.service}.${c.command}`, calls: c.calls })),
  };
}

interface Seen {
  readonly graphRequests: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly errorsByCode: Record<string, number>;
  /** Each message's first acceptance, with the sandbox's request sequence number. */
  readonly acceptedMessages: Array<{ recipient: string; k: number; seq: number }>;
  readonly acceptedTimes: number[];
  readonly latencies: number[];
}

/**
 * What the sandbox received for this run, in arrival order (`seq`):
 * - accepted = distinct (recipient, number) answered 200; a second 200 for the same pair is a duplicate;
 * - acceptedMessages = each pair's first 200, for the order figure (`orderFigure`);
 * - latency = first acceptance − the start of the PutEvents call that carried the request.
 */
function analyse(log: readonly RequestLogEntry[], runId: string, putAt: ReadonlyMap<string, number>): Seen {
  const entries = [...log].filter((e) => e.method === 'POST' && e.path.endsWith('/messages')).sort((a, b) => a.seq - b.seq);
  const errorsByCode: Record<string, number> = {};
  const acceptedKeys = new Set<string>();
  const acceptedMessages: Array<{ recipient: string; k: number; seq: number }> = [];
  const acceptedTimes: number[] = [];
  const latencies: number[] = [];
  let duplicates = 0;
  let graphRequests = 0;
  for (const e of entries) {
    const text = (e.body as { text?: { body?: unknown } } | null)?.text?.body;
    const match = typeof text === 'string' ? BODY.exec(text) : null;
    if (match === null || match[1] !== runId) continue;
    graphRequests++;
    if (e.status !== 200) {
      const code = String(e.code ?? `http${e.status}`);
      errorsByCode[code] = (errorsByCode[code] ?? 0) + 1;
      continue;
    }
    const recipient = match[2]!;
    const k = Number(match[3]);
    const key = `r${recipient}#${k}`;
    if (acceptedKeys.has(key)) {
      duplicates++;
      continue;
    }
    acceptedKeys.add(key);
    acceptedMessages.push({ recipient, k, seq: e.seq });
    const at = Date.parse(e.time);
    acceptedTimes.push(at);
    const sentAt = putAt.get(key);
    if (sentAt !== undefined) latencies.push(at - sentAt);
  }
  return {
    graphRequests,
    accepted: acceptedKeys.size,
    duplicates,
    errorsByCode,
    acceptedMessages,
    acceptedTimes,
    latencies,
  };
}

function samePairGaps(putAt: ReadonlyMap<string, number>, recipients: number, perRecipient: number): number[] {
  const gaps: number[] = [];
  for (let r = 0; r < recipients; r++) {
    for (let k = 1; k < perRecipient; k++) {
      const before = putAt.get(`r${r}#${k - 1}`);
      const after = putAt.get(`r${r}#${k}`);
      if (before !== undefined && after !== undefined) gaps.push(after - before);
    }
  }
  return gaps;
}

/**
 * Relais's acceptance order, keyed `r<recipient>#<k>`: the position of each message's first enqueue on the outbound
 * FIFO lane. FIFO sequence numbers are decimal strings of up to 20 digits (above 2^53), compared as big integers;
 * when the emulator returned none, the order the calls were answered in stands in.
 */
function acceptanceOrder(
  enqueued: ReadonlyArray<{ messageId: string; sequence: string; order: number }>,
  keyOfMessage: ReadonlyMap<string, { recipient: string; k: number }>,
): Map<string, bigint> {
  const bySequence = enqueued.every((e) => /^\d+$/.test(e.sequence));
  const accepted = new Map<string, bigint>();
  for (const e of enqueued) {
    const key = keyOfMessage.get(e.messageId);
    if (key === undefined) continue;
    const position = bySequence ? BigInt(e.sequence) : BigInt(e.order);
    const id = `r${key.recipient}#${key.k}`;
    const earlier = accepted.get(id);
    if (earlier === undefined || position < earlier) accepted.set(id, position);
  }
  return accepted;
}

function orderedMessages(sent: ReadonlyArray<{ recipient: string; k: number; seq: number }>, accepted: ReadonlyMap<string, bigint>): OrderedMessage[] {
  return sent.map((m) => ({ recipient: m.recipient, requested: m.k, accepted: accepted.get(`r${m.recipient}#${m.k}`), sent: m.seq }));
}

async function waitForAccepted(stack: LocalStack, runId: string, expected: number, deadline: number): Promise<boolean> {
  for (;;) {
    const accepted = new Set<string>();
    for (const e of stack.sandbox.requests()) {
      if (e.status !== 200) continue;
      const text = (e.body as { text?: { body?: unknown } } | null)?.text?.body;
      const match = typeof text === 'string' ? BODY.exec(text) : null;
      if (match !== null && match[1] === runId) accepted.add(`${match[2]}#${match[3]}`);
    }
    if (accepted.size >= expected) return true;
    if (Date.now() > deadline) return false;
    await sleep(250);
  }
}

/** Runs `task(0..count-1)` with at most `concurrency` at once, in index order. */
export async function pool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, () => worker()));
}
