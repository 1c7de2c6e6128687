import type { ContactStore } from '../ports/contact-store.js';
import type { MessageRecord } from '../domain/sending/records.js';
import type { MessageStore } from '../ports/message-store.js';
import { openFreeEntryPointWindow } from '../domain/windows/customer-service-window.js';
import type { PacingStore } from '../ports/pacing-store.js';
import { buildEvent } from '../contracts/events/build-event.js';
import { DetailType } from '../contracts/events/catalogue.js';
import type { GraphErrorRef } from '../contracts/events/ingestion.js';
import type { MessageFailureReason } from '../contracts/events/outbound/reasons.js';
import type { DomainEvent, EventData } from '../contracts/events/registry.js';
import { toGraphMessage } from '../domain/sending/graph-payload.js';
import { classifyMetaError } from '../domain/sending/meta-errors.js';
import { pairDelayMs, pairKey, retryDelayMs, type PairRateConfig } from '../domain/sending/pacing.js';
import type { GraphApiClient } from '../ports/graph-api.js';
import type { SendContextReader } from '../ports/contact-store.js';
import type { MessageCategory } from '../contracts/events/outbound/vocabulary.js';
import { UNKNOWN_CONSENT } from '../domain/consent/consent.js';
import { consentAtSend, templateAtSend } from '../domain/sending/send-time-template.js';
import type { TemplateRegistry } from '../domain/templates/template-registry.js';
import type { AccountHealth, NumberHealth } from '../domain/health/records.js';
import type { RestrictionPolicy } from '../domain/health/send-decision.js';
import { approachingAt, type MessagingLimitTier } from '../domain/sending/messaging-limit.js';
import { limitAtSend, portfolioOf, restrictionAtSend, tierToEnforce, windowOpenAt, type StandingVerdict } from '../domain/sending/send-standing.js';
import type { MessageDeferral } from '../domain/sending/records.js';
import type { MessagingLimitStore } from '../ports/messaging-limit-store.js';

export interface SendMessageDeps {
  readonly messages: MessageStore;
  readonly pacing: PacingStore;
  readonly graph: GraphApiClient;
  readonly publish: (events: readonly DomainEvent[]) => Promise<unknown>;
  /** Records the free-entry-point window a reply opened (contact store). */
  readonly freeEntryPoints: Pick<ContactStore, 'openFreeEntryPointWindow'>;
  readonly settings: SenderSettings;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  /** Re-reads a template message's template just before calling Meta (step 2); absent, what the gate accepted is sent as it is. */
  readonly templateCheck?: SendTimeTemplateCheck;
  /** The business's standing at send time (step 3) and each number's throughput from Meta; absent, neither is checked. */
  readonly standing?: SendStandingCheck;
}

/** What the sender reads for the business's standing: account restrictions, the messaging limit, number health. */
export interface SendStandingCheck {
  /** Health records (`HealthStore`), cached for seconds by the composition: a restriction arrives by webhook and Meta refuses anyway. */
  readonly health: {
    getAccount(businessAccountId: string): Promise<AccountHealth | undefined>;
    getNumber(phoneNumberId: string): Promise<NumberHealth | undefined>;
  };
  readonly limits: MessagingLimitStore;
  /** `messagingLimitPortfolios`: account id → business portfolio id (`portfolioOf`). */
  readonly portfolios: Readonly<Record<string, string>>;
  /** The tier enforced until Meta states one for the account (`messagingLimitTier`). */
  readonly configuredTier: MessagingLimitTier;
  /** @default DEFAULT_RESTRICTION_POLICY */
  readonly restrictionPolicy?: RestrictionPolicy;
  /** @default DEFAULT_MAX_RESTRICTION_HOLD_MS (12 h) */
  readonly maxRestrictionHoldMs?: number;
}

/** What the sender needs to look at a template again at send time (`templateAtSend`, `consentAtSend`). */
export interface SendTimeTemplateCheck {
  readonly templates: TemplateRegistry;
  /** Consent of the contact, read only when the template's category changed since acceptance. */
  readonly contacts: SendContextReader;
  /** The gate's `requireOptIn`: categories that need a recorded opt-in. */
  readonly requireOptIn: readonly MessageCategory[];
  /** @default MAX_TEMPLATE_HOLD_MS (15 min) */
  readonly maxHoldMs?: number;
}

