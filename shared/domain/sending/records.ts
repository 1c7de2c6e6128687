import type { GraphErrorRef } from '../../contracts/events/ingestion.js';
import type { OutboundRecipient } from '../../contracts/events/outbound/outcomes.js';
import type { MessageFailureReason } from '../../contracts/events/outbound/reasons.js';
import type { SendRequestData } from '../../contracts/events/outbound/send-request.js';
import type { MessageCategory, SendLane } from '../../contracts/events/outbound/vocabulary.js';

/**
 * The outbox's records, as the send use cases read and write them: one per accepted or refused send, keyed
 * by Relais's message id. The store that keeps them is a port (`shared/ports/message-store.ts`).
 */

export type OutboxStatus =
  | 'queued'
  | 'sending'
  | 'uncertain'
  | 'accepted'
  | 'sent'
  | 'delivered'
  | 'read'
  | 'played'
  | 'failed'
  | 'rejected'
  | 'dead_lettered';

export interface MessageRecord {
  readonly messageId: string;
  readonly idempotencyKey: string;
  /** sha256 of the request's `data`: the same key with another body is refused. */
  readonly requestHash: string;
  /**
   * Who asked: the `SendRequested` event's `source`, or the HTTP API caller's IAM identity. The idempotency key
   * is scoped by it. Optional only for records written before it was recorded.
   */
  readonly requestedBy?: string;
  /** The campaign the message was queued for (`metadata.campaignId`), so the campaign can pause or cancel it. */
  readonly campaignId?: string;
  readonly correlationId?: string;
  readonly phoneNumberId: string;
  readonly businessAccountId?: string;
  readonly contactId?: string;
  /** Removed when the contact is erased (GDPR); the record then keeps only pseudonymous facts. */
  readonly recipient?: OutboundRecipient;
  readonly messageType: SendRequestData['message']['type'];
  readonly category: MessageCategory;
  readonly lane?: SendLane;
  readonly status: OutboxStatus;
  readonly rejection?: { readonly reason: string; readonly message: string };
  /** What the sender needs to build Meta's payload. Removed when the message reaches a final state. */
  readonly request?: SendRequestData;
  readonly wamid?: string;
  readonly attempts: number;
  readonly lastError?: { readonly message: string; readonly error?: GraphErrorRef };
  /** Why the message failed for good (status `failed` set by the sender), as published in MessageFailed. */
  readonly failureReason?: MessageFailureReason;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** When the current send attempt started (status `sending`/`uncertain`). */
  readonly sendingSince?: number;
  /** Set when the contact was erased: recipient and content are gone. */
  readonly erasedAt?: number;
  /**
   * The contact's open free-entry-point offer when the gate accepted this message: if Meta accepts it before
   * `replyBy`, the reply opens the 72 h free window (billing reads it).
   */
  readonly freeEntryPointOffer?: { readonly referralAt: number; readonly replyBy: number };
  /**
   * When the recipient's customer service window closes, as the gate saw it at acceptance (epoch ms; absent: closed).
   * The sender reads it for the messaging limit (a template inside an open window adds no unique user) and for
   * account restrictions, without reading the contact again. A window that opened after acceptance is not seen:
   * the message then counts toward the limit, the safe side.
   */
  readonly windowClosesAt?: number;
  /** Why the sender is holding the message back now, and the fact behind it; removed once the message goes. */
  readonly deferral?: MessageDeferral;
}

/** Why a queued message waits: each reason comes with the fact that decided it (issue 9, items 5 to 7). */
export type MessageDeferral = {
  /** A sentence for people: what holds the message and until when. */
  readonly message: string;
  /** When the sender first held it for this reason (epoch ms). */
  readonly since: number;
  /** When the sender looks again (epoch ms): SQS delays are at most 15 min, so a longer hold is re-checked in steps. */
  readonly until: number;
} & (
  | {
      readonly reason: 'messaging_limit_reached';
      readonly fact: { readonly portfolioId: string; readonly tier: string; readonly limit: number; readonly used: number; readonly roomAt: number };
    }
  | {
      readonly reason: 'account_restricted';
      readonly fact: { readonly businessAccountId: string; readonly restrictionType: string; readonly expiresAt?: string };
    }
  | {
      readonly reason: 'template_paused';
      readonly fact: { readonly name: string; readonly language: string; readonly status: string; readonly pausedUntil?: string };
    }
);

export interface MarketingSends {
  readonly contactId: string;
  readonly sends: readonly number[];
  readonly version: number;
}
