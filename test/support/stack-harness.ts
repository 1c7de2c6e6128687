/**
 * Helpers for tests that drive the whole local stack (`test/integration/sending`, `test/e2e`): the events log
 * read and filtered by detail-type and correlation, `SendRequested` put on the local bus as another AWS service
 * would, webhooks signed as Meta signs them, `POST /messages` signed with SigV4, outbox records read from
 * DynamoDB Local, queue depths, the Cloud API sandbox's control API over HTTP, and polling with deadlines that
 * say what they were waiting for.
 *
 * Nothing here starts anything by itself except `startSendingStack`, which runs `startLocalStack` in this
 * process on free ports with a private events log, and `spawnLocalStack`, which runs `npm start`'s command as a
 * child process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';

import { createMessageStore, type MessageRecord, type MessageStore } from '#shared/adapters/message-store.js';
import { DetailType, EVENT_SCHEMA_VERSION } from '#shared/contracts/events/catalogue.js';
import { signWebhookBody } from '#shared/domain/ingestion/webhook-signature.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localClientConfig } from '#infra/local/emulators.js';
import { LOCAL_SECRET_DEFAULTS, startLocalStack, type LocalStack, type LocalStackOptions } from '#infra/local/stack.js';
import type { CustomerMessageInput, CustomerMessageResult, FaultSpec, OutboundMessage, RequestLogEntry } from '#infra/local/sandbox/server.js';
import { STATE_TABLE } from '#infra/topology.js';

import { hermeticEnv } from './hermetic-env.js';

export { signWebhookBody };

/** The sandbox's default business number and account (Meta's example ids, also used by the fixtures). */
export const BUSINESS_PHONE_NUMBER_ID = '106540352242922';
export const BUSINESS_ACCOUNT_ID = '102290129340398';
/** The bus `startLocalStack` creates (`relais-local` prefix). */
export const LOCAL_BUS_NAME = 'relais-local-bus';
/** The `source` the tests put `SendRequested` with: "another AWS service". */
export const TEST_SOURCE = 'acme.orders';

// ---------------------------------------------------------------------------------------------------------------
// Polling
// ---------------------------------------------------------------------------------------------------------------

export interface PollOptions {
  /** @default 20000 */
  readonly timeoutMs?: number;
  /** @default 100 */
  readonly intervalMs?: number;
  /** What is awaited, for the timeout message ("MessageSent for m_123"). */
  readonly what: string;
  /** What was seen instead, appended to the timeout message. */
  readonly seen?: () => string;
}

/** Calls `probe` until it returns something other than `undefined`, or throws once the deadline passes. */
export async function eventually<T>(probe: () => T | undefined | Promise<T | undefined>, options: PollOptions): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const seen = options.seen === undefined ? '' : `; seen: ${options.seen()}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what}${seen}`);
    }
    await sleep(options.intervalMs ?? 100);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------------------------
// The events log
// ---------------------------------------------------------------------------------------------------------------

/** One line of the NDJSON events log: an EventBridge event as the local bus accepted it. */
export interface LoggedEvent {
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly time: string;
  readonly detail: {
    readonly metadata?: { readonly eventId?: string; readonly correlationId?: string; readonly [key: string]: unknown };
    readonly data?: Record<string, unknown>;
    readonly [key: string]: unknown;
  };
}

/** Every complete line of the log, oldest first (a line still being written is skipped). */
export function readEventsLog(path: string): LoggedEvent[] {
  if (!existsSync(path)) return [];
  const events: LoggedEvent[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      events.push(JSON.parse(line) as LoggedEvent);
    } catch {
      // The last line may be half-written while the bus appends; it is read complete next time.
    }
  }
  return events;
}

export interface EventFilter {
  readonly detailType?: string | readonly string[];
  /** `detail.metadata.correlationId` or `detail.data.correlationId`. */
  readonly correlationId?: string;
  readonly messageId?: string;
  readonly idempotencyKey?: string;
  readonly where?: (event: LoggedEvent) => boolean;
}

