import { z } from 'zod';
import { describeIssues } from '../../../errors.js';
import { EVENT_SCHEMA_VERSION } from '../catalogue.js';
import {
  BsuidSchema,
  CorrelationIdSchema,
  E164PhoneNumberSchema,
  GraphIdSchema,
  IdempotencyKeySchema,
  exactlyOne,
  oneOfRequired,
} from './fields.js';
import { InteractiveMessageSchema } from './interactive.js';
import {
  AudioMessageSchema,
  DocumentMessageSchema,
  ImageMessageSchema,
  MarkReadMessageSchema,
  ReactionMessageSchema,
  StickerMessageSchema,
  TextMessageSchema,
  VideoMessageSchema,
} from './messages.js';
import { TemplateMessageSchema } from './templates.js';
import { MESSAGE_CATEGORIES, OUTBOUND_MESSAGE_TYPES } from './vocabulary.js';

/**
 * The outbound contract. Any AWS service asks Relais to send a WhatsApp message by putting one
 * `SendRequested` event on the Relais bus (with a `source` of its own), or by `POST /messages` on the HTTP
 * API with the same body: `{ metadata, data }` as defined by {@link SendRequestSchema}. Relais answers with
 * events: `SendAccepted` or `SendRejected`, then `MessageSent`, `MessageDelivered`, `MessageRead`,
 * `MessageFailed`, `MessageDeadLettered` or `SendOutcomeUncertain`.
 *
 * Request objects are strict: an unknown field is refused rather than silently ignored, so a misspelt
 * option (`reply_to`, a caption on audio) surfaces as an error naming it. Limits follow Meta's Cloud API
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages and
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/throughput); where Meta documents
 * none, Relais sets a generous bound and says so.
 * Outbound event data objects are not strict: consumers must tolerate fields added later.
 */

// The message union -------------------------------------------------------------------------------------

/** The message to send, told apart by `type` (and interactive messages by `kind`). */
export const OutboundMessageSchema = z.discriminatedUnion(
  'type',
  [
    TextMessageSchema,
    ImageMessageSchema,
    VideoMessageSchema,
    AudioMessageSchema,
    DocumentMessageSchema,
    StickerMessageSchema,
    ReactionMessageSchema,
    InteractiveMessageSchema,
    TemplateMessageSchema,
    MarkReadMessageSchema,
  ],
  { error: `must be one of ${OUTBOUND_MESSAGE_TYPES.join(', ')}` },
);
export type OutboundMessage = z.infer<typeof OutboundMessageSchema>;

// ---------------------------------------------------------------------------------------------------------
// The request
// ---------------------------------------------------------------------------------------------------------

/**
 * `metadata` a caller supplies. Relais adds its own event id, time and producer to the events it publishes;
 * callers give only what identifies their request.
 */
export const SendRequestMetadataSchema = z
  .strictObject({
    /** Version of this request schema. */
    schemaVersion: z.literal(EVENT_SCHEMA_VERSION),
    /**
     * Exactly-once key, scoped by requester (the event's `source`, or the HTTP API caller): the same key with
     * the same body from the same requester is sent once, however often it is put or posted.
     */
    idempotencyKey: IdempotencyKeySchema,
    /** The caller's id echoed on every outcome event for this request. */
    correlationId: CorrelationIdSchema.optional(),
    /** The campaign the message belongs to, recorded with it so that the campaign can pause or cancel what it queued. */
    campaignId: CorrelationIdSchema.optional(),
  })
  .describe('What the caller says about its request: schema version, idempotency key, correlation id.');
export type SendRequestMetadata = z.infer<typeof SendRequestMetadataSchema>;

export const SendRequestDataSchema = z
  .strictObject({
    /** The business phone number id to send from. */
    phoneNumberId: GraphIdSchema,
    /** The WhatsApp Business Account of that number, when the caller knows it. */
    businessAccountId: GraphIdSchema.optional(),
    /** Recipient phone number in E.164 form. Exactly one of `to` or `recipientUserId`. */
    to: E164PhoneNumberSchema.optional(),
    /** Recipient business-scoped user id (BSUID) or parent BSUID. Exactly one of `to` or `recipientUserId`. */
    recipientUserId: BsuidSchema.optional(),
    /**
     * The category the caller believes the message has. Never trusted: free-form messages are `service`,
     * and a template's category is the one Meta holds for it; a mismatch is reported, not obeyed.
     */
    category: z.enum(MESSAGE_CATEGORIES).optional(),
    message: OutboundMessageSchema,
  })
  .meta({ description: 'The message to send, who sends it and to whom.', ...oneOfRequired('to', 'recipientUserId') })
  .superRefine((value, ctx) => exactlyOne(ctx, value, 'to', 'recipientUserId'));
export type SendRequestData = z.infer<typeof SendRequestDataSchema>;

/**
 * The `detail` of a `SendRequested` event and the body of `POST /messages`: `{ metadata, data }`.
 */
export const SendRequestSchema = z
  .strictObject({
    metadata: SendRequestMetadataSchema,
    data: SendRequestDataSchema,
  })
  .describe('A request to send one WhatsApp message.');
export type SendRequest = z.infer<typeof SendRequestSchema>;

export type SendRequestParseResult =
  | { readonly ok: true; readonly value: SendRequest }
  | { readonly ok: false; readonly reason: 'invalid_request'; readonly issues: string[] };

/**
 * Validates a send request (an event detail or an HTTP body). On failure, `issues` holds one
 * `path: problem` line per problem (e.g. `data.message.body: Too big: …`), never the values themselves.
 */
export function parseSendRequest(input: unknown): SendRequestParseResult {
  const result = SendRequestSchema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, reason: 'invalid_request', issues: describeIssues(result.error.issues) };
}
