import { z } from 'zod';

import { parseWebhookJson } from '../domain/ingestion/webhook-json.js';
import type { MetaTemplateComponent } from '../domain/templates/records.js';
import type {
  GraphTemplate,
  GraphTemplateCreated,
  GraphTemplateError,
  GraphTemplatePage,
  GraphTemplateResult,
  GraphTemplates,
} from '../ports/graph-templates.js';
import type { GraphPhoneNumber, GraphPhoneNumberPage, GraphPhoneNumbers } from '../ports/graph-phone-numbers.js';
import { DEFAULT_GRAPH_API_VERSION, DEFAULT_GRAPH_TIMEOUT_MS, GRAPH_API_VERSION_PATTERN } from '../sending-config.js';
import { checkBaseUrl, isSafeConnectionFailure, type GraphApiClientOptions } from './graph-api.js';

export type { GraphTemplates } from '../ports/graph-templates.js';

/**
 * The HTTP client for Meta's template management API on a WhatsApp Business Account
 * (https://developers.facebook.com/docs/graph-api/reference/whats-app-business-account/message_templates/):
 * list one page, create, delete. It takes the send client's configuration (`GraphApiClientOptions`: base URL,
 * version, access token provider, timeout) and, like it, never throws for anything Meta or the network does:
 * every call ends in a value, Meta's errors with their `code` and `error_subcode`.
 *
 * Answers are parsed with integer literals above 2^53 kept as their digits: Meta documents template ids as
 * numeric strings, but a number in any answer would otherwise be rounded silently.
 * Neither the access token nor a request body appears in any result.
 */

