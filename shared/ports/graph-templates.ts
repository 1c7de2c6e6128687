/**
 * Meta's template management API as the registry sees it: one call, one result, Meta's errors as values. The HTTP
 * implementation is `shared/adapters/graph-templates.ts`.
 * https://developers.facebook.com/docs/graph-api/reference/whats-app-business-account/message_templates/
 */
import type { MetaTemplateComponent } from '../domain/templates/records.js';

/** One template as `GET /{waba-id}/message_templates` lists it. Ids are strings: they exceed 2^53. */
export interface GraphTemplate {
  readonly id: string;
  readonly name: string;
  /** As Meta spells it (`en_US`). */
  readonly language: string;
  readonly status: string;
  /** Meta's category as sent (`MARKETING`, `UTILITY`, `AUTHENTICATION`; older accounts may show others). */
  readonly category: string;
  /** `POSITIONAL` or `NAMED`, upper-cased; absent when Meta left it out (positional is Meta's default). */
  readonly parameterFormat?: 'POSITIONAL' | 'NAMED';
  readonly components: readonly MetaTemplateComponent[];
  /** `quality_score.score`. */
  readonly qualityScore?: string;
  /** `rejected_reason` (Meta sends `NONE` for a template that was not rejected). */
  readonly rejectedReason?: string;
  readonly previousCategory?: string;
  readonly correctCategory?: string;
}

/** One page of the listing. */
export interface GraphTemplatePage {
  readonly templates: readonly GraphTemplate[];
  /** `paging.cursors.after` when Meta says there is a next page (`paging.next`), else absent: the listing is complete. */
  readonly after?: string;
  /** Entries of `data` that were not templates this client can read (no id, name, language…), by position. */
  readonly unreadable: readonly { readonly index: number; readonly problem: string }[];
}

/** Meta's answer to a creation (`{id, status, category}`). */
export interface GraphTemplateCreated {
  readonly id: string;
  readonly status: string;
  readonly category: string;
}

/**
 * Why a call did not give its answer.
 * - `meta`: Meta (or something in front of it) answered non-2xx; `code`/`subcode` are Meta's when the body was Graph JSON.
 * - `not_sent`: no request reached Meta (no token, connection refused before anything was written).
 * - `unknown`: the request may have been acted on (timeout, connection lost, a 2xx body that cannot be read).
 */
export interface GraphTemplateError {
  readonly kind: 'meta' | 'not_sent' | 'unknown';
  /** HTTP status of Meta's answer; 0 when there was none. */
  readonly httpStatus: number;
  readonly code?: number;
  /** `error_subcode`. */
  readonly subcode?: number;
  readonly message?: string;
  /** `error_user_title`, or the title in `message` (`"(#80007) Rate limit"`). */
  readonly title?: string;
  /** `error_user_msg` or `error_data.details`: what Meta says to do. */
  readonly details?: string;
  readonly fbtraceId?: string;
  /**
   * How long Meta says to wait before calling again, in ms: `estimated_time_to_regain_access` of the
   * `X-Business-Use-Case-Usage` header, or `Retry-After`.
   */
  readonly retryAfterMs?: number;
}

export type GraphTemplateResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: GraphTemplateError };

export interface GraphTemplates {
  /** One page of `GET /{version}/{waba-id}/message_templates`, `limit` templates from the cursor `after`. */
  listTemplates(wabaId: string, page: { readonly after?: string; readonly limit: number }): Promise<GraphTemplateResult<GraphTemplatePage>>;
  /** `POST /{version}/{waba-id}/message_templates` with Meta's creation body, sent as given. */
  createTemplate(wabaId: string, body: Readonly<Record<string, unknown>>): Promise<GraphTemplateResult<GraphTemplateCreated>>;
  /**
   * `DELETE /{version}/{waba-id}/message_templates?name=…`: every language of the name, or with `templateId`
   * (`hsm_id`) only that one.
   */
  deleteTemplate(wabaId: string, target: { readonly name: string; readonly templateId?: string }): Promise<GraphTemplateResult<{ readonly deleted: true }>>;
}