export function matches(event: LoggedEvent, filter: EventFilter): boolean {
  const data = event.detail.data ?? {};
  if (filter.detailType !== undefined) {
    const types = typeof filter.detailType === 'string' ? [filter.detailType] : filter.detailType;
    if (!types.includes(event['detail-type'])) return false;
  }
  if (filter.correlationId !== undefined && event.detail.metadata?.correlationId !== filter.correlationId && data['correlationId'] !== filter.correlationId) {
    return false;
  }
  if (filter.messageId !== undefined && data['messageId'] !== filter.messageId) return false;
  if (filter.idempotencyKey !== undefined) {
    const key = data['idempotencyKey'] ?? (event.detail['metadata'] as Record<string, unknown> | undefined)?.['idempotencyKey'];
    if (key !== filter.idempotencyKey) return false;
  }
  return filter.where === undefined || filter.where(event);
}

export function eventsMatching(path: string, filter: EventFilter): LoggedEvent[] {
  return readEventsLog(path).filter((event) => matches(event, filter));
}

function describeFilter(filter: EventFilter): string {
  const parts = [
    filter.detailType === undefined ? 'any event' : [filter.detailType].flat().join('|'),
    ...(filter.correlationId !== undefined ? [`correlationId ${filter.correlationId}`] : []),
    ...(filter.messageId !== undefined ? [`messageId ${filter.messageId}`] : []),
    ...(filter.idempotencyKey !== undefined ? [`idempotencyKey ${filter.idempotencyKey}`] : []),
    ...(filter.where !== undefined ? ['(with a condition)'] : []),
  ];
  return parts.join(', ');
}

/** A short account of the last events, for timeout messages. */
export function summariseLog(path: string, last = 25): string {
  const events = readEventsLog(path).slice(-last);
  if (events.length === 0) return '(events log empty)';
  return events
    .map((e) => {
      const data = e.detail.data ?? {};
      const id = (data['messageId'] ?? data['idempotencyKey'] ?? data['wamid'] ?? '') as string;
      const reason = data['reason'] === undefined ? '' : ` ${String(data['reason'])}`;
      return `${e['detail-type']}(${id}${reason})`;
    })
    .join(', ');
}

/** Waits until at least `count` events match, and returns every match. */
export function waitForEvents(path: string, filter: EventFilter, options: { count?: number; timeoutMs?: number } = {}): Promise<LoggedEvent[]> {
  const count = options.count ?? 1;
  return eventually(
    () => {
      const found = eventsMatching(path, filter);
      return found.length >= count ? found : undefined;
    },
    {
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      what: `${count} × ${describeFilter(filter)} in ${path}`,
      seen: () => summariseLog(path),
    },
  );
}

/** Waits for one matching event and returns the first. */
export async function waitForEvent(path: string, filter: EventFilter, options: { timeoutMs?: number } = {}): Promise<LoggedEvent> {
  return (await waitForEvents(path, filter, options))[0]!;
}

/** `detail.data` of an event, typed loosely for assertions. */
export function dataOf(event: LoggedEvent): Record<string, unknown> {
  return event.detail.data ?? {};
}

// ---------------------------------------------------------------------------------------------------------------
// Send requests
// ---------------------------------------------------------------------------------------------------------------

export interface SendRequestInput {
  readonly idempotencyKey?: string;
  readonly correlationId?: string;
  readonly to?: string;
  readonly recipientUserId?: string;
  readonly message: Record<string, unknown>;
  readonly phoneNumberId?: string;
  readonly businessAccountId?: string;
}

