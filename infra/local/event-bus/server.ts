import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import pLimit from 'p-limit';
import { logger } from '#shared/logger.js';
import { RULE_TARGET_RETRY } from '../../topology.js';
import { compilePattern, validatePattern, type EventMatcher, type EventPattern } from './pattern.js';

/**
 * The local EventBridge bus of `npm start`: an HTTP server speaking EventBridge's wire protocol (AWS JSON 1.1,
 * `X-Amz-Target: AWSEvents.<Operation>`), so the handlers' real `EventBridgeClient` talks to it unchanged
 * once `AWS_ENDPOINT_URL_EVENTBRIDGE` points here. It answers `PutEvents` and `DescribeEventBus`, routes
 * every accepted event through the same patterns as the CDK rules, and appends it to an NDJSON log.
 *
 * Local endpoints besides the AWS protocol (for tests that run the stack in a child process):
 * - `POST /_local/faults` with JSON `{"failNextEntries": n, "errorCode"?: "ThrottlingException"}` and/or
 *   `{"failNextDeliveries": n}` → 204. Same effect as {@link LocalEventBus.failNextEntries} and
 *   {@link LocalEventBus.failNextDeliveries}. A malformed body → 400 `{"message": "..."}` naming the problem.
 * - `GET /_local/health` → 200 `{"status":"ok","busName":"...","arn":"..."}`.
 */

/** The event envelope EventBridge delivers to targets, and the shape of each line of the events log. */
export interface BusEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  /** RFC 3339 in UTC to the second, as EventBridge writes it: `2026-03-01T10:15:00Z`. */
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Readonly<Record<string, unknown>>;
}

/** The `Detail` text each accepted event arrived with, so that serialising it never walks the parsed detail. */
const detailTexts = new WeakMap<BusEvent, string>();

/**
 * The event as one line of JSON, as written to the events log and delivered to targets. Its detail is the
 * text the producer put (line breaks, which JSON allows only as whitespace, become spaces), so a detail nested
 * deeper than `JSON.stringify` can recurse is carried as it came instead of failing the put.
 */
export function serialiseBusEvent(event: BusEvent): string {
  const text = detailTexts.get(event);
  if (text === undefined) return JSON.stringify(event);
  const { detail: _, ...envelope } = event;
  return `${JSON.stringify(envelope).slice(0, -1)},"detail":${text.replace(/[\r\n]/g, ' ')}}`;
}

/** A delivery the bus gave up on, as appended (with the event) to the dead-letter log. */
export interface DeadLetter {
  readonly rule: string;
  readonly eventId: string;
  readonly detailType: string;
  readonly source: string;
  readonly reason: 'retries-exhausted' | 'max-event-age-exceeded' | 'not-retryable' | 'bus-closed-before-retry';
  /** The target's last error message. */
  readonly error: string;
  readonly attempts: number;
  readonly failedAt: string;
  /** The dead-letter log it was appended to. */
  readonly path: string;
  /** False when appending to the log failed (the bus logged why). */
  readonly written: boolean;
}

/** The dead-letter log of a bus whose events log is `eventsLogPath`: `dead-letters.ndjson` beside it. */
export function deadLettersPathFor(eventsLogPath: string): string {
  return join(dirname(eventsLogPath), 'dead-letters.ndjson');
}

/** What an injected delivery failure throws: a 400-class answer, which EventBridge does not retry. */
class InjectedDeliveryFailure extends Error {
  readonly $metadata = { httpStatusCode: 400 };
  constructor() {
    super('Failed by the local event bus fault injection (failNextDeliveries).');
  }
}

/** One rule of the bus and its target. */
export interface LocalRule {
  /** Named in dead letters and logs. */
  readonly name: string;
  /** The rule's event pattern, as synthesised for the CDK rule. Validated when the bus starts. */
  readonly pattern: EventPattern;
  /** Invokes the target. A rejection is retried as `DeliveryRetryOptions` describes, then dead-lettered. */
  readonly deliver: (event: BusEvent) => Promise<void>;
}

/**
 * How the bus retries a target, after EventBridge: a retryable failure is retried with exponential backoff
 * and jitter until `retryAttempts` retries are spent or the event is older than `maxEventAgeMs`; a failure
 * that is not retryable is dead-lettered at once
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html). The attempts and the
 * age default to the deployed rule targets' policy (`RULE_TARGET_RETRY` in `infra/topology.ts`); only the
 * backoff is local. Tests that want failures to surface quickly pass a short policy.
 */