export interface SenderSettings {
  /** Messages per second a business number may send (Meta: 80 by default, up to 1,000), set per number. */
  readonly ratePerSecond: (phoneNumberId: string) => number;
  /** Share of each number's slots the bulk lane may take, 1–100; priority may take all. @default 80 */
  readonly bulkSharePercent: number;
  readonly pairRate: PairRateConfig;
  /** Attempts (calls that ended in a retryable error) before the message is dead-lettered. @default 8 */
  readonly maxAttempts: number;
  /** Waits shorter than this happen inside the invocation; longer ones go back to the queue. @default 1000 */
  readonly inlineWaitMs: number;
}

export type SendOutcome =
  | { readonly kind: 'done' }
  | { readonly kind: 'retry'; readonly delayMs: number }
  | { readonly kind: 'dead_letter' };

const PRODUCER = 'send-message';
/** How long the per-recipient history is kept: longer than any pair-rate window. */
const PAIR_HISTORY_MS = 10 * 60_000;

/**
 * Sends one queued message to Meta, exactly once.
 * 1. Claim the outbox record (`queued` → `sending`) with a conditional write. A record found in `sending`
 *    means an earlier attempt died mid-call: its outcome is unknown, so it becomes `uncertain` and waits for
 *    Meta's status webhooks (they carry our message id in `biz_opaque_callback_data`); it is never re-sent.
 * 2. A template message: read its template again (`templateAtSend`), since a pause, a disable or a new
 *    category may have arrived while it was queued. Not sendable → `failed` + MessageFailed with the reason; paused
 *    with an end within 15 min → held until then (as in step 3, no attempt spent); a new category becomes the
 *    message's billing category, with consent checked for it (`consentAtSend`). The lane stays the one the gate
 *    chose (a queued FIFO message cannot change queue without losing its conversation's order), and Relais's
 *    marketing cap, counted at acceptance, is not counted again; Meta's own per-user limit still applies (131049).
 * 3. The business's standing (`send-standing.ts`): an account restriction that covers this kind of message holds it
 *    until the restriction ends (failing it after `maxRestrictionHoldMs`); a template outside the recipient's window
 *    asks the portfolio's messaging limit, which counts the user or holds the message until users leave the moving
 *    24 h. A held message goes back to its queue with `deferral` on its record and one MessageDeferred per reason;
 *    nothing is dropped. The send that crosses 80 % or 100 % of the limit publishes MessagingLimitApproaching/Reached.
 * 4. Pace: wait for the recipient's pair rate, then take a slot of the number's throughput (Meta's level for the
 *    number when known, else the configured rate) for the message's lane (bulk only up to its share of the slots,
 *    so priority is never queued behind it).
 * 5. Call Meta. Accepted → `accepted` + MessageSent. Timeout → `uncertain` + SendOutcomeUncertain.
 *    Refused → by Meta's code: slow down and retry, retry with back-off, or fail for good (MessageFailed).
 * 6. After `maxAttempts` retryable failures → `dead_lettered` + MessageDeadLettered; the caller moves the
 *    queue message to the DLQ, from where the redrive command can put it back.
 */
