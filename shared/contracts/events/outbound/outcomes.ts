import { z } from 'zod';
import { BSUID_PATTERN } from '../../../domain/contacts/bsuid.js';
import { E164_PATTERN } from '../../../domain/contacts/phone.js';
import { GraphErrorRefSchema } from '../ingestion.js';
import { CorrelationIdSchema, GraphIdSchema, IdempotencyKeySchema, MessageIdSchema, WamidSchema } from './fields.js';
import { MessageFailureReason, SendRejectionReason } from './reasons.js';
import { MESSAGE_CATEGORIES, OUTBOUND_MESSAGE_TYPES, SEND_LANES } from './vocabulary.js';

/** Outcome events of a send (`data` of each detail-type): consumers must tolerate fields added later. */

// ---------------------------------------------------------------------------------------------------------
// Outcome events (`data` of each detail-type)
// ---------------------------------------------------------------------------------------------------------

/** Who a message goes to: a phone number or a BSUID, as the caller named them. */
export const OutboundRecipientSchema = z.union([
  z.object({
    /** Recipient phone number, E.164. */
    to: z.string().regex(E164_PATTERN),
  }),
  z.object({
    /** Recipient business-scoped user id or parent BSUID. */
    recipientUserId: z.string().regex(BSUID_PATTERN),
  }),
]);
export type OutboundRecipient = z.infer<typeof OutboundRecipientSchema>;

/** Identifies an accepted message in every event that follows it. */
const messageRef = {
  /** Relais's id for the message. */
  messageId: MessageIdSchema,
  /** The caller's idempotency key. */
  idempotencyKey: IdempotencyKeySchema,
  /** The caller's correlation id, when it gave one. */
  correlationId: CorrelationIdSchema.optional(),
  /**
   * Who asked: the EventBridge `source` of the `SendRequested` event, or the HTTP API caller's identity,
   * so that each caller's rules can select its own outcomes.
   */
  requestedBy: z.string().min(1).max(256).optional(),
  /** The business phone number id the message is sent from. */
  phoneNumberId: GraphIdSchema,
};

export const SendAcceptedSchema = z
  .object({
    ...messageRef,
    /** The recipient as the caller named them. */
    recipient: OutboundRecipientSchema,
    /** The request's `message.type`. */
    messageType: z.enum(OUTBOUND_MESSAGE_TYPES),
    /** The category Relais determined: `service` for free-form messages, the registry's for templates. */
    category: z.enum(MESSAGE_CATEGORIES),
    /** The queue lane the message was put on. */
    lane: z.enum(SEND_LANES),
  })
  .describe('The policy gate accepted the request and queued the message.');
export type SendAccepted = z.infer<typeof SendAcceptedSchema>;

export const SendRejectedSchema = z
  .object({
    /** The caller's idempotency key, when the request carried a readable one. */
    idempotencyKey: z.string().max(128).optional(),
    /** The caller's correlation id, when the request carried a readable one. */
    correlationId: z.string().max(128).optional(),
    /** Who asked (see `SendAccepted.requestedBy`). */
    requestedBy: z.string().min(1).max(256).optional(),
    /** Stable code; see `SendRejectionReason`. */
    reason: z.enum(SendRejectionReason),
    /** One sentence for people, naming the rule that refused the send. */
    message: z.string().min(1).max(1024),
    /** For `invalid_request`: one `path: problem` line per problem, without values. */
    issues: z.array(z.string()).optional(),
  })
  .describe('Relais refused the request before calling Meta; nothing was sent.');
export type SendRejected = z.infer<typeof SendRejectedSchema>;

export const MessageSentSchema = z
  .object({
    ...messageRef,
    /** Meta's id for the message; status webhooks refer to it. */
    wamid: WamidSchema,
    /** The request's `message.type`. */
    messageType: z.enum(OUTBOUND_MESSAGE_TYPES),
    /** The category the message is billed under. */
    category: z.enum(MESSAGE_CATEGORIES),
    /** Meta's `message_status` for templates: `held_for_quality_assessment` when template pacing holds it. */
    messageStatus: z.enum(['accepted', 'held_for_quality_assessment']).optional(),
    /** The recipient's WhatsApp id (phone digits) as Meta's response reported it. */
    waId: z.string().min(1).optional(),
    /** The recipient's BSUID as Meta's response reported it. */
    userId: z.string().min(1).optional(),
  })
  .describe('Meta accepted the send request and returned a wamid; delivery is reported later.');
