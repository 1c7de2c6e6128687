/**
 * Public types of the WhatsApp Cloud API sandbox: what `startSandbox` accepts and what the `Sandbox` handle
 * exposes. Field names follow Meta where the value is Meta's (snake_case inside payloads), camelCase elsewhere.
 */

export type TemplateCategory = 'MARKETING' | 'UTILITY' | 'AUTHENTICATION';

/** Meta's template statuses; only `APPROVED` can be sent. */
export const TEMPLATE_STATUSES = [
  'APPROVED',
  'PENDING',
  'REJECTED',
  'PAUSED',
  'DISABLED',
  'IN_APPEAL',
  'PENDING_DELETION',
  'DELETED',
  'ARCHIVED',
  'LIMIT_EXCEEDED',
  'LOCKED',
  'FLAGGED',
  'REINSTATED',
] as const;
export type TemplateStatus = (typeof TEMPLATE_STATUSES)[number];

export const TEMPLATE_BUTTON_TYPES = ['quick_reply', 'url', 'copy_code', 'flow', 'phone_number', 'otp', 'catalog', 'mpm', 'voice_call'] as const;
export type TemplateButtonType = (typeof TEMPLATE_BUTTON_TYPES)[number];

export interface TemplateButtonDef {
  readonly type: TemplateButtonType;
  /**
   * Parameters a send must supply for this button: 1 for a URL button with a variable, 1 for copy_code and
   * otp. Quick-reply, flow, catalog and mpm buttons also accept one optional parameter (a payload or action).
   * @default 1 for copy_code and otp, else 0
   */
  readonly parameters?: number;
}

export const MEDIA_HEADER_FORMATS = ['image', 'video', 'document', 'location'] as const;
export type MediaHeaderFormat = (typeof MEDIA_HEADER_FORMATS)[number];

/**
 * A text header takes at most one parameter (a count, or one name for named templates); a media header takes
 * exactly one parameter of its format.
 */
export type TemplateHeaderDef = number | readonly string[] | MediaHeaderFormat;

export interface TemplateDef {
  readonly name: string;
  /** Meta's locale code as sent in `template.language.code`, e.g. `en_US`, `fr`. */
  readonly language: string;
  readonly category: TemplateCategory;
  /** @default 'APPROVED' */
  readonly status?: TemplateStatus;
  /** @default 'positional' */
  readonly parameterFormat?: 'positional' | 'named';
  /** Parameter counts (positional) or names (named) per component. */
  readonly components?: {
    readonly header?: TemplateHeaderDef;
    readonly body?: number | readonly string[];
    readonly buttons?: readonly TemplateButtonDef[];
  };
  /** Meta's numeric template id; generated when absent. */
  readonly id?: string;
}

/** Meta's template quality scores (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-quality). */
export const TEMPLATE_QUALITY_SCORES = ['GREEN', 'YELLOW', 'RED', 'UNKNOWN'] as const;
export type TemplateQualityScore = (typeof TEMPLATE_QUALITY_SCORES)[number];

/** One component as Meta's `message_templates` endpoints spell it (`{type: "BODY", text, example}`, …). */
export type MetaTemplateComponent = Readonly<Record<string, unknown>>;

/** A registered template, with the defaults filled in. */
export interface TemplateRecord {
  readonly id: string;
  readonly name: string;
  readonly language: string;
  readonly category: TemplateCategory;
  readonly status: TemplateStatus;
  readonly parameterFormat: 'positional' | 'named';
  /** What a send must supply, per component: the checks of `POST /{phoneNumberId}/messages`. */
  readonly components: {
    readonly header?: TemplateHeaderDef;
    readonly body?: number | readonly string[];
    readonly buttons?: readonly TemplateButtonDef[];
  };
  /** The components as `GET /{waba-id}/message_templates` returns them: as created, or made up from `components`. */
  readonly metaComponents: readonly MetaTemplateComponent[];
  /** `date` in unix seconds. New templates start `UNKNOWN`. */
  readonly qualityScore: { readonly score: TemplateQualityScore; readonly date: number };
  /** Set while the template is REJECTED. */
  readonly rejectedReason?: string;
  /** Set once Meta changed the category (`template_category_update`, completed). */
  readonly previousCategory?: TemplateCategory;
  /** Set while a re-categorisation is announced (`template_category_update`, impending). */
  readonly correctCategory?: TemplateCategory;
  /** Times the template was paused, which picks FIRST_PAUSE or SECOND_PAUSE. */
  readonly pauses: number;
}

export interface PhoneNumberDef {
  /** Meta's phone number id: the `{phoneNumberId}` of `POST /{version}/{phoneNumberId}/messages`. */
  readonly id: string;
  /** Digits only, as Meta shows it in `metadata.display_phone_number`. */
  readonly displayPhoneNumber: string;
}

export interface StatusDelaysMs {
  readonly sent: number;
  readonly delivered: number;
  /** `false` disables read receipts (the customer never reads). */
  readonly read: number | false;
}