export async function sendMessage(messageId: string, deps: SendMessageDeps): Promise<SendOutcome> {
  const claim = await deps.messages.claim(messageId, deps.now());
  if (!claim.claimed) return settleUnclaimed(claim.record, deps);
  const record = claim.record;
  const request = record.request;
  if (request === undefined) {
    // The contact was erased (GDPR) while the message waited: there is no one left to send it to.
    const failed = await deps.messages.transition(messageId, ['sending'], 'failed', deps.now(), {
      lastError: { message: 'the contact was erased before the message was sent' },
      failureReason: 'recipient_unreachable',
    });
    if (failed !== undefined) await deps.publish([failedEvent(failed, deps.now(), 'recipient_unreachable', undefined, true)]);
    return { kind: 'done' };
  }
  const recipient = request.to ?? request.recipientUserId!;
  const pair = pairKey(record.phoneNumberId, recipient);

  let checked: SendOutcome | undefined;
  try {
    checked = (await recheckTemplate(record, deps)) ?? (await checkStanding(record, recipient, deps));
  } catch (cause) {
    // A read before Meta failed (throttling, a contended limit count): nothing was sent, so the message goes back
    // to its queue as a failed attempt, never left in `sending` (which would read as an interrupted call to Meta).
    return retryBeforeMeta(record, cause, deps);
  }
  if (checked !== undefined) return checked;

  const paced = await pace(record, pair, deps);
  if (paced !== undefined) {
    // A wait for pacing is not a failed attempt.
    await deps.messages.release(messageId, undefined, deps.now(), true);
    return { kind: 'retry', delayMs: paced };
  }

  const result = await deps.graph.sendMessage(record.phoneNumberId, toGraphMessage(request, { bizOpaqueCallbackData: messageId }));
  const now = deps.now();

  if (result.outcome === 'accepted' || result.outcome === 'marked_read') {
    const wamid = result.outcome === 'accepted' ? result.wamid : undefined;
    const accepted =
      wamid === undefined
        ? await deps.messages.transition(messageId, ['sending'], 'read', now)
        : await deps.messages.accept(messageId, wamid, now);
    if (request.message.type !== 'markRead') await deps.pacing.recordSend(pair, now, PAIR_HISTORY_MS);
    await openFreeEntryPoint(record, now, deps);
    if (accepted !== undefined && wamid !== undefined && result.outcome === 'accepted') {
      await deps.publish([
        outcome(DetailType.MessageSent, accepted, now, {
          wamid,
          messageType: accepted.messageType,
          category: accepted.category,
          ...(result.messageStatus !== undefined ? { messageStatus: result.messageStatus } : {}),
          ...(result.waId !== undefined ? { waId: result.waId } : {}),
          ...(result.userId !== undefined ? { userId: result.userId } : {}),
        }),
      ]);
    }
    return { kind: 'done' };
  }

  if (result.outcome === 'unknown') {
    const uncertain = await deps.messages.transition(messageId, ['sending'], 'uncertain', now, {
      lastError: { message: `outcome unknown: ${result.cause}` },
    });
    if (uncertain !== undefined) {
      await deps.publish([outcome(DetailType.SendOutcomeUncertain, uncertain, now, { since: new Date(uncertain.sendingSince ?? now).toISOString() })]);
    }
    return { kind: 'done' };
  }

  const error: GraphErrorRef | undefined =
    result.error.code === undefined
      ? undefined
      : {
          code: result.error.code,
          ...(result.error.title !== undefined ? { title: result.error.title } : {}),
          ...(result.error.details !== undefined ? { details: result.error.details } : {}),
        };
  const verdict = classifyMetaError({ ...(result.error.code !== undefined ? { code: result.error.code } : {}), httpStatus: result.httpStatus });
  const lastError = { message: `Meta answered HTTP ${result.httpStatus}${error === undefined ? '' : ` with code ${error.code}`}`, ...(error !== undefined ? { error } : {}) };

  if (verdict.action === 'fail') {
    const failed = await deps.messages.transition(messageId, ['sending'], 'failed', now, { lastError, failureReason: verdict.reason });
    if (failed !== undefined) await deps.publish([failedEvent(failed, now, verdict.reason, error, true)]);
    return { kind: 'done' };
  }

  if (verdict.action === 'slow_down_number') await deps.pacing.pause(record.phoneNumberId, now + 1000);
  if (record.attempts >= deps.settings.maxAttempts) {
    const dead = await deps.messages.transition(messageId, ['sending'], 'dead_lettered', now, { lastError });
    if (dead !== undefined) {
      await deps.publish([outcome(DetailType.MessageDeadLettered, dead, now, { attempts: dead.attempts, lastError })]);
    }
    return { kind: 'dead_letter' };
  }
  await deps.messages.release(messageId, lastError, now);
  return { kind: 'retry', delayMs: retryDelayMs({ action: verdict.action, attempt: record.attempts, random: deps.random }) };
}

/**
 * Step 2: the template at send time. Returns the outcome when the message does not go now, `undefined` when it
 * goes (its record's category updated first when the template's category changed).
 */
