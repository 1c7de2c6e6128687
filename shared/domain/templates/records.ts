/**
 * The template registry's records: what Relais knows of each message template of a WhatsApp Business Account,
 * kept from Meta's `message_templates` listing (the sync) and its template webhooks, and the facts that change it.
 * Meta is authoritative for status, category and quality; Relais keeps the latest of what Meta said, judged by
 * Meta's own time, never by arrival order.
 *
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/overview
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/message_template_status_update
 */

/** Meta's template categories, as its API spells them. */
export const TEMPLATE_CATEGORIES = ['MARKETING', 'UTILITY', 'AUTHENTICATION'] as const;
export type TemplateCategory = (typeof TEMPLATE_CATEGORIES)[number];

/**
 * The statuses Meta documents for a template (API values and `message_template_status_update` events). Only
 * `APPROVED` can be sent. Meta adds values over time, so a record's `status` is any string and these are the
 * ones Relais gives a meaning to.
 */
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
  'UNARCHIVED',
  'LIMIT_EXCEEDED',
  'LOCKED',
  'FLAGGED',
  'REINSTATED',
] as const;
export type KnownTemplateStatus = (typeof TEMPLATE_STATUSES)[number];

/** `quality_score.score`: GREEN (high), YELLOW (medium), RED (low), UNKNOWN (pending; new templates start here). */
export const TEMPLATE_QUALITY_SCORES = ['GREEN', 'YELLOW', 'RED', 'UNKNOWN'] as const;
export type TemplateQualityScore = (typeof TEMPLATE_QUALITY_SCORES)[number];

/** `parameter_format` of a template: positional `{{1}}` (Meta's default) or named `{{first_name}}`. */
export type TemplateParameterFormat = 'POSITIONAL' | 'NAMED';

/**
 * One component as Meta's API returns it and takes it on creation (`HEADER`, `BODY`, `FOOTER`, `BUTTONS`), kept as
 * received so that nothing Meta adds is lost.
 */
export interface MetaTemplateComponent {
  readonly type: string;
  /** HEADER: `TEXT`, `IMAGE`, `VIDEO`, `DOCUMENT`, `LOCATION`. */
  readonly format?: string;
  readonly text?: string;
  readonly example?: Readonly<Record<string, unknown>>;
  readonly buttons?: ReadonlyArray<Readonly<Record<string, unknown>>>;
  readonly [field: string]: unknown;
}

/** The aspects of a template that Meta's facts change independently; each keeps the time of its latest fact. */
export type TemplateAspect = 'status' | 'quality' | 'category' | 'components';

/** What the registry holds for one template in one language of one business account. */
export interface TemplateRecord {
  readonly businessAccountId: string;
  /** Lowercase letters, digits and `_`, up to 512 characters. Names repeat across languages. */
  readonly name: string;
  /** As the send API and `message_templates` spell it (`en_US`); webhooks' `en-US` is stored as `en_US`. */
  readonly language: string;
  /** Meta's template id, as a string: ids exceed 2^53. Absent only for a template known by name alone. */
  readonly templateId?: string;
  /** The category Meta holds now; it decides consent, the marketing cap, the lane and the price. */
  readonly category: TemplateCategory;
  /** Meta's status (see `TEMPLATE_STATUSES`); an unknown value is kept as Meta sent it. */
  readonly status: string;
  readonly qualityScore?: string;
  readonly parameterFormat: TemplateParameterFormat;
  readonly components: readonly MetaTemplateComponent[];
  /** Why Meta rejected it (`rejection_info` or `reason`), when it did. */
  readonly rejection?: { readonly reason: string; readonly recommendation?: string };
  /** `other_info` of the latest PAUSED (`FIRST_PAUSE`, `SECOND_PAUSE`, `RATE_LIMITING_PAUSE`) while paused. */
  readonly pause?: { readonly title?: string; readonly description?: string; readonly since: string };
  /** `disable_info.disable_date`, when Meta announced one. */
  readonly disableDate?: string;
  /** An impending re-categorisation (`template_category_update` without `previous_category`). */
  readonly pendingCategoryChange?: {
    readonly newCategory: TemplateCategory;
    readonly effectiveAt?: string;
    /** Meta's time of the announcement (the webhook's), so that an older announcement changes nothing. */
    readonly announcedAt?: string;
  };
  /** Meta's time (ISO 8601) of the latest fact applied to each aspect: an older fact for that aspect changes nothing. */
  readonly asOf: Readonly<Partial<Record<TemplateAspect, string>>>;
  /**
   * The kind of fact that set each aspect's time: two facts of one second are ordered by it first (the webhook about
   * that aspect outranks a fact that only mentions it, as a status update echoing the category). Absent on records
   * written before it was kept; then values decide, as before.
   */
  readonly asOfBy?: Readonly<Partial<Record<TemplateAspect, TemplateFactKind>>>;
  /** Starts at 1 and grows by one with every change (a change of Meta's times alone too, which keeps no history line); the store writes conditionally on it. */
  readonly version: number;
  /** When Relais last changed the record (ISO 8601). */
  readonly updatedAt: string;
}