/** A `SendRequested` detail (`{ metadata, data }`), the same body `POST /messages` takes. */
export function sendRequest(input: SendRequestInput): { metadata: Record<string, unknown>; data: Record<string, unknown> } {
  return {
    metadata: {
      schemaVersion: EVENT_SCHEMA_VERSION,
      idempotencyKey: input.idempotencyKey ?? `it-${randomUUID()}`,
      ...(input.correlationId !== undefined ? { correlationId: input.correlationId } : {}),
    },
    data: {
      phoneNumberId: input.phoneNumberId ?? BUSINESS_PHONE_NUMBER_ID,
      ...(input.businessAccountId !== undefined ? { businessAccountId: input.businessAccountId } : {}),
      ...(input.to !== undefined ? { to: input.to } : {}),
      ...(input.recipientUserId !== undefined ? { recipientUserId: input.recipientUserId } : {}),
      message: input.message,
    },
  };
}

export const text = (body: string): Record<string, unknown> => ({ type: 'text', body });

/** Puts events on the local bus through the real PutEvents API, as any AWS service would. */
export interface BusClient {
  /**
   * Puts one `SendRequested` (the detail as given, valid or not) and returns the bus's event id. With `raw`,
   * `detail` is the detail's JSON text, sent as is (for JSON deeper than `JSON.stringify` can write).
   */
  putSendRequested(detail: unknown, options?: { source?: string; raw?: boolean }): Promise<string>;
  destroy(): void;
}

