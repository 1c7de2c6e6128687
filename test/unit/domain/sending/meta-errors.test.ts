import { describe, expect, it } from 'vitest';
import { MessageFailureReason } from '#shared/contracts/events/outbound/reasons.js';
import { classifyMetaError, type MetaErrorAction } from '#shared/domain/sending/meta-errors.js';

/** Meta's code → the reaction and failure reason Relais must pick (https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes). */
const TABLE: ReadonlyArray<[code: number, action: MetaErrorAction, reason: MessageFailureReason]> = [
  [130429, 'slow_down_number', 'rate_limited'],
  [131056, 'slow_down_pair', 'rate_limited'],
  [4, 'retry', 'rate_limited'],
  [80007, 'retry', 'rate_limited'],
  [1, 'retry', 'meta_unavailable'],
  [2, 'retry', 'meta_unavailable'],
  [131000, 'retry', 'meta_unavailable'],
  [131016, 'retry', 'meta_unavailable'],
  [131057, 'retry', 'meta_unavailable'],
  [131047, 'fail', 'window_closed'],
  [131026, 'fail', 'recipient_unreachable'],
  [131050, 'fail', 'opted_out'],
  [131049, 'fail', 'marketing_cap_reached'],
  [131048, 'fail', 'rate_limited'],
  [132000, 'fail', 'template_parameters_invalid'],
  [132001, 'fail', 'template_unknown'],
  [132005, 'fail', 'template_parameters_invalid'],
  [132007, 'fail', 'template_parameters_invalid'],
  [132008, 'fail', 'template_parameters_invalid'],
  [132012, 'fail', 'template_parameters_invalid'],
  [132015, 'fail', 'template_paused'],
  [132016, 'fail', 'template_disabled'],
  [132018, 'fail', 'template_parameters_invalid'],
  [132068, 'fail', 'meta_error'],
  [132069, 'fail', 'meta_error'],
  [133010, 'fail', 'number_not_registered'],
  [131042, 'fail', 'payment_issue'],
  [368, 'fail', 'account_restricted'],
  [131031, 'fail', 'account_restricted'],
  [130497, 'fail', 'account_restricted'],
  [131063, 'fail', 'account_restricted'],
  [131064, 'fail', 'account_restricted'],
  [0, 'fail', 'authorisation_failed'],
  [3, 'fail', 'authorisation_failed'],
  [10, 'fail', 'authorisation_failed'],
  [190, 'fail', 'authorisation_failed'],
  [200, 'fail', 'authorisation_failed'],
  [299, 'fail', 'authorisation_failed'],
  [131005, 'fail', 'authorisation_failed'],
  [33, 'fail', 'invalid_request'],
  [100, 'fail', 'invalid_request'],
  [131008, 'fail', 'invalid_request'],
  [131009, 'fail', 'invalid_request'],
  [131021, 'fail', 'invalid_request'],
  [131051, 'fail', 'unsupported_message'],
  [131053, 'fail', 'media_error'],
  [131062, 'fail', 'recipient_id_unsupported'],
  [137000, 'fail', 'recipient_unreachable'],
];

describe('classifyMetaError', () => {
  it.each(TABLE)('code %i → %s (%s)', (code, action, reason) => {
    const result = classifyMetaError({ code, httpStatus: 400 });
    expect(result.action).toBe(action);
    expect(result.reason).toBe(reason);
  });

  it('classifies by code, not by the HTTP status Meta happens to use (throttling comes back as 400, 131000 as 500)', () => {
    for (const [code, action, reason] of TABLE) {
      for (const httpStatus of [undefined, 400, 403, 500, 503]) {
        expect(classifyMetaError({ code, httpStatus })).toMatchObject({ action, reason });
      }
    }
  });

  it('records a marketing opt-out for 131050 and for no other code', () => {
    expect(classifyMetaError({ code: 131050 }).records).toBe('opt_out_marketing');
    for (const [code] of TABLE.filter(([code]) => code !== 131050)) expect(classifyMetaError({ code }).records).toBeUndefined();
  });

  it('retries a network error or a 5xx without any code as meta_unavailable', () => {
    expect(classifyMetaError({})).toEqual({ action: 'retry', reason: 'meta_unavailable' });
    expect(classifyMetaError({ httpStatus: 502 })).toEqual({ action: 'retry', reason: 'meta_unavailable' });
    expect(classifyMetaError({ httpStatus: 500 })).toEqual({ action: 'retry', reason: 'meta_unavailable' });
  });

  it('retries an HTTP 429 without a code as rate_limited', () => {
    expect(classifyMetaError({ httpStatus: 429 })).toEqual({ action: 'retry', reason: 'rate_limited' });
  });

  it('fails a 401 or 403 without a code as authorisation_failed and another 4xx as meta_error', () => {
    expect(classifyMetaError({ httpStatus: 401 })).toEqual({ action: 'fail', reason: 'authorisation_failed' });
    expect(classifyMetaError({ httpStatus: 403 })).toEqual({ action: 'fail', reason: 'authorisation_failed' });
    expect(classifyMetaError({ httpStatus: 404 })).toEqual({ action: 'fail', reason: 'meta_error' });
  });

  it('retries an unknown code on a 5xx and fails it otherwise, as meta_error', () => {
    expect(classifyMetaError({ code: 999_999, httpStatus: 503 })).toEqual({ action: 'retry', reason: 'meta_unavailable' });
    expect(classifyMetaError({ code: 999_999, httpStatus: 400 })).toEqual({ action: 'fail', reason: 'meta_error' });
    expect(classifyMetaError({ code: 130472 })).toEqual({ action: 'fail', reason: 'meta_error' });
  });

  it('never retries a template (132xxx) error, even on a 5xx', () => {
    expect(classifyMetaError({ code: 132999, httpStatus: 500 }).action).toBe('fail');
  });

  it('only answers reasons from the MessageFailureReason list', () => {
    const codes = [...TABLE.map(([code]) => code), 5, 12345, 132500, 999_999];
    for (const code of codes) {
      for (const httpStatus of [undefined, 400, 500]) expect(MessageFailureReason).toContain(classifyMetaError({ code, httpStatus }).reason);
    }
  });
});
