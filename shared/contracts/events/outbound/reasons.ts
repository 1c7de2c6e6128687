/** Why a send was refused before Meta, or failed at or after Meta: stable codes consumers may switch on. */

/**
 * Stable codes for a send Relais refused before calling Meta (`SendRejected.reason`). Codes are only ever
 * added: consumers must treat a code they do not know as a generic refusal.
 */
export const SendRejectionReason = [
  /** The request does not match {@link SendRequestSchema}; `issues` lists each problem. */
  'invalid_request',
  /** Free-form message outside the 24 h customer service window: send a template (Meta error 131047). */
  'window_closed',
  /** The template exists but is not APPROVED for that language (pending, rejected, in appeal, archived…; paused and disabled have their own codes). */
  'template_not_approved',
  /** No template of that name and language is known for the business account. */
  'template_unknown',
  /** No opt-in is recorded for the recipient and the message needs one. */
  'consent_missing',
  /** The recipient opted out of this category (e.g. stopped marketing messages, Meta error 131050). */
  'opted_out',
  /** Sends to the recipient are suspended (e.g. after repeated failures or an operator hold). */
  'contact_on_hold',
  /** Meta's per-user marketing limit was hit recently (Meta error 131049): wait at least 24 h. */
  'marketing_cap_reached',
  /** Meta does not deliver marketing templates to US (+1) numbers at present. */
  'marketing_to_us_number',
  /** The recipient is a BSUID Relais has never seen and cannot resolve. */
  'recipient_unknown',
  /** The idempotency key was already used for a different request body. */
  'duplicate',
  /** The template is PAUSED for low quality (Meta error 132015); the message says until when, when known. */
  'template_paused',
  /** The template is DISABLED for low quality (Meta error 132016). */
  'template_disabled',
  /**
   * The parameters do not fit the template (count, names, positional or named, button indexes: Meta errors 132000,
   * 132012), or the text they fill in is over Meta's limits (body 1024 characters, text header 60: 132005).
   */
  'template_parameters_invalid',
] as const;
export type SendRejectionReason = (typeof SendRejectionReason)[number];

/**
 * Stable codes for a send that failed at or after Meta (`MessageFailed.reason`), each grouping Meta error
 * codes by the reaction they call for. Codes are only ever added; `meta_error` covers any other Meta code
 * (see `error.code`).
 */
export const MessageFailureReason = [
  /** 131047: more than 24 h since the user's last message; a template is required. */
  'window_closed',
  /** 131026: not on WhatsApp, old client, or terms not accepted. */
  'recipient_unreachable',
  /** 131050: the user stopped marketing messages. */
  'opted_out',
  /** 131049: Meta's per-user marketing limit; not before 24 h. */
  'marketing_cap_reached',
  /** 132001: template missing in that language or not approved. */
  'template_unknown',
  /** 132015: template paused for low quality, or a held message dropped by pacing. */
  'template_paused',
  /** 132016: template disabled. */
  'template_disabled',
  /** 132000, 132005, 132007, 132008, 132012, 132018: parameters do not fit the template. */
  'template_parameters_invalid',
  /** 131053: the media could not be uploaded or fetched (MIME type, size, unreachable link). */
  'media_error',
  /** 131051: unsupported message type. */
  'unsupported_message',
  /** 131062: this message cannot be sent to a BSUID; use the phone number. */
  'recipient_id_unsupported',
  /** 130429, 131056, 131048, 4, 80007: throughput, pair-rate, spam or API rate limits. */
  'rate_limited',
  /** 368, 131031, 130497, 131063, 131064: the account or number is restricted. */
  'account_restricted',
  /** 131042: payment or credit-line problem on the business account. */
  'payment_issue',
  /** 133010: the business phone number is not registered on the Cloud API. */
  'number_not_registered',
  /** 0, 3, 10, 190, 200–299, 131005: the access token or its permissions were refused. */
  'authorisation_failed',
  /** 33, 100, 131008, 131009, 131021: Meta refused the request as malformed. */
  'invalid_request',
  /** 1, 2, 131000, 131016, 131057: Meta was unavailable. */
  'meta_unavailable',
  /** Any other Meta error; see `error.code`. */
  'meta_error',
  /** At send time, before Meta: the template was no longer APPROVED (pending, rejected, in appeal…) when its turn came. */
  'template_not_approved',
  /** At send time, before Meta: the template became a category that needs an opt-in the recipient has not given. */
  'consent_missing',
] as const;
export type MessageFailureReason = (typeof MessageFailureReason)[number];