export interface DeliveryRetryOptions {
  /** Retries after the first attempt (EventBridge's MaximumRetryAttempts). @default RULE_TARGET_RETRY.retryAttempts (185) */
  readonly retryAttempts?: number;
  /** No retry once the event was accepted this long ago (MaximumEventAgeInSeconds × 1000). @default RULE_TARGET_RETRY.maxEventAgeSeconds × 1000 (24 h) */
  readonly maxEventAgeMs?: number;
  /** Delay before the first retry; it doubles for each later one, each delay drawn in [½, 1] of its value. @default 200 */
  readonly baseDelayMs?: number;
  /** Upper bound of any single delay. @default 10000 */
  readonly maxDelayMs?: number;
  /** Whether a failure may be retried. @default isRetryableDeliveryError */
  readonly isRetryable?: (error: unknown) => boolean;
}

/**
 * EventBridge retries a target that answered 5xx or 429, or did not answer at all (network, timeout); it does not
 * retry other 4xx (https://repost.aws/knowledge-center/eventbridge-resolve-failedinvocation-errors). An AWS SDK
 * error carries the HTTP status in `$metadata.httpStatusCode` and throttling in `$retryable`; anything else
 * (no HTTP answer) counts as retryable.
 */
export function isRetryableDeliveryError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return true;
  const { $metadata, $retryable } = error as { $metadata?: { httpStatusCode?: unknown }; $retryable?: unknown };
  if ($retryable !== undefined && $retryable !== null && $retryable !== false) return true;
  const status = $metadata?.httpStatusCode;
  if (typeof status !== 'number') return true;
  return status >= 500 || status === 429;
}

export interface LocalEventBusOptions {
  /** Name of the bus; `PutEvents` entries must name it (or its ARN) in `EventBusName`. */
  readonly busName: string;
  /** NDJSON file that receives one line per accepted event (`LOCAL_EVENTS_LOG`). Its directory is created. */
  readonly eventsLogPath: string;
  /** Rules evaluated for every accepted event, in the same form as the CDK app's rules. */
  readonly rules: readonly LocalRule[];
  /** TCP port; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Interface to bind. Only loopback unless you mean to expose the bus. @default '127.0.0.1' */
  readonly host?: string;
  /** Region written into events and the bus ARN. @default 'us-east-1' */
  readonly region?: string;
  /** Account id written into events and the bus ARN. @default '000000000000' */
  readonly accountId?: string;
  /**
   * Limit on the summed size of a request's entries, computed as AWS computes it (Time counts 14 bytes;
   * Source, DetailType, Detail and each Resources item their UTF-8 bytes). AWS raised it from 256 KB to
   * 1 MB on 2026-01-29; set 262144 to reproduce a Region that still has the old limit.
   * @default 1048576
   */
  readonly maxEntriesBytesPerRequest?: number;
  readonly deliveryRetry?: DeliveryRetryOptions;
  /**
   * Told of every dead letter once it is written (or failed to be written), so `npm start` can print one readable
   * line for it. A throw is logged and ignored: it never affects delivery.
   */
  readonly onDeadLetter?: (letter: DeadLetter) => void;
  /**
   * Target calls in flight at once, across rules. EventBridge delivers from its own fleet; locally the targets
   * (and the consumers behind them) share the process and the machine with the producers, so an unbounded
   * fan-out of a 10,000-event burst would starve the very PutEvents calls producing it. @default 32
   */
  readonly maxConcurrentDeliveries?: number;
  /**
   * How long a delivery may wait for the bus to have no request in flight, so that a producer's burst is
   * answered first, as it would be on AWS where the producer's Lambda does not share CPU with the consumers.
   * EventBridge documents no delivery latency; this only reorders work within that freedom. @default 5000
   */
  readonly maxDeliveryDeferralMs?: number;
}

