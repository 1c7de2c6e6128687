import { z } from 'zod';
import { CONSENT_CATEGORIES } from '../../../domain/consent/consent.js';
import { BSUID_PROBLEM, isBsuid } from '../../../domain/contacts/bsuid.js';
import { parseContactRef, type IdentityKey } from '../../../domain/contacts/identity.js';
import { phoneNumberProblem } from '../../../domain/contacts/phone.js';
import { decodeHistoryToken } from './history-token.js';
import { MAX_CONSENT_CLOCK_SKEW_MS, MAX_EVIDENCE_CHARS, MAX_NOTE_CHARS, MAX_PROFILE_NAME_CHARS } from './limits.js';
import { MALFORMED_PERCENT_ENCODING, percentDecoded } from './path-encoding.js';

/**
 * The Contacts API's requests (routes in `infra/topology.ts`, IAM-authenticated): path parameters, query,
 * headers, request bodies and one import row. Times arrive as ISO 8601 strings. Validation messages name the
 * field and the rule, never echo the value.
 */

/** A contact as a caller names it, resolved: an identity key (phone, BSUID) or a Relais contact id. */
export type ContactRef = { readonly key: IdentityKey } | { readonly contactId: string };

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
