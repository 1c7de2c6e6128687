import { z } from 'zod';
import type { ConsentHistoryPage, ContactOverview, ContactProfile, HoldAcknowledgement } from '../../domain/contacts/records.js';
import { BadRequestError } from '../../errors.js';
import { freeEntryPointOfferOpen, freeEntryPointOpen, windowState } from '../../domain/windows/customer-service-window.js';
import { CONSENT_CATEGORIES, CONSENT_SOURCES, type ConsentRecord, type ConsentSnapshot, type ConsentState } from '../../domain/consent/consent.js';
import { BSUID_PROBLEM, isBsuid } from '../../domain/contacts/bsuid.js';
import { parseContactRef, type IdentityKey } from '../../domain/contacts/identity.js';
import { phoneNumberProblem } from '../../domain/contacts/phone.js';
import { MALFORMED_PERCENT_ENCODING, percentDecoded } from './contacts/path-encoding.js';

/**
 * The Contacts API's HTTP contract (routes in `infra/topology.ts`, IAM-authenticated): path parameters,
 * request bodies, the import formats and the response bodies. Times cross the boundary as ISO 8601 strings.
 * Validation messages name the field and the rule, never echo the value.
 */

/** How far in the future a consent's `occurredAt` may be (clock skew between the caller and us). */
export const MAX_CONSENT_CLOCK_SKEW_MS = 5 * 60 * 1000;
export const MAX_EVIDENCE_CHARS = 2000;
export const MAX_NOTE_CHARS = 1000;
export const MAX_PROFILE_NAME_CHARS = 256;
export const CONSENT_HISTORY_PAGE_SIZE = 100;
export const IMPORT_MAX_ROWS = 1000;
export const IMPORT_MAX_BYTES = 1024 * 1024;

/** A contact as a caller names it, resolved: an identity key (phone, BSUID) or a Relais contact id. */
export type ContactRef = { readonly key: IdentityKey } | { readonly contactId: string };

// ---------------------------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------------------------

