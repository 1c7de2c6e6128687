import { z } from 'zod';

/**
 * `data` of the events ingestion publishes, one per webhook update. Identity, timestamps and routing fields
 * are normalised (camelCase, ISO times, strings for ids); type-specific bodies keep Meta's shape under
 * `content`, as validated by `#shared/contracts/whatsapp/webhook.js`.
 */

export const BusinessNumberSchema = z.object({
  businessAccountId: z.string().min(1),
  phoneNumberId: z.string().min(1),
  /** Informative only; Meta sometimes leaves it out. */
  displayPhoneNumber: z.string().optional(),
});

/**
 * Set when ingestion replaced characters SQS refuses (lone surrogates, U+FFFE, U+FFFF, C0 controls) with
 * U+FFFD so the event can reach its queues: how many were replaced. See `#shared/domain/ingestion/queue-safe-text.js`.
 */
export const RepairedCharactersSchema = z.number().int().positive().optional();
export type BusinessNumber = z.infer<typeof BusinessNumberSchema>;

/**
 * A WhatsApp user as a webhook names them. Since the username era either key may be missing:
 * `userId` is the business-scoped user id (BSUID), `waId` the phone number's digits.
 */
export const UserRefSchema = z.object({
  userId: z.string().min(1).optional(),
  waId: z.string().min(1).optional(),
  parentUserId: z.string().min(1).optional(),
  username: z.string().optional(),
  profileName: z.string().optional(),
  identityKeyHash: z.string().optional(),
});
export type UserRef = z.infer<typeof UserRefSchema>;

export const GraphErrorRefSchema = z.object({
  code: z.number().int(),
  title: z.string().optional(),
  message: z.string().optional(),
  details: z.string().optional(),
  href: z.string().optional(),
});
export type GraphErrorRef = z.infer<typeof GraphErrorRefSchema>;

const Content = z.union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown()))]);

export const MessageReceivedSchema = z.object({
  repairedCharacters: RepairedCharactersSchema,
  business: BusinessNumberSchema,
  wamid: z.string().min(1),
  from: UserRefSchema,
  /** Meta's message timestamp (unix seconds): windows start here, not at our receipt time. */
  timestamp: z.number().int().nonnegative(),
  type: z.string().min(1),
  content: Content,
  context: z.record(z.string(), z.unknown()).optional(),
  referral: z.record(z.string(), z.unknown()).optional(),
  groupId: z.string().optional(),
  errors: z.array(GraphErrorRefSchema).optional(),
});
export type MessageReceived = z.infer<typeof MessageReceivedSchema>;

export const IdentityChangeKind = ['user_changed_number', 'customer_changed_number', 'customer_identity_changed', 'user_changed_user_id'] as const;

export const UserIdentityChangedSchema = z.object({
  repairedCharacters: RepairedCharactersSchema,
  business: BusinessNumberSchema,
  wamid: z.string().min(1),
  user: UserRefSchema,
  /** Meta's system message type; unknown future kinds are passed through. */
  change: z.string().min(1),
  newWaId: z.string().optional(),
  newUserId: z.string().optional(),
  newParentUserId: z.string().optional(),
  identity: z.record(z.string(), z.unknown()).optional(),
  body: z.string().optional(),
  timestamp: z.number().int().nonnegative(),
});
export type UserIdentityChanged = z.infer<typeof UserIdentityChangedSchema>;

export const MessageStatusUpdatedSchema = z.object({
  repairedCharacters: RepairedCharactersSchema,
  business: BusinessNumberSchema,
  wamid: z.string().min(1),
  status: z.enum(['sent', 'delivered', 'read', 'played', 'failed']),
  timestamp: z.number().int().nonnegative(),
  recipient: UserRefSchema,
  recipientType: z.string().optional(),
  recipientParticipantId: z.string().optional(),
  /** Echo of what the sender set; Relais puts its own message id here. */
  bizOpaqueCallbackData: z.string().optional(),
  pricing: z
    .object({
      model: z.string(),
      type: z.string().optional(),
      category: z.string(),
      billable: z.boolean().optional(),
    })
    .optional(),
  conversation: z
    .object({ id: z.string(), expiresAt: z.number().int().optional(), originType: z.string().optional() })
    .optional(),
  errors: z.array(GraphErrorRefSchema).optional(),
});
export type MessageStatusUpdated = z.infer<typeof MessageStatusUpdatedSchema>;