export interface WebhookRetryPolicy {
  /** Attempts in total, the first included. */
  readonly maxAttempts: number;
  /** Delay before the third attempt; the second is immediate, later ones double up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * How the 24 h customer-service window is enforced for non-template messages sent outside it:
 * - `async` (default, what the Cloud API does today): the send is accepted (200 with a wamid) and a `failed`
 *   status webhook with error 131047 follows;
 * - `sync`: the send is refused with HTTP 400 and code 131047.
 */
export type WindowEnforcement = 'async' | 'sync';

export interface SandboxOptions {
  /** 0 picks a free port. @default 0 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Relais' `POST /webhook` URL: where inbound messages and statuses are delivered, signed. */
  readonly webhookUrl: string;
  /** Key of the `X-Hub-Signature-256` HMAC. */
  readonly appSecret: string;
  /** The only bearer token the Graph endpoint accepts. */
  readonly accessToken: string;
  /** The version Relais is configured with; every released version from v21.0 is accepted. @default 'v25.0' */
  readonly graphVersion?: string;
  /** The WABA id: `entry[].id` of every webhook. @default '102290129340398' */
  readonly businessAccountId?: string;
  /** @default one number, id '106540352242922', display '15550783881' */
  readonly phoneNumbers?: readonly PhoneNumberDef[];
  readonly templates?: readonly TemplateDef[];
  /** Messages per second per business number (Meta's default is 80). @default 80 */
  readonly throughputPerSecond?: number;
  /** Per (business number, customer): one message per `perSeconds`, with `burst` messages borrowed ahead. @default { perSeconds: 6, burst: 45 } */
  readonly pairRate?: { readonly perSeconds: number; readonly burst: number };
  /** Delays after acceptance at which sent, delivered and read are emitted. @default { sent: 20, delivered: 40, read: 60 } */
  readonly statusDelaysMs?: Partial<StatusDelaysMs>;
  /** wa_ids (digits) that are not on WhatsApp: sends are accepted, then fail with 131026. */
  readonly undeliverable?: readonly string[];
  /** @default 'async' */
  readonly windowEnforcement?: WindowEnforcement;
  /** @default { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 5000 } */
  readonly webhookRetry?: Partial<WebhookRetryPolicy>;
  /** Per-attempt timeout of a webhook POST. @default 10000 */
  readonly webhookTimeoutMs?: number;
  /** How long a `timeout` fault holds a request before answering. @default 30000 */
  readonly faultHoldMs?: number;
  /** Milliseconds since the epoch. Windows, rate limits, pricing dates and webhook timestamps use it. @default Date.now */
  readonly clock?: () => number;
}

/** Faults of message sends. */
export const SEND_FAULT_KINDS = ['http500', 'timeout', 'throttle', 'pair_rate'] as const;
/** Faults of `GET /{waba-id}/message_templates`: Meta's Business Use Case rate limits, code 4 (app) and 80007 (WABA). */
export const TEMPLATE_LIST_FAULT_KINDS = ['app_rate_limit', 'waba_rate_limit'] as const;
export type FaultKind = (typeof SEND_FAULT_KINDS)[number] | (typeof TEMPLATE_LIST_FAULT_KINDS)[number];

export interface FaultSpec {
  readonly kind: FaultKind;
  /** Number of requests (sends, or template listings for the rate-limit kinds) the fault applies to. @default 1 when `durationMs` is absent, else unlimited */
  readonly count?: number;
  /** The fault applies for this long (sandbox clock) from when it is set. */
  readonly durationMs?: number;
  /** `timeout` only: how long the request is held before the 200 is sent. @default SandboxOptions.faultHoldMs */
  readonly holdMs?: number;
}

export interface ActiveFault {
  readonly id: number;
  readonly kind: FaultKind;
  readonly remaining: number | null;
  readonly until: number | null;
  readonly holdMs: number;
}

/** One Graph API request as received, and what the sandbox answered. */
export interface RequestLogEntry {
  readonly seq: number;
  /** ISO time of receipt, on the sandbox clock. */
  readonly time: string;
  readonly method: string;
  readonly path: string;
  readonly phoneNumberId?: string;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  readonly body: unknown;
  readonly status: number;
  /** Meta's error code when the answer was an error. */
  readonly code?: number;
  readonly wamid?: string;
  readonly fault?: FaultKind;
}

export type MessageCategory = 'service' | 'marketing' | 'utility' | 'authentication';

export interface Pricing {
  readonly billable: boolean;
  readonly pricing_model: 'PMP';
  readonly type: 'regular' | 'free_customer_service' | 'free_entry_point';
  readonly category: MessageCategory | 'referral_conversion';
}

export type OutboundStatus = 'sent' | 'delivered' | 'read' | 'failed';

export interface StatusEvent {
  readonly status: OutboundStatus;
  /** Sandbox clock, ms. */
  readonly at: number;
  readonly errorCode?: number;
  /** HTTP status Relais answered with on the last attempt, or null when it could not be reached. */
  readonly webhookStatus: number | null;
}

/** A message the sandbox accepted, and the statuses it emitted for it. */
export interface OutboundMessage {
  readonly wamid: string;
  readonly phoneNumberId: string;
  readonly recipient: { readonly waId?: string; readonly userId: string };
  readonly type: string;
  readonly category: MessageCategory;
  readonly template?: { readonly name: string; readonly language: string };
  readonly acceptedAt: number;
  readonly bizOpaqueCallbackData?: string;
  readonly pricing?: Pricing;
  /** The failure planned at acceptance (131026, 131047, 131049, 131050), if any. */
  readonly failureCode?: number;
  readonly statuses: readonly StatusEvent[];
  readonly payload: unknown;
}

/** One webhook POST to Relais, after its retries. */
export interface WebhookDelivery {
  readonly seq: number;
  readonly field: string;
  readonly kind: string;
  readonly wamid?: string;
  readonly attempts: number;
  readonly ok: boolean;
  /** HTTP status of the last attempt, or null when Relais could not be reached. */
  readonly lastStatus: number | null;
  readonly error?: string;
}

export interface CustomerMessageResult {
  readonly wamid: string;
  /** HTTP status Relais answered with (after retries), or null when it could not be reached. */
  readonly delivered: number | null;
  readonly attempts: number;
}

export interface MarketingPreferenceResult {
  readonly value: 'stop' | 'resume';
  readonly delivered: number | null;
  readonly attempts: number;
}
