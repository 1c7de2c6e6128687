import { templateCategoryOf } from '../domain/templates/apply-fact.js';
import { describeAuthoringProblems, validateTemplateCreation } from '../domain/templates/authoring.js';
import type { TemplateHistoryEntry, TemplateParameterFormat, TemplateRecord } from '../domain/templates/records.js';
import { RelaisError, RetryLaterError } from '../errors.js';
import type { GraphTemplateCreated, GraphTemplateError, GraphTemplates } from '../ports/graph-templates.js';
import type { TemplateListQuery, TemplateStore } from '../ports/template-store.js';

/**
 * The Templates API's use cases: create a template (checked locally, then submitted to Meta and recorded),
 * list an account's templates, read one name with every language and its history, delete at Meta and record it.
 *
 * Meta is the judge of a template: Relais checks Meta's documented rules first so that every problem is named
 * at once, then submits the body exactly as given. Meta's refusals become 4xx naming Meta's code, subcode and
 * message; Meta unreachable or failing becomes 502/503 with a retry hint, never a 500.
 *
 * Idempotency: Meta refuses a second template of the same name and language (code 100, subcode 2388024), so a
 * repeated creation answers 409 `template_exists`, whether the first succeeded here or its answer was lost.
 * Nothing is stored for a refusal; a stored template only ever reflects what Meta accepted.
 */
export interface ManageTemplatesDeps {
  readonly templates: TemplateStore;
  readonly graph: GraphTemplates;
  readonly now: () => number;
}

/** Reading needs the registry only. */
export type TemplateReadDeps = Pick<ManageTemplatesDeps, 'templates'>;

/** 404 for a name (or a language of it) the registry does not hold for this account, or holds as deleted. */
export class TemplateNotFoundError extends RelaisError {
  constructor(businessAccountId: string, name: string, language?: string) {
    super(
      404,
      'template_not_found',
      `no template ${name}${language === undefined ? '' : ` in ${language}`} in business account ${businessAccountId} (unknown to the registry, or deleted); ` +
        'a template made outside Relais appears after npm run templates -- sync',
    );
  }
}