async function recheckTemplate(record: MessageRecord, deps: SendMessageDeps): Promise<SendOutcome | undefined> {
  const check = deps.templateCheck;
  const message = record.request?.message;
  if (check === undefined || message?.type !== 'template') return undefined;
  const template = await check.templates.find(record.businessAccountId, message.name, message.language);
  const now = deps.now();
  const verdict = templateAtSend({
    name: message.name,
    language: message.language,
    template,
    acceptedCategory: record.category,
    now,
    ...(check.maxHoldMs === undefined ? {} : { maxHoldMs: check.maxHoldMs }),
  });
  if (verdict.action === 'hold') {
    // Waiting for a pause to end is not a failed attempt.
    const first = record.deferral?.reason !== 'template_paused';
    const pausedUntil = template?.pause?.until;
    return hold(record, { action: 'hold', delayMs: verdict.delayMs, first, deferral: {
      reason: 'template_paused',
      message: verdict.message,
      since: first ? now : record.deferral!.since,
      until: now + verdict.delayMs,
      fact: { name: message.name, language: message.language, status: template?.status ?? 'PAUSED', ...(pausedUntil === undefined ? {} : { pausedUntil }) },
    } }, deps);
  }
  let refusal: { readonly reason: MessageFailureReason; readonly message: string } | undefined = verdict.action === 'fail' ? verdict : undefined;
  if (verdict.action === 'send' && verdict.recategorised) {
    const context =
      record.businessAccountId === undefined || record.contactId === undefined
        ? undefined
        : await check.contacts.sendContextFor(record.businessAccountId, { contactId: record.contactId }, record.phoneNumberId);
    refusal = consentAtSend(verdict.category, context?.consent ?? UNKNOWN_CONSENT, { requireOptIn: check.requireOptIn });
    if (refusal === undefined) {
      // Billed as the template's category now (MessageSent carries it); the record says so before Meta is called.
      const updated = await deps.messages.transition(record.messageId, ['sending'], 'sending', now, { category: verdict.category });
      if (updated === undefined) throw new Error(`message ${record.messageId} left 'sending' while its template was checked`);
      return undefined;
    }
  }
  if (refusal === undefined) return undefined;
  const failed = await deps.messages.transition(record.messageId, ['sending'], 'failed', now, { lastError: { message: refusal.message }, failureReason: refusal.reason });
  if (failed !== undefined) await deps.publish([failedEvent(failed, now, refusal.reason, undefined, true)]);
  return { kind: 'done' };
}

/**
 * Step 3: account restrictions, then the messaging limit. Returns the outcome when the message does not go now.
 * Reads: the account's health (cached), and for a template outside the window the limit store's count.
 */
async function checkStanding(record: MessageRecord, recipient: string, deps: SendMessageDeps): Promise<SendOutcome | undefined> {
  const standing = deps.standing;
  const waba = record.businessAccountId;
  if (standing === undefined || waba === undefined || record.request?.message.type === 'markRead') return undefined;
  const account = await standing.health.getAccount(waba);
  const restricted = restrictionAtSend({
    message: record,
    account,
    now: deps.now(),
    ...(standing.restrictionPolicy === undefined ? {} : { policy: standing.restrictionPolicy }),
    ...(standing.maxRestrictionHoldMs === undefined ? {} : { maxHoldMs: standing.maxRestrictionHoldMs }),
  });
  if (restricted.action === 'fail') {
    const now = deps.now();
    const failed = await deps.messages.transition(record.messageId, ['sending'], 'failed', now, { lastError: { message: restricted.message }, failureReason: restricted.reason });
    if (failed !== undefined) await deps.publish([failedEvent(failed, now, restricted.reason, undefined, true)]);
    return { kind: 'done' };
  }
  if (restricted.action === 'hold') return hold(record, restricted, deps);
  if (record.messageType !== 'template') return undefined;

  const portfolioId = portfolioOf(waba, standing.portfolios);
  const { tier, source } = tierToEnforce(account, standing.configuredTier);
  const now = deps.now();
  const decision = await standing.limits.admit({ portfolioId, recipient, isTemplate: true, windowOpen: windowOpenAt(record, now), tier, now });
  if (decision.action === 'allow') {
    if (decision.crossings.length > 0 && tier.limit !== null) {
      const limit = tier.limit;
      await deps.publish(
        decision.crossings.map((crossing) =>
          buildEvent(
            crossing === 'MessagingLimitReached' ? DetailType.MessagingLimitReached : DetailType.MessagingLimitApproaching,
            { eventId: `${crossing}:${portfolioId}:${record.messageId}`, occurredAt: now, producer: PRODUCER, correlationId: record.correlationId ?? record.messageId, businessAccountId: waba },
            // The crossing send made the count exactly the threshold (`crossingsBetween`).
            { portfolioId, businessAccountId: waba, tier: tier.name, limit, used: crossing === 'MessagingLimitReached' ? limit : approachingAt(limit), tierSource: source },
          ) as DomainEvent,
        ),
      );
    }
    return undefined;
  }
  const held = limitAtSend({ message: record, decision, portfolioId, tier, now });
  return held.action === 'hold' ? hold(record, held, deps) : undefined;
}

