import { randomBytes } from 'node:crypto';

/**
 * Meta's Cloud API error codes the sandbox produces: title and HTTP status as Meta documents them
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes).
 * Throttling codes are HTTP 400, not 429; 132001 is 404; 131000 is 500.
 */
const CATALOGUE = {
  100: { title: 'Invalid parameter', http: 400 },
  131000: { title: 'Something went wrong', http: 500 },
  131008: { title: 'Required parameter is missing', http: 400 },
  131009: { title: 'Parameter value is not valid', http: 400 },
  131021: { title: 'Recipient cannot be sender', http: 400 },
  131026: { title: 'Message undeliverable', http: 400 },
  131047: { title: 'Re-engagement message', http: 400 },
  131049: { title: 'This message was not delivered to maintain healthy ecosystem engagement.', http: 400 },
  131050: { title: 'User stopped marketing messages', http: 400 },
  131056: { title: '(Business Account, Consumer Account) pair rate limit hit', http: 400 },
  131062: { title: 'Business-scoped user ID recipients not supported', http: 400 },
  130429: { title: 'Rate limit hit', http: 400 },
  132000: { title: 'Number of parameters does not match the expected number of params', http: 400 },
  132001: { title: 'Template name does not exist in the translation', http: 404 },
  132012: { title: 'Parameter format does not match format in the created template', http: 400 },
  132015: { title: 'Template is Paused', http: 400 },
  132016: { title: 'Template is Disabled', http: 400 },
  132018: { title: 'There is an issue with the parameters in your template', http: 400 },
} as const;

export type WhatsAppErrorCode = keyof typeof CATALOGUE;

/** Meta's `details` for the errors whose wording does not depend on the request. */
export const STANDARD_DETAILS = {
  131000: 'Something went wrong',
  131026: 'Message Undeliverable.',
  131047: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
  131049: 'In order to maintain a healthy ecosystem engagement, the message failed to be delivered.',
  131050: 'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.',
  131056: 'Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.',
  130429: 'Cloud API message throughput has been reached.',
} as const satisfies Partial<Record<WhatsAppErrorCode, string>>;

const ERROR_CODES_HREF = 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/';

export interface GraphErrorBody {
  readonly error: {
    readonly message: string;
    readonly type: string;
    readonly code: number;
    readonly error_subcode?: number;
    readonly error_data?: { readonly messaging_product: 'whatsapp'; readonly details: string };
    readonly is_transient?: boolean;
    readonly error_user_title?: string;
    readonly error_user_msg?: string;
    readonly fbtrace_id: string;
  };
}

/** A refusal as the Graph API sends it: HTTP status plus `{ error: {...} }`. */
export class GraphApiError extends Error {
  readonly httpStatus: number;
  readonly code: number;
  readonly details: string | undefined;
  readonly type: string;
  readonly subcode: number | undefined;
  readonly extraHeaders: Readonly<Record<string, string>>;
  /** Graph's `is_transient`, `error_user_title` and `error_user_msg`, which template management errors carry. */
  readonly isTransient: boolean | undefined;
  readonly userTitle: string | undefined;
  readonly userMessage: string | undefined;

  constructor(init: {
    httpStatus: number;
    code: number;
    message: string;
    details?: string;
    type?: string;
    subcode?: number;
    extraHeaders?: Record<string, string>;
    isTransient?: boolean;
    userTitle?: string;
    userMessage?: string;
  }) {
    super(init.message);
    this.name = 'GraphApiError';
    this.httpStatus = init.httpStatus;
    this.code = init.code;
    this.details = init.details;
    this.type = init.type ?? 'OAuthException';
    this.subcode = init.subcode;
    this.extraHeaders = init.extraHeaders ?? {};
    this.isTransient = init.isTransient;
    this.userTitle = init.userTitle;
    this.userMessage = init.userMessage;
  }

