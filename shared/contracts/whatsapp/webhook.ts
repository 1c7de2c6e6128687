import { z } from 'zod';
import { idProblem } from '../../domain/ingestion/update-bounds.js';

/**
 * Zod schemas for every webhook field Relais models, as Meta documents them
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/overview,
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages and
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/status).
 *
 * Validation happens at three depths so that one odd update never blocks its neighbours:
 * 1. the envelope (`object`, `entry[]`, `changes[]`): a failure here is a 400;
 * 2. each change's `value`, by field;
 * 3. each item inside it (a message, a status, a preference).
 * A failure at depth 2 or 3, an unknown field or an unknown message type becomes an "unrecognised" event
 * carrying the raw update, so nothing is ever dropped.
 *
 * Objects are loose: Meta adds fields without notice, and unknown keys are kept, not rejected. Schemas are
 * strict only on what a decision depends on (ids, sender, timestamp, type); a field Relais never uses may be
 * missing (e.g. `metadata.display_phone_number`), and numbers Meta documents may come as numeric strings.
 */

/** Meta's documented maximum webhook payload (3 MB); larger bodies are refused with 413. */
export const MAX_WEBHOOK_BODY_BYTES = 3 * 1024 * 1024;

/**
 * Unix seconds: messages and statuses send them as strings, user_preferences and entries as integers.
 * Whether the time is plausible (2009..receipt + 7 days) is checked by the normaliser, which knows the receipt
 * time (`timestampProblem` in `#shared/domain/ingestion/update-bounds.js`).
 */
export const UnixTimestampSchema = z
  .union([z.string().regex(/^\d{1,15}$/, 'expected unix seconds'), z.number().int('expected whole unix seconds').nonnegative()])
  .transform((value) => Number(value));

/** An identifier a consumer keys on: non-empty, bounded, and made only of characters SQS and DynamoDB accept. */
export const IdSchema = z.string().superRefine((value, ctx) => {
  const problem = idProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `id ${problem}` });
});

/**
 * Graph ids are numeric and may exceed 2^53 as JSON numbers; keep them as strings. (The body parser keeps
 * integers above 2^53 as their exact digits, so they arrive here as strings.)
 */
const GraphIdSchema = z.union([z.string(), z.number().int().nonnegative()]).transform((value) => String(value)).pipe(IdSchema);

/** A decimal number, as a JSON number or as text (`"37.4847"`): Meta documents numbers, some senders quote them. */
const DecimalSchema = z
  .union([z.number(), z.string().trim().regex(/^-?\d+(\.\d+)?$/, 'expected a decimal number')])
  .transform((value) => Number(value))
  .pipe(z.number().finite());

