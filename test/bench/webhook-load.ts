import autocannon, { type AutocannonResult } from 'autocannon';
import { logSize, readLogSlice } from './events-log.js';
import { round, shareAbove, summarise, type LatencySummary } from './stats.js';
import type { WebhookBodyFactory } from './webhook-payloads.js';

/**
 * Webhook ingestion load (issue 2): autocannon posts signed, unique bodies to `POST {apiUrl}/webhook` with a
 * fixed number of connections, first for a warm-up (discarded), then for the measured window. Latencies are
 * taken from every response (autocannon's `response` event), so the share above 1 s is exact.
 */

export interface WebhookLoadOptions {
  readonly apiUrl: string;
  readonly eventsLogPath: string;
  readonly factory: WebhookBodyFactory;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  /** Called between the warm-up and the measured window (e.g. to reset the AWS request counter). */
  readonly beforeWindow?: () => Promise<void>;
}

export interface WebhookLoadResult {
  readonly scenario: string;
  readonly updatesPerRequest: number;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  readonly requests: number;
  readonly requestsPerSecond: number | undefined;
  readonly latencyMs: LatencySummary;
  /** Share of responses slower than 1 s (Meta: under 1 %). */
  readonly shareOver1s: number;
  readonly status2xx: number;
  readonly non2xx: number;
  readonly statusCodes: Readonly<Record<string, number>>;
  readonly errors: number;
  readonly timeouts: number;
  /** Events the local bus accepted (and logged) during the measured window. */
  readonly busEvents: number;
  readonly busEventsPerSecond: number | undefined;
  readonly busEventsByType: Readonly<Record<string, number>>;
  /** Of those, the events the receiver itself published (MessageReceived, MessageStatusUpdated), per second. */
  readonly ingestedEventsPerSecond: number | undefined;
  readonly meta: { readonly medianWithin250ms: boolean; readonly under1PercentOver1s: boolean };
}

function run(options: WebhookLoadOptions, seconds: number, next: () => number, onResponse?: (statusCode: number, ms: number) => void): Promise<AutocannonResult> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.apiUrl,
        connections: options.connections,
        duration: seconds,
        timeout: 10,
        requests: [
          {
            method: 'POST',
            path: '/webhook',
            setupRequest: (request) => {
              const { body, signature } = options.factory.body(next());
              return { ...request, body, headers: { ...request.headers, 'content-type': 'application/json', 'x-hub-signature-256': signature } };
            },
          },
        ],
      },
      (error, result) => (error === null ? resolve(result) : reject(error)),
    );
    if (onResponse !== undefined) instance.on('response', (_client: unknown, statusCode: number, _bytes: number, ms: number) => onResponse(statusCode, ms));
  });
}

export async function runWebhookLoad(options: WebhookLoadOptions): Promise<WebhookLoadResult> {
  let counter = 0;
  const next = () => counter++;
  if (options.warmupSeconds > 0) await run(options, options.warmupSeconds, next);
  await options.beforeWindow?.();

  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  const logStart = await logSize(options.eventsLogPath);
  const started = Date.now();
  const result = await run(options, options.durationSeconds, next, (statusCode, ms) => {
    latencies.push(ms);
    statusCodes[String(statusCode)] = (statusCodes[String(statusCode)] ?? 0) + 1;
  });
  const elapsedMs = Date.now() - started;
  const slice = await readLogSlice(options.eventsLogPath, logStart);

  const latencyMs = summarise(latencies);
  const shareOver1s = shareAbove(latencies, 1000);
  const non2xx = Object.entries(statusCodes).filter(([code]) => !code.startsWith('2')).reduce((sum, [, n]) => sum + n, 0);
  return {
    scenario: options.factory.scenario,
    updatesPerRequest: options.factory.updatesPerBody,
    connections: options.connections,
    warmupSeconds: options.warmupSeconds,
    durationSeconds: options.durationSeconds,
    requests: latencies.length,
    requestsPerSecond: round((latencies.length * 1000) / elapsedMs),
    latencyMs,
    shareOver1s,
    status2xx: latencies.length - non2xx,
    non2xx,
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    busEvents: slice.events,
    busEventsPerSecond: round((slice.events * 1000) / elapsedMs),
    busEventsByType: slice.byDetailType,
    ingestedEventsPerSecond: round((((slice.byDetailType['MessageReceived'] ?? 0) + (slice.byDetailType['MessageStatusUpdated'] ?? 0)) * 1000) / elapsedMs),
    meta: { medianWithin250ms: (latencyMs.p50 ?? Infinity) <= 250, under1PercentOver1s: shareOver1s < 0.01 },
  };
}
