import { z } from 'zod';
import { CONSENT_CATEGORIES, CONSENT_SOURCES } from '../../../domain/consent/consent.js';

/**
 * The Contacts API's response bodies. Times leave as ISO 8601 strings (UTC, milliseconds).
 */

const Iso = z.iso.datetime();

export const HoldViewSchema = z.object({ reason: z.string(), since: Iso, eventId: z.string() });

export const ContactViewSchema = z.object({
  contactId: z.string(),
  businessAccountId: z.string(),
  userId: z.string().optional(),
  phone: z.string().optional(),
  parentUserId: z.string().optional(),
  username: z.string().optional(),
  profileName: z.string().optional(),
  previousUserIds: z.array(z.string()),
  previousPhones: z.array(z.string()),
  /** Business-initiated sends are refused while a hold is set. */
  hold: HoldViewSchema.nullable(),
  lastHoldAcknowledgement: z
    .object({ hold: HoldViewSchema, acknowledgedAt: Iso, actor: z.string(), note: z.string().optional() })
    .optional(),
  createdAt: Iso,
  updatedAt: Iso,
});

export const WindowViewSchema = z.object({
  phoneNumberId: z.string(),
  /** Decided by the stored expiry against the time of the request, never by whether TTL removed the item. */
  open: z.boolean(),
  openedAt: Iso,
  lastInboundAt: Iso,
  closesAt: Iso,
});

export const FreeEntryPointViewSchema = z.object({
  phoneNumberId: z.string(),
  /** A referral (ad or Page button): a business reply before `replyBy` opens a 72 h free window. */
  offer: z
    .object({
      referralAt: Iso,
      replyBy: Iso,
      /** A reply now would still open the free window. */
      open: z.boolean(),
      ctwaClid: z.string().optional(),
      sourceType: z.string().optional(),
      sourceId: z.string().optional(),
    })
    .nullable(),
  window: z.object({ opensAt: Iso, closesAt: Iso, open: z.boolean() }).nullable(),
});

export const ConsentStateViewSchema = z.object({
  status: z.enum(['opted_in', 'opted_out', 'unknown']),
  since: Iso.optional(),
  source: z.enum(CONSENT_SOURCES).optional(),
  recordId: z.string().optional(),
});

export const ConsentRecordViewSchema = z.object({
  recordId: z.string(),
  category: z.enum(CONSENT_CATEGORIES),
  status: z.enum(['opted_in', 'opted_out']),
  source: z.enum(CONSENT_SOURCES),
  occurredAt: Iso,
  evidence: z.string(),
  actor: z.string(),
});

export const ConsentSnapshotViewSchema = z.object(Object.fromEntries(CONSENT_CATEGORIES.map((c) => [c, ConsentStateViewSchema])) as Record<
  (typeof CONSENT_CATEGORIES)[number],
  typeof ConsentStateViewSchema
>);

export const GetContactResponseSchema = z.object({
  contact: ContactViewSchema,
  windows: z.array(WindowViewSchema),
  freeEntryPoints: z.array(FreeEntryPointViewSchema),
  consent: ConsentSnapshotViewSchema,
  consentHistory: z.object({
    /** Newest first, at most `CONSENT_HISTORY_PAGE_SIZE` (`./limits.ts`). */
    items: z.array(ConsentRecordViewSchema),
    /** Present when older records remain: `GET …?nextToken=<it>`. */
    nextToken: z.string().optional(),
  }),
});
export type GetContactResponse = z.infer<typeof GetContactResponseSchema>;

export const RecordConsentResponseSchema = z.object({
  contactId: z.string(),
  /** The contact did not exist and was created by this call. */
  contactCreated: z.boolean(),
  record: ConsentRecordViewSchema,
  /** `current`: the record is now the category's state; `history_only`: a later record stays current; `duplicate`: already recorded. */
  outcome: z.enum(['current', 'history_only', 'duplicate']),
  /** The category's state after the call. */
  current: ConsentStateViewSchema,
});
export type RecordConsentResponse = z.infer<typeof RecordConsentResponseSchema>;

export const AcknowledgeIdentityResponseSchema = z.object({
  contactId: z.string(),
  acknowledged: HoldViewSchema,
  acknowledgedAt: Iso,
  actor: z.string(),
  note: z.string().optional(),
});
export type AcknowledgeIdentityResponse = z.infer<typeof AcknowledgeIdentityResponseSchema>;

export const ImportRowResultSchema = z.discriminatedUnion('ok', [
  z.object({
    row: z.number().int().positive(),
    ok: z.literal(true),
    contactId: z.string(),
    created: z.boolean(),
    consent: z.enum(['current', 'history_only', 'duplicate']).optional(),
  }),
  z.object({ row: z.number().int().positive(), line: z.number().int().positive(), ok: z.literal(false), problems: z.array(z.string()).min(1) }),
]);
export type ImportRowResult = z.infer<typeof ImportRowResultSchema>;

export const ImportResponseSchema = z.object({ imported: z.number().int(), rows: z.array(ImportRowResultSchema) });

export const EraseContactResponseSchema = z.object({ contactId: z.string(), erasedAt: Iso });