export interface LocalEventBus {
  /** Base URL for `EventBridgeClient({ endpoint })` or `AWS_ENDPOINT_URL_EVENTBRIDGE`. */
  readonly url: string;
  readonly port: number;
  readonly busName: string;
  readonly arn: string;
  /** Sibling of the events log where deliveries that exhausted their retries are appended. */
  readonly deadLettersPath: string;
  /** The retry policy in force: the deployed one unless `deliveryRetry` said otherwise. */
  readonly retryPolicy: { readonly retryAttempts: number; readonly maxEventAgeMs: number; readonly baseDelayMs: number; readonly maxDelayMs: number };
  /**
   * Stops accepting requests, lets in-flight ones finish, flushes pending log writes, then waits (up to
   * 5 s) for running deliveries; deliveries still waiting for a retry are dead-lettered instead.
   */
  close(): Promise<void>;
  /**
   * Makes the next `count` entries that would have been accepted fail with `errorCode`, the way AWS can
   * fail part of a batch: they are reported in `Entries` and `FailedEntryCount` but neither logged nor
   * delivered. Replaces any injection still pending; `0` clears it. Also at `POST /_local/faults`.
   * @param errorCode @default 'InternalFailure'
   */
  failNextEntries(count: number, errorCode?: string): void;
  /**
   * Makes the next `count` target deliveries fail as a target answering 400 would: not retried, dead-lettered at
   * once (so the dead-letter path can be exercised end to end). Replaces any injection still pending; `0` clears
   * it. Also at `POST /_local/faults`.
   */
  failNextDeliveries(count: number): void;
  /** Resolves once no request, delivery, retry or log write is pending. */
  whenIdle(): Promise<void>;
}

/** Per-entry error codes documented for `PutEventsResultEntry.ErrorCode`. */
const ENTRY_ERROR = {
  invalidArgument: 'InvalidArgument',
  malformedDetail: 'MalformedDetail',
  notAuthorizedForSource: 'NotAuthorizedForSourceException',
} as const;

const MAX_ENTRIES_PER_REQUEST = 10;
const DEFAULT_MAX_ENTRIES_BYTES = 1024 * 1024;
const TIME_PARAMETER_BYTES = 14;
const MAX_DETAIL_TYPE_LENGTH = 128;
/** Well above any legal request (JSON escaping can inflate Detail six-fold); protects the process. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const CLOSE_GRACE_MS = 5_000;
const MAX_INJECTED_FAILURES = 100_000;
const ERROR_CODE_PATTERN = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
const AWS_JSON = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'AWSEvents.';

/**
 * Starts the bus. Throws before listening if a rule's pattern is invalid, naming the rule and its problems.
 */