/** Fields the listing asks for: everything the registry keeps. */
export const TEMPLATE_LIST_FIELDS = [
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

const GRAPH_ID = /^[0-9]{1,32}$/;
const TOKEN = /^[\x21-\x7e]+$/;
/** Meta pages `message_templates` by up to 100 templates at a time in practice; larger limits are not documented. */
const MAX_PAGE_LIMIT = 100;

/**
 * Creates the client after checking its configuration.
 *
 * @throws TypeError naming the option when `baseUrl`, `version` or `timeoutMs` is not usable.
 */
export function createGraphTemplates(options: GraphApiClientOptions): GraphTemplates {
  const call = accountEdgeCaller(options, 'createGraphTemplates', 'message_templates');

  return {
    async listTemplates(wabaId, page) {
      checkWaba(wabaId, 'listTemplates');
      if (!Number.isSafeInteger(page.limit) || page.limit < 1 || page.limit > MAX_PAGE_LIMIT) {
        throw new TypeError(`listTemplates: limit must be an integer from 1 to ${MAX_PAGE_LIMIT}`);
      }
      const query = new URLSearchParams({ fields: TEMPLATE_LIST_FIELDS.join(','), limit: String(page.limit) });
      if (page.after !== undefined) query.set('after', page.after);
      const answer = await call('GET', wabaId, query);
      return answer.ok ? readPage(answer.value) : answer;
    },

    async createTemplate(wabaId, body) {
      checkWaba(wabaId, 'createTemplate');
      let payload: string;
      try {
        payload = JSON.stringify(body);
      } catch {
        throw new TypeError('createTemplate: body cannot be serialised as JSON');
      }
      const answer = await call('POST', wabaId, new URLSearchParams(), payload);
      if (!answer.ok) return answer;
      const created = CreatedSchema.safeParse(answer.value);
      if (!created.success) return failed({ kind: 'unknown', httpStatus: 200, message: 'the creation answer has no id, status and category' });
      return { ok: true, value: created.data satisfies GraphTemplateCreated };
    },

    async deleteTemplate(wabaId, target) {
      checkWaba(wabaId, 'deleteTemplate');
      if (typeof target.name !== 'string' || target.name === '') throw new TypeError('deleteTemplate: name is required');
      if (target.templateId !== undefined && !GRAPH_ID.test(target.templateId)) throw new TypeError('deleteTemplate: templateId must be a Graph id (digits)');
      const query = new URLSearchParams({ name: target.name });
      if (target.templateId !== undefined) query.set('hsm_id', target.templateId);
      const answer = await call('DELETE', wabaId, query);
      if (!answer.ok) return answer;
      if (typeof answer.value !== 'object' || answer.value === null || (answer.value as { success?: unknown }).success !== true) {
        return failed({ kind: 'unknown', httpStatus: 200, message: 'the deletion answer lacks success: true' });
      }
      return { ok: true, value: { deleted: true } };
    },
  };
}

/** Fields the phone-number listing asks for: what the health records keep. */
export const PHONE_NUMBER_FIELDS = ['id', 'display_phone_number', 'quality_rating', 'throughput', 'status', 'whatsapp_business_manager_messaging_limit'] as const;

/**
 * The client of `GET /{version}/{waba-id}/phone_numbers` (the phone numbers of a WhatsApp Business Account with their
 * quality rating, throughput level and status,
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/reference/whatsapp-business-account/phone-numbers-api),
 * on the same HTTP call and configuration as {@link createGraphTemplates}.
 *
 * @throws TypeError naming the option when `baseUrl`, `version` or `timeoutMs` is not usable.
 */
export function createGraphPhoneNumbers(options: GraphApiClientOptions): GraphPhoneNumbers {
  const call = accountEdgeCaller(options, 'createGraphPhoneNumbers', 'phone_numbers');
  return {
    async listPhoneNumbers(wabaId, page = {}) {
      checkWaba(wabaId, 'listPhoneNumbers');
      const query = new URLSearchParams({ fields: PHONE_NUMBER_FIELDS.join(',') });
      if (page.after !== undefined) query.set('after', page.after);
      const answer = await call('GET', wabaId, query);
      return answer.ok ? readNumberPage(answer.value) : answer;
    },
  };
}

/**
 * The one HTTP call of the account management clients (`message_templates`, `phone_numbers`): `{base}/{version}/{waba-id}/{edge}`,
 * the token as a Bearer header, no redirects, a time limit, and every outcome as a value (Meta's errors with their codes,
 * the token redacted). `what` names the factory in configuration errors.
 *
 * @throws TypeError naming the option when `baseUrl`, `version` or `timeoutMs` is not usable.
 */
function accountEdgeCaller(
  options: GraphApiClientOptions,
  what: string,
  edge: 'message_templates' | 'phone_numbers',
): (method: 'GET' | 'POST' | 'DELETE', wabaId: string, query: URLSearchParams, body?: string) => Promise<GraphTemplateResult<unknown>> {
  const base = checkBaseUrl(options.baseUrl, what);
  const version = options.version;
  if (typeof version !== 'string' || !GRAPH_API_VERSION_PATTERN.test(version)) {
    throw new TypeError(`${what}: version must look like ${DEFAULT_GRAPH_API_VERSION} (v<major>.<minor>), got ${JSON.stringify(version)}`);
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_GRAPH_TIMEOUT_MS;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError(`${what}: timeoutMs must be a positive integer number of milliseconds, got ${String(timeoutMs)}`);
  }
  const doFetch = options.fetch ?? globalThis.fetch;

  return async function call(method: 'GET' | 'POST' | 'DELETE', wabaId: string, query: URLSearchParams, body?: string): Promise<GraphTemplateResult<unknown>> {
    let token: string;
    try {
      token = await options.accessToken();
    } catch {
      return failed({ kind: 'not_sent', httpStatus: 0, message: 'the access token could not be obtained' });
    }
    if (typeof token !== 'string' || !TOKEN.test(token)) {
      return failed({ kind: 'not_sent', httpStatus: 0, message: 'the access token is empty or holds characters not allowed in an HTTP header' });
    }
    const search = query.toString();
    const url = `${base}/${version}/${wabaId}/${edge}${search === '' ? '' : `?${search}`}`;
    let response: Response;
    let bytes: Uint8Array;
    try {
      response = await doFetch(url, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body }),
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      return failed(fetchFailure(error));
    }
    const parsed = parseWebhookJson(bytes);
    if (response.status < 200 || response.status > 299) {
      return failed(metaError(response, parsed.ok ? parsed.value : undefined, token));
    }
    if (!parsed.ok) return failed({ kind: 'unknown', httpStatus: response.status, message: `HTTP ${response.status} answer is not JSON` });
    return { ok: true, value: parsed.value };
  };
}

function checkWaba(wabaId: string, what: string): void {
  if (typeof wabaId !== 'string' || !GRAPH_ID.test(wabaId)) throw new TypeError(`${what}: wabaId must be a Graph API id (1 to 32 digits)`);
}

function failed(error: GraphTemplateError): { ok: false; error: GraphTemplateError } {
  return { ok: false, error };
}

