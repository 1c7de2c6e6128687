import { z } from 'zod';
import { BSUID_PATTERN, BSUID_PROBLEM } from '../../domain/contacts/bsuid.js';
import { E164_FORM_PROBLEM, E164_NUMBER_PROBLEM, E164_PATTERN, phoneNumberProblem } from '../../domain/contacts/phone.js';
import { describeIssues } from '../../errors.js';
import { EVENT_SCHEMA_VERSION } from './catalogue.js';
import { GraphErrorRefSchema } from './ingestion.js';

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

// ---------------------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------------------

/** Every `message.type` a caller can send. */
export const OUTBOUND_MESSAGE_TYPES = [
  'text',
  'image',
  'video',
  'audio',
  'document',
  'sticker',
  'reaction',
  'interactive',
  'template',
  'markRead',
] as const;
export type OutboundMessageType = (typeof OUTBOUND_MESSAGE_TYPES)[number];

/** Media message types; each takes exactly one of `mediaId` or `link`. */
export const MEDIA_MESSAGE_TYPES = ['image', 'video', 'audio', 'document', 'sticker'] as const;
export type MediaMessageType = (typeof MEDIA_MESSAGE_TYPES)[number];

/** Every `message.kind` of an interactive message. */
export const INTERACTIVE_KINDS = ['button', 'list', 'cta_url', 'product', 'product_list'] as const;
export type InteractiveKind = (typeof INTERACTIVE_KINDS)[number];

/**
 * Meta's pricing categories. Free-form messages are always `service`; a template's category is the one
 * Meta holds for it at the time of use (Relais reads it from its template registry, never from the caller).
 */
export const MESSAGE_CATEGORIES = ['marketing', 'utility', 'authentication', 'service'] as const;
export type MessageCategory = (typeof MESSAGE_CATEGORIES)[number];

/** Outbound queue lanes: `priority` (authentication, service replies) never waits behind `bulk` (campaigns). */
export const SEND_LANES = ['priority', 'bulk'] as const;
export type SendLane = (typeof SEND_LANES)[number];

/**
 * Stable codes for a send Relais refused before calling Meta (`SendRejected.reason`). Codes are only ever
 * added: consumers must treat a code they do not know as a generic refusal.
 */
export const SendRejectionReason = [
  /** The request does not match {@link SendRequestSchema}; `issues` lists each problem. */
  'invalid_request',
  /** Free-form message outside the 24 h customer service window: send a template (Meta error 131047). */
  'window_closed',
  /** The template exists but is not APPROVED for that language (pending, rejected, paused, disabled…). */
  'template_not_approved',
  /** No template of that name and language is known for the business account. */
  'template_unknown',
  /** No opt-in is recorded for the recipient and the message needs one. */
  'consent_missing',
  /** The recipient opted out of this category (e.g. stopped marketing messages, Meta error 131050). */
  'opted_out',
  /** Sends to the recipient are suspended (e.g. after repeated failures or an operator hold). */
  'contact_on_hold',
  /** Meta's per-user marketing limit was hit recently (Meta error 131049): wait at least 24 h. */
  'marketing_cap_reached',
  /** Meta does not deliver marketing templates to US (+1) numbers at present. */
  'marketing_to_us_number',
  /** The recipient is a BSUID Relais has never seen and cannot resolve. */
  'recipient_unknown',
  /** The idempotency key was already used for a different request body. */
  'duplicate',
] as const;
export type SendRejectionReason = (typeof SendRejectionReason)[number];

/**
 * Stable codes for a send that failed at or after Meta (`MessageFailed.reason`), each grouping Meta error
 * codes by the reaction they call for. Codes are only ever added; `meta_error` covers any other Meta code
 * (see `error.code`).
 */
