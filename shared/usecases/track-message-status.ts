import type { OutboxStatus } from '../domain/sending/records.js';
import type { MessageStore } from '../ports/message-store.js';
import { DetailType } from '../contracts/events/catalogue.js';
import type { MessageStatusUpdated } from '../contracts/events/ingestion.js';
import type { DomainEvent } from '../contracts/events/registry.js';
import { classifyMetaError } from '../domain/sending/meta-errors.js';
import { advanceStatus, outcomeEventFor, type MessageStatus } from '../domain/sending/message-status.js';
import { failedEvent, outcome } from './send-message.js';

export interface TrackMessageStatusDeps {
  readonly messages: MessageStore;
  readonly publish: (events: readonly DomainEvent[]) => Promise<unknown>;
}

/**
 * Moves a message's status forward from Meta's status webhooks (at least once, in any order).
 * 1. Find our message: by `biz_opaque_callback_data` (our message id, set on every send), else by wamid.
 *    Statuses of messages Relais did not send are ignored.
 * 2. Apply the status only if it moves the message forward (domain rule); an `uncertain` send learns its
 *    wamid here.
 * 3. Publish the outcome event (MessageSent / MessageDelivered / MessageRead / MessageFailed) with a
 *    deterministic id, so a redelivered status re-emits the same event rather than a new one.
 */
export async function trackMessageStatus(update: MessageStatusUpdated, deps: TrackMessageStatusDeps, now: number): Promise<void> {
  const byId = update.bizOpaqueCallbackData === undefined ? undefined : await deps.messages.get(update.bizOpaqueCallbackData);
  const record = byId?.phoneNumberId === update.business.phoneNumberId ? byId : await deps.messages.findByWamid(update.wamid);
  if (record === undefined) return;

  const incoming: MessageStatus = update.status;
  const { next, changed } = advanceStatus(record.status as MessageStatus, incoming);
  let current = record;
  if (changed) {
    const moved = await deps.messages.transition(record.messageId, [record.status], next as OutboxStatus, now, {
      ...(record.wamid === undefined ? { wamid: update.wamid } : {}),
    });
    // Another status for the same message won the race: start again from what it wrote.
    if (moved === undefined) return trackMessageStatus(update, deps, now);
    current = moved;
  } else if (incoming === 'failed' && record.status !== 'failed') {
    // A failure reported after the message was read concerns another of the user's devices: it was read.
    return;
  }

  const occurredAt = update.timestamp * 1000;
  // Every status Meta reports yields its event, even when it arrives after a later one (a `delivered`
  // processed after `read`): the record only moves forward, and each event has a deterministic id, so a
  // redelivered or late status republishes the same event and consumers drop the copy.
  const detailType = changed
    ? outcomeEventFor({ previous: record.status as MessageStatus, next: current.status as MessageStatus, changed: true })
    : outcomeEventFor({ previous: undefined, next: incoming, changed: true });
  if (detailType === undefined) return;
  if (detailType === DetailType.MessageFailed) {
    const error = update.errors?.[0];
    const verdict = classifyMetaError({ ...(error?.code !== undefined ? { code: error.code } : {}) });
    await deps.publish([failedEvent(current, occurredAt, verdict.reason, error, true)]);
    return;
  }
  await deps.publish([
    outcome(detailType, current, occurredAt, {
      wamid: update.wamid,
      ...(detailType === DetailType.MessageSent ? { messageType: current.messageType, category: current.category } : {}),
    }),
  ]);
}