export async function startLocalEventBus(options: LocalEventBusOptions): Promise<LocalEventBus> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const host = options.host ?? '127.0.0.1';
  const busName = options.busName;
  const arn = `arn:aws:events:${region}:${accountId}:event-bus/${busName}`;
  const maxEntriesBytes = options.maxEntriesBytesPerRequest ?? DEFAULT_MAX_ENTRIES_BYTES;
  const retry = {
    retryAttempts: options.deliveryRetry?.retryAttempts ?? RULE_TARGET_RETRY.retryAttempts,
    maxEventAgeMs: options.deliveryRetry?.maxEventAgeMs ?? RULE_TARGET_RETRY.maxEventAgeSeconds * 1000,
    baseDelayMs: options.deliveryRetry?.baseDelayMs ?? 200,
    maxDelayMs: options.deliveryRetry?.maxDelayMs ?? 10_000,
    isRetryable: options.deliveryRetry?.isRetryable ?? isRetryableDeliveryError,
  };
  if (busName.trim() === '') throw new Error('startLocalEventBus: busName must not be empty');
  if (!Number.isInteger(retry.retryAttempts) || retry.retryAttempts < 0) throw new Error('startLocalEventBus: deliveryRetry.retryAttempts must be an integer of at least 0');
  if (!(retry.maxEventAgeMs >= 0)) throw new Error('startLocalEventBus: deliveryRetry.maxEventAgeMs must be a non-negative number');
  if (!(retry.baseDelayMs >= 0) || !(retry.maxDelayMs >= 0)) throw new Error('startLocalEventBus: deliveryRetry delays must be non-negative numbers');
  if (!Number.isInteger(maxEntriesBytes) || maxEntriesBytes < 1) throw new Error('startLocalEventBus: maxEntriesBytesPerRequest must be a positive integer');

  const rules = compileRules(options.rules);
  const createdAt = Math.floor(Date.now() / 1000);
  const deadLettersPath = deadLettersPathFor(options.eventsLogPath);
  const eventLog = new SerialAppender(options.eventsLogPath);
  const deadLetters = new SerialAppender(deadLettersPath);
  await mkdir(dirname(options.eventsLogPath), { recursive: true });

  let injected: { remaining: number; code: string } = { remaining: 0, code: 'InternalFailure' };
  let injectedDeliveryFailures = 0;
  let closing = false;
  let closePromise: Promise<void> | undefined;
  const inFlightRequests = new Set<Promise<void>>();
  const deliveries = new Set<Promise<void>>();
  const targetCalls = pLimit(options.maxConcurrentDeliveries ?? 32);
  const maxDeferralMs = options.maxDeliveryDeferralMs ?? 5000;
  const quietWaiters = new Set<() => void>();
  /** Resolves once no request is in flight (for 20 ms, so back-to-back puts of one burst count as one), or at `deadline`. */
  const producersQuiet = (deadline: number): Promise<void> => {
    if (inFlightRequests.size === 0 || closing || Date.now() >= deadline) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        quietWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, deadline - Date.now());
      quietWaiters.add(done);
    });
  };
  let quietTimer: NodeJS.Timeout | undefined;
  const requestEnded = (): void => {
    if (inFlightRequests.size > 0 || quietWaiters.size === 0) return;
    clearTimeout(quietTimer);
    quietTimer = setTimeout(() => {
      if (inFlightRequests.size === 0) for (const wake of [...quietWaiters]) wake();
    }, 20);
  };
  const sleepers = new Set<() => void>();

  const failNextEntries = (count: number, errorCode = 'InternalFailure'): void => {
    const problem = describeFaultProblem(count, errorCode);
    if (problem !== undefined) throw new RangeError(`failNextEntries: ${problem}`);
    injected = { remaining: count, code: errorCode };
  };
  const failNextDeliveries = (count: number): void => {
    const problem = describeCountProblem('failNextDeliveries', count);
    if (problem !== undefined) throw new RangeError(problem);
    injectedDeliveryFailures = count;
  };

  const matchesThisBus = (nameOrArn: string | undefined): boolean => {
    if (nameOrArn === undefined || nameOrArn === '') return busName === 'default';
    if (!nameOrArn.startsWith('arn:')) return nameOrArn === busName;
    const match = /^arn:aws[a-z-]*:events:([^:]+):([^:]+):event-bus\/(.+)$/.exec(nameOrArn);
    return match !== null && match[1] === region && match[2] === accountId && match[3] === busName;
  };

  // --- Delivery -----------------------------------------------------------------------------------------

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });

  /** The delay before retry number `retry` (1-based): doubling from the base, capped, with jitter. */
  const backoff = (retryNumber: number): number => {
    const ceiling = Math.min(retry.baseDelayMs * 2 ** (retryNumber - 1), retry.maxDelayMs);
    return ceiling * (0.5 + Math.random() / 2);
  };

  const deliverWithRetry = async (rule: CompiledRule, event: BusEvent, acceptedAt: number): Promise<void> => {
    // Start on a later turn of the event loop, so a target never delays the PutEvents response.
    await new Promise<void>((resolve) => setImmediate(resolve));
    let attempts = 0;
    let lastError: unknown;
    let reason: 'retries-exhausted' | 'max-event-age-exceeded' | 'not-retryable' | 'bus-closed-before-retry';
    for (;;) {
      attempts += 1;
      try {
        await producersQuiet(acceptedAt + maxDeferralMs);
        if (injectedDeliveryFailures > 0) {
          injectedDeliveryFailures -= 1;
          throw new InjectedDeliveryFailure();
        }
        await targetCalls(() => rule.deliver(event));
        return;
      } catch (error) {
        lastError = error;
        logger.warn('local event bus delivery failed', { rule: rule.name, eventId: event.id, attempt: attempts, error: errorMessage(error) });
      }
      if (!retry.isRetryable(lastError)) {
        reason = 'not-retryable';
        break;
      }
      if (attempts > retry.retryAttempts) {
        reason = 'retries-exhausted';
        break;
      }
      const delay = backoff(attempts);
      if (Date.now() + delay - acceptedAt > retry.maxEventAgeMs) {
        reason = 'max-event-age-exceeded';
        break;
      }
      if (closing) {
        reason = 'bus-closed-before-retry';
        break;
      }
      await sleep(delay);
      if (closing) {
        reason = 'bus-closed-before-retry';
        break;
      }
    }
    const deadLetter = { rule: rule.name, error: errorMessage(lastError), attempts, reason, failedAt: new Date().toISOString() };
    logger.error('local event bus delivery dead-lettered', { rule: rule.name, eventId: event.id, attempts, reason, path: deadLettersPath });
    let written = true;
    try {
      await deadLetters.append(`${JSON.stringify(deadLetter).slice(0, -1)},"event":${serialiseBusEvent(event)}}\n`);
    } catch (error) {
      written = false;
      logger.error('local event bus could not write a dead letter', { rule: rule.name, eventId: event.id, error: errorMessage(error) });
    }
    try {
      options.onDeadLetter?.({ ...deadLetter, eventId: event.id, detailType: event['detail-type'], source: event.source, path: deadLettersPath, written });
    } catch (error) {
      logger.error('local event bus onDeadLetter listener failed', { rule: rule.name, eventId: event.id, error: errorMessage(error) });
    }
  };

  const route = (event: BusEvent): void => {
    const acceptedAt = Date.now();
    for (const rule of rules) {
      if (!rule.matches(event)) continue;
      const delivery = deliverWithRetry(rule, event, acceptedAt);
      deliveries.add(delivery);
      void delivery.finally(() => deliveries.delete(delivery));
    }
  };

  // --- AWS operations ---------------------------------------------------------------------------------

  const putEvents = async (body: unknown): Promise<AwsResult> => {
    const parsed = parsePutEventsRequest(body);
    if ('error' in parsed) return parsed.error;
    const { entries } = parsed;
    const totalBytes = entries.reduce((sum, entry) => sum + entrySize(entry), 0);
    if (totalBytes > maxEntriesBytes) {
      return awsError(400, 'ValidationException', 'Total size of the entries in the request is over the limit.');
    }

    const results: ResultEntry[] = [];
    const accepted: Array<{ index: number; event: BusEvent }> = [];
    entries.forEach((entry, index) => {
      const outcome = buildEvent(entry, { region, accountId, matchesThisBus, busName, busArn: arn });
      if ('ErrorCode' in outcome) {
        results[index] = outcome;
        return;
      }
      if (injected.remaining > 0) {
        injected = { ...injected, remaining: injected.remaining - 1 };
        results[index] = { ErrorCode: injected.code, ErrorMessage: 'Failed by the local event bus fault injection (failNextEntries).' };
        return;
      }
      accepted.push({ index, event: outcome });
    });

    if (accepted.length > 0) {
      try {
        await eventLog.append(accepted.map(({ event }) => `${serialiseBusEvent(event)}\n`).join(''));
        for (const { index, event } of accepted) results[index] = { EventId: event.id };
      } catch (error) {
        logger.error('local event bus could not append to the events log', { path: options.eventsLogPath, error: errorMessage(error) });
        for (const { index } of accepted) results[index] = { ErrorCode: 'InternalFailure', ErrorMessage: 'The event could not be persisted to the local events log.' };
        accepted.length = 0;
      }
    }

    const failedEntryCount = results.filter((result) => 'ErrorCode' in result).length;
    return {
      status: 200,
      body: { FailedEntryCount: failedEntryCount, Entries: results },
      after: () => {
        for (const { event } of accepted) route(event);
      },
    };
  };

  const describeEventBus = (body: unknown): AwsResult => {
    if (!isRecord(body)) return awsError(400, 'SerializationException', 'The request body must be a JSON object.');
    const name = body['Name'];
    if (name !== undefined && typeof name !== 'string') return awsError(400, 'SerializationException', 'Name must be a string.');
    if (!matchesThisBus(name)) {
      return awsError(400, 'ResourceNotFoundException', `Event bus ${name ?? 'default'} does not exist.`);
    }
    return { status: 200, body: { Name: busName, Arn: arn, CreationTime: createdAt, LastModifiedTime: createdAt } };
  };

  // --- HTTP ---------------------------------------------------------------------------------------------

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    if (closing) {
      sendJson(response, 503, { message: 'The local event bus is shutting down.' }, { connection: 'close' });
      return;
    }
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/_local/health') {
      if (request.method !== 'GET') return sendJson(response, 405, { message: 'Use GET /_local/health.' }, { allow: 'GET' });
      return sendJson(response, 200, { status: 'ok', busName, arn });
    }
    if (path === '/_local/faults') {
      if (request.method !== 'POST') return sendJson(response, 405, { message: 'Use POST /_local/faults.' }, { allow: 'POST' });
      const body = await readJsonBody(request);
      if (!body.ok) return sendJson(response, body.status, { message: body.message });
      const problem = describeFaultBody(body.value);
      if (problem !== undefined) return sendJson(response, 400, { message: problem });
      const fault = body.value as { failNextEntries?: number; errorCode?: string; failNextDeliveries?: number };
      if (fault.failNextEntries !== undefined) failNextEntries(fault.failNextEntries, fault.errorCode);
      if (fault.failNextDeliveries !== undefined) failNextDeliveries(fault.failNextDeliveries);
      response.writeHead(204).end();
      return;
    }
    const target = headerValue(request, 'x-amz-target');
    if (path !== '/' || request.method !== 'POST' || target === undefined) {
      return sendJson(response, 404, { message: `No route for ${request.method ?? 'GET'} ${path}: the EventBridge API is POST / with an X-Amz-Target header.` });
    }
    const body = await readJsonBody(request);
    let result: AwsResult;
    if (!body.ok) {
      result = awsError(body.status, body.status === 413 ? 'RequestEntityTooLargeException' : 'SerializationException', body.message);
    } else if (target === `${TARGET_PREFIX}PutEvents`) {
      result = await putEvents(body.value);
    } else if (target === `${TARGET_PREFIX}DescribeEventBus`) {
      result = describeEventBus(body.value);
    } else {
      result = awsError(400, 'UnknownOperationException', `The local event bus does not implement ${target}; it answers AWSEvents.PutEvents and AWSEvents.DescribeEventBus.`);
    }
    const headers: Record<string, string> = { 'content-type': AWS_JSON, 'x-amzn-requestid': requestId };
    if (result.errorType !== undefined) headers['x-amzn-errortype'] = result.errorType;
    const payload = JSON.stringify(result.body);
    response.writeHead(result.status, { ...headers, 'content-length': String(Buffer.byteLength(payload)) }).end(payload);
    result.after?.();
  };

  const server = createServer((request, response) => {
    const task = handle(request, response).catch((error: unknown) => {
      logger.error('local event bus request failed', { error: errorMessage(error) });
      if (!response.headersSent) {
        sendAws(response, 500, { __type: 'InternalException', message: 'The local event bus failed to process the request.' }, 'InternalException');
      } else {
        response.destroy();
      }
    });
    inFlightRequests.add(task);
    void task.finally(() => {
      inFlightRequests.delete(task);
      requestEnded();
    });
  });
  const port = await listen(server, options.port ?? 0, host);
  const urlHost = host.includes(':') ? `[${host}]` : host;

  const whenIdle = async (): Promise<void> => {
    while (inFlightRequests.size > 0 || deliveries.size > 0) {
      await Promise.allSettled([...inFlightRequests, ...deliveries]);
    }
    await eventLog.drain();
    await deadLetters.drain();
  };

  const close = (): Promise<void> => {
    closePromise ??= (async () => {
      closing = true;
      clearTimeout(quietTimer);
      for (const wake of [...quietWaiters]) wake();
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.allSettled([...inFlightRequests]);
      server.closeAllConnections();
      await serverClosed;
      await eventLog.drain();
      for (const wake of [...sleepers]) wake();
      let graceTimer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        graceTimer = setTimeout(resolve, CLOSE_GRACE_MS);
      });
      await Promise.race([Promise.allSettled([...deliveries]), grace]);
      clearTimeout(graceTimer);
      await deadLetters.drain();
    })();
    return closePromise;
  };

  const { retryAttempts, maxEventAgeMs, baseDelayMs, maxDelayMs } = retry;
  const retryPolicy = Object.freeze({ retryAttempts, maxEventAgeMs, baseDelayMs, maxDelayMs });
  return { url: `http://${urlHost}:${port}`, port, busName, arn, deadLettersPath, retryPolicy, close, failNextEntries, failNextDeliveries, whenIdle };
}

