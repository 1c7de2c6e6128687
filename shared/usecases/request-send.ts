import { createHash } from 'node:crypto';
import type { SendContextReader } from '../ports/contact-store.js';
import type { MessageRecord } from '../domain/sending/records.js';
import type { MessageStore } from '../ports/message-store.js';
import { buildEvent, type EventOrigin } from '../contracts/events/build-event.js';
import { DetailType } from '../contracts/events/catalogue.js';
import { type SendRejectionReason } from '../contracts/events/outbound/reasons.js';
import { parseSendRequest, type SendRequest } from '../contracts/events/outbound/send-request.js';
import type { DomainEvent } from '../contracts/events/registry.js';
import { canonicalJson, nestsDeeperThan } from '../domain/objects.js';
import { UNKNOWN_CONSENT } from '../domain/consent/consent.js';
import { decideSend, type PolicySettings } from '../domain/sending/policy.js';
import type { TemplateRegistry } from '../domain/templates/template-registry.js';
import { openFreeEntryPointWindow, windowState } from '../domain/windows/customer-service-window.js';

export interface RequestSendDeps {
  readonly messages: MessageStore;
  /** Reads a contact's send context in 2 requests (identity key, then its partition). */
  readonly contacts: SendContextReader;
  readonly templates: TemplateRegistry;
  /** Puts the accepted message on its lane's FIFO queue (group = number + recipient). Idempotent. */
  readonly enqueue: (record: MessageRecord) => Promise<void>;
  readonly publish: (events: readonly DomainEvent[]) => Promise<unknown>;
  /** The WhatsApp Business Account a phone number belongs to, when Relais knows it. */
  readonly businessAccountOf: (phoneNumberId: string) => Promise<string | undefined>;
  readonly policy: PolicySettings;
  readonly newMessageId: () => string;
  readonly now: () => number;
}

export type RequestSendResult =
  | { readonly decision: 'accepted'; readonly messageId: string; readonly duplicate: boolean }
  /** Nothing recorded: ask again shortly (see `deferIfWindowUnknown`). */
  | { readonly decision: 'deferred'; readonly messageId?: undefined; readonly reason: 'window_closed' }
  | {
      readonly decision: 'rejected';
      readonly messageId?: string;
      readonly reason: SendRejectionReason;
      readonly message: string;
      readonly issues?: readonly string[];
      readonly duplicate: boolean;
    };

const PRODUCER = 'request-send';
/** Deepest nesting a send request may have (a template's components need 5): deeper is refused before any recursion. */
const MAX_REQUEST_DEPTH = 32;

/**
 * One send request, from an event or the HTTP API, through the policy gate onto a FIFO lane.
 * 1. Validate the request; an invalid one is refused with every problem named.
 * 2. The idempotency key decides first: a key seen before answers what it answered then (and re-queues a
 *    message whose enqueue may have been interrupted); the same key with another body is refused.
 * 3. Gather the facts: contact (by BSUID or phone), window, consent, hold, template, recent marketing.
 * 4. Decide with the pure policy gate.
 * 5. Record the outcome (idempotency item + outbox record [+ marketing send] in one transaction).
 * 6. Accepted: enqueue, then publish SendAccepted. Refused: publish SendRejected. Nothing is dropped.
 */