/** The kinds of {@link TemplateFact}. */
export type TemplateFactKind = 'snapshot' | 'status' | 'quality' | 'category' | 'components' | 'deleted';

/** Where a fact came from. */
export type TemplateFactSource = 'sync' | 'webhook' | 'api';

/** Identifies the template a fact is about. `language` in either spelling (`en_US` or `en-US`). */
export interface TemplateFactSubject {
  readonly businessAccountId: string;
  readonly name: string;
  readonly language: string;
  readonly templateId?: string;
}

/**
 * Something Meta said about a template, at `at` (Meta's time, ISO 8601: the webhook entry's `time`, or for a
 * sync the moment the listing was read).
 */
export type TemplateFact = TemplateFactSubject & { readonly at: string; readonly source: TemplateFactSource } & (
    | {
        /** The whole template as `GET /{waba-id}/message_templates` or a creation returned it. */
        readonly kind: 'snapshot';
        readonly category: TemplateCategory;
        readonly status: string;
        readonly qualityScore?: string;
        readonly parameterFormat?: TemplateParameterFormat;
        readonly components: readonly MetaTemplateComponent[];
        readonly rejectedReason?: string;
      }
    | {
        /** `message_template_status_update`. */
        readonly kind: 'status';
        readonly status: string;
        readonly reason?: string | null;
        readonly category?: string;
        readonly otherInfo?: { readonly title?: string; readonly description?: string };
        readonly rejectionInfo?: { readonly reason?: string; readonly recommendation?: string };
        readonly disableDate?: string;
      }
    | {
        /** `message_template_quality_update`. */
        readonly kind: 'quality';
        readonly previousScore?: string;
        readonly newScore: string;
      }
    | {
        /** `template_category_update`: `impending` announces (about 24 h ahead), `completed` has happened. */
        readonly kind: 'category';
        readonly phase: 'impending' | 'completed';
        readonly newCategory: string;
        readonly previousCategory?: string;
        readonly correctCategory?: string;
        readonly effectiveAt?: string;
      }
    | {
        /** `message_template_components_update`. */
        readonly kind: 'components';
        readonly components: readonly MetaTemplateComponent[];
      }
    | {
        /** The template was deleted (through Relais's API, or absent from a complete sync listing). */
        readonly kind: 'deleted';
      }
  );

/** One line of a template's history: what changed, from what to what, when Meta said so and when Relais recorded it. */
export interface TemplateHistoryEntry {
  readonly version: number;
  readonly kind: TemplateFact['kind'];
  readonly source: TemplateFactSource;
  /** Meta's time of the fact. */
  readonly at: string;
  readonly recordedAt: string;
  /** Each field that changed: `{ status: { from: 'APPROVED', to: 'PAUSED' } }`. A new template has `from` undefined. */
  readonly changes: Readonly<Record<string, { readonly from: unknown; readonly to: unknown }>>;
  /** For a status fact, Meta's `event` as sent (`REINSTATED` is kept here while the status becomes `APPROVED`). */
  readonly event?: string;
}

/**
 * What applying a fact gives: the new record and its history line, or `unchanged` with why (a duplicate, a fact
 * older than what the record already holds for that aspect, a fact about a template not known that cannot
 * create one, e.g. a quality update for a template never listed, or `unsupported`: a fact whose only news Relais
 * cannot take, e.g. a category it does not know or a time it cannot read).
 */
export type TemplateApplyResult =
  | { readonly outcome: 'changed'; readonly record: TemplateRecord; readonly entry: TemplateHistoryEntry }
  | { readonly outcome: 'unchanged'; readonly why: 'duplicate' | 'stale' | 'unknown_template' | 'unsupported'; readonly record: TemplateRecord | undefined };
