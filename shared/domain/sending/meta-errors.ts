import type { MessageFailureReason } from '../../contracts/events/outbound/reasons.js';

/**
 * How the sender reacts to an error from Meta's send API (or to a failed status webhook), by Meta's
 * `code` — never by the HTTP status alone, since Meta returns its throttling errors as HTTP 400.
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes
 *
 * - `slow_down_number`: the business number's throughput (130429). Requeue shortly; the per-number rate
 *   slots pace the retry.
 * - `slow_down_pair`: the (business, user) pair rate (131056). Delay only this recipient's group, 4^X s.
 * - `retry`: a transient failure (Meta down, API or WABA rate limit). Retry with exponential back-off.
 * - `fail`: retrying cannot help (policy, recipient, template, account or request problem). Terminal.
 */
export type MetaErrorAction = 'slow_down_number' | 'slow_down_pair' | 'retry' | 'fail';

export interface MetaErrorClassification {
  readonly action: MetaErrorAction;
  readonly reason: MessageFailureReason;
  /** A fact to record about the recipient: 131050 means they stopped marketing messages. */
  readonly records?: 'opt_out_marketing';
}

type Rule = MetaErrorClassification;

const SLOW_NUMBER: Rule = Object.freeze({ action: 'slow_down_number', reason: 'rate_limited' });
const SLOW_PAIR: Rule = Object.freeze({ action: 'slow_down_pair', reason: 'rate_limited' });
const RETRY_RATE_LIMITED: Rule = Object.freeze({ action: 'retry', reason: 'rate_limited' });
const RETRY_UNAVAILABLE: Rule = Object.freeze({ action: 'retry', reason: 'meta_unavailable' });

function fail(reason: MessageFailureReason): Rule {
  return Object.freeze({ action: 'fail', reason });
}

/** Every code Relais knows, by Meta's meaning. Codes not listed fall back on the HTTP status. */
const BY_CODE: ReadonlyMap<number, Rule> = new Map<number, Rule>([
  // Throughput and pair rate: slow down, do not fail.
  [130429, SLOW_NUMBER],
  [131056, SLOW_PAIR],
  // App-level and WABA-level Graph API rate limits: back off and retry.
  [4, RETRY_RATE_LIMITED],
  [80007, RETRY_RATE_LIMITED],
  // Meta unavailable: unknown API error, downtime, "something went wrong", service unavailable, maintenance.
  [1, RETRY_UNAVAILABLE],
  [2, RETRY_UNAVAILABLE],
  [131000, RETRY_UNAVAILABLE],
  [131016, RETRY_UNAVAILABLE],
  [131057, RETRY_UNAVAILABLE],
  // The recipient cannot get this message.
  [131047, fail('window_closed')],
  [131026, fail('recipient_unreachable')],
  [131050, Object.freeze({ action: 'fail', reason: 'opted_out', records: 'opt_out_marketing' })],
  [131049, fail('marketing_cap_reached')],
  [131062, fail('recipient_id_unsupported')],
  // Identity key hash mismatch: the user behind the identity changed, so the intended person is not reachable there.
  [137000, fail('recipient_unreachable')],
  // Spam rate limit (quality): not a retry matter; the campaign must pause.
  [131048, fail('rate_limited')],
  // Templates (other 132xxx codes are handled below).
  [132000, fail('template_parameters_invalid')],
  [132001, fail('template_unknown')],
  [132005, fail('template_parameters_invalid')],
  [132007, fail('template_parameters_invalid')],
  [132008, fail('template_parameters_invalid')],
  [132012, fail('template_parameters_invalid')],
  [132015, fail('template_paused')],
  [132016, fail('template_disabled')],
  [132018, fail('template_parameters_invalid')],
  // The business account or number.
  [368, fail('account_restricted')],
  [130497, fail('account_restricted')],
  [131031, fail('account_restricted')],
  [131063, fail('account_restricted')],
  [131064, fail('account_restricted')],
  [131042, fail('payment_issue')],
  [133010, fail('number_not_registered')],
  // Access token and permissions.
  [0, fail('authorisation_failed')],
  [3, fail('authorisation_failed')],
  [10, fail('authorisation_failed')],
  [190, fail('authorisation_failed')],
  [131005, fail('authorisation_failed')],
  // The request itself.
  [33, fail('invalid_request')],
  [100, fail('invalid_request')],
  [131008, fail('invalid_request')],
  [131009, fail('invalid_request')],
  [131021, fail('invalid_request')],
  [131051, fail('unsupported_message')],
  [131053, fail('media_error')],
]);

/**
 * Classifies a Meta error by its `code`, with the HTTP status as a fallback:
 * - a known code gets its rule (see `BY_CODE` above); 200–299 are permission errors; any other 132xxx is
 *   a template problem that retrying will not fix (`meta_error`);
 * - an unknown code is retried when the HTTP status is 5xx, and fails (`meta_error`) otherwise;
 * - no code at all (a network error, a timeout, a body that is not Graph JSON): retried when there is no
 *   HTTP status or it is 5xx (Meta unavailable) or 429 (rate limited); 401/403 fail as
 *   `authorisation_failed`; any other status fails as `meta_error`.
 *
 * A call that may have reached Meta without an answer is not a retry case at all: the sender marks it
 * uncertain and waits for status webhooks (this function is not asked).
 */
export function classifyMetaError(error: { code?: number | undefined; httpStatus?: number | undefined }): MetaErrorClassification {
  const { code, httpStatus } = error;
  const serverError = httpStatus !== undefined && httpStatus >= 500 && httpStatus <= 599;
  if (code === undefined) {
    // No status, or 0 (the connection was never made, so nothing was sent): safe to retry.
    if (httpStatus === undefined || httpStatus === 0 || serverError) return RETRY_UNAVAILABLE;
    if (httpStatus === 429) return RETRY_RATE_LIMITED;
    if (httpStatus === 401 || httpStatus === 403) return fail('authorisation_failed');
    return fail('meta_error');
  }
  const known = BY_CODE.get(code);
  if (known !== undefined) return known;
  if (code >= 200 && code <= 299) return fail('authorisation_failed');
  if (code >= 132000 && code <= 132999) return fail('meta_error');
  return serverError ? RETRY_UNAVAILABLE : fail('meta_error');
}