export async function requestSend(
  input: unknown,
  requestedBy: string,
  deps: RequestSendDeps,
  options: {
    /**
     * A service often answers a customer message as soon as it sees `MessageReceived`, possibly before the
     * contacts consumer has recorded the window that message opened. With this set, a free-form request
     * that finds the window closed is deferred (nothing recorded) so the caller can ask again shortly;
     * the event consumer does so for its first few receives, then lets the refusal stand.
     */
    deferIfWindowUnknown?: boolean;
  } = {},
): Promise<RequestSendResult> {
  const tooDeep = nestsDeeperThan(input, MAX_REQUEST_DEPTH);
  const parsed = tooDeep ? { ok: false as const, issues: [`(root): nests arrays or objects deeper than ${MAX_REQUEST_DEPTH} levels`] } : parseSendRequest(input);
  if (!parsed.ok) {
    const meta = readableMetadata(input);
    const result = { decision: 'rejected', reason: 'invalid_request', message: 'the send request is invalid', issues: parsed.issues, duplicate: false } as const;
    // The seed makes a redelivered request yield the same event; a value too deep to serialise is named by its key.
    const shape = tooDeep ? `too-deep:${meta.idempotencyKey ?? ''}` : canonicalJson(input ?? null);
    const seed = `invalid:${createHash('sha256').update(shape).digest('hex')}`;
    await deps.publish([rejectedEvent(seed, meta, requestedBy, result, deps.now())]);
    return result;
  }
  const request = parsed.value;
  const requestHash = hashRequest(request);

  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await deps.messages.findByIdempotencyKey(requestedBy, request.metadata.idempotencyKey);
    if (existing !== undefined) return replay(existing, request, requestHash, requestedBy, deps);

    const now = deps.now();
    const data = request.data;
    const waba = data.businessAccountId ?? (await deps.businessAccountOf(data.phoneNumberId));
    const key = data.to !== undefined ? ({ kind: 'phone', value: data.to } as const) : ({ kind: 'user', value: data.recipientUserId! } as const);
    const context = waba === undefined ? undefined : await deps.contacts.sendContextFor(waba, key, data.phoneNumberId);
    const contact = context?.contact;
    const template =
      data.message.type === 'template' ? await deps.templates.find(waba, data.message.name, data.message.language) : undefined;
    const isMarketing = template?.category === 'marketing';
    const marketing = isMarketing && contact !== undefined ? await deps.messages.marketingSends(contact.contactId) : undefined;

    const window = windowState(context?.window, now);
    const decision = decideSend({
      request: data,
      now,
      contact: context === undefined ? undefined : { onHold: context.contact.hold !== undefined },
      window,
      consent: context?.consent ?? UNKNOWN_CONSENT,
      template,
      recentMarketingSends: marketing?.sends ?? [],
      settings: deps.policy,
    });

    if (!decision.allowed && decision.reason === 'window_closed' && options.deferIfWindowUnknown === true) {
      return { decision: 'deferred', reason: 'window_closed' };
    }

    const record: MessageRecord = {
      messageId: deps.newMessageId(),
      idempotencyKey: request.metadata.idempotencyKey,
      requestHash,
      requestedBy,
      ...(request.metadata.correlationId !== undefined ? { correlationId: request.metadata.correlationId } : {}),
      ...(request.metadata.campaignId !== undefined ? { campaignId: request.metadata.campaignId } : {}),
      phoneNumberId: data.phoneNumberId,
      ...(waba !== undefined ? { businessAccountId: waba } : {}),
      ...(contact !== undefined ? { contactId: contact.contactId } : {}),
      recipient: data.to !== undefined ? { to: data.to } : { recipientUserId: data.recipientUserId! },
      messageType: data.message.type,
      category: decision.allowed ? decision.category : (template?.category ?? (data.message.type === 'template' ? 'utility' : 'service')),
      ...(decision.allowed ? { lane: decision.lane, request: data } : { rejection: { reason: decision.reason, message: decision.message } }),
      ...(decision.allowed && contact !== undefined && openFreeEntryPointWindow(context?.freeEntryPointOffer, context?.freeEntryPointWindow, now) !== undefined
        ? { freeEntryPointOffer: { referralAt: context!.freeEntryPointOffer!.referralAt, replyBy: context!.freeEntryPointOffer!.replyBy } }
        : {}),
      // The sender reads it for the messaging limit and account restrictions (records.ts).
      ...(decision.allowed && window.open ? { windowClosesAt: window.closesAt } : {}),
      status: decision.allowed ? 'queued' : 'rejected',
      attempts: 0,
      createdAt: now,
      updatedAt: now,
    };
    const capWrite =
      decision.allowed && decision.countsTowardMarketingCap && contact !== undefined
        ? { previous: marketing, sends: [...(marketing?.sends ?? []).filter((t) => t > now - deps.policy.marketingCap.perMs), now] }
        : undefined;
    const created = await deps.messages.create(record, capWrite);
    if (created !== 'created') continue;
    return settle(record, deps);
  }
  throw new Error('send request kept conflicting with concurrent requests (idempotency key or marketing cap)');
}

async function settle(record: MessageRecord, deps: RequestSendDeps): Promise<Exclude<RequestSendResult, { decision: 'deferred' }>> {
  if (record.status === 'rejected') {
    const result = { decision: 'rejected', messageId: record.messageId, reason: record.rejection!.reason as SendRejectionReason, message: record.rejection!.message, duplicate: false } as const;
    await deps.publish([rejectedEvent(record.messageId, record, record.requestedBy, result, record.createdAt)]);
    return result;
  }
  await deps.enqueue(record);
  await deps.publish([acceptedEvent(record)]);
  return { decision: 'accepted', messageId: record.messageId, duplicate: false };
}