export const GraphErrorSchema = z.looseObject({
  code: z.number().int(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.looseObject({ details: z.string().optional() }).optional(),
  href: z.string().optional(),
});
export type GraphError = z.infer<typeof GraphErrorSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Depth 1: the envelope
// ---------------------------------------------------------------------------------------------------------------

/** One change; validated change by change, so that a malformed one becomes unrecognised, not a 400. */
export const WebhookChangeSchema = z.looseObject({
  field: z.string().min(1, 'field must be a non-empty string').max(128, 'field must be at most 128 characters'),
  value: z.record(z.string(), z.unknown(), 'value must be an object'),
});

/**
 * `time` is only a fallback for updates without their own time, so an odd one is ignored rather than
 * refused; `changes` items are checked one by one ({@link WebhookChangeSchema}).
 */
export const WebhookEntrySchema = z.looseObject({
  id: GraphIdSchema,
  time: z.unknown().optional(),
  changes: z.array(z.unknown()).min(1, 'changes must not be empty'),
});

export const WebhookPayloadSchema = z.looseObject({
  object: z.literal('whatsapp_business_account', 'object must be "whatsapp_business_account"'),
  entry: z.array(WebhookEntrySchema).min(1, 'entry must not be empty'),
});
export type WebhookPayload = z.infer<typeof WebhookPayloadSchema>;
export type WebhookEntry = z.infer<typeof WebhookEntrySchema>;
export type WebhookChange = z.infer<typeof WebhookChangeSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Depth 2 and 3: field `messages`
// ---------------------------------------------------------------------------------------------------------------

/** `display_phone_number` is informative only (routing uses `phone_number_id`) and may be missing. */
export const PhoneNumberMetadataSchema = z.looseObject({
  display_phone_number: z.union([z.string(), z.number()]).transform((v) => String(v)).optional(),
  phone_number_id: GraphIdSchema,
});

/** Profile details of a user; an entry that fails is dropped by the normaliser, it never fails its update. */
export const WebhookContactSchema = z.looseObject({
  profile: z.looseObject({ name: z.string().optional(), username: z.string().optional() }).optional(),
  wa_id: IdSchema.optional(),
  user_id: IdSchema.optional(),
  parent_user_id: IdSchema.optional(),
  identity_key_hash: z.string().optional(),
});
export type WebhookContact = z.infer<typeof WebhookContactSchema>;

/** The `messages` field value; its `messages[]` and `statuses[]` items are validated one by one. */
export const MessagesValueSchema = z.looseObject({
  messaging_product: z.literal('whatsapp'),
  metadata: PhoneNumberMetadataSchema,
  contacts: z.array(z.unknown()).optional(),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
  errors: z.array(GraphErrorSchema).optional(),
});
export type MessagesValue = z.infer<typeof MessagesValueSchema>;

/** The contacts of a value that validate; the others are left out (they only carry profile details). */
export function validContacts(contacts: readonly unknown[] | undefined): WebhookContact[] {
  const out: WebhookContact[] = [];
  for (const c of contacts ?? []) {
    const parsed = WebhookContactSchema.safeParse(c);
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}

const ContextSchema = z.looseObject({
  from: z.string().optional(),
  id: z.string().optional(),
  forwarded: z.boolean().optional(),
  frequently_forwarded: z.boolean().optional(),
  referred_product: z.looseObject({ catalog_id: z.string(), product_retailer_id: z.string() }).optional(),
});

export const ReferralSchema = z.looseObject({
  source_url: z.string().optional(),
  source_id: z.string().optional(),
  source_type: z.string().optional(),
  headline: z.string().optional(),
  body: z.string().optional(),
  media_type: z.string().optional(),
  image_url: z.string().optional(),
  video_url: z.string().optional(),
  thumbnail_url: z.string().optional(),
  ctwa_clid: z.string().optional(),
  welcome_message: z.looseObject({ text: z.string().optional() }).optional(),
});

const MediaSchema = z.looseObject({
  id: IdSchema,
  mime_type: z.string().optional(),
  sha256: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
  voice: z.boolean().optional(),
  animated: z.boolean().optional(),
  url: z.string().optional(),
});

const InteractiveSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('button_reply'), button_reply: z.looseObject({ id: z.string(), title: z.string() }) }),
  z.looseObject({
    type: z.literal('list_reply'),
    list_reply: z.looseObject({ id: z.string(), title: z.string(), description: z.string().optional() }),
  }),
  z.looseObject({
    type: z.literal('nfm_reply'),
    nfm_reply: z.looseObject({ name: z.string().optional(), body: z.string().optional(), response_json: z.string() }),
  }),
  z.looseObject({ type: z.literal('call_permission_reply'), call_permission_reply: z.looseObject({}) }),
]);

const SystemSchema = z.looseObject({
  type: z.string().min(1),
  body: z.string().optional(),
  wa_id: z.string().optional(),
  user_id: z.string().optional(),
  parent_user_id: z.string().optional(),
  new_wa_id: z.string().optional(),
  customer: z.string().optional(),
  identity: z.looseObject({}).optional(),
});

/**
 * The body each known inbound type carries under the key named by `type`. A type absent from this map is
 * published as unrecognised (Meta ships new types without notice).
 */
export const inboundContentSchemas = {
  text: z.looseObject({ body: z.string() }),
  image: MediaSchema,
  video: MediaSchema,
  audio: MediaSchema,
  document: MediaSchema,
  sticker: MediaSchema,
  location: z.looseObject({
    latitude: DecimalSchema.pipe(z.number().min(-90).max(90)),
    longitude: DecimalSchema.pipe(z.number().min(-180).max(180)),
    name: z.string().optional(),
    address: z.string().optional(),
    url: z.string().optional(),
  }),
  contacts: z
    .array(
      z.looseObject({
        name: z.looseObject({ formatted_name: z.string().optional() }).optional(),
        phones: z.array(z.looseObject({ phone: z.string().optional(), wa_id: z.string().optional(), type: z.string().optional() })).optional(),
      }),
    )
    .min(1),
  interactive: InteractiveSchema,
  button: z.looseObject({ text: z.string(), payload: z.string().optional() }),
  reaction: z.looseObject({ message_id: IdSchema, emoji: z.string().optional() }),
  order: z.looseObject({
    catalog_id: z.string(),
    text: z.string().optional(),
    product_items: z.array(
      z.looseObject({
        product_retailer_id: z.string(),
        quantity: z.union([z.number(), z.string()]),
        item_price: z.union([z.number(), z.string()]),
        currency: z.string(),
      }),
    ),
  }),
  system: SystemSchema,
  revoke: z.looseObject({ original_message_id: IdSchema }),
  edit: z.looseObject({ original_message_id: IdSchema }),
  /** Carried by `unsupported` messages alongside `errors` (e.g. 131051). The body is optional. */
  unsupported: z.looseObject({ type: z.string().optional() }),
  /** A first-time chat open: no body. */
  request_welcome: z.looseObject({}),
} as const;

