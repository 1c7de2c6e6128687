import { DetailType } from '../../contracts/events/catalogue.js';

/**
 * The lifecycle of an outbound message as Relais sees it, merging its own steps (queued, sending, the API
 * answer) with Meta's status webhooks, which arrive at least once and in any order.
 *
 * - `queued`: accepted by the policy gate, waiting in its lane.
 * - `sending`: a sender claimed it and is calling Meta (a retryable failure leaves it here until the retry).
 * - `uncertain`: the call ended without an answer (timeout, lost connection); Meta may or may not have it.
 * - `accepted`: Meta answered with a wamid.
 * - `sent`, `delivered`, `read`, `played` (voice messages): Meta's status webhooks.
 * - `failed`: terminal failure, from the API answer or a failed status webhook.
 * - `rejected`: refused by the policy gate; never reached Meta.
 */
export const MESSAGE_STATUSES = ['queued', 'sending', 'uncertain', 'accepted', 'sent', 'delivered', 'read', 'played', 'failed', 'rejected'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** The forward order of the progress statuses. `uncertain` sits just below `accepted`: an answer resolves it. */
const RANK: Readonly<Record<Exclude<MessageStatus, 'failed' | 'rejected'>, number>> = {
  queued: 0,
  sending: 1,
  uncertain: 2,
  accepted: 3,
  sent: 4,
  delivered: 5,
  read: 6,
  played: 7,
};

/** Proof that the message reached the user and was seen: these survive a later `failed`. */
function isSeen(status: MessageStatus): boolean {
  return status === 'read' || status === 'played';
}

export interface StatusAdvance {
  readonly next: MessageStatus;
  /** Whether `next` differs from the current status (i.e. something must be stored and maybe published). */
  readonly changed: boolean;
}

/**
 * The status after `incoming` arrives at a message whose status is `current` (`undefined`: no status yet).
 * Status only moves forward:
 *
 * - progress follows `queued < sending < uncertain < accepted < sent < delivered < read < played`; an
 *   earlier or equal status (a late or repeated webhook) changes nothing. So `uncertain` is resolved by
 *   `accepted` or any Meta status, `read` is taken without a `delivered` before it, and a late `delivered`
 *   after `read` is ignored;
 * - `failed` is terminal and may follow any progress status up to `delivered` included: Meta reports
 *   `failed` after `delivered` when the message reached one of the user's devices but not another;
 * - `failed` does **not** replace `read` or `played`, and `read`/`played` arriving after `failed` replace
 *   it: a read message reached the user and was seen, so a failure reported for it concerns another
 *   device and the truthful outcome is "read". This also makes the final status independent of the order
 *   in which webhooks arrive;
 * - `rejected` (the policy gate's refusal) only applies to a message with no status or `queued`, and is
 *   final: nothing follows a send that never reached Meta.
 */
export function advanceStatus(current: MessageStatus | undefined, incoming: MessageStatus): StatusAdvance {
  if (current === undefined) return { next: incoming, changed: true };
  if (current === incoming || current === 'rejected') return { next: current, changed: false };
  if (incoming === 'rejected') return current === 'queued' ? { next: 'rejected', changed: true } : { next: current, changed: false };
  if (incoming === 'failed') return isSeen(current) ? { next: current, changed: false } : { next: 'failed', changed: true };
  if (current === 'failed') return isSeen(incoming) ? { next: incoming, changed: true } : { next: current, changed: false };
  return RANK[incoming] > RANK[current] ? { next: incoming, changed: true } : { next: current, changed: false };
}

/** A status change: what it was, and what {@link advanceStatus} made of it. */
export interface StatusTransition extends StatusAdvance {
  readonly previous: MessageStatus | undefined;
}

export type OutcomeEvent = typeof DetailType.MessageSent | typeof DetailType.MessageDelivered | typeof DetailType.MessageRead | typeof DetailType.MessageFailed;

/**
 * The outcome event a status change publishes, or `undefined`:
 * - `accepted` → `MessageSent` (Meta answered with a wamid);
 * - `sent` → `MessageSent` only when no `accepted` came before it (the call's outcome was uncertain, or
 *   the webhook overtook the answer); after `accepted` it was already published;
 * - `delivered` → `MessageDelivered`;
 * - `read` → `MessageRead`; `played` → `MessageRead` unless the message was already `read`;
 * - `failed` → `MessageFailed`;
 * - no change, `queued`, `sending`, `uncertain` and `rejected` publish none here: `SendAccepted`,
 *   `SendRejected` and `SendOutcomeUncertain` are published by the step that decides them.
 *
 * A status skipped by out-of-order webhooks is not published after the fact: a `read` that arrives first
 * publishes `MessageRead` only.
 */
export function outcomeEventFor(transition: StatusTransition): OutcomeEvent | undefined {
  if (!transition.changed) return undefined;
  switch (transition.next) {
    case 'accepted':
      return DetailType.MessageSent;
    case 'sent':
      return transition.previous === 'accepted' ? undefined : DetailType.MessageSent;
    case 'delivered':
      return DetailType.MessageDelivered;
    case 'read':
      return DetailType.MessageRead;
    case 'played':
      return transition.previous === 'read' ? undefined : DetailType.MessageRead;
    case 'failed':
      return DetailType.MessageFailed;
    case 'queued':
    case 'sending':
    case 'uncertain':
    case 'rejected':
      return undefined;
  }
}