export const MarketingPreferenceChangedSchema = z.object({
  repairedCharacters: RepairedCharactersSchema,
  business: BusinessNumberSchema,
  user: UserRefSchema,
  /** `stop` or `resume` as Meta sends them; other values are passed through for consumers to ignore. */
  preference: z.string().min(1),
  category: z.string().min(1),
  detail: z.string().optional(),
  timestamp: z.number().int().nonnegative(),
});
export type MarketingPreferenceChanged = z.infer<typeof MarketingPreferenceChangedSchema>;

export const UserIdChangedSchema = z.object({
  repairedCharacters: RepairedCharactersSchema,
  businessAccountId: z.string().min(1),
  phoneNumberId: z.string().optional(),
  waId: z.string().optional(),
  previousUserId: z.string().min(1),
  currentUserId: z.string().min(1),
  previousParentUserId: z.string().optional(),
  currentParentUserId: z.string().optional(),
  detail: z.string().optional(),
  timestamp: z.number().int().nonnegative(),
});
export type UserIdChanged = z.infer<typeof UserIdChangedSchema>;

const TemplateRef = {
  businessAccountId: z.string().min(1),
  templateId: z.string().min(1),
  templateName: z.string(),
  /** As the webhook spells it (`en-US`); the send API uses `en_US`. */
  language: z.string(),
};

export const TemplateStatusChangedSchema = z.object({
  repairedCharacters: RepairedCharactersSchema,
  ...TemplateRef,
  status: z.string().min(1),
  reason: z.string().nullable().optional(),
  category: z.string().optional(),
  otherInfo: z.object({ title: z.string().optional(), description: z.string().optional() }).optional(),
  rejectionInfo: z.object({ reason: z.string().optional(), recommendation: z.string().optional() }).optional(),
  disableDate: z.union([z.string(), z.number()]).optional(),
});
export type TemplateStatusChanged = z.infer<typeof TemplateStatusChangedSchema>;

export const TemplateQualityChangedSchema = z.object({
  repairedCharacters: RepairedCharactersSchema,
  ...TemplateRef,
  previousScore: z.string().optional(),
  newScore: z.string().min(1),
});

export const TemplateCategoryChangedSchema = z.object({
  repairedCharacters: RepairedCharactersSchema,
  ...TemplateRef,
  /** `impending`: Meta will re-categorise at `effectiveAt` (about 24 h notice); `completed`: it has. */
  phase: z.enum(['impending', 'completed']),
  previousCategory: z.string().optional(),
  newCategory: z.string().min(1),
  correctCategory: z.string().optional(),
  effectiveAt: z.number().int().optional(),
});

export const TemplateComponentsChangedSchema = z.object({
  repairedCharacters: RepairedCharactersSchema,
  ...TemplateRef,
  components: z.record(z.string(), z.unknown()),
});

export const PhoneNumberQualityChangedSchema = z.object({
  repairedCharacters: RepairedCharactersSchema,
  businessAccountId: z.string().min(1),
  displayPhoneNumber: z.string(),
  event: z.string().min(1),
  currentLimit: z.string().optional(),
  oldLimit: z.string().optional(),
  maxDailyConversationsPerBusiness: z.string().optional(),
});

export const BusinessCapabilityChangedSchema = z.object({
  repairedCharacters: RepairedCharactersSchema,
  businessAccountId: z.string().min(1),
  maxDailyConversationsPerBusiness: z.string().optional(),
  maxDailyConversationPerPhone: z.number().optional(),
  maxPhoneNumbersPerBusiness: z.number().optional(),
  maxPhoneNumbersPerWaba: z.number().optional(),
});

export const AccountUpdatedSchema = z.object({
  repairedCharacters: RepairedCharactersSchema,
  businessAccountId: z.string().min(1),
  event: z.string().min(1),
  /** The rest of Meta's value (violation_info, restriction_info, volume_tier_info, …). */
  details: z.record(z.string(), z.unknown()),
});

export const WebhookErrorsReportedSchema = z.object({
  repairedCharacters: RepairedCharactersSchema,
  business: BusinessNumberSchema,
  errors: z.array(GraphErrorRefSchema).min(1),
});

export const WebhookUpdateUnrecognisedSchema = z.object({
  repairedCharacters: RepairedCharactersSchema,
  businessAccountId: z.string().min(1),
  field: z.string().min(1),
  /** `unknown_field` / `unknown_type`: not modelled yet; `schema_mismatch`: modelled but failed validation. */
  reason: z.enum(['unknown_field', 'unknown_type', 'schema_mismatch']),
  /** `path: problem` lines, without values. */
  issues: z.array(z.string()),
  /** The update exactly as Meta sent it (a message, a status, a preference, or a whole field value). */
  raw: z.unknown(),
});
export type WebhookUpdateUnrecognised = z.infer<typeof WebhookUpdateUnrecognisedSchema>;