// ---------------------------------------------------------------------------------------------------------
// Rules

interface CompiledRule {
  readonly name: string;
  readonly matches: EventMatcher;
  readonly deliver: (event: BusEvent) => Promise<void>;
}

function compileRules(rules: readonly LocalRule[]): CompiledRule[] {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const rule of rules) {
    if (names.has(rule.name)) problems.push(`rule "${rule.name}": the name is used by more than one rule`);
    names.add(rule.name);
    for (const problem of validatePattern(rule.pattern)) problems.push(`rule "${rule.name}": ${problem}`);
  }
  if (problems.length > 0) throw new Error(`Invalid local event bus rules:\n- ${problems.join('\n- ')}`);
  return rules.map((rule) => ({ name: rule.name, matches: compilePattern(rule.pattern), deliver: (event) => Promise.resolve().then(() => rule.deliver(event)) }));
}

// ---------------------------------------------------------------------------------------------------------
// PutEvents request handling

interface RequestEntry {
  readonly Source?: string;
  readonly DetailType?: string;
  readonly Detail?: string;
  readonly Resources?: readonly string[];
  readonly EventBusName?: string;
  readonly Time?: number | string;
  readonly TraceHeader?: string;
}

type ResultEntry = { readonly EventId: string } | { readonly ErrorCode: string; readonly ErrorMessage: string };