  toBody(fbtraceId: string): GraphErrorBody {
    return {
      error: {
        message: this.message,
        type: this.type,
        code: this.code,
        ...(this.subcode === undefined ? {} : { error_subcode: this.subcode }),
        ...(this.details === undefined ? {} : { error_data: { messaging_product: 'whatsapp' as const, details: this.details } }),
        ...(this.isTransient === undefined ? {} : { is_transient: this.isTransient }),
        ...(this.userTitle === undefined ? {} : { error_user_title: this.userTitle }),
        ...(this.userMessage === undefined ? {} : { error_user_msg: this.userMessage }),
        fbtrace_id: fbtraceId,
      },
    };
  }
}

/** A WhatsApp error: message `(#code) title`, `error_data.details`, HTTP status from the catalogue. */
export function whatsappError(code: WhatsAppErrorCode, details: string): GraphApiError {
  const entry = CATALOGUE[code];
  return new GraphApiError({ httpStatus: entry.http, code, message: `(#${code}) ${entry.title}`, details });
}

export function standardError(code: keyof typeof STANDARD_DETAILS): GraphApiError {
  return whatsappError(code, STANDARD_DETAILS[code]);
}

/**
 * Graph-level refusals are not WhatsApp errors: Meta sends them without `(#code)` in the message and without
 * `error_data`, exactly as below.
 */
export function invalidTokenError(): GraphApiError {
  return new GraphApiError({
    httpStatus: 401,
    code: 190,
    message: 'Invalid OAuth access token - Cannot parse access token',
    extraHeaders: { 'www-authenticate': 'OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token - Cannot parse access token"' },
  });
}

export function unknownObjectError(method: string, objectId: string): GraphApiError {
  return new GraphApiError({
    httpStatus: 400,
    code: 100,
    subcode: 33,
    type: 'GraphMethodException',
    message:
      `Unsupported ${method.toLowerCase()} request. Object with ID '${objectId}' does not exist, cannot be loaded due to missing permissions, ` +
      'or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api',
  });
}

export function unknownPathError(path: string): GraphApiError {
  return new GraphApiError({ httpStatus: 400, code: 2500, message: `Unknown path components: ${path}` });
}

/**
 * A Graph parameter error (`(#100) …`), as Graph words a missing or malformed parameter of a management
 * endpoint: no `error_data`, no subcode.
 */
export function parameterError(message: string): GraphApiError {
  return new GraphApiError({ httpStatus: 400, code: 100, message: `(#100) ${message}` });
}

/**
 * A refusal of a template's content, as `POST /{waba-id}/message_templates` answers it: code 100
 * `Invalid parameter` with a subcode and the user-facing title and text
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/overview).
 */
export function templateContentError(subcode: number, userTitle: string, userMessage: string): GraphApiError {
  return new GraphApiError({ httpStatus: 400, code: 100, subcode, message: 'Invalid parameter', isTransient: false, userTitle, userMessage });
}

/**
 * Business Use Case rate limits of the WhatsApp Business Management API
 * (https://developers.facebook.com/docs/graph-api/overview/rate-limiting#whatsapp-business-management-api):
 * code 4 when the app's request budget is spent, 80007 when the WABA's is. Both are HTTP 400 and transient.
 */
export function rateLimitError(code: 4 | 80007): GraphApiError {
  const message =
    code === 4
      ? '(#4) Application request limit reached'
      : '(#80007) There have been too many calls to this WhatsApp Business account. Wait a bit and try again. ' +
        'For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.';
  return new GraphApiError({ httpStatus: 400, code, message, isTransient: true });
}

/** The `errors[]` item of a failed status webhook. */
export function statusError(code: keyof typeof STANDARD_DETAILS): {
  code: number;
  title: string;
  message: string;
  error_data: { details: string };
  href: string;
} {
  const title = CATALOGUE[code].title;
  return { code, title, message: title, error_data: { details: STANDARD_DETAILS[code] }, href: ERROR_CODES_HREF };
}

/** Graph's trace ids look like `Az8or2yhqkZfEZ-_4Qn_Bam`. */
export function newFbtraceId(): string {
  return randomBytes(17).toString('base64url').slice(0, 23);
}
