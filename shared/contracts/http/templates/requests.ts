import { z } from 'zod';

import { TEMPLATE_CATEGORIES, TEMPLATE_STATUSES } from '../../../domain/templates/records.js';
import { BusinessAccountIdSchema } from '../contacts/requests.js';
import { MALFORMED_PERCENT_ENCODING, percentDecoded } from '../contacts/path-encoding.js';

/**
 * The Templates API's requests (routes in `infra/topology.ts`, IAM-authenticated): path parameters and queries.
 * The creation body is Meta's own (`POST /{waba-id}/message_templates`) and is checked by
 * `validateTemplateCreation` (`shared/domain/templates/authoring.ts`), which names every problem at once.
 * Validation messages name the field and the rule, never echo the value.
 */

/** History lines one page of GET template holds per language unless `?limit=` says otherwise. */
export const DEFAULT_HISTORY_PAGE_SIZE = 20;
/** Templates one page of the listing holds unless `?limit=` says otherwise. */
export const DEFAULT_LIST_PAGE_SIZE = 25;
/** Largest `?limit=` of both pages (the store's page bound). */
export const MAX_PAGE_SIZE = 100;
/**
 * Largest creation body, in bytes: Meta's limits (a 1,024-character body, 10 buttons of 25, URLs of 2,000, their
 * examples) fit in a few kilobytes even in 4-byte characters; this leaves room for every optional field.
 */
export const MAX_CREATION_BODY_BYTES = 256 * 1024;

/** Meta's rule for template names: lowercase letters, digits and `_`, up to 512 characters. */
const NAME_RULE = 'must be 1 to 512 lowercase letters, digits or _ (Meta’s rule for template names)';
const TEMPLATE_NAME = /^[a-z0-9_]{1,512}$/;
/** `en`, `en_US`, `en-US`, `zh_Hant_HK`, as the store reads them. */
const LANGUAGE = /^[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8}){0,3}$/;

const decoded = (schema: z.ZodString) =>
  z.string().transform((raw, ctx) => {
    const value = percentDecoded(raw);
    if (value === undefined) {
      ctx.addIssue({ code: 'custom', message: MALFORMED_PERCENT_ENCODING });
      return z.NEVER;
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message });
      return z.NEVER;
    }
    return parsed.data;
  });

/** `{name}`: percent-decoded, then Meta's name rule. */
export const TemplateNameSchema = decoded(z.string().regex(TEMPLATE_NAME, NAME_RULE));
/** `?language=`: `en_US` or `en-US` name the same language. */
export const TemplateLanguageSchema = z.string().regex(LANGUAGE, 'must be a template language code such as en, en_US or pt_BR');

/** Path of `POST` and `GET /accounts/{businessAccountId}/templates`. */
export const AccountTemplatesPathSchema = z.object({ businessAccountId: BusinessAccountIdSchema });
/** Path of `GET` and `DELETE /accounts/{businessAccountId}/templates/{name}`. */
export const TemplatePathSchema = z.object({ businessAccountId: BusinessAccountIdSchema, name: TemplateNameSchema });

/** A page size from the query string: digits only, 1 to {@link MAX_PAGE_SIZE}. */
function pageSize(fallback: number) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) return fallback;
      const n = /^\d{1,3}$/.test(raw) ? Number(raw) : Number.NaN;
      if (n >= 1 && n <= MAX_PAGE_SIZE) return n;
      ctx.addIssue({ code: 'custom', message: `must be a whole number from 1 to ${MAX_PAGE_SIZE}` });
      return z.NEVER;
    });
}

/** A cursor this API returned: base64url; the store checks it names a position of the same listing. */
const CursorSchema = z.string().regex(/^[A-Za-z0-9_-]{1,1400}$/, 'is not a cursor this API returned; start again without one');

const caseless = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((value) => value.trim().toUpperCase())
    .pipe(z.enum(values, { error: () => `must be one of ${values.join(', ')}` }));

/** `GET /accounts/{businessAccountId}/templates?status=&category=&name=&limit=&cursor=`. */
export const ListTemplatesQuerySchema = z.strictObject({
  /** One of Meta's statuses, in any case. */
  status: caseless(TEMPLATE_STATUSES).optional(),
  category: caseless(TEMPLATE_CATEGORIES).optional(),
  /** Templates whose name starts with this. */
  name: z.string().regex(TEMPLATE_NAME, NAME_RULE).optional(),
  limit: pageSize(DEFAULT_LIST_PAGE_SIZE),
  cursor: CursorSchema.optional(),
});
export type ListTemplatesQuery = z.infer<typeof ListTemplatesQuerySchema>;

/** `GET /accounts/{businessAccountId}/templates/{name}?language=&limit=&cursor=`: a cursor pages one language's history. */
export const GetTemplateQuerySchema = z
  .strictObject({
    language: TemplateLanguageSchema.optional(),
    limit: pageSize(DEFAULT_HISTORY_PAGE_SIZE),
    cursor: CursorSchema.optional(),
  })
  .refine((query) => query.cursor === undefined || query.language !== undefined, {
    path: ['cursor'],
    message: 'pages the history of one language: give ?language= with it (each language has its own nextCursor)',
  });
export type GetTemplateQuery = z.infer<typeof GetTemplateQuerySchema>;

/** `DELETE /accounts/{businessAccountId}/templates/{name}[?language=]`. */
export const DeleteTemplateQuerySchema = z.strictObject({ language: TemplateLanguageSchema.optional() });