interface AwsResult {
  readonly status: number;
  readonly body: unknown;
  readonly errorType?: string;
  /** Runs once the response has been handed to the socket. */
  readonly after?: () => void;
}

function awsError(status: number, type: string, message: string): AwsResult {
  return { status, body: { __type: type, message }, errorType: type };
}

function validationError(message: string): { error: AwsResult } {
  return { error: awsError(400, 'ValidationException', `1 validation error detected: ${message}`) };
}

function serializationError(message: string): { error: AwsResult } {
  return { error: awsError(400, 'SerializationException', message) };
}

const STRING_FIELDS = ['Source', 'DetailType', 'Detail', 'EventBusName', 'TraceHeader'] as const;

function parsePutEventsRequest(body: unknown): { entries: RequestEntry[] } | { error: AwsResult } {
  if (!isRecord(body)) return serializationError('The request body must be a JSON object.');
  const entries = body['Entries'];
  if (entries === undefined || entries === null) return validationError("Value null at 'entries' failed to satisfy constraint: Member must not be null");
  if (!Array.isArray(entries)) return serializationError('Entries must be a list of PutEventsRequestEntry objects.');
  if (entries.length < 1) return validationError("Value at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1");
  if (entries.length > MAX_ENTRIES_PER_REQUEST) {
    return validationError(`Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES_PER_REQUEST} (got ${entries.length})`);
  }
  for (const [index, entry] of entries.entries()) {
    if (!isRecord(entry)) return serializationError(`Entries[${index}] must be an object.`);
    for (const field of STRING_FIELDS) {
      if (entry[field] !== undefined && entry[field] !== null && typeof entry[field] !== 'string') return serializationError(`Entries[${index}].${field} must be a string.`);
    }
    const resources = entry['Resources'];
    if (resources !== undefined && resources !== null && (!Array.isArray(resources) || !resources.every((item) => typeof item === 'string'))) {
      return serializationError(`Entries[${index}].Resources must be a list of strings.`);
    }
    const time = entry['Time'];
    if (time !== undefined && time !== null && typeof time !== 'number' && typeof time !== 'string') {
      return serializationError(`Entries[${index}].Time must be a timestamp (epoch seconds).`);
    }
  }
  return { entries: entries.map((entry) => withoutNulls(entry as Record<string, unknown>) as RequestEntry) };
}