function fetchFailure(error: unknown): GraphTemplateError {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  if (name === 'TimeoutError') return { kind: 'unknown', httpStatus: 0, message: 'no complete answer within the time limit' };
  if (isSafeConnectionFailure(error)) return { kind: 'not_sent', httpStatus: 0, message: 'the request was not sent: the connection could not be made' };
  return { kind: 'unknown', httpStatus: 0, message: 'the connection failed after the request may have been sent' };
}

// Answers -----------------------------------------------------------------------------------------------

/** A Graph id: a string of digits, or a JSON number small enough to be exact (bigger ones arrive as digit strings). */
const GraphIdSchema = z.union([z.string().regex(GRAPH_ID), z.number().int().nonnegative().refine(Number.isSafeInteger).transform(String)]);

const CreatedSchema = z.object({ id: GraphIdSchema, status: z.string().min(1), category: z.string().min(1) });

const TemplateSchema = z.object({
  id: GraphIdSchema,
  name: z.string().min(1),
  language: z.string().min(1),
  status: z.string().min(1),
  category: z.string().min(1),
  parameter_format: z
    .string()
    .transform((format) => format.toUpperCase())
    .pipe(z.enum(['POSITIONAL', 'NAMED']))
    .optional()
    .catch(undefined),
  components: z.array(z.looseObject({ type: z.string() })).default([]),
  quality_score: z.object({ score: z.string().optional().catch(undefined) }).optional().catch(undefined),
  rejected_reason: z.string().optional().catch(undefined),
  previous_category: z.string().optional().catch(undefined),
  correct_category: z.string().optional().catch(undefined),
});

const PageSchema = z.object({
  data: z.array(z.unknown()),
  paging: z
    .object({
      cursors: z.object({ after: z.string().optional().catch(undefined) }).optional().catch(undefined),
      next: z.string().optional().catch(undefined),
    })
    .optional()
    .catch(undefined),
});

function readPage(value: unknown): GraphTemplateResult<GraphTemplatePage> {
  const page = PageSchema.safeParse(value);
  if (!page.success) return failed({ kind: 'unknown', httpStatus: 200, message: 'the listing has no data array' });
  const templates: GraphTemplate[] = [];
  const unreadable: { index: number; problem: string }[] = [];
  page.data.data.forEach((entry, index) => {
    const parsed = TemplateSchema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      unreadable.push({ index, problem: issue === undefined ? 'not a template' : `${issue.path.join('.') || '(entry)'}: ${issue.message}` });
      return;
    }
    const t = parsed.data;
    templates.push({
      id: t.id,
      name: t.name,
      language: t.language,
      status: t.status,
      category: t.category,
      ...(t.parameter_format === undefined ? {} : { parameterFormat: t.parameter_format }),
      components: t.components as MetaTemplateComponent[],
      ...(t.quality_score?.score === undefined ? {} : { qualityScore: t.quality_score.score }),
      ...(t.rejected_reason === undefined ? {} : { rejectedReason: t.rejected_reason }),
      ...(t.previous_category === undefined ? {} : { previousCategory: t.previous_category }),
      ...(t.correct_category === undefined ? {} : { correctCategory: t.correct_category }),
    });
  });
  const after = nextCursor(page.data.paging);
  return { ok: true, value: { templates, unreadable, ...(after === undefined ? {} : { after }) } };
}

const PhoneNumberSchema = z.object({
  id: GraphIdSchema,
  display_phone_number: z.string().min(1),
  quality_rating: z.string().min(1).optional().catch(undefined),
  throughput: z.object({ level: z.string().min(1).optional().catch(undefined) }).optional().catch(undefined),
  status: z.string().min(1).optional().catch(undefined),
  whatsapp_business_manager_messaging_limit: z.string().min(1).optional().catch(undefined),
});

function readNumberPage(value: unknown): GraphTemplateResult<GraphPhoneNumberPage> {
  const page = PageSchema.safeParse(value);
  if (!page.success) return failed({ kind: 'unknown', httpStatus: 200, message: 'the listing has no data array' });
  const numbers: GraphPhoneNumber[] = [];
  const unreadable: { index: number; problem: string }[] = [];
  page.data.data.forEach((entry, index) => {
    const parsed = PhoneNumberSchema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      unreadable.push({ index, problem: issue === undefined ? 'not a phone number' : `${issue.path.join('.') || '(entry)'}: ${issue.message}` });
      return;
    }
    const n = parsed.data;
    numbers.push({
      id: n.id,
      displayPhoneNumber: n.display_phone_number,
      ...(n.quality_rating === undefined ? {} : { qualityRating: n.quality_rating }),
      ...(n.throughput?.level === undefined ? {} : { throughputLevel: n.throughput.level }),
      ...(n.status === undefined ? {} : { status: n.status }),
      ...(n.whatsapp_business_manager_messaging_limit === undefined ? {} : { messagingLimitTier: n.whatsapp_business_manager_messaging_limit }),
    });
  });
  const after = nextCursor(page.data.paging);
  return { ok: true, value: { numbers, unreadable, ...(after === undefined ? {} : { after }) } };
}