/** Puts a held message back on its queue with its deferral, announcing the first deferral for each reason. */
async function hold(record: MessageRecord, verdict: Extract<StandingVerdict, { action: 'hold' }>, deps: SendMessageDeps): Promise<SendOutcome> {
  const now = deps.now();
  // Published before the record is written: a sender that dies between the two publishes again on the next look,
  // with the same event id, rather than never.
  if (verdict.first) await deps.publish([deferredEvent(record, verdict.deferral, now)]);
  await deps.messages.defer(record.messageId, verdict.deferral, now);
  return { kind: 'retry', delayMs: verdict.delayMs };
}

/** MessageDeferred, one per message and reason (its id): later looks at a message held for the same reason add nothing. */
function deferredEvent(record: MessageRecord, deferral: MessageDeferral, at: number): DomainEvent {
  const event = outcome(DetailType.MessageDeferred, record, at, {
    reason: deferral.reason,
    message: deferral.message,
    until: new Date(deferral.until).toISOString(),
    fact: deferral.fact,
  });
  return { ...event, metadata: { ...event.metadata, eventId: `MessageDeferred:${record.messageId}:${deferral.reason}` } };
}

/** A check before Meta threw: back to the queue as a failed attempt (dead-lettered once the budget is spent). */
async function retryBeforeMeta(record: MessageRecord, cause: unknown, deps: SendMessageDeps): Promise<SendOutcome> {
  const now = deps.now();
  const lastError = { message: `a check before the call to Meta failed (${cause instanceof Error ? cause.name : 'error'}); nothing was sent` };
  if (record.attempts >= deps.settings.maxAttempts) {
    const dead = await deps.messages.transition(record.messageId, ['sending'], 'dead_lettered', now, { lastError });
    if (dead !== undefined) await deps.publish([outcome(DetailType.MessageDeadLettered, dead, now, { attempts: dead.attempts, lastError })]);
    return { kind: 'dead_letter' };
  }
  await deps.messages.release(record.messageId, lastError, now);
  return { kind: 'retry', delayMs: retryDelayMs({ action: 'retry', attempt: record.attempts, random: deps.random }) };
}

/** A reply accepted by Meta before the offer's deadline opens the contact's 72 h free-entry-point window. */
async function openFreeEntryPoint(record: MessageRecord, acceptedAt: number, deps: SendMessageDeps): Promise<void> {
  const offer = record.freeEntryPointOffer;
  if (offer === undefined || record.contactId === undefined || record.request?.message.type === 'markRead') return;
  // The offer as recorded when the gate accepted the message: its deadline, not one recomputed from a rule that may change.
  const window = openFreeEntryPointWindow(offer, undefined, acceptedAt);
  if (window !== undefined) await deps.freeEntryPoints.openFreeEntryPointWindow(record.contactId, record.phoneNumberId, window);
}

/** Waits out short pacing delays inline; returns the delay to put the message back for, if longer. */
async function pace(record: MessageRecord, pair: string, deps: SendMessageDeps): Promise<number | undefined> {
  if (record.request?.message.type !== 'markRead') {
    const pairWait = pairDelayMs(await deps.pacing.recentSends(pair), deps.now(), deps.settings.pairRate);
    if (pairWait > deps.settings.inlineWaitMs) return pairWait;
    if (pairWait > 0) await deps.sleep(pairWait);
  }
  // Meta's level for the number (80, 1,000, or 20 for coexistence) when it told us, else the configured rate.
  const told = deps.standing === undefined ? undefined : (await deps.standing.health.getNumber(record.phoneNumberId))?.throughputMps;
  const share = { ratePerSecond: told ?? deps.settings.ratePerSecond(record.phoneNumberId), bulkSharePercent: deps.settings.bulkSharePercent };
  // A record written before lanes were recorded went to the priority queue (outbound-queue.ts).
  const lane = record.lane ?? 'priority';
  for (;;) {
    const now = deps.now();
    const slot = await deps.pacing.acquire({ phoneNumberId: record.phoneNumberId, lane, share, now });
    if (slot.granted) return undefined;
    const wait = slot.retryAt - now;
    if (wait > deps.settings.inlineWaitMs) return wait;
    // Jitter spreads the senders that all woke for the same slot.
    await deps.sleep(Math.max(1, wait) + Math.floor(deps.random() * 10));
  }
}