export const MessageFailureReason = [
  /** 131047: more than 24 h since the user's last message; a template is required. */
  'window_closed',
  /** 131026: not on WhatsApp, old client, or terms not accepted. */
  'recipient_unreachable',
  /** 131050: the user stopped marketing messages. */
  'opted_out',
  /** 131049: Meta's per-user marketing limit; not before 24 h. */
  'marketing_cap_reached',
  /** 132001: template missing in that language or not approved. */
  'template_unknown',
  /** 132015: template paused for low quality, or a held message dropped by pacing. */
  'template_paused',
  /** 132016: template disabled. */
  'template_disabled',
  /** 132000, 132005, 132007, 132008, 132012, 132018: parameters do not fit the template. */
  'template_parameters_invalid',
  /** 131053: the media could not be uploaded or fetched (MIME type, size, unreachable link). */
  'media_error',
  /** 131051: unsupported message type. */
  'unsupported_message',
  /** 131062: this message cannot be sent to a BSUID; use the phone number. */
  'recipient_id_unsupported',
  /** 130429, 131056, 131048, 4, 80007: throughput, pair-rate, spam or API rate limits. */
  'rate_limited',
  /** 368, 131031, 130497, 131063, 131064: the account or number is restricted. */
  'account_restricted',
  /** 131042: payment or credit-line problem on the business account. */
  'payment_issue',
  /** 133010: the business phone number is not registered on the Cloud API. */
  'number_not_registered',
  /** 0, 3, 10, 190, 200–299, 131005: the access token or its permissions were refused. */
  'authorisation_failed',
  /** 33, 100, 131008, 131009, 131021: Meta refused the request as malformed. */
  'invalid_request',
  /** 1, 2, 131000, 131016, 131057: Meta was unavailable. */
  'meta_unavailable',
  /** Any other Meta error; see `error.code`. */
  'meta_error',
] as const;
export type MessageFailureReason = (typeof MessageFailureReason)[number];

// ---------------------------------------------------------------------------------------------------------
// Field schemas
// ---------------------------------------------------------------------------------------------------------

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,128}$/;
const WAMID = /^wamid\.[A-Za-z0-9+/=_-]{1,500}$/;
const GRAPH_ID = /^[0-9]{1,32}$/;
const TEMPLATE_NAME = /^[a-z0-9_]{1,512}$/;
const TEMPLATE_LANGUAGE = /^[a-z]{2,3}(?:_[A-Z]{2})?$/;
const PARAMETER_NAME = /^[a-z_][a-z0-9_]{0,127}$/;
/** Meta error 132018 (Graph v23.0+): a template parameter may not hold a newline, a tab or more than 4 spaces in a row. */
const FORBIDDEN_IN_PARAMETER = /[\n\t]| {5}/;
/** Relais's bound for URLs: Meta's template URL limit, applied to every link. */
const MAX_URL_LENGTH = 2000;

/** A caller's key for one send: the same key with the same body is accepted once, whatever the retries. */
export const IdempotencyKeySchema = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
  .regex(IDEMPOTENCY_KEY, { error: 'must be 1 to 128 characters among A-Z a-z 0-9 _ . : -' });

/** A caller's identifier tying its own flow to Relais's outcome events. */
export const CorrelationIdSchema = z.string().min(1).max(128);

/** Relais's id for an accepted message (returned by `SendAccepted` and the HTTP API). */
export const MessageIdSchema = z.string().min(1).max(128);

/** Meta's id for a message, `wamid.` followed by base64 text. */
export const WamidSchema = z.string().regex(WAMID, { error: 'must be a WhatsApp message id (wamid.…)' });

/** A Graph API numeric id (business phone number id, WhatsApp Business Account id). */
export const GraphIdSchema = z.string().regex(GRAPH_ID, { error: 'must be a Graph API id (digits only)' });

/**
 * A recipient phone number by Relais's one phone rule ({@link phoneNumberProblem}, the Contacts API's too): the
 * E.164 form (also the published `pattern`), valid for its country and already canonical.
 */