/**
 * Meta sends `paging.cursors.after` on every page, the last included; only `paging.next` says another page
 * exists (https://developers.facebook.com/docs/graph-api/results). Without an `after` cursor, the one in `next` is used.
 */
function nextCursor(paging: { cursors?: { after?: string | undefined } | undefined; next?: string | undefined } | undefined): string | undefined {
  if (paging?.next === undefined) return undefined;
  if (paging.cursors?.after !== undefined && paging.cursors.after !== '') return paging.cursors.after;
  try {
    return new URL(paging.next).searchParams.get('after') ?? undefined;
  } catch {
    return undefined;
  }
}

const ErrorBodySchema = z.object({
  error: z.object({
    message: z.string().optional().catch(undefined),
    code: z.number().int().optional().catch(undefined),
    error_subcode: z.number().int().optional().catch(undefined),
    error_user_title: z.string().optional().catch(undefined),
    error_user_msg: z.string().optional().catch(undefined),
    error_data: z
      .union([z.object({ details: z.string().optional().catch(undefined) }), z.string().transform((details) => ({ details }))])
      .optional()
      .catch(undefined),
    fbtrace_id: z.string().optional().catch(undefined),
  }),
});

const TITLE_IN_MESSAGE = /^\(#\d+\)\s*(.+)$/s;

function metaError(response: Response, json: unknown, token: string): GraphTemplateError {
  const httpStatus = response.status;
  const retryAfterMs = retryHint(response.headers);
  const hint = retryAfterMs === undefined ? {} : { retryAfterMs };
  const parsed = ErrorBodySchema.safeParse(json);
  if (!parsed.success) return { kind: 'meta', httpStatus, ...hint };
  const body = parsed.data.error;
  const redact = (text: string) => text.split(token).join('[redacted]');
  const title = body.error_user_title ?? (body.message === undefined ? undefined : TITLE_IN_MESSAGE.exec(body.message)?.[1]);
  const details = body.error_user_msg ?? body.error_data?.details;
  return {
    kind: 'meta',
    httpStatus,
    ...(body.code === undefined ? {} : { code: body.code }),
    ...(body.error_subcode === undefined ? {} : { subcode: body.error_subcode }),
    ...(body.message === undefined ? {} : { message: redact(body.message) }),
    ...(title === undefined ? {} : { title: redact(title) }),
    ...(details === undefined ? {} : { details: redact(details) }),
    ...(body.fbtrace_id === undefined ? {} : { fbtraceId: body.fbtrace_id }),
    ...hint,
  };
}

const BucUsageSchema = z.record(
  z.string(),
  z.array(z.object({ estimated_time_to_regain_access: z.number().nonnegative().optional().catch(undefined) }).catch({ estimated_time_to_regain_access: undefined })),
);

/**
 * How long Meta asks to wait: `estimated_time_to_regain_access` (minutes) in `X-Business-Use-Case-Usage`, the
 * longest of its entries (https://developers.facebook.com/docs/graph-api/overview/rate-limiting/), else
 * `Retry-After` in seconds. Absent when neither is readable or both say 0.
 */
export function retryHint(headers: Headers): number | undefined {
  const usage = headers.get('x-business-use-case-usage');
  if (usage !== null) {
    let json: unknown;
    try {
      json = JSON.parse(usage);
    } catch {
      json = undefined;
    }
    const parsed = BucUsageSchema.safeParse(json);
    if (parsed.success) {
      const minutes = Math.max(0, ...Object.values(parsed.data).flatMap((entries) => entries.map((e) => e.estimated_time_to_regain_access ?? 0)));
      if (minutes > 0) return Math.round(minutes * 60_000);
    }
  }
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null && /^\d{1,6}$/.test(retryAfter.trim())) {
    const seconds = Number(retryAfter.trim());
    if (seconds > 0) return seconds * 1000;
  }
  return undefined;
}