/** AWS's entry size (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html). */
function entrySize(entry: RequestEntry): number {
  let size = entry.Time !== undefined ? TIME_PARAMETER_BYTES : 0;
  for (const text of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) {
    if (text !== undefined) size += Buffer.byteLength(text, 'utf8');
  }
  return size;
}

interface BuildContext {
  readonly region: string;
  readonly accountId: string;
  readonly matchesThisBus: (nameOrArn: string | undefined) => boolean;
  /** Named in the error for an entry addressed to another bus, so the caller sees what to use. */
  readonly busName: string;
  readonly busArn: string;
}

function buildEvent(entry: RequestEntry, context: BuildContext): BusEvent | { ErrorCode: string; ErrorMessage: string } {
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    if (entry[field] === undefined || entry[field] === '') {
      return { ErrorCode: ENTRY_ERROR.invalidArgument, ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.` };
    }
  }
  const source = entry.Source as string;
  const detailType = entry.DetailType as string;
  if (detailType.length > MAX_DETAIL_TYPE_LENGTH) {
    return { ErrorCode: ENTRY_ERROR.invalidArgument, ErrorMessage: `Parameter DetailType is not valid. Reason: DetailType is at most ${MAX_DETAIL_TYPE_LENGTH} characters, this one has ${detailType.length}.` };
  }
  if (!context.matchesThisBus(entry.EventBusName)) {
    // AWS accepts events for a bus that does not exist and silently drops them (aws/aws-cli#9186); locally
    // a misrouted event is a configuration error, so it fails loudly with the documented InvalidArgument.
    return {
      ErrorCode: ENTRY_ERROR.invalidArgument,
      ErrorMessage: `Parameter EventBusName is not valid. Reason: Event bus ${entry.EventBusName ?? 'default'} does not exist on the local event bus; the bus that exists is ${context.busName} (${context.busArn}).`,
    };
  }
  if (source.startsWith('aws.')) {
    return { ErrorCode: ENTRY_ERROR.notAuthorizedForSource, ErrorMessage: 'Not authorized for the source.' };
  }
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail as string);
  } catch {
    return { ErrorCode: ENTRY_ERROR.malformedDetail, ErrorMessage: 'Detail is malformed.' };
  }
  if (!isRecord(detail)) return { ErrorCode: ENTRY_ERROR.malformedDetail, ErrorMessage: 'Detail is malformed.' };
  const time = eventTime(entry.Time);
  if (time === undefined) {
    return { ErrorCode: ENTRY_ERROR.invalidArgument, ErrorMessage: 'Parameter Time is not valid. Reason: Time must be a valid timestamp.' };
  }
  const event: BusEvent = {
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source,
    account: context.accountId,
    time,
    region: context.region,
    resources: entry.Resources ?? [],
    detail,
  };
  detailTexts.set(event, entry.Detail as string);
  return event;
}

/** `Time` arrives as epoch seconds (AWS JSON 1.1 timestamps); the event carries it to the second, in UTC. */
function eventTime(time: number | string | undefined): string | undefined {
  const millis = time === undefined ? Date.now() : typeof time === 'number' ? time * 1000 : Date.parse(time);
  if (!Number.isFinite(millis)) return undefined;
  const date = new Date(millis);
  if (Number.isNaN(date.getTime())) return undefined;
  return `${date.toISOString().slice(0, 19)}Z`;
}

// ---------------------------------------------------------------------------------------------------------
// Fault injection

function describeCountProblem(field: string, count: unknown): string | undefined {
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > MAX_INJECTED_FAILURES) {
    return `${field} must be an integer from 0 to ${MAX_INJECTED_FAILURES}, got ${JSON.stringify(count) ?? String(count)}`;
  }
  return undefined;
}

function describeFaultProblem(count: unknown, errorCode: unknown): string | undefined {
  const countProblem = describeCountProblem('failNextEntries', count);
  if (countProblem !== undefined) return countProblem;
  if (typeof errorCode !== 'string' || !ERROR_CODE_PATTERN.test(errorCode)) {
    return `errorCode must be an AWS error code such as "InternalFailure" or "ThrottlingException" (letters and digits), got ${JSON.stringify(errorCode) ?? String(errorCode)}`;
  }
  return undefined;
}

function describeFaultBody(body: unknown): string | undefined {
  if (!isRecord(body)) return 'The body must be a JSON object such as {"failNextEntries": 1, "errorCode": "InternalFailure"} or {"failNextDeliveries": 1}.';
  const known = ['failNextEntries', 'errorCode', 'failNextDeliveries'];
  const unknownKeys = Object.keys(body).filter((key) => !known.includes(key));
  if (unknownKeys.length > 0) return `Unknown field(s) ${unknownKeys.map((key) => JSON.stringify(key)).join(', ')}: only "failNextEntries", "errorCode" and "failNextDeliveries" are accepted.`;
  if (!('failNextEntries' in body) && !('failNextDeliveries' in body)) return 'failNextEntries or failNextDeliveries is required.';
  if ('errorCode' in body && !('failNextEntries' in body)) return 'errorCode applies to failNextEntries, which is missing.';
  if ('failNextDeliveries' in body) {
    const problem = describeCountProblem('failNextDeliveries', body['failNextDeliveries']);
    if (problem !== undefined) return problem;
  }
  return 'failNextEntries' in body ? describeFaultProblem(body['failNextEntries'], body['errorCode'] ?? 'InternalFailure') : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Plumbing

/** Appends to one file strictly one write after another, so concurrent callers never interleave. */
class SerialAppender {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  append(text: string): Promise<void> {
    const write = this.tail.then(() => appendCreatingDirectory(this.path, text));
    this.tail = write.catch(() => undefined);
    return write;
  }

  /** Resolves when every append requested so far has settled. */
  drain(): Promise<void> {
    return this.tail;
  }
}

async function appendCreatingDirectory(path: string, text: string): Promise<void> {
  try {
    await appendFile(path, text, 'utf8');
  } catch (error) {
    if (!isErrnoException(error) || error.code !== 'ENOENT') throw error;
    await mkdir(dirname(path), { recursive: true });
    await appendFile(path, text, 'utf8');
  }
}

type BodyResult = { ok: true; value: unknown } | { ok: false; status: number; message: string };

async function readJsonBody(request: IncomingMessage): Promise<BodyResult> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      request.resume();
      return { ok: false, status: 413, message: `The request body exceeds ${MAX_BODY_BYTES} bytes.` };
    }
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, status: 400, message: 'The request body is not valid JSON.' };
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }).end(payload);
}

function sendAws(response: ServerResponse, status: number, body: unknown, errorType: string): void {
  const payload = JSON.stringify(body);
  response
    .writeHead(status, { 'content-type': AWS_JSON, 'x-amzn-requestid': randomUUID(), 'x-amzn-errortype': errorType, 'content-length': String(Buffer.byteLength(payload)) })
    .end(payload);
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(new Error(`The local event bus could not listen on ${host}:${port}: ${error.message}`));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function withoutNulls(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== null && value !== undefined));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && 'code' in error;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