async function replay(existing: MessageRecord, request: SendRequest, requestHash: string, requestedBy: string, deps: RequestSendDeps): Promise<RequestSendResult> {
  if (existing.requestHash !== requestHash) {
    const result = {
      decision: 'rejected',
      reason: 'duplicate',
      message: 'this idempotency key was already used for a different request',
      duplicate: true,
    } as const;
    await deps.publish([rejectedEvent(`reused:${request.metadata.idempotencyKey}:${requestHash}`, request.metadata, requestedBy, result, deps.now())]);
    return result;
  }
  if (existing.status === 'rejected') {
    const result = await settle(existing, deps);
    return { ...result, duplicate: true };
  }
  // The contact was erased since: the answer stands, but nothing about the recipient is left to repeat.
  if (existing.erasedAt !== undefined) return { decision: 'accepted', messageId: existing.messageId, duplicate: true };
  // Re-queue only while nothing has been sent: the sender's claim makes a second copy harmless anyway.
  if (existing.status === 'queued') await deps.enqueue(existing);
  await deps.publish([acceptedEvent(existing)]);
  return { decision: 'accepted', messageId: existing.messageId, duplicate: true };
}

function acceptedEvent(record: MessageRecord): DomainEvent {
  return buildEvent(DetailType.SendAccepted, origin(`SendAccepted:${record.messageId}`, record.createdAt, record), {
      messageId: record.messageId,
      idempotencyKey: record.idempotencyKey,
      ...(record.correlationId !== undefined ? { correlationId: record.correlationId } : {}),
      ...(record.requestedBy !== undefined ? { requestedBy: record.requestedBy } : {}),
      phoneNumberId: record.phoneNumberId,
      recipient: record.recipient!,
      messageType: record.messageType,
      category: record.category,
      lane: record.lane!,
  });
}

/** `seed` makes the event id deterministic: a redelivered request yields the same event. */
function rejectedEvent(
  seed: string,
  source: { idempotencyKey?: string | undefined; correlationId?: string | undefined; phoneNumberId?: string | undefined; businessAccountId?: string | undefined },
  requestedBy: string | undefined,
  result: { reason: SendRejectionReason; message: string; issues?: readonly string[] },
  at: number,
): DomainEvent {
  return buildEvent(
    DetailType.SendRejected,
    {
      eventId: `SendRejected:${seed}`,
      occurredAt: at,
      producer: PRODUCER,
      correlationId: source.correlationId,
      phoneNumberId: source.phoneNumberId,
      businessAccountId: source.businessAccountId,
    },
    {
      ...(source.idempotencyKey !== undefined ? { idempotencyKey: source.idempotencyKey } : {}),
      ...(source.correlationId !== undefined ? { correlationId: source.correlationId } : {}),
      ...(requestedBy !== undefined ? { requestedBy } : {}),
      reason: result.reason,
      message: result.message,
      ...(result.issues !== undefined ? { issues: [...result.issues] } : {}),
    },
  );
}

function origin(eventId: string, at: number, record: MessageRecord): EventOrigin {
  return {
    eventId,
    occurredAt: at,
    producer: PRODUCER,
    correlationId: record.correlationId ?? record.messageId,
    phoneNumberId: record.phoneNumberId,
    businessAccountId: record.businessAccountId,
  };
}

/** sha256 of the request data in canonical JSON: key order does not make two requests different. */
function hashRequest(request: SendRequest): string {
  return createHash('sha256').update(canonicalJson(request.data)).digest('hex');
}

/** The idempotency key and correlation id of an invalid request, when they are readable strings. */
function readableMetadata(input: unknown): { idempotencyKey?: string; correlationId?: string } {
  const metadata = (input as { metadata?: Record<string, unknown> } | undefined)?.metadata;
  const pick = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length <= 128 && /^[\w.:-]+$/.test(v) ? v : undefined);
  const idempotencyKey = pick(metadata?.['idempotencyKey']);
  const correlationId = pick(metadata?.['correlationId']);
  return { ...(idempotencyKey !== undefined ? { idempotencyKey } : {}), ...(correlationId !== undefined ? { correlationId } : {}) };
}