/**
 * A queue message whose record could not be claimed: a repeat, or the redelivery of a batch whose sender died.
 * A sender that died after recording a step but before publishing its event (or before moving the message to
 * the DLQ) left the record ahead of what other services were told, so that last step is done again here:
 * `accepted` (and later statuses) republish MessageSent, `uncertain` SendOutcomeUncertain, a sender's `failed`
 * MessageFailed, and `dead_lettered` republishes MessageDeadLettered and goes to the DLQ. Event ids are deterministic, so a repeat is dropped by consumers; the DLQ move is
 * de-duplicated by SQS. Nothing is ever sent to Meta again.
 */
async function settleUnclaimed(record: MessageRecord | undefined, deps: SendMessageDeps): Promise<SendOutcome> {
  if (record === undefined) throw new Error('queued message has no outbox record');
  if (record.status === 'dead_lettered') {
    const lastError = record.lastError ?? { message: 'retry budget spent' };
    await deps.publish([outcome(DetailType.MessageDeadLettered, record, deps.now(), { attempts: Math.max(1, record.attempts), lastError })]);
    return { kind: 'dead_letter' };
  }
  if (record.wamid !== undefined && ['accepted', 'sent', 'delivered', 'read', 'played'].includes(record.status)) {
    await deps.publish([outcome(DetailType.MessageSent, record, deps.now(), { wamid: record.wamid, messageType: record.messageType, category: record.category })]);
    return { kind: 'done' };
  }
  if (record.status === 'uncertain') {
    await deps.publish([outcome(DetailType.SendOutcomeUncertain, record, deps.now(), { since: new Date(record.sendingSince ?? record.updatedAt).toISOString() })]);
    return { kind: 'done' };
  }
  if (record.status === 'failed' && record.failureReason !== undefined) {
    await deps.publish([failedEvent(record, record.updatedAt, record.failureReason, record.lastError?.error, true)]);
    return { kind: 'done' };
  }
  if (record.status !== 'sending') return { kind: 'done' };
  // An earlier attempt was cut off between claiming and recording Meta's answer.
  const now = deps.now();
  const uncertain = await deps.messages.transition(record.messageId, ['sending'], 'uncertain', now, {
    lastError: { message: 'sender stopped during the call to Meta; outcome unknown' },
  });
  if (uncertain !== undefined) {
    await deps.publish([outcome(DetailType.SendOutcomeUncertain, uncertain, now, { since: new Date(record.sendingSince ?? now).toISOString() })]);
  }
  return { kind: 'done' };
}

export function failedEvent(record: MessageRecord, at: number, reason: MessageFailureReason, error: GraphErrorRef | undefined, terminal: boolean): DomainEvent {
  return outcome(DetailType.MessageFailed, record, at, {
    reason,
    terminal,
    ...(record.wamid !== undefined ? { wamid: record.wamid } : {}),
    ...(error !== undefined ? { error } : {}),
  });
}

/**
 * An outcome event of one message (`SendAccepted` … `SendOutcomeUncertain`), built by `buildEvent`, so its data is
 * checked against the contract of `detailType`.
 *
 * @throws EventContractError when `extra` does not complete a valid `data` for `detailType`.
 */
export function outcome(detailType: DetailType, record: MessageRecord, at: number, extra: Record<string, unknown>): DomainEvent {
  const data = {
    messageId: record.messageId,
    idempotencyKey: record.idempotencyKey,
    ...(record.correlationId !== undefined ? { correlationId: record.correlationId } : {}),
    ...(record.requestedBy !== undefined ? { requestedBy: record.requestedBy } : {}),
    phoneNumberId: record.phoneNumberId,
    ...extra,
  };
  return buildEvent(
    detailType,
    {
      eventId: `${detailType}:${record.messageId}`,
      occurredAt: at,
      producer: PRODUCER,
      correlationId: record.correlationId ?? record.messageId,
      phoneNumberId: record.phoneNumberId,
      businessAccountId: record.businessAccountId,
    },
    // The detail-type is only known at run time here: buildEvent checks the data against its contract.
    data as EventData<typeof detailType>,
  ) as DomainEvent;
}
