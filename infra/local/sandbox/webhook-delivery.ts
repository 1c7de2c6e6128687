import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { signWebhookBody } from '#shared/domain/ingestion/webhook-signature.js';
import { logger } from '#shared/logger.js';

import { metaJson } from './http.js';
import type { WebhookBody } from './webhook-payloads.js';
import type { WebhookDelivery, WebhookRetryPolicy } from './types.js';

const log = logger.createChild({ serviceName: 'whatsapp-sandbox' });

export interface DeliveryMeta {
  readonly kind: string;
  readonly wamid?: string;
}

/**
 * POSTs webhooks to Relais as Meta does (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/overview): raw body serialised Meta's way, signed with
 * `X-Hub-Signature-256` (and the legacy SHA-1 `X-Hub-Signature`); only HTTP 200 counts as delivered.
 * Anything else is retried at once, then with a doubling back-off, up to `maxAttempts` in total; a delivery
 * that never succeeds is logged and recorded, not thrown.
 */
export class WebhookDispatcher {
  private readonly log: WebhookDelivery[] = [];
  private readonly shutdown = new AbortController();
  private seq = 0;

  constructor(
    private readonly options: {
      readonly url: string;
      readonly appSecret: string;
      readonly retry: WebhookRetryPolicy;
      readonly timeoutMs: number;
    },
  ) {}

  async deliver(body: WebhookBody, meta: DeliveryMeta): Promise<WebhookDelivery> {
    const raw = metaJson(body);
    const field = body.entry[0]?.changes[0]?.field ?? 'unknown';
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'facebookexternalua',
      'x-hub-signature-256': signWebhookBody(raw, this.options.appSecret),
      'x-hub-signature': `sha1=${createHmac('sha1', this.options.appSecret).update(raw).digest('hex')}`,
    };
    let attempts = 0;
    let lastStatus: number | null = null;
    let error: string | undefined;
    while (attempts < this.options.retry.maxAttempts && !this.shutdown.signal.aborted) {
      if (attempts > 0) {
        const stopped = await this.backOff(attempts);
        if (stopped) break;
      }
      attempts += 1;
      try {
        const response = await fetch(this.options.url, {
          method: 'POST',
          headers,
          body: raw,
          signal: AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(this.options.timeoutMs)]),
        });
        lastStatus = response.status;
        await response.body?.cancel();
        error = lastStatus === 200 ? undefined : `HTTP ${lastStatus}`;
      } catch (cause) {
        lastStatus = null;
        error = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
      }
      if (lastStatus === 200) break;
    }
    const delivery: WebhookDelivery = {
      seq: ++this.seq,
      field,
      kind: meta.kind,
      ...(meta.wamid === undefined ? {} : { wamid: meta.wamid }),
      attempts,
      ok: lastStatus === 200,
      lastStatus,
      ...(error === undefined ? {} : { error }),
    };
    this.log.push(delivery);
    if (!delivery.ok && !this.shutdown.signal.aborted) {
      log.warn('sandbox webhook delivery failed', { field, kind: meta.kind, wamid: meta.wamid, attempts, lastStatus, error });
    }
    return delivery;
  }

  deliveries(): WebhookDelivery[] {
    return [...this.log];
  }

  /** Stops retries and aborts POSTs in flight. */
  close(): void {
    this.shutdown.abort();
  }

  /** Waits before attempt `attempts + 1`: immediately for the first retry, then base × 2^(n-2), capped. */
  private async backOff(attempts: number): Promise<boolean> {
    if (attempts === 1) return false;
    const { baseDelayMs, maxDelayMs } = this.options.retry;
    const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempts - 2));
    try {
      await sleep(delay, undefined, { signal: this.shutdown.signal });
      return false;
    } catch {
      return true;
    }
  }
}

/** Runs tasks one after another per key (one customer's webhooks, in order), keys in parallel. */
export class KeyedSerialQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run(key: string, task: () => Promise<void>): Promise<void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(task).catch((cause: unknown) => {
      log.error('sandbox webhook task failed', { error: cause instanceof Error ? cause.message : String(cause) });
    });
    this.tails.set(key, next);
    void next.then(() => {
      if (this.tails.get(key) === next) this.tails.delete(key);
    });
    return next;
  }
}