export type KnownInboundType = keyof typeof inboundContentSchemas;

/** Types whose body key may be absent (Meta sends only `type` and, for unsupported, `errors`). */
const BODY_OPTIONAL: ReadonlySet<KnownInboundType> = new Set(['unsupported', 'request_welcome']);

export function isKnownInboundType(type: string): type is KnownInboundType {
  return Object.hasOwn(inboundContentSchemas, type);
}

export const InboundMessageBaseSchema = z
  .looseObject({
    id: IdSchema,
    timestamp: UnixTimestampSchema,
    type: z.string().min(1).max(64),
    from: IdSchema.optional(),
    from_user_id: IdSchema.optional(),
    from_parent_user_id: IdSchema.optional(),
    group_id: z.string().optional(),
    context: ContextSchema.optional(),
    referral: ReferralSchema.optional(),
    errors: z.array(GraphErrorSchema).optional(),
    identity: z.looseObject({}).optional(),
  })
  .refine((m) => m.from !== undefined || m.from_user_id !== undefined, {
    message: 'a message needs "from" or "from_user_id"',
    path: ['from'],
  });
export type InboundMessageBase = z.infer<typeof InboundMessageBaseSchema>;

export interface ParsedInboundMessage {
  readonly base: InboundMessageBase;
  readonly type: KnownInboundType;
  /** The validated body under `message[type]`, or `{}` for types without one. */
  readonly content: Record<string, unknown> | ReadonlyArray<Record<string, unknown>>;
  readonly raw: Record<string, unknown>;
}

export type InboundParseResult =
  | { readonly ok: true; readonly message: ParsedInboundMessage }
  | { readonly ok: false; readonly reason: 'unknown_type' | 'schema_mismatch'; readonly issues: z.core.$ZodIssue[] };

/** Validates one `messages[]` item: the common fields, then the body of its type. */
export function parseInboundMessage(raw: unknown): InboundParseResult {
  const base = InboundMessageBaseSchema.safeParse(raw);
  if (!base.success) return { ok: false, reason: 'schema_mismatch', issues: base.error.issues };
  const record = raw as Record<string, unknown>;
  const type = base.data.type;
  if (!isKnownInboundType(type)) return { ok: false, reason: 'unknown_type', issues: [] };
  const body = record[type];
  if (body === undefined && BODY_OPTIONAL.has(type)) {
    return { ok: true, message: { base: base.data, type, content: {}, raw: record } };
  }
  const content = inboundContentSchemas[type].safeParse(body);
  if (!content.success) {
    return { ok: false, reason: 'schema_mismatch', issues: content.error.issues.map((i) => ({ ...i, path: [type, ...i.path] })) };
  }
  return { ok: true, message: { base: base.data, type, content: content.data as ParsedInboundMessage['content'], raw: record } };
}

export const MessageStatusValues = ['sent', 'delivered', 'read', 'played', 'failed'] as const;

export const PricingSchema = z.looseObject({
  billable: z.boolean().optional(),
  pricing_model: z.string().min(1),
  type: z.string().optional(),
  category: z.string().min(1),
});

export const ConversationSchema = z.looseObject({
  id: z.string().min(1),
  expiration_timestamp: UnixTimestampSchema.optional(),
  origin: z.looseObject({ type: z.string() }).optional(),
});

export const StatusSchema = z
  .looseObject({
    id: IdSchema,
    status: z.enum(MessageStatusValues),
    timestamp: UnixTimestampSchema,
    recipient_id: IdSchema.optional(),
    recipient_user_id: IdSchema.optional(),
    recipient_parent_user_id: IdSchema.optional(),
    /** Name used before 2026-05-05. */
    parent_recipient_user_id: IdSchema.optional(),
    recipient_type: z.string().optional(),
    recipient_participant_id: z.string().optional(),
    recipient_identity_key_hash: z.string().optional(),
    biz_opaque_callback_data: z.string().max(512).optional(),
    conversation: ConversationSchema.optional(),
    pricing: PricingSchema.optional(),
    errors: z.array(GraphErrorSchema).optional(),
    contacts: z.array(z.unknown()).optional(),
  })
  .refine((s) => s.recipient_id !== undefined || s.recipient_user_id !== undefined, {
    message: 'a status needs "recipient_id" or "recipient_user_id"',
    path: ['recipient_id'],
  });