export type MessageSent = z.infer<typeof MessageSentSchema>;

export const MessageDeliveredSchema = z
  .object({
    ...messageRef,
    /** Meta's id for the message. */
    wamid: WamidSchema,
  })
  .describe("The message reached the recipient's device (metadata.occurredAt is Meta's time).");
export type MessageDelivered = z.infer<typeof MessageDeliveredSchema>;

export const MessageReadSchema = z
  .object({
    ...messageRef,
    /** Meta's id for the message. */
    wamid: WamidSchema,
  })
  .describe('The recipient read the message (metadata.occurredAt is Meta\'s time).');
export type MessageRead = z.infer<typeof MessageReadSchema>;

export const MessageFailedSchema = z
  .object({
    ...messageRef,
    /** Meta's id, when Meta had accepted the message before it failed. */
    wamid: WamidSchema.optional(),
    /** Stable code; see `MessageFailureReason`. */
    reason: z.enum(MessageFailureReason),
    /** Meta's error, when there was one. */
    error: GraphErrorRefSchema.optional(),
    /** `true`: Relais will not try again. `false`: it will retry, and a later event tells the outcome. */
    terminal: z.boolean(),
  })
  .describe('Sending failed, at the API call or by a failed status webhook.');
export type MessageFailed = z.infer<typeof MessageFailedSchema>;

export const MessageDeadLetteredSchema = z
  .object({
    ...messageRef,
    /** How many times Relais tried. */
    attempts: z.number().int().positive(),
    /** The last error seen. */
    lastError: z.object({
      /** What went wrong, without message content or phone numbers. */
      message: z.string().min(1).max(1024),
      /** Meta's error, when the last attempt reached Meta. */
      error: GraphErrorRefSchema.optional(),
    }),
  })
  .describe('Retries were exhausted; the message is in the dead-letter queue awaiting a redrive.');
export type MessageDeadLettered = z.infer<typeof MessageDeadLetteredSchema>;

export const SendOutcomeUncertainSchema = z
  .object({
    ...messageRef,
    /** When the call whose outcome is unknown was made (ISO 8601 UTC). */
    since: z.iso.datetime(),
  })
  .describe('A send call ended without an answer (timeout, lost connection); Relais waits for status webhooks instead of resending.');
export type SendOutcomeUncertain = z.infer<typeof SendOutcomeUncertainSchema>;

/** Why a queued message is held back before Meta (`MessageDeferred.reason`). Codes are only ever added. */
export const MessageDeferralReason = [
  /** The business portfolio reached its messaging limit: the message goes when users counted a day ago leave the window. */
  'messaging_limit_reached',
  /** Meta restricted the account (e.g. `RESTRICTED_BIZ_INITIATED_MESSAGING`): the message goes when the restriction ends. */
  'account_restricted',
  /** The template is paused for a short while (Meta's 3 h or 6 h pause): the message goes when the pause ends. */
  'template_paused',
] as const;
export type MessageDeferralReason = (typeof MessageDeferralReason)[number];

export const MessageDeferredSchema = z
  .object({
    ...messageRef,
    reason: z.enum(MessageDeferralReason),
    /** A sentence for people: what holds the message and until when. */
    message: z.string().min(1).max(1024),
    /** When Relais looks at the message again (ISO 8601 UTC); it may be held again then. */
    until: z.iso.datetime(),
    /** The fact that decided it (limit figures, the restriction, the template's pause), as the read API shows it. */
    fact: z.record(z.string(), z.union([z.string(), z.number()])),
  })
  .describe('A queued message is held back before Meta (messaging limit, account restriction, template pause); it is not dropped: it goes, or fails with MessageFailed, later. Published once per reason.');
export type MessageDeferred = z.infer<typeof MessageDeferredSchema>;
