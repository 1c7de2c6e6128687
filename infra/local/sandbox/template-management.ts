import { fromError as fail, type GraphRequest, type GraphResult } from './graph-api.js';
import { GraphApiError, parameterError, rateLimitError, templateContentError, unknownObjectError } from './graph-errors.js';
import type { JsonParse } from './http.js';
import { newNumericId } from './identity.js';
import type { SandboxState } from './state.js';
import { parseMetaComponents } from './template-components.js';
import { compareKeys } from './templates.js';
import { TEMPLATE_LIST_FAULT_KINDS, TEMPLATE_STATUSES, type TemplateCategory, type TemplateRecord } from './types.js';
import { isObject } from './validation/params.js';

/**
 * `/{version}/{waba-id}/message_templates`, as the WhatsApp Business Management API answers it
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/overview,
 * https://developers.facebook.com/docs/graph-api/results):
 * - `POST` creates a template from Meta's creation body; it starts `PENDING` and answers `{id, status, category}`;
 * - `GET` lists with `limit`, `after`/`before` cursors, `fields` and the filters `name`, `status`, `category`,
 *   `language`, paged as Graph pages (`paging.cursors`, `next`/`previous` only when there is such a page);
 * - `DELETE ?name=` deletes every language of a name, `?name=&hsm_id=` one template.
 * The token is checked before this (190); an unknown WABA id is 100/33.
 */
export function handleTemplateManagement(state: SandboxState, request: GraphRequest, version: string, wabaId: string): GraphResult {
  if (wabaId !== state.config.businessAccountId) return fail(unknownObjectError(request.method, wabaId));
  try {
    switch (request.method) {
      case 'POST':
        return create(state, request.body);
      case 'GET':
        return list(state, request, version, wabaId);
      case 'DELETE':
        return remove(state, request.query);
      default:
        return fail(unknownObjectError(request.method, wabaId));
    }
  } catch (error) {
    if (error instanceof GraphApiError) return fail(error);
    throw error;
  }
}

const CATEGORIES = ['AUTHENTICATION', 'MARKETING', 'UTILITY'] as const;
const NAME = /^[a-z0-9_]{1,512}$/;
const LANGUAGE = /^[a-z]{2,3}(_[A-Za-z]{2,4})?$/;
/** Graph's default page size. */
const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 1000;

function create(state: SandboxState, body: JsonParse | undefined): GraphResult {
  if (body === undefined) throw parameterError('The parameter name is required.');
  if (!body.ok || !isObject(body.value)) throw parameterError('The request body must be a JSON object.');
  const input = body.value;
  const name = requiredString(input, 'name');
  if (!NAME.test(name)) throw parameterError('Param name must be at most 512 characters of lowercase letters, digits and underscores.');
  const language = requiredString(input, 'language');
  if (!LANGUAGE.test(language)) throw parameterError(`Param language must be a template language code such as en_US or fr - got ${JSON.stringify(language)}.`);
  const category = enumValue(input['category'], CATEGORIES, 'category', true) as TemplateCategory;
  const format = (enumValue(input['parameter_format'], ['NAMED', 'POSITIONAL'], 'parameter_format', false) ?? 'POSITIONAL').toLowerCase() as
    | 'positional'
    | 'named';
  const components = parseMetaComponents(input['components'], format, category);
  if (state.templates.find(name, language) !== undefined) {
    throw templateContentError(
      2388024,
      'Content in This Language Already Exists',
      `There is already ${language} content for this template. You can create a new template and try again.`,
    );
  }
  const now = state.clock();
  if (!state.account.takeCreation(now)) throw rateLimitError(80007);
  // Ids of 17 digits are above 2^53, as some of Meta's are: a client that reads them as JS numbers breaks here.
  const record = state.templates.put({
    id: newNumericId(17),
    name,
    language,
    category,
    status: 'PENDING',
    parameterFormat: format,
    components: components.def,
    metaComponents: components.meta,
    qualityScore: { score: 'UNKNOWN', date: Math.floor(now / 1000) },
    pauses: 0,
  });
  return { status: 200, body: { id: record.id, status: record.status, category: record.category } };
}