export const E164PhoneNumberSchema = z
  .string()
  .regex(E164_PATTERN, { error: E164_FORM_PROBLEM, abort: true })
  .refine((value) => phoneNumberProblem(value) === undefined, { error: E164_NUMBER_PROBLEM });

/** A business-scoped user id (`CC.<alnum>`) or a parent BSUID (`CC.ENT.<alnum>`). */
export const BsuidSchema = z
  .string()
  .regex(BSUID_PATTERN, { error: BSUID_PROBLEM });

const HttpsUrlSchema = z
  .url({ protocol: /^https$/, hostname: z.regexes.domain, error: 'must be an https URL with a domain name' })
  .max(MAX_URL_LENGTH)
  .meta({ pattern: '^https://' });

const MediaIdSchema = z.string().regex(/^[0-9]{1,64}$/, { error: 'must be a media id returned by the media upload API (digits)' });

function boundedText(max: number) {
  return z.string().min(1).max(max);
}

function templateText(max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .refine((value) => !FORBIDDEN_IN_PARAMETER.test(value), {
      error: 'must not contain a newline, a tab or more than 4 consecutive spaces (Meta error 132018)',
    });
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const PICTOGRAPHIC = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20E3/u;

function isEmptyOrOneEmoji(value: string): boolean {
  if (value === '') return true;
  let count = 0;
  for (const _ of graphemes.segment(value)) if (++count > 1) return false;
  return PICTOGRAPHIC.test(value);
}

/** Adds an issue unless exactly one of two optional fields is set. */
function exactlyOne(ctx: z.RefinementCtx, value: Record<string, unknown>, a: string, b: string, path: PropertyKey[] = []): void {
  const hasA = value[a] !== undefined;
  const hasB = value[b] !== undefined;
  if (hasA && hasB) ctx.addIssue({ code: 'custom', path, message: `give exactly one of ${a} or ${b}, not both` });
  else if (!hasA && !hasB) ctx.addIssue({ code: 'custom', path, message: `one of ${a} or ${b} is required` });
}

/** JSON Schema for "exactly one of `a` or `b`", merged into the generated schema through `.meta()`. */
function oneOfRequired(a: string, b: string) {
  return { oneOf: [{ required: [a] }, { required: [b] }] };
}

/** Adds an issue for each value of `key` that repeats within `items`. */
function uniqueBy<T>(ctx: z.RefinementCtx, items: readonly T[], key: (item: T) => unknown, path: (index: number) => PropertyKey[], what: string): void {
  const seen = new Set<unknown>();
  items.forEach((item, index) => {
    const value = key(item);
    if (seen.has(value)) ctx.addIssue({ code: 'custom', path: path(index), message: `${what} must be unique` });
    seen.add(value);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------------------

const replyTo = {
  /** Quote this earlier message (its wamid) as the context of the reply. */
  replyTo: WamidSchema.optional(),
};

export const TextMessageSchema = z
  .strictObject({
    type: z.literal('text'),
    /** The text, 1 to 4096 characters. */
    body: boundedText(4096),
    /** Let WhatsApp render a preview of the first URL in `body`. @default false */
    previewUrl: z.boolean().optional(),
    ...replyTo,
  })
  .describe('A free-form text message.');
export type TextMessage = z.infer<typeof TextMessageSchema>;

const mediaSource = {
  /** Id of media uploaded with the media API (kept 30 days by Meta). Exactly one of `mediaId` or `link`. */
  mediaId: MediaIdSchema.optional(),
  /** Public https URL Meta fetches (cached about 10 minutes). Exactly one of `mediaId` or `link`. */
  link: HttpsUrlSchema.optional(),
};

/** File name shown to the user, with its extension (Relais bound: 240 characters). */
const filename = { filename: boundedText(240).optional() };

/** Caption of an image, video or document: up to 1024 characters. */
const caption = boundedText(1024);

function mediaMessage<T extends MediaMessageType, S extends z.ZodRawShape>(type: T, extra: S, description: string) {
  return z
    .strictObject({ type: z.literal(type), ...mediaSource, ...extra, ...replyTo })
    .meta({ description, ...oneOfRequired('mediaId', 'link') })
    .superRefine((value, ctx) => exactlyOne(ctx, value, 'mediaId', 'link'));
}

export const ImageMessageSchema = mediaMessage('image', { caption: caption.optional() }, 'An image (JPEG or PNG, 5 MB).');
export const VideoMessageSchema = mediaMessage('video', { caption: caption.optional() }, 'A video (MP4 or 3GP, H.264 + AAC, 16 MB).');
export const AudioMessageSchema = mediaMessage('audio', {}, 'An audio file (AAC, AMR, MP3, M4A or mono OGG/Opus, 16 MB); no caption.');
export const DocumentMessageSchema = mediaMessage(
  'document',
  { caption: caption.optional(), ...filename },
  'A document (PDF, text, Office formats; 100 MB).',
);
export const StickerMessageSchema = mediaMessage('sticker', {}, 'A WebP sticker (100 KB static, 500 KB animated); no caption.');
export type ImageMessage = z.infer<typeof ImageMessageSchema>;
export type VideoMessage = z.infer<typeof VideoMessageSchema>;
export type AudioMessage = z.infer<typeof AudioMessageSchema>;
export type DocumentMessage = z.infer<typeof DocumentMessageSchema>;
export type StickerMessage = z.infer<typeof StickerMessageSchema>;
export type MediaMessage = ImageMessage | VideoMessage | AudioMessage | DocumentMessage | StickerMessage;

export const ReactionMessageSchema = z
  .strictObject({
    type: z.literal('reaction'),
    /** The message reacted to. */
    messageId: WamidSchema,
    /** One emoji, or `""` to remove an earlier reaction. */
    emoji: z.string().max(64).refine(isEmptyOrOneEmoji, { error: 'must be a single emoji, or empty to remove the reaction' }),
  })
  .describe('A reaction to an earlier message, or its removal.');
export type ReactionMessage = z.infer<typeof ReactionMessageSchema>;

export const MarkReadMessageSchema = z
  .strictObject({
    type: z.literal('markRead'),
    /** The inbound message to mark as read (with every earlier one in the conversation). */
    messageId: WamidSchema,
    /** Also show "typing…" to the user (up to 25 s, or until the next message). @default false */
    typingIndicator: z.boolean().optional(),
  })
  .describe('Marks an inbound message as read, optionally showing a typing indicator.');
export type MarkReadMessage = z.infer<typeof MarkReadMessageSchema>;

// Interactive -------------------------------------------------------------------------------------------

/** A text header: up to 60 characters. */
export const TextHeaderSchema = z.strictObject({
  type: z.literal('text'),
  /** Header text, up to 60 characters. */
  text: boundedText(60),
});

/** Media given by id or link, for headers and template parameters: exactly one of `mediaId` or `link`. */
function mediaObject<T extends 'image' | 'video' | 'document', S extends z.ZodRawShape>(type: T, extra: S) {
  return z
    .strictObject({ type: z.literal(type), ...mediaSource, ...extra })
    .meta(oneOfRequired('mediaId', 'link'))
    .superRefine((value, ctx) => exactlyOne(ctx, value, 'mediaId', 'link'));
}

/** Header of a reply-button or call-to-action message: text or media. */
export const InteractiveHeaderSchema = z.discriminatedUnion('type', [
  TextHeaderSchema,
  mediaObject('image', {}),
  mediaObject('video', {}),
  mediaObject('document', filename),
]);
export type InteractiveHeader = z.infer<typeof InteractiveHeaderSchema>;

const interactiveBase = {
  type: z.literal('interactive'),
  /** Footer text, up to 60 characters. */
  footer: boundedText(60).optional(),
  ...replyTo,
};

export const ReplyButtonSchema = z.strictObject({
  /** Returned in the user's reply when tapped; 1 to 256 characters, unique within the message. */
  id: boundedText(256),
  /** Button label, up to 20 characters. */
  title: boundedText(20),
});

export const ButtonMessageSchema = z
  .strictObject({
    ...interactiveBase,
    kind: z.literal('button'),
    header: InteractiveHeaderSchema.optional(),
    /** Message text, up to 1024 characters. */
    body: boundedText(1024),
    /** One to three reply buttons with unique ids. */
    buttons: z.array(ReplyButtonSchema).min(1).max(3),
  })
  .describe('Text with up to three reply buttons.')
  .superRefine((value, ctx) => uniqueBy(ctx, value.buttons, (b) => b.id, (i) => ['buttons', i, 'id'], 'button ids'));
export type ButtonMessage = z.infer<typeof ButtonMessageSchema>;

export const ListRowSchema = z.strictObject({
  /** Returned in the user's reply when chosen; up to 200 characters, unique within the message. */
  id: boundedText(200),
  /** Row title, up to 24 characters. */
  title: boundedText(24),
  /** Row description, up to 72 characters. */
  description: boundedText(72).optional(),
});

export const ListSectionSchema = z.strictObject({
  /** Section title, up to 24 characters; required when there is more than one section. */
  title: boundedText(24).optional(),
  /** At least one row; at most 10 rows across all sections. */
  rows: z.array(ListRowSchema).min(1).max(10),
});

export const ListMessageSchema = z
  .strictObject({
    ...interactiveBase,
    kind: z.literal('list'),
    header: TextHeaderSchema.optional(),
    /** Message text, up to 4096 characters. */
    body: boundedText(4096),
    /** Label of the button that opens the list, up to 20 characters. */
    button: boundedText(20),
    /** One to ten sections holding at most 10 rows in total. */
    sections: z.array(ListSectionSchema).min(1).max(10),
  })
  .describe('Text with a button opening a list of up to 10 choices.')
  .superRefine((value, ctx) => {
    const rows = value.sections.flatMap((section, s) => section.rows.map((row, r) => ({ row, path: ['sections', s, 'rows', r, 'id'] })));
    if (rows.length > 10) ctx.addIssue({ code: 'custom', path: ['sections'], message: `may hold at most 10 rows in total across sections (has ${rows.length})` });
    uniqueBy(ctx, rows, (r) => r.row.id, (i) => rows[i]!.path, 'row ids');
    if (value.sections.length > 1) {
      value.sections.forEach((section, s) => {
        if (section.title === undefined) ctx.addIssue({ code: 'custom', path: ['sections', s, 'title'], message: 'is required when there is more than one section' });
      });
    }
  });
export type ListMessage = z.infer<typeof ListMessageSchema>;

export const CtaUrlMessageSchema = z
  .strictObject({
    ...interactiveBase,
    kind: z.literal('cta_url'),
    header: InteractiveHeaderSchema.optional(),
    /** Message text, up to 1024 characters. */
    body: boundedText(1024),
    /** Button label, up to 20 characters. */
    displayText: boundedText(20),
    /** The https URL the button opens. */
    url: HttpsUrlSchema,
  })
  .describe('Text with one button that opens a URL.');
export type CtaUrlMessage = z.infer<typeof CtaUrlMessageSchema>;

const CatalogIdSchema = boundedText(128);
const ProductRetailerIdSchema = boundedText(128);

export const ProductMessageSchema = z
  .strictObject({
    ...interactiveBase,
    kind: z.literal('product'),
    /** Message text, up to 1024 characters. */
    body: boundedText(1024).optional(),
    /** The catalogue connected to the business account. */
    catalogId: CatalogIdSchema,
    /** The product's retailer id (SKU) in that catalogue. */
    productRetailerId: ProductRetailerIdSchema,
  })
  .describe('One product from the catalogue.');
export type ProductMessage = z.infer<typeof ProductMessageSchema>;

export const ProductSectionSchema = z.strictObject({
  /** Section title, up to 24 characters; required when there is more than one section. */
  title: boundedText(24).optional(),
  /** Retailer ids of the products shown; at most 30 across all sections. */
  productRetailerIds: z.array(ProductRetailerIdSchema).min(1).max(30),
});

export const ProductListMessageSchema = z
  .strictObject({
    ...interactiveBase,
    kind: z.literal('product_list'),
    /** A text header is required for product lists. */
    header: TextHeaderSchema,
    /** Message text, up to 1024 characters. */
    body: boundedText(1024),
    catalogId: CatalogIdSchema,
    /** One to ten sections holding at most 30 products in total. */
    sections: z.array(ProductSectionSchema).min(1).max(10),
  })
  .describe('Up to 30 catalogue products in up to 10 sections.')
  .superRefine((value, ctx) => {
    const total = value.sections.reduce((sum, section) => sum + section.productRetailerIds.length, 0);
    if (total > 30) ctx.addIssue({ code: 'custom', path: ['sections'], message: `may hold at most 30 products in total across sections (has ${total})` });
    if (value.sections.length > 1) {
      value.sections.forEach((section, s) => {
        if (section.title === undefined) ctx.addIssue({ code: 'custom', path: ['sections', s, 'title'], message: 'is required when there is more than one section' });
      });
    }
  });
export type ProductListMessage = z.infer<typeof ProductListMessageSchema>;

/** An interactive message, told apart by `kind`. */
export const InteractiveMessageSchema = z.discriminatedUnion(
  'kind',
  [ButtonMessageSchema, ListMessageSchema, CtaUrlMessageSchema, ProductMessageSchema, ProductListMessageSchema],
  { error: `must be one of ${INTERACTIVE_KINDS.join(', ')}` },
);
export type InteractiveMessage = z.infer<typeof InteractiveMessageSchema>;

// Template ----------------------------------------------------------------------------------------------

/** Positional parameters fill `{{1}}`, `{{2}}`… in order; named ones fill `{{parameter_name}}`. */
const parameterName = {
  /** Name of the variable this value fills in a template created with `parameter_format: named`. */
  parameterName: z.string().regex(PARAMETER_NAME, { error: 'must be lowercase letters, digits and _, starting with a letter or _' }).optional(),
};

export const TemplateTextParameterSchema = z.strictObject({
  type: z.literal('text'),
  /** The value, without newlines, tabs or more than 4 consecutive spaces. */
  text: templateText(1024),
  ...parameterName,
});

export const TemplateCurrencyParameterSchema = z.strictObject({
  type: z.literal('currency'),
  /** Shown when the amount cannot be localised, e.g. `$100.99`. */
  fallbackValue: templateText(256),
  /** ISO 4217 currency code. */
  code: z.string().regex(/^[A-Z]{3}$/, { error: 'must be an ISO 4217 currency code (3 capital letters)' }),
  /** Amount multiplied by 1000 (100.99 → 100990). */
  amount1000: z.number().int(),
  ...parameterName,
});

export const TemplateDateTimeParameterSchema = z.strictObject({
  type: z.literal('date_time'),
  /** The date as it should be shown, e.g. `February 25, 1977`. */
  fallbackValue: templateText(256),
  ...parameterName,
});

/** A body parameter: text, currency or date/time. */
export const TemplateBodyParameterSchema = z.discriminatedUnion('type', [
  TemplateTextParameterSchema,
  TemplateCurrencyParameterSchema,
  TemplateDateTimeParameterSchema,
]);
export type TemplateBodyParameter = z.infer<typeof TemplateBodyParameterSchema>;

export const TemplateLocationParameterSchema = z.strictObject({
  type: z.literal('location'),
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  /** Place name (Relais bound: 1000 characters). */
  name: boundedText(1000).optional(),
  /** Street address (Relais bound: 1000 characters). */
  address: boundedText(1000).optional(),
});

/** The one header parameter of a template with a variable header: text (≤ 60), media or a location. */
export const TemplateHeaderParameterSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text'), text: templateText(60), ...parameterName }),
  mediaObject('image', {}),
  mediaObject('video', {}),
  mediaObject('document', filename),
  TemplateLocationParameterSchema,
]);
export type TemplateHeaderParameter = z.infer<typeof TemplateHeaderParameterSchema>;

/** Position of the button in the template, 0 to 9. */
const buttonIndex = { index: z.number().int().min(0).max(9) };

/** A value for one of the template's buttons, told apart by `subType`. */
export const TemplateButtonParameterSchema = z.discriminatedUnion('subType', [
  z.strictObject({
    subType: z.literal('quick_reply'),
    ...buttonIndex,
    /** Returned in the user's reply when tapped (Relais bound: 1024 characters). */
    payload: boundedText(1024),
  }),
  z.strictObject({
    subType: z.literal('url'),
    ...buttonIndex,
    /** Suffix appended to the button's dynamic URL (also carries the code of a copy-code authentication template). */
    text: templateText(MAX_URL_LENGTH),
  }),
  z.strictObject({
    subType: z.literal('copy_code'),
    ...buttonIndex,
    /** The code copied by the button, up to 15 characters. */
    couponCode: boundedText(15),
  }),
  z.strictObject({
    subType: z.literal('flow'),
    ...buttonIndex,
    /** Token identifying this flow session (Relais bound: 1024 characters). */
    flowToken: boundedText(1024).optional(),
    /** Initial data handed to the flow's first screen. */
    flowActionData: z.record(z.string(), z.unknown()).optional(),
  }),
]);
export type TemplateButtonParameter = z.infer<typeof TemplateButtonParameterSchema>;

export const TemplateComponentsSchema = z
  .strictObject({
    /** The header's parameter, when the header has a variable. */
    header: TemplateHeaderParameterSchema.optional(),
    /** Body parameters, in order for positional templates. */
    body: z.array(TemplateBodyParameterSchema).min(1).optional(),
    /** Values of the buttons that take one, each by its index (0 to 9, unique). */
    buttons: z.array(TemplateButtonParameterSchema).min(1).max(10).optional(),
  })
  .superRefine((value, ctx) => {
    const textual: { named: boolean; name: string | undefined; path: PropertyKey[] }[] = [];
    if (value.header?.type === 'text') textual.push({ named: value.header.parameterName !== undefined, name: value.header.parameterName, path: ['header', 'parameterName'] });
    (value.body ?? []).forEach((p, i) => textual.push({ named: p.parameterName !== undefined, name: p.parameterName, path: ['body', i, 'parameterName'] }));
    const named = textual.filter((p) => p.named).length;
    if (named > 0 && named < textual.length) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'parameters must be all positional or all named (parameterName on every header text and body parameter), not mixed',
      });
    }
    const names = textual.filter((p) => p.named);
    uniqueBy(ctx, names, (p) => p.name, (i) => names[i]!.path, 'parameter names');
    uniqueBy(ctx, value.buttons ?? [], (b) => b.index, (i) => ['buttons', i, 'index'], 'button indexes');
  });
export type TemplateComponents = z.infer<typeof TemplateComponentsSchema>;

export const TemplateMessageSchema = z
  .strictObject({
    type: z.literal('template'),
    /** The template's name: lowercase letters, digits and `_`, up to 512 characters. */
    name: z.string().regex(TEMPLATE_NAME, { error: 'must be 1 to 512 lowercase letters, digits or _' }),
    /** The template's language code as the send API spells it: `fr`, `en_US`, `pt_BR`. */
    language: z.string().regex(TEMPLATE_LANGUAGE, { error: 'must be a template language code such as fr, en_US or pt_BR' }),
    /** Values for the template's variables; omit for a template without any. */
    components: TemplateComponentsSchema.optional(),
    ...replyTo,
  })
  .describe('An approved message template, with its parameters.');
export type TemplateMessage = z.infer<typeof TemplateMessageSchema>;

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