const required = (what: string) => ({ error: (issue: { input: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`) });

export const BusinessAccountIdSchema = z.string(required('a string')).regex(/^\d{1,32}$/, 'must be a WhatsApp Business Account id (digits only)');

/** `contactRef`: E.164 phone (`+…`), BSUID (`CC.…`) or contact id (`c_…`). API Gateway may hand it over percent-encoded. */
export const ContactRefSchema = z
  .string(required('a string'))
  .transform((raw, ctx): ContactRef => {
    const decoded = percentDecoded(raw);
    if (decoded === undefined) {
      ctx.addIssue({ code: 'custom', message: MALFORMED_PERCENT_ENCODING });
      return z.NEVER;
    }
    const parsed = parseContactRef(decoded);
    if ('problem' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.problem });
      return z.NEVER;
    }
    return parsed;
  });

export const ContactPathSchema = z.object({ businessAccountId: BusinessAccountIdSchema, contactRef: ContactRefSchema });
export const AccountPathSchema = z.object({ businessAccountId: BusinessAccountIdSchema });

/** `?nextToken=` of GET contact: the opaque position a previous page returned. */
export const GetContactQuerySchema = z.object({
  nextToken: z
    .string()
    .transform((token, ctx) => {
      const after = decodeHistoryToken(token);
      if (after === undefined) {
        ctx.addIssue({ code: 'custom', message: 'is not a token this API returned' });
        return z.NEVER;
      }
      return after;
    })
    .optional(),
});

/** The optional `Idempotency-Key` header: printable ASCII, no spaces. */
export const IdempotencyHeaderSchema = z.object({
  'Idempotency-Key': z.string().regex(/^[\x21-\x7e]{1,255}$/, 'must be 1-255 printable ASCII characters without spaces').optional(),
});

const ISO_DATE_TIME = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone (e.g. 2026-11-21T10:00:00Z)' });

/** The consent facts a caller states, shared by the consent endpoint and import rows; `now` bounds `occurredAt`. */
function consentFields(now: number) {
  return {
    category: z.enum(CONSENT_CATEGORIES, { error: () => `must be one of ${CONSENT_CATEGORIES.join(', ')}` }),
    status: z.enum(['opted_in', 'opted_out'], { error: () => 'must be opted_in or opted_out' }),
    evidence: z
      .string(required('a string'))
      .trim()
      .min(1, 'must not be empty: say what proves the consent (form wording, recording id, …)')
      .max(MAX_EVIDENCE_CHARS, `must be at most ${MAX_EVIDENCE_CHARS} characters`),
    occurredAt: ISO_DATE_TIME.transform((iso) => Date.parse(iso))
      .refine((at) => at <= now + MAX_CONSENT_CLOCK_SKEW_MS, `must not be more than ${MAX_CONSENT_CLOCK_SKEW_MS / 60_000} minutes in the future`)
      .optional(),
  };
}

/** Body of `POST …/contacts/{contactRef}/consent`. */
export function recordConsentBodySchema(now: number) {
  return z.strictObject({
    ...consentFields(now),
    source: z.enum(['api', 'import'], { error: () => 'must be api or import' }).optional(),
  });
}
export type RecordConsentBody = z.infer<ReturnType<typeof recordConsentBodySchema>>;

/** Body of `POST …/contacts/{contactRef}/identity-acknowledgement` (may be empty). */
export const AcknowledgeIdentityBodySchema = z.strictObject({
  note: z.string().trim().min(1, 'must not be empty when given').max(MAX_NOTE_CHARS, `must be at most ${MAX_NOTE_CHARS} characters`).optional(),
});
export type AcknowledgeIdentityBody = z.infer<typeof AcknowledgeIdentityBodySchema>;

/** One import row, after the CSV columns or the JSON line are read. Names a contact by phone and/or BSUID. */
export function importRowSchema(now: number) {
  return z
    .strictObject({
      phone: z
        .string()
        .trim()
        .superRefine((v, ctx) => {
          const problem = phoneNumberProblem(v);
          if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
        })
        .optional(),
      userId: z.string().trim().refine(isBsuid, BSUID_PROBLEM).optional(),
      profileName: z.string().trim().min(1, 'must not be empty when given').max(MAX_PROFILE_NAME_CHARS, `must be at most ${MAX_PROFILE_NAME_CHARS} characters`).optional(),
      consent: z.strictObject(consentFields(now)).optional(),
    })
    .superRefine((row, ctx) => {
      if (row.phone === undefined && row.userId === undefined) ctx.addIssue({ code: 'custom', path: ['phone'], message: 'phone or userId is required' });
    });
}
export type ImportRow = z.infer<ReturnType<typeof importRowSchema>>;

/** Validation issues as `field: rule` lines; unknown fields are named as such. */
export function issueLines(issues: ReadonlyArray<z.core.$ZodIssue>, rename: (path: string) => string = (p) => p): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const base = issue.path.map(String).join('.');
      return issue.keys.map((key) => `${rename(base === '' ? key : `${base}.${key}`)}: is not a known field`);
    }
    const path = issue.path.map(String).join('.');
    return [`${path === '' ? '(body)' : rename(path)}: ${issue.message}`];
  });
}

/**
 * Validates one part of a request (path, query, body); a failure is a 400 whose message names the first
 * field and rule and whose details list them all.
 */
export function parseRequest<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const lines = issueLines(parsed.error.issues);
  throw new BadRequestError('invalid_request', `invalid request: ${lines[0] ?? 'malformed'}`, lines.slice(0, 20));
}

// ---------------------------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------------------------

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

const ConsentSnapshotViewSchema = z.object(Object.fromEntries(CONSENT_CATEGORIES.map((c) => [c, ConsentStateViewSchema])) as Record<
  (typeof CONSENT_CATEGORIES)[number],
  typeof ConsentStateViewSchema
>);

export const GetContactResponseSchema = z.object({
  contact: ContactViewSchema,
  windows: z.array(WindowViewSchema),
  freeEntryPoints: z.array(FreeEntryPointViewSchema),
  consent: ConsentSnapshotViewSchema,
  consentHistory: z.object({
    /** Newest first, at most {@link CONSENT_HISTORY_PAGE_SIZE}. */
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

// ---------------------------------------------------------------------------------------------------------------
// Mapping
// ---------------------------------------------------------------------------------------------------------------

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function consentStateView(state: ConsentState): z.infer<typeof ConsentStateViewSchema> {
  return {
    status: state.status,
    ...(state.since === undefined ? {} : { since: iso(state.since) }),
    ...(state.source === undefined ? {} : { source: state.source }),
    ...(state.recordId === undefined ? {} : { recordId: state.recordId }),
  };
}

export function consentSnapshotView(snapshot: ConsentSnapshot): z.infer<typeof ConsentSnapshotViewSchema> {
  return Object.fromEntries(CONSENT_CATEGORIES.map((c) => [c, consentStateView(snapshot[c])])) as z.infer<typeof ConsentSnapshotViewSchema>;
}

export function consentRecordView(record: ConsentRecord): z.infer<typeof ConsentRecordViewSchema> {
  return {
    recordId: record.recordId,
    category: record.category,
    status: record.status,
    source: record.source,
    occurredAt: iso(record.occurredAt),
    evidence: record.evidence,
    actor: record.actor,
  };
}

/** Consent history positions travel as base64url so they survive any query-string handling. */
export function encodeHistoryToken(after: string): string {
  return Buffer.from(after, 'utf8').toString('base64url');
}

export function decodeHistoryToken(token: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,2048}$/.test(token)) return undefined;
  const after = Buffer.from(token, 'base64url').toString('utf8');
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#.+$/.test(after) ? after : undefined;
}

function holdView(hold: NonNullable<ContactProfile['hold']>): z.infer<typeof HoldViewSchema> {
  return { reason: hold.reason, since: iso(hold.since), eventId: hold.eventId };
}

export function contactView(contact: ContactProfile): z.infer<typeof ContactViewSchema> {
  const ack: HoldAcknowledgement | undefined = contact.lastHoldAcknowledgement;
  return {
    contactId: contact.contactId,
    businessAccountId: contact.businessAccountId,
    ...(contact.userId === undefined ? {} : { userId: contact.userId }),
    ...(contact.phone === undefined ? {} : { phone: contact.phone }),
    ...(contact.parentUserId === undefined ? {} : { parentUserId: contact.parentUserId }),
    ...(contact.username === undefined ? {} : { username: contact.username }),
    ...(contact.profileName === undefined ? {} : { profileName: contact.profileName }),
    previousUserIds: [...(contact.previousUserIds ?? [])],
    previousPhones: [...(contact.previousPhones ?? [])],
    hold: contact.hold === undefined ? null : holdView(contact.hold),
    ...(ack === undefined
      ? {}
      : {
          lastHoldAcknowledgement: {
            hold: holdView(ack.hold),
            acknowledgedAt: iso(ack.acknowledgedAt),
            actor: ack.actor,
            ...(ack.note === undefined ? {} : { note: ack.note }),
          },
        }),
    createdAt: iso(contact.createdAt),
    updatedAt: iso(contact.updatedAt),
  };
}

/** GET contact's body: windows and offers judged open or closed at `now` from their stored times. */
export function getContactResponse(overview: ContactOverview, history: ConsentHistoryPage, now: number): GetContactResponse {
  const numbers = [...new Set([...overview.freeEntryPointOffers, ...overview.freeEntryPointWindows].map((x) => x.phoneNumberId))].sort();
  return {
    contact: contactView(overview.contact),
    windows: [...overview.windows]
      .sort((a, b) => a.phoneNumberId.localeCompare(b.phoneNumberId))
      .map((w) => ({
        phoneNumberId: w.phoneNumberId,
        open: windowState(w, now).open,
        openedAt: iso(w.openedAt),
        lastInboundAt: iso(w.lastInboundAt),
        closesAt: iso(w.closesAt),
      })),
    freeEntryPoints: numbers.map((phoneNumberId) => {
      const offer = overview.freeEntryPointOffers.find((o) => o.phoneNumberId === phoneNumberId);
      const window = overview.freeEntryPointWindows.find((w) => w.phoneNumberId === phoneNumberId);
      return {
        phoneNumberId,
        offer:
          offer === undefined
            ? null
            : {
                referralAt: iso(offer.referralAt),
                replyBy: iso(offer.replyBy),
                open: freeEntryPointOfferOpen(offer, now),
                ...(offer.ctwaClid === undefined ? {} : { ctwaClid: offer.ctwaClid }),
                ...(offer.sourceType === undefined ? {} : { sourceType: offer.sourceType }),
                ...(offer.sourceId === undefined ? {} : { sourceId: offer.sourceId }),
              },
        window: window === undefined ? null : { opensAt: iso(window.opensAt), closesAt: iso(window.closesAt), open: freeEntryPointOpen(window, now) },
      };
    }),
    consent: consentSnapshotView(overview.consent),
    consentHistory: {
      items: history.records.map(consentRecordView),
      ...(history.after === undefined ? {} : { nextToken: encodeHistoryToken(history.after) }),
    },
  };
}