const LISTABLE_FIELDS = [
  'id',
  'name',
  'language',
  'status',
  'category',
  'parameter_format',
  'components',
  'quality_score',
  'rejected_reason',
  'previous_category',
  'correct_category',
] as const;
type ListableField = (typeof LISTABLE_FIELDS)[number];
const DEFAULT_FIELDS: readonly ListableField[] = LISTABLE_FIELDS;

function list(state: SandboxState, request: GraphRequest, version: string, wabaId: string): GraphResult {
  const fault = state.faults.take(TEMPLATE_LIST_FAULT_KINDS);
  if (fault !== undefined) return { ...fail(rateLimitError(fault.kind === 'app_rate_limit' ? 4 : 80007)), fault: fault.kind };

  const query = request.query;
  const limit = parseLimit(query.get('limit'));
  const fields = parseFields(query.get('fields'));
  const nameFilter = query.get('name');
  const statuses = listFilter(query.get('status'), TEMPLATE_STATUSES, 'status');
  const categories = listFilter(query.get('category'), CATEGORIES, 'category');
  const languages = query.get('language')?.split(',').map((l) => l.trim()).filter((l) => l !== '');

  const matching = state.templates
    .list()
    .filter(
      (t) =>
        (nameFilter === null || t.name.includes(nameFilter)) &&
        (statuses === undefined || statuses.includes(t.status)) &&
        (categories === undefined || categories.includes(t.category)) &&
        (languages === undefined || languages.includes(t.language)),
    );

  const after = query.get('after');
  const before = query.get('before');
  let start: number;
  let end: number;
  if (after !== null) {
    const key = decodeCursor(after, 'after');
    start = firstIndex(matching, (t) => compareKeys(t, key) > 0);
    end = Math.min(matching.length, start + limit);
  } else if (before !== null) {
    const key = decodeCursor(before, 'before');
    end = firstIndex(matching, (t) => compareKeys(t, key) >= 0);
    start = Math.max(0, end - limit);
  } else {
    start = 0;
    end = Math.min(matching.length, limit);
  }
  const page = matching.slice(start, end);
  if (page.length === 0) return { status: 200, body: { data: [] } };

  const cursors = { before: encodeCursor(page[0]!), after: encodeCursor(page[page.length - 1]!) };
  const base = `${request.origin ?? 'http://127.0.0.1'}/${version}/${wabaId}/message_templates`;
  const pageUrl = (cursor: 'after' | 'before', value: string): string => {
    const params = new URLSearchParams();
    for (const [key, v] of query) if (key !== 'after' && key !== 'before' && key !== 'access_token') params.set(key, v);
    params.set('limit', String(limit));
    params.set(cursor, value);
    return `${base}?${params.toString()}`;
  };
  return {
    status: 200,
    body: {
      data: page.map((t) => render(t, fields)),
      paging: {
        cursors,
        ...(end < matching.length ? { next: pageUrl('after', cursors.after) } : {}),
        ...(start > 0 ? { previous: pageUrl('before', cursors.before) } : {}),
      },
    },
  };
}

function remove(state: SandboxState, query: URLSearchParams): GraphResult {
  const name = query.get('name');
  if (name === null || name === '') throw parameterError('The parameter name is required.');
  const hsmId = query.get('hsm_id');
  const targets = state.templates.list().filter((t) => t.name === name && (hsmId === null || t.id === hsmId));
  if (targets.length === 0) {
    throw new GraphApiError({
      httpStatus: 400,
      code: 100,
      message: 'Invalid parameter',
      isTransient: false,
      userTitle: 'Message Template Not Found',
      userMessage: hsmId === null ? `There is no message template named ${name}.` : `There is no message template named ${name} with id ${hsmId}.`,
    });
  }
  for (const t of targets) state.templates.remove(t.name, t.language);
  return { status: 200, body: { success: true } };
}

