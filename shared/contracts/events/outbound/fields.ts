import { z } from 'zod';
import { BSUID_PATTERN, BSUID_PROBLEM } from '../../../domain/contacts/bsuid.js';
import { E164_FORM_PROBLEM, E164_NUMBER_PROBLEM, E164_PATTERN, phoneNumberProblem } from '../../../domain/contacts/phone.js';

/** Field schemas of outbound contracts: identifiers, phone numbers, BSUIDs, URLs and bounded text. */

// ---------------------------------------------------------------------------------------------------------
// Field schemas
// ---------------------------------------------------------------------------------------------------------

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,128}$/;
const WAMID = /^wamid\.[A-Za-z0-9+/=_-]{1,500}$/;
const GRAPH_ID = /^[0-9]{1,32}$/;
export const TEMPLATE_NAME = /^[a-z0-9_]{1,512}$/;
export const TEMPLATE_LANGUAGE = /^[a-z]{2,3}(?:_[A-Z]{2})?$/;
export const PARAMETER_NAME = /^[a-z_][a-z0-9_]{0,127}$/;
/** Meta error 132018 (Graph v23.0+): a template parameter may not hold a newline, a tab or more than 4 spaces in a row. */
const FORBIDDEN_IN_PARAMETER = /[\n\t]| {5}/;
/** Relais's bound for URLs: Meta's template URL limit, applied to every link. */
export const MAX_URL_LENGTH = 2000;

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

export const HttpsUrlSchema = z
  .url({ protocol: /^https$/, hostname: z.regexes.domain, error: 'must be an https URL with a domain name' })
  .max(MAX_URL_LENGTH)
  .meta({ pattern: '^https://' });

export const MediaIdSchema = z.string().regex(/^[0-9]{1,64}$/, { error: 'must be a media id returned by the media upload API (digits)' });

export function boundedText(max: number) {
  return z.string().min(1).max(max);
}

export function templateText(max: number) {
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

export function isEmptyOrOneEmoji(value: string): boolean {
  if (value === '') return true;
  let count = 0;
  for (const _ of graphemes.segment(value)) if (++count > 1) return false;
  return PICTOGRAPHIC.test(value);
}

/** Adds an issue unless exactly one of two optional fields is set. */
export function exactlyOne(ctx: z.RefinementCtx, value: Record<string, unknown>, a: string, b: string, path: PropertyKey[] = []): void {
  const hasA = value[a] !== undefined;
  const hasB = value[b] !== undefined;
  if (hasA && hasB) ctx.addIssue({ code: 'custom', path, message: `give exactly one of ${a} or ${b}, not both` });
  else if (!hasA && !hasB) ctx.addIssue({ code: 'custom', path, message: `one of ${a} or ${b} is required` });
}

/** JSON Schema for "exactly one of `a` or `b`", merged into the generated schema through `.meta()`. */
export function oneOfRequired(a: string, b: string) {
  return { oneOf: [{ required: [a] }, { required: [b] }] };
}

/** Adds an issue for each value of `key` that repeats within `items`. */
export function uniqueBy<T>(ctx: z.RefinementCtx, items: readonly T[], key: (item: T) => unknown, path: (index: number) => PropertyKey[], what: string): void {
  const seen = new Set<unknown>();
  items.forEach((item, index) => {
    const value = key(item);
    if (seen.has(value)) ctx.addIssue({ code: 'custom', path: path(index), message: `${what} must be unique` });
    seen.add(value);
  });
}