export function busClient(busUrl: string, busName: string = LOCAL_BUS_NAME): BusClient {
  const client = new EventBridgeClient({ ...localClientConfig(busUrl), maxAttempts: 2 });
  return {
    async putSendRequested(detail, options = {}) {
      const out = await client.send(
        new PutEventsCommand({
          Entries: [{ EventBusName: busName, Source: options.source ?? TEST_SOURCE, DetailType: DetailType.SendRequested, Detail: options.raw === true ? String(detail) : JSON.stringify(detail) }],
        }),
      );
      const entry = out.Entries?.[0];
      if ((out.FailedEntryCount ?? 0) > 0 || entry?.EventId === undefined) {
        throw new Error(`the local bus refused SendRequested: ${entry?.ErrorCode ?? 'no entry'} ${entry?.ErrorMessage ?? ''}`);
      }
      return entry.EventId;
    },
    destroy: () => client.destroy(),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP API
// ---------------------------------------------------------------------------------------------------------------

export interface HttpAnswer {
  readonly status: number;
  readonly text: string;
  /** The body parsed as JSON, or `undefined` when it is not JSON. */
  readonly json: unknown;
}

async function answer(response: Response): Promise<HttpAnswer> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

/** POSTs a webhook body to `{apiUrl}/webhook`, signed with `appSecret` unless `appSecret` is `null`. */
export async function postWebhook(apiUrl: string, rawBody: string, appSecret: string | null = LOCAL_SECRET_DEFAULTS.appSecret): Promise<HttpAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (appSecret !== null) headers['x-hub-signature-256'] = signWebhookBody(rawBody, appSecret);
  return answer(await fetch(`${apiUrl}/webhook`, { method: 'POST', headers, body: rawBody }));
}

/** The SHA-256 the SDK signer needs, on node:crypto. */
class Sha256 implements Checksum {
  private chunks: Buffer[] = [];
  constructor(private readonly secret?: SourceData) {}
  update(data: Uint8Array): void {
    this.chunks.push(Buffer.from(data));
  }
  async digest(): Promise<Uint8Array> {
    const data = Buffer.concat(this.chunks);
    if (this.secret === undefined) return createHash('sha256').update(data).digest();
    const key = typeof this.secret === 'string' ? this.secret : Buffer.from(this.secret as Uint8Array);
    return createHmac('sha256', key).update(data).digest();
  }
  reset(): void {
    this.chunks = [];
  }
}

/** `POST {apiUrl}/messages` signed with SigV4 (`execute-api`) and the local credentials, as an IAM caller would. */
export async function postMessage(apiUrl: string, body: unknown): Promise<HttpAnswer> {
  return postRawMessage(apiUrl, JSON.stringify(body));
}

/** {@link postMessage} with the body text as given (not JSON, or JSON no serialiser would produce). */
export async function postRawMessage(apiUrl: string, raw: string): Promise<HttpAnswer> {
  return signedRequest(apiUrl, { method: 'POST', path: '/messages', headers: { 'content-type': 'application/json' }, body: raw });
}

/** A request to the local HTTP API; `path` is sent as given, percent-encoded (or malformed) as the caller wrote it. */
export interface ApiRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

/** Sends `request` signed with SigV4 (`execute-api`) and the local credentials, as an IAM caller would. */
export async function signedRequest(apiUrl: string, request: ApiRequest): Promise<HttpAnswer> {
  const url = new URL(apiUrl);
  const signer = new SignatureV4({ service: 'execute-api', region: LOCAL_REGION, credentials: { ...LOCAL_CREDENTIALS }, sha256: Sha256 });
  // A query string in `path` is signed as SigV4's canonical query, as curl --aws-sigv4 does.
  const mark = request.path.indexOf('?');
  const query: Record<string, string | string[]> = {};
  if (mark !== -1) {
    for (const [key, value] of new URLSearchParams(request.path.slice(mark + 1))) {
      const held = query[key];
      query[key] = held === undefined ? value : [...(Array.isArray(held) ? held : [held]), value];
    }
  }
  const signed = await signer.sign({
    method: request.method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: mark === -1 ? request.path : request.path.slice(0, mark),
    query,
    headers: { host: url.host, ...request.headers },
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  const { host: _host, ...headers } = signed.headers;
  return answer(await fetch(`${url.origin}${request.path}`, { method: request.method, headers, ...(request.body === undefined ? {} : { body: request.body }) }));
}

// ---------------------------------------------------------------------------------------------------------------
// DynamoDB and SQS
// ---------------------------------------------------------------------------------------------------------------

export interface Outbox {
  readonly store: MessageStore;
  readonly client: DynamoDBDocumentClient;
  get(messageId: string): Promise<MessageRecord | undefined>;
  /** Waits until the record's status is one of `statuses`. */
  waitForStatus(messageId: string, statuses: readonly string[], timeoutMs?: number): Promise<MessageRecord>;
  destroy(): void;
}

/** The outbox (message store) on the stack's state table, through its own document client. */
export function outbox(dynamoEndpoint: string, tableName: string): Outbox {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(dynamoEndpoint)), { marshallOptions: { removeUndefinedValues: true } });
  const store = createMessageStore({ client, tableName });
  return {
    store,
    client,
    get: (messageId) => store.get(messageId),
    async waitForStatus(messageId, statuses, timeoutMs = 20_000) {
      let last: MessageRecord | undefined;
      return eventually(
        async () => {
          last = await store.get(messageId);
          return last !== undefined && statuses.includes(last.status) ? last : undefined;
        },
        { timeoutMs, what: `outbox record ${messageId} in ${statuses.join('|')}`, seen: () => `status ${last?.status ?? '(no record)'}` },
      );
    },
    destroy: () => client.destroy(),
  };
}

/** Messages a queue holds: visible, in flight and delayed. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return (
    Number(Attributes['ApproximateNumberOfMessages'] ?? 0) +
    Number(Attributes['ApproximateNumberOfMessagesNotVisible'] ?? 0) +
    Number(Attributes['ApproximateNumberOfMessagesDelayed'] ?? 0)
  );
}

/** Depth of every queue and DLQ of the stack, keyed `Consumer` and `Consumer-dlq`. */
export async function allQueueDepths(sqs: SQSClient, queueUrls: LocalStack['queueUrls']): Promise<Record<string, number>> {
  const entries = await Promise.all(
    Object.entries(queueUrls).flatMap(([id, { queueUrl, dlqUrl }]) => [
      queueDepth(sqs, queueUrl).then((n) => [id, n] as const),
      queueDepth(sqs, dlqUrl).then((n) => [`${id}-dlq`, n] as const),
    ]),
  );
  return Object.fromEntries(entries);
}

// ---------------------------------------------------------------------------------------------------------------
// The Cloud API sandbox, over its control API (for a stack running in another process)
// ---------------------------------------------------------------------------------------------------------------

export interface SandboxControl {
  requests(): Promise<RequestLogEntry[]>;
  messages(): Promise<OutboundMessage[]>;
  actAsCustomer(customerId: string, input: CustomerMessageInput): Promise<CustomerMessageResult>;
  addFaults(faults: FaultSpec | readonly FaultSpec[]): Promise<void>;
  clearFaults(): Promise<void>;
}

export function sandboxControl(sandboxUrl: string): SandboxControl {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${sandboxUrl}/_sandbox${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`sandbox ${method} ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as T;
  }
  return {
    requests: async () => (await call<{ requests: RequestLogEntry[] }>('GET', '/requests')).requests,
    messages: async () => (await call<{ messages: OutboundMessage[] }>('GET', '/messages')).messages,
    actAsCustomer: (customerId, input) => call('POST', `/customers/${encodeURIComponent(customerId)}/messages`, input),
    addFaults: async (faults) => {
      await call('POST', '/faults', faults);
    },
    clearFaults: async () => {
      await call('DELETE', '/faults');
    },
  };
}

/** `biz_opaque_callback_data` of a Graph request: Relais's message id. */
export function callbackDataOf(entry: RequestLogEntry): string | undefined {
  const body = entry.body as { biz_opaque_callback_data?: unknown } | null;
  return typeof body?.biz_opaque_callback_data === 'string' ? body.biz_opaque_callback_data : undefined;
}

/** Graph send requests the sandbox received for `messageId`, oldest first. */
export function requestsFor(requests: readonly RequestLogEntry[], messageId: string): RequestLogEntry[] {
  return requests.filter((r) => callbackDataOf(r) === messageId).sort((a, b) => a.seq - b.seq);
}

/** Requests the sandbox accepted (HTTP 200 with a wamid), oldest first. */
export function acceptedRequests(requests: readonly RequestLogEntry[]): RequestLogEntry[] {
  return requests.filter((r) => r.status === 200 && r.wamid !== undefined).sort((a, b) => a.seq - b.seq);
}

// ---------------------------------------------------------------------------------------------------------------
// An in-process stack for one test file
// ---------------------------------------------------------------------------------------------------------------

export interface SendingStack {
  readonly stack: LocalStack;
  readonly eventsLogPath: string;
  readonly bus: BusClient;
  readonly outbox: Outbox;
  readonly sqs: SQSClient;
  readonly stateTableName: string;
  stop(): Promise<void>;
}

/**
 * Starts the local stack in this process on free ports, with its events log in a fresh temporary directory,
 * and clients pointed at it. Handlers read their settings once per process, so one test file gets one stack:
 * pass the handler settings it needs (`SEND_MAX_ATTEMPTS`, `GRAPH_API_TIMEOUT_MS`, …) in `env`.
 */
export async function startSendingStack(options: Omit<LocalStackOptions, 'port' | 'sandboxPort' | 'eventsLogPath'> = {}): Promise<SendingStack> {
  const dir = await mkdtemp(join(tmpdir(), 'relais-sending-'));
  const eventsLogPath = join(dir, 'events.ndjson');
  let stack: LocalStack;
  try {
    stack = await startLocalStack({ ...options, port: 0, sandboxPort: 0, eventsLogPath });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const stateTableName = stack.tableNames[STATE_TABLE.id]!;
  const bus = busClient(stack.busUrl, stack.bus.busName);
  const box = outbox(stack.dynamoEndpoint, stateTableName);
  const sqs = new SQSClient(localClientConfig(stack.sqsEndpoint));
  return {
    stack,
    eventsLogPath,
    bus,
    outbox: box,
    sqs,
    stateTableName,
    async stop() {
      bus.destroy();
      box.destroy();
      sqs.destroy();
      await stack.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A UK mobile customer number, +44 7911 123NNN: valid for libphonenumber and not +1 (so marketing is allowed).
 * Every test file starts its own stack, so numbers only need to differ within a file. `n` from 0 to 999.
 */
export function ukMobile(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 999) throw new RangeError(`ukMobile takes 0..999, got ${n}`);
  return `+447911123${String(n).padStart(3, '0')}`;
}

/** The wa_id (digits) the sandbox and Meta use for an E.164 number. */
export function waIdOf(e164: string): string {
  return e164.replace(/^\+/, '');
}

// ---------------------------------------------------------------------------------------------------------------
// `npm start` as a child process
// ---------------------------------------------------------------------------------------------------------------

/** What `infra/local/start.ts` prints once everything listens. */
export interface ReadyBanner {
  readonly apiUrl: string;
  readonly sandboxUrl: string;
  readonly busUrl: string;
  readonly dynamoEndpoint: string;
  readonly sqsEndpoint: string;
  readonly eventsLogPath: string;
  readonly busName: string;
  readonly deadLettersPath: string;
}

export interface LocalStackProcess {
  readonly child: ChildProcess;
  readonly banner: ReadyBanner;
  /** Everything the process printed so far (stdout and stderr interleaved). */
  output(): string;
  /** Resolves with the exit code and signal once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills the whole process group with SIGKILL if anything of it still runs (a safety net for `afterAll`). */
  killGroup(): void;
}

/** A free TCP port on 127.0.0.1, as the OS hands it out (free when this returns; bind it soon). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolvePort());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  return port;
}

/**
 * Runs `npx tsx infra/local/start.ts` (what `npm start` runs after its dependency check) in `cwd`, in a process
 * group of its own, and resolves once its ready banner is printed. The child gets this process's environment
 * without any stack variable (`hermeticEnv`: no WHATSAPP_*, AWS_*, PORT, … of the caller's shell) plus `env`,
 * so it runs on the documented defaults except where the test says otherwise. Rejects with the output so far if it exits
 * or is not ready within `readyTimeoutMs`.
 */
export async function spawnLocalStack(options: { cwd: string; env: Readonly<Record<string, string>>; readyTimeoutMs?: number }): Promise<LocalStackProcess> {
  const child = spawn('npx', ['tsx', 'infra/local/start.ts'], {
    cwd: options.cwd,
    env: { ...hermeticEnv(), ...options.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
    child.once('exit', (code, signal) => resolveExit({ code, signal })),
  );
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const killGroup = () => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Nothing left in the group.
    }
  };

  try {
    const banner = await eventually(() => (hasExited ? 'exited' : parseBanner(output)), {
      timeoutMs: options.readyTimeoutMs ?? 90_000,
      intervalMs: 100,
      what: 'the local stack to print its ready banner',
      seen: () => `output so far:\n${output}`,
    });
    if (banner === 'exited') throw new Error(`the local stack exited before it was ready; output:\n${output}`);
    return { child, banner, output: () => output, exited, killGroup };
  } catch (error) {
    killGroup();
    throw error;
  }
}

function parseBanner(output: string): ReadyBanner | undefined {
  if (!output.includes('Relais local stack ready') || !output.includes('Press Ctrl-C to stop.')) return undefined;
  const field = (label: string) => {
    const match = new RegExp(`^\\s*${label}\\s+(\\S+)`, 'm').exec(output);
    if (match?.[1] === undefined) throw new Error(`the ready banner has no "${label}" line:\n${output}`);
    return match[1];
  };
  return {
    apiUrl: field('HTTP API'),
    sandboxUrl: field('Cloud API'),
    busUrl: field('EventBridge'),
    dynamoEndpoint: field('DynamoDB Local'),
    sqsEndpoint: field('SQS / S3'),
    eventsLogPath: field('Events log'),
    busName: field('Bus name'),
    deadLettersPath: field('Dead letters'),
  };
}

/** A process as /proc shows it (Linux). */
export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly command: string;
}

/** Every process of the process group `pgid` (Linux `/proc`). */
export function processesInGroup(pgid: number): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after "(comm)": state ppid pgrp …
      const [, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) !== pgid) continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      found.push({ pid: Number(entry), ppid: Number(ppid), pgid: Number(pgrp), command });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** Whether a process with this pid still exists (and is not a zombie). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