function render(t: TemplateRecord, fields: readonly ListableField[]): Record<string, unknown> {
  const all: Record<ListableField, unknown> = {
    id: t.id,
    name: t.name,
    language: t.language,
    status: t.status,
    category: t.category,
    parameter_format: t.parameterFormat.toUpperCase(),
    components: t.metaComponents,
    quality_score: { score: t.qualityScore.score, date: t.qualityScore.date },
    rejected_reason: t.rejectedReason,
    previous_category: t.previousCategory,
    correct_category: t.correctCategory,
  };
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const value = field === 'rejected_reason' && all.rejected_reason === undefined && fields !== DEFAULT_FIELDS ? 'NONE' : all[field];
    if (value !== undefined) out[field] = value;
  }
  // Graph always returns a node's id, whatever `fields` asks for.
  if (!('id' in out)) out['id'] = t.id;
  return out;
}

function parseLimit(raw: string | null): number {
  if (raw === null) return DEFAULT_LIMIT;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(value) || value < 1 || value > MAX_LIMIT) throw parameterError(`Param limit must be an integer between 1 and ${MAX_LIMIT} - got ${JSON.stringify(raw)}.`);
  return value;
}

function parseFields(raw: string | null): readonly ListableField[] {
  if (raw === null || raw.trim() === '') return DEFAULT_FIELDS;
  const fields = raw.split(',').map((f) => f.trim()).filter((f) => f !== '');
  for (const field of fields) {
    if (!(LISTABLE_FIELDS as readonly string[]).includes(field)) {
      throw parameterError(`Tried accessing nonexisting field (${field}) on node type (WhatsAppBusinessHSM)`);
    }
  }
  return fields as ListableField[];
}

function listFilter<T extends string>(raw: string | null, allowed: readonly T[], name: string): T[] | undefined {
  if (raw === null) return undefined;
  const values = raw.split(',').map((v) => v.trim().toUpperCase()).filter((v) => v !== '');
  for (const value of values) {
    if (!(allowed as readonly string[]).includes(value)) {
      throw parameterError(`Param ${name} must be one of {${[...allowed].sort().join(', ')}} - got ${JSON.stringify(value)}.`);
    }
  }
  return values as T[];
}

/** Graph's cursors are opaque base64; these hold the (name, language) of the page's first or last template. */
function encodeCursor(t: TemplateRecord): string {
  return Buffer.from(JSON.stringify([t.name, t.language]), 'utf8').toString('base64');
}

function decodeCursor(cursor: string, param: string): { name: string; language: string } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      return { name: value[0], language: value[1] };
    }
  } catch {
    // An unreadable cursor is refused below.
  }
  throw parameterError(`Param ${param} is not a valid cursor.`);
}

function firstIndex<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  const index = items.findIndex(predicate);
  return index === -1 ? items.length : index;
}

function requiredString(input: Record<string, unknown>, name: string): string {
  const value = input[name];
  if (value === undefined || value === null || value === '') throw parameterError(`The parameter ${name} is required.`);
  if (typeof value !== 'string') throw parameterError(`Param ${name} must be a string.`);
  return value;
}

function enumValue(value: unknown, allowed: readonly string[], name: string, required: boolean): string | undefined {
  if (value === undefined || value === null) {
    if (required) throw parameterError(`The parameter ${name} is required.`);
    return undefined;
  }
  const upper = typeof value === 'string' ? value.toUpperCase() : undefined;
  if (upper === undefined || !allowed.includes(upper)) {
    throw parameterError(`Param ${name} must be one of {${[...allowed].sort().join(', ')}} - got ${JSON.stringify(value)}.`);
  }
  return upper;
}