/** 422 listing every problem of a creation body, by path, before anything reaches Meta. */
export class InvalidTemplateError extends RelaisError {
  constructor(problems: readonly string[]) {
    super(422, 'invalid_template', `the template breaks ${problems.length === 1 ? "one of Meta's rules" : `${problems.length} of Meta's rules`}: ${problems[0] ?? ''}`, problems);
  }
}

/** Seconds a caller is asked to wait when Meta gives no hint. */
const DEFAULT_RETRY_AFTER_SECONDS = 30;
/** Seconds to wait after a rate limit without Meta's hint: Meta's template limits are counted per hour. */
const DEFAULT_RATE_LIMIT_RETRY_SECONDS = 60;

// ---------------------------------------------------------------------------------------------------------------
// Create
// ---------------------------------------------------------------------------------------------------------------

export interface CreateTemplateInput {
  readonly businessAccountId: string;
  /** Meta's creation body as the caller sent it (parsed JSON). */
  readonly body: unknown;
}

export interface CreatedTemplate {
  readonly record: TemplateRecord;
  readonly meta: GraphTemplateCreated;
}

/**
 * Creates a template:
 * 1. checks the body against Meta's rules (`validateTemplateCreation`): 422 naming every problem;
 * 2. submits it to Meta as given (`POST /{waba-id}/message_templates`): Meta's refusal or failure mapped;
 * 3. records what Meta answered as a `snapshot` fact (Meta's id, status, category; the components sent);
 * 4. returns the stored record.
 */
export async function createTemplate(input: CreateTemplateInput, deps: ManageTemplatesDeps): Promise<CreatedTemplate> {
  const checked = validateTemplateCreation(input.body);
  if (!checked.ok) throw new InvalidTemplateError(describeAuthoringProblems(checked.problems));
  const body = input.body as Readonly<Record<string, unknown>>;
  const { name, language } = checked.body;

  const answer = await deps.graph.createTemplate(input.businessAccountId, body);
  if (!answer.ok) throw metaFailure(answer.error, { action: 'create', businessAccountId: input.businessAccountId, name, language });
  const meta = answer.value;

  const now = deps.now();
  try {
    const current = await deps.templates.get(input.businessAccountId, name, language);
    const result = await deps.templates.apply(
      {
        kind: 'snapshot',
        source: 'api',
        businessAccountId: input.businessAccountId,
        name,
        language,
        templateId: meta.id,
        at: creationTime(current, now),
        // Meta's category is authoritative (a UTILITY template Meta judges marketing is approved as MARKETING).
        category: templateCategoryOf(meta.category) ?? checked.body.category,
        status: meta.status,
        ...parameterFormatOf(checked.body.parameter_format),
        components: checked.body.components,
      },
      new Date(now).toISOString(),
    );
    const record = result.record;
    if (record === undefined) throw new Error('the registry kept no record of a created template');
    return { record, meta };
  } catch (error) {
    if (error instanceof RelaisError) throw error;
    throw new RetryLaterError(
      503,
      'registry_write_failed',
      `Meta created template ${name} in ${language} (id ${meta.id}, ${meta.status}) but Relais could not record it; it appears after the next ` +
        'npm run templates -- sync or template webhook. Do not create it again: Meta would answer 409.',
    );
  }
}

/**
 * The Meta time of a creation's snapshot. Meta's webhook times have one-second resolution, so a status Meta
 * stamps in the very second of the creation (an approval seconds later) must not read as older than the
 * creation: the snapshot is dated one second before the second it was made in. When the registry already holds a
 * later fact (the template was deleted and is made again at once), the snapshot is dated just after it.
 */
function creationTime(current: TemplateRecord | undefined, now: number): string {
  const early = Math.floor(now / 1000) * 1000 - 1000;
  const latest = Math.max(...Object.values(current?.asOf ?? {}).map((at) => Date.parse(at)).filter(Number.isFinite), Number.NEGATIVE_INFINITY);
  return new Date(latest >= early ? Math.max(now, latest + 1) : early).toISOString();
}

function parameterFormatOf(format: string | undefined): { parameterFormat?: TemplateParameterFormat } {
  const upper = format?.trim().toUpperCase();
  return upper === 'NAMED' || upper === 'POSITIONAL' ? { parameterFormat: upper } : {};
}

// ---------------------------------------------------------------------------------------------------------------
// Read
// ---------------------------------------------------------------------------------------------------------------

export interface ListTemplatesInput {
  readonly businessAccountId: string;
  readonly query: TemplateListQuery;
}

/** One page of the account's templates in name then language order (deleted ones included, as DELETED). */
export async function listTemplates(input: ListTemplatesInput, deps: TemplateReadDeps): Promise<{ items: TemplateRecord[]; nextCursor?: string }> {
  return deps.templates.list(input.businessAccountId, input.query);
}

export interface GetTemplateInput {
  readonly businessAccountId: string;
  readonly name: string;
  /** Only this language (its history paged by `cursor`). */
  readonly language?: string;
  /** History lines per language. */
  readonly limit: number;
  readonly cursor?: string;
}

export interface TemplateLanguageDetails {
  readonly record: TemplateRecord;
  readonly history: { readonly items: TemplateHistoryEntry[]; readonly nextCursor?: string };
}

/** Every language of a name (or the one asked for), each with a page of its history, newest first; 404 when none. */
export async function getTemplate(input: GetTemplateInput, deps: TemplateReadDeps): Promise<{ languages: TemplateLanguageDetails[] }> {
  const records = inLanguage(await deps.templates.languagesOf(input.businessAccountId, input.name), input.language);
  if (records.length === 0) throw new TemplateNotFoundError(input.businessAccountId, input.name, input.language);
  const page = { limit: input.limit, ...(input.cursor === undefined ? {} : { cursor: input.cursor }) };
  // One history Query per language, side by side: a name has at most one record per language Meta supports.
  const languages = await Promise.all(records.map(async (record) => ({ record, history: await deps.templates.history(input.businessAccountId, input.name, record.language, page) })));
  return { languages };
}

/** `en_US`, `en-US` and `EN_us` name one language, as in the store's keys. */
function sameLanguage(a: string, b: string): boolean {
  const key = (language: string) => language.trim().replace(/-/g, '_').toLowerCase();
  return key(a) === key(b);
}

function inLanguage(records: readonly TemplateRecord[], language: string | undefined): TemplateRecord[] {
  return language === undefined ? [...records] : records.filter((record) => sameLanguage(record.language, language));
}

// ---------------------------------------------------------------------------------------------------------------
// Delete
// ---------------------------------------------------------------------------------------------------------------

export interface DeleteTemplateInput {
  readonly businessAccountId: string;
  readonly name: string;
  /** Only this language (deleted at Meta by its id, `hsm_id`); otherwise every language of the name. */
  readonly language?: string;
}

export interface DeletedTemplates {
  readonly records: readonly TemplateRecord[];
  readonly deletedAt: string;
}

/**
 * Deletes a template:
 * 1. finds the languages the registry holds that are not deleted yet: 404 when none;
 * 2. deletes at Meta, by name (every language) or by name and `hsm_id` (one language);
 * 3. records a `deleted` fact for each language deleted.
 */
export async function deleteTemplate(input: DeleteTemplateInput, deps: ManageTemplatesDeps): Promise<DeletedTemplates> {
  const live = inLanguage(await deps.templates.languagesOf(input.businessAccountId, input.name), input.language).filter((r) => r.status !== 'DELETED');
  if (live.length === 0) throw new TemplateNotFoundError(input.businessAccountId, input.name, input.language);
  let templateId: string | undefined;
  if (input.language !== undefined) {
    templateId = live[0]!.templateId;
    if (templateId === undefined) {
      throw new RelaisError(409, 'template_id_unknown', `the registry holds no Meta id for ${input.name} in ${input.language}, so Meta cannot be asked to delete that language alone; run npm run templates -- sync first`);
    }
  }

  const answer = await deps.graph.deleteTemplate(input.businessAccountId, { name: input.name, ...(templateId === undefined ? {} : { templateId }) });
  if (!answer.ok) throw metaFailure(answer.error, { action: 'delete', businessAccountId: input.businessAccountId, name: input.name, ...(input.language === undefined ? {} : { language: input.language }) });

  const now = deps.now();
  const deletedAt = new Date(now).toISOString();
  const records: TemplateRecord[] = [];
  try {
    for (const record of live) {
      const result = await deps.templates.apply(
        {
          kind: 'deleted',
          source: 'api',
          businessAccountId: input.businessAccountId,
          name: input.name,
          language: record.language,
          ...(record.templateId === undefined ? {} : { templateId: record.templateId }),
          at: deletedAt,
        },
        deletedAt,
      );
      records.push(result.record ?? record);
    }
  } catch (error) {
    if (error instanceof RelaisError) throw error;
    throw new RetryLaterError(
      503,
      'registry_write_failed',
      `Meta deleted template ${input.name} but Relais could not record every language as deleted; the next npm run templates -- sync does. A repeated DELETE is safe.`,
    );
  }
  return { records, deletedAt };
}

// ---------------------------------------------------------------------------------------------------------------
// Meta's answers
// ---------------------------------------------------------------------------------------------------------------

interface Attempt {
  readonly action: 'create' | 'delete';
  readonly businessAccountId: string;
  readonly name: string;
  readonly language?: string;
}

/** What Meta said, for a caller: HTTP status, code, subcode, and Meta's own words. */
export function describeMetaError(error: GraphTemplateError): string {
  const parts = [
    error.httpStatus > 0 ? `HTTP ${error.httpStatus}` : undefined,
    error.code === undefined ? undefined : `code ${error.code}`,
    error.subcode === undefined ? undefined : `subcode ${error.subcode}`,
  ].filter((part): part is string => part !== undefined);
  const words = [...new Set([error.title, error.message, error.details].filter((w): w is string => w !== undefined && w.trim() !== ''))];
  const head = parts.length === 0 ? 'no answer' : parts.join(', ');
  return words.length === 0 ? head : `${head}: ${words.join(' — ')}`;
}

const RATE_LIMIT_CODES: ReadonlySet<number> = new Set([4, 80007, 80008, 130429]);
const TEMPORARY_CODES: ReadonlySet<number> = new Set([1, 2, 131000, 131016, 131057]);

function isCredentialRefusal(error: GraphTemplateError): boolean {
  const code = error.code;
  if (code === 0 || code === 190 || code === 10 || (code !== undefined && code >= 200 && code <= 299)) return true;
  return code === undefined && (error.httpStatus === 401 || error.httpStatus === 403);
}

/**
 * Meta's refusal or failure as the answer to the caller (codes per
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes):
 * - 2388024 (that name already exists in that language) → 409 `template_exists`;
 * - 100/33 (no such account for this token) → 404 `business_account_not_found`;
 * - rate limits (4, 80007, 80008, HTTP 429) → 429 `meta_rate_limited` with Meta's wait as `Retry-After`;
 * - Meta's 5xx and temporary codes → 503 `meta_unavailable`; not reached → 503 `meta_unreachable`;
 * - answer lost after sending → 502 `meta_answer_lost` (Meta may have acted: read before repeating);
 * - Relais's token or permissions refused (0, 10, 190, 200–299) → 502 `meta_refused_credentials` (an operator's fix);
 * - any other refusal → 422 `meta_refused`.
 */
export function metaFailure(error: GraphTemplateError, attempt: Attempt): RelaisError {
  const said = describeMetaError(error);
  const what = `${attempt.name}${attempt.language === undefined ? '' : ` in ${attempt.language}`}`;
  const verb = attempt.action === 'create' ? 'creation of' : 'deletion of';
  const hint = error.retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(error.retryAfterMs / 1000));
  if (error.kind === 'not_sent') {
    return new RetryLaterError(503, 'meta_unreachable', `Meta's Graph API could not be reached, so nothing was sent (${error.message ?? 'no connection'}); retry later`, hint ?? DEFAULT_RETRY_AFTER_SECONDS);
  }
  if (error.kind === 'unknown') {
    const check =
      attempt.action === 'create'
        ? `Meta may have created it: GET the template or run npm run templates -- sync before retrying (a repeat answers 409 template_exists if Meta did)`
        : `Meta may have deleted it: a repeated DELETE is safe`;
    return new RetryLaterError(502, 'meta_answer_lost', `Meta's answer to the ${verb} ${what} did not arrive (${error.message ?? 'no answer'}). ${check}`, hint ?? DEFAULT_RETRY_AFTER_SECONDS);
  }
  const code = error.code;
  if (error.httpStatus === 429 || (code !== undefined && RATE_LIMIT_CODES.has(code))) {
    const wait = hint ?? DEFAULT_RATE_LIMIT_RETRY_SECONDS;
    const cap = attempt.action === 'create' ? ' Meta allows 100 template creations per account per hour.' : '';
    return new RetryLaterError(429, 'meta_rate_limited', `Meta is rate-limiting this account's template calls (${said}); retry in ${wait} s.${cap}`, wait);
  }
  if (error.httpStatus >= 500 || (code !== undefined && TEMPORARY_CODES.has(code))) {
    return new RetryLaterError(503, 'meta_unavailable', `Meta could not complete the ${verb} ${what} now (${said}); retry later`, hint ?? DEFAULT_RETRY_AFTER_SECONDS);
  }
  if (code === 100 && error.subcode === 2388024) {
    return new RelaisError(409, 'template_exists', `Meta already has a template ${what} in business account ${attempt.businessAccountId} (${said}); delete it first or choose another name`);
  }
  if (code === 100 && error.subcode === 33) {
    return new RelaisError(404, 'business_account_not_found', `Meta knows no WhatsApp Business Account ${attempt.businessAccountId} that Relais's access token may manage (${said})`);
  }
  if (isCredentialRefusal(error)) {
    return new RetryLaterError(502, 'meta_refused_credentials', `Meta refused Relais's access token or its permissions (${said}); an operator must fix the token before this can succeed`);
  }
  return new RelaisError(422, 'meta_refused', `Meta refused the ${verb} ${what} (${said})`);
}