export type Status = z.infer<typeof StatusSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Depth 2 and 3: the other fields
// ---------------------------------------------------------------------------------------------------------------

export const UserPreferenceSchema = z.looseObject({
  wa_id: IdSchema.optional(),
  user_id: IdSchema.optional(),
  detail: z.string().optional(),
  category: z.string().min(1),
  value: z.string().min(1),
  timestamp: UnixTimestampSchema,
});
export type UserPreference = z.infer<typeof UserPreferenceSchema>;

export const UserPreferencesValueSchema = z.looseObject({
  messaging_product: z.literal('whatsapp').optional(),
  metadata: PhoneNumberMetadataSchema,
  contacts: z.array(z.unknown()).optional(),
  user_preferences: z.array(z.unknown()).min(1),
});

export const TemplateStatusValueSchema = z.looseObject({
  event: z.string().min(1),
  message_template_id: GraphIdSchema,
  message_template_name: z.string(),
  message_template_language: z.string(),
  reason: z.string().nullable().optional(),
  message_template_category: z.string().optional(),
  other_info: z.looseObject({ title: z.string().optional(), description: z.string().optional() }).optional(),
  rejection_info: z.looseObject({ reason: z.string().optional(), recommendation: z.string().optional() }).optional(),
  disable_info: z.looseObject({ disable_date: z.union([z.string(), z.number()]).optional() }).optional(),
});

export const TemplateQualityValueSchema = z.looseObject({
  previous_quality_score: z.string().optional(),
  new_quality_score: z.string().min(1),
  message_template_id: GraphIdSchema,
  message_template_name: z.string(),
  message_template_language: z.string(),
});

export const TemplateCategoryValueSchema = z.looseObject({
  message_template_id: GraphIdSchema,
  message_template_name: z.string(),
  message_template_language: z.string(),
  previous_category: z.string().optional(),
  new_category: z.string().min(1),
  correct_category: z.string().optional(),
  category_update_timestamp: UnixTimestampSchema.optional(),
});

export const TemplateComponentsValueSchema = z.looseObject({
  message_template_id: GraphIdSchema,
  message_template_name: z.string(),
  message_template_language: z.string(),
});

export const PhoneNumberQualityValueSchema = z.looseObject({
  display_phone_number: z.string(),
  event: z.string().min(1),
  current_limit: z.string().optional(),
  old_limit: z.string().optional(),
  max_daily_conversations_per_business: z.union([z.string(), z.number()]).optional(),
});

export const BusinessCapabilityValueSchema = z.looseObject({
  max_daily_conversation_per_phone: z.number().optional(),
  max_daily_conversations_per_business: z.union([z.string(), z.number()]).optional(),
  max_phone_numbers_per_business: z.number().optional(),
  max_phone_numbers_per_waba: z.number().optional(),
});

export const AccountUpdateValueSchema = z.looseObject({ event: z.string().min(1) });

export const UserIdUpdateSchema = z.looseObject({
  wa_id: IdSchema.optional(),
  detail: z.string().optional(),
  user_id: z.looseObject({ previous: IdSchema, current: IdSchema }),
  parent_user_id: z.looseObject({ previous: IdSchema.optional(), current: IdSchema.optional() }).optional(),
  timestamp: UnixTimestampSchema,
});
export type UserIdUpdate = z.infer<typeof UserIdUpdateSchema>;

export const UserIdUpdateValueSchema = z.looseObject({
  messaging_product: z.literal('whatsapp').optional(),
  metadata: PhoneNumberMetadataSchema.optional(),
  user_id_update: z.array(z.unknown()).min(1),
});

/** Webhook fields Relais models. Any other field is published as unrecognised with its raw value. */
export const WebhookField = {
  messages: 'messages',
  userPreferences: 'user_preferences',
  templateStatus: 'message_template_status_update',
  templateQuality: 'message_template_quality_update',
  templateCategory: 'template_category_update',
  templateComponents: 'message_template_components_update',
  phoneNumberQuality: 'phone_number_quality_update',
  businessCapability: 'business_capability_update',
  accountUpdate: 'account_update',
  userIdUpdate: 'user_id_update',
} as const;
