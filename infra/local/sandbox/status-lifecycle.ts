import { setTimeout as sleep } from 'node:timers/promises';

import type { Customer } from './customers.js';
import { statusError, type STANDARD_DETAILS } from './graph-errors.js';
import { KeyedSerialQueue, type WebhookDispatcher } from './webhook-delivery.js';
import { statusWebhook } from './webhook-payloads.js';
import type { FreeEntryPoint } from './windows.js';
import type { MessageCategory, OutboundMessage, OutboundStatus, PhoneNumberDef, Pricing, StatusDelaysMs, StatusEvent } from './types.js';

export type AsyncFailureCode = 131026 | 131047 | 131049 | 131050;

/** A message accepted by the Graph endpoint, with what will happen to it decided at acceptance. */
export interface AcceptedMessage {
  readonly wamid: string;
  readonly number: PhoneNumberDef;
  readonly customer: Customer;
  readonly sentToPhone: boolean;
  readonly type: string;
  readonly category: MessageCategory;
  readonly template?: { readonly name: string; readonly language: string };
  readonly acceptedAt: number;
  readonly bizOpaqueCallbackData?: string;
  readonly pricing?: Pricing;
  readonly freeEntryPoint?: FreeEntryPoint;
  readonly failure?: AsyncFailureCode;
  readonly payload: unknown;
}

interface Tracked {
  readonly message: AcceptedMessage;
  readonly statuses: StatusEvent[];
}

/**
 * Emits each accepted message's status webhooks: `sent` (with pricing), `delivered` (with pricing), then
 * `read`, or a single `failed` for a planned failure. Delays are real time after acceptance; timestamps come
 * from the sandbox clock.
 *
 * Order: one customer's (per business number) sent/delivered/failed webhooks go through one queue, so messages
 * are delivered in acceptance order and each webhook is POSTed (retries included) before the next one starts.
 * Reads go through a second queue per customer, each queued only once its message's `delivered` is out, so a
 * slow read never holds back the next message.
 */
export class StatusLifecycle {
  private readonly tracked = new Map<string, Tracked>();
  private readonly deliveryQueue = new KeyedSerialQueue();
  private readonly readQueue = new KeyedSerialQueue();
  private readonly pending = new Set<Promise<void>>();
  private readonly shutdown = new AbortController();

  constructor(
    private readonly options: {
      readonly businessAccountId: string;
      readonly dispatcher: WebhookDispatcher;
      readonly delays: StatusDelaysMs;
      readonly clock: () => number;
    },
  ) {}

  accept(message: AcceptedMessage): void {
    const tracked: Tracked = { message, statuses: [] };
    this.tracked.set(message.wamid, tracked);
    const startedAt = Date.now();
    const queueKey = `${message.number.id}|${message.customer.key}`;
    this.track(
      this.deliveryQueue.run(queueKey, this.untilClosed(async () => {
        await this.waitUntil(startedAt + this.options.delays.sent);
        if (message.failure !== undefined) {
          await this.emit(tracked, 'failed', message.failure);
          return;
        }
        await this.emit(tracked, 'sent');
        await this.waitUntil(startedAt + this.options.delays.delivered);
        await this.emit(tracked, 'delivered');
        const readDelay = this.options.delays.read;
        if (readDelay !== false) {
          this.track(
            this.readQueue.run(
              queueKey,
              this.untilClosed(async () => {
                await this.waitUntil(startedAt + readDelay);
                await this.emit(tracked, 'read');
              }),
            ),
          );
        }
      })),
    );
  }

  messages(): OutboundMessage[] {
    return [...this.tracked.values()].map(({ message, statuses }) => ({
      wamid: message.wamid,
      phoneNumberId: message.number.id,
      recipient: { ...(message.customer.waId === undefined ? {} : { waId: message.customer.waId }), userId: message.customer.userId },
      type: message.type,
      category: message.category,
      ...(message.template === undefined ? {} : { template: message.template }),
      acceptedAt: message.acceptedAt,
      ...(message.bizOpaqueCallbackData === undefined ? {} : { bizOpaqueCallbackData: message.bizOpaqueCallbackData }),
      ...(message.pricing === undefined ? {} : { pricing: message.pricing }),
      ...(message.failure === undefined ? {} : { failureCode: message.failure }),
      statuses: [...statuses],
      payload: message.payload,
    }));
  }

  /** Resolves once every scheduled status has been emitted (retries included). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  close(): void {
    this.shutdown.abort();
  }

  /** A task that ends quietly when the sandbox closes mid-way. */
  private untilClosed(task: () => Promise<void>): () => Promise<void> {
    return async () => {
      try {
        await task();
      } catch (cause) {
        if (!this.shutdown.signal.aborted) throw cause;
      }
    };
  }

  private track(promise: Promise<void>): void {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise));
  }

  private async waitUntil(dueAt: number): Promise<void> {
    const delay = dueAt - Date.now();
    if (delay > 0) await sleep(delay, undefined, { signal: this.shutdown.signal });
    if (this.shutdown.signal.aborted) throw new Error('sandbox closed');
  }

  private async emit(tracked: Tracked, status: OutboundStatus, errorCode?: keyof typeof STANDARD_DETAILS): Promise<void> {
    const { message } = tracked;
    const at = this.options.clock();
    // Pricing (and the FEP conversation) ride on sent and on delivered, never on read (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/status).
    const withPricing = status === 'sent' || status === 'delivered';
    const body = statusWebhook({
      businessAccountId: this.options.businessAccountId,
      number: message.number,
      customer: message.customer,
      wamid: message.wamid,
      status,
      at,
      sentToPhone: message.sentToPhone,
      ...(withPricing && message.pricing !== undefined ? { pricing: message.pricing } : {}),
      ...(withPricing && message.freeEntryPoint !== undefined ? { freeEntryPoint: message.freeEntryPoint } : {}),
      ...(message.bizOpaqueCallbackData === undefined ? {} : { bizOpaqueCallbackData: message.bizOpaqueCallbackData }),
      ...(errorCode === undefined ? {} : { error: statusError(errorCode) }),
    });
    const delivery = await this.options.dispatcher.deliver(body, { kind: `status:${status}`, wamid: message.wamid });
    tracked.statuses.push({ status, at, ...(errorCode === undefined ? {} : { errorCode }), webhookStatus: delivery.lastStatus });
  }
}
