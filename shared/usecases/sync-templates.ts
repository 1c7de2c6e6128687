import type { TemplateApplyResult, TemplateCategory, TemplateFact } from '../domain/templates/records.js';
import { TEMPLATE_CATEGORIES } from '../domain/templates/records.js';
import { isTimeOnlyChange } from '../domain/templates/apply-fact.js';
import { normaliseTemplateLanguage } from '../domain/templates/template-registry.js';
import type { GraphTemplate, GraphTemplateError, GraphTemplatePage, GraphTemplates } from '../ports/graph-templates.js';
import type { TemplateStore } from '../ports/template-store.js';
import { RelaisError } from '../errors.js';

/**
 * Meta's codes for "too many calls": 4 (app-level rate limit), 80007 (the WABA's Business Use Case limit on
 * `message_templates`) and 80008 (too many calls to this WhatsApp Business Account). Each is answered as HTTP 400
 * and lifts with time.
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes
 * https://developers.facebook.com/docs/graph-api/reference/whats-app-business-hsm
 */
export const RATE_LIMIT_CODES: ReadonlySet<number> = new Set([4, 80007, 80008]);
/** Meta's codes for a temporary fault on its side: 1 (unknown), 2 (service). */
const TRANSIENT_CODES: ReadonlySet<number> = new Set([1, 2]);

export interface SyncRetrySettings {
  /** Calls for one page before giving up. @default 6 */
  readonly maxAttempts: number;
  /** First backoff, doubled for each failed attempt. @default 2000 */
  readonly baseDelayMs: number;
  /** Longest backoff without a hint from Meta. @default 60000 */
  readonly maxDelayMs: number;
  /** Longest wait the sync accepts, Meta's hint included: a longer hint ends the sync at once. @default 900000 (15 min) */
  readonly maxWaitMs: number;
}

export const DEFAULT_SYNC_RETRY: SyncRetrySettings = { maxAttempts: 6, baseDelayMs: 2_000, maxDelayMs: 60_000, maxWaitMs: 15 * 60_000 };

/**
 * The Meta time the snapshots of a page carry: one second before the page was asked for. Meta times its webhooks to
 * the second (the entry's `time`, rounded down): a change made after the listing was asked for has a webhook time
 * later than this, so the webhook counts as newer than the listing whenever it arrives. Timing the listing when its
 * answer arrived instead made a pause in the same second (or during the call) look older than the listing, and the
 * registry kept the template APPROVED until the next sync. Syncs keep their own order (milliseconds are kept).
 */
export function listingTimeOf(requestedAtMs: number): string {
  return new Date(requestedAtMs - 1000).toISOString();
}

/** Templates asked for per page. @default 100 */
export const DEFAULT_SYNC_PAGE_SIZE = 100;

/**
 * What to do after a failed page call, as a pure rule (time and randomness passed in).
 * - Rate limits (4, 80007, 80008, or HTTP 429) and temporary faults (codes 1 and 2, HTTP 5xx, no answer: a listing is safe to
 *   repeat) are retried, after an exponential backoff with full jitter: `random × min(maxDelayMs, baseDelayMs × 2^(attempt−1))`,
 *   but never sooner than Meta's own hint (`retryAfterMs`).
 * - Anything else (a bad token, 100 invalid parameter, a permission) is final.
 * - A retry beyond `maxAttempts`, or a wait longer than `maxWaitMs`, gives up.
 *
 * `attempt` counts the calls made for this page so far, from 1.
 */
export function nextListingAttempt(
  error: GraphTemplateError,
  attempt: number,
  settings: SyncRetrySettings,
  random: number,
): { readonly retry: true; readonly waitMs: number } | { readonly retry: false; readonly why: 'final' | 'attempts' | 'wait_too_long'; readonly waitMs?: number } {
  // A 429 without Meta's body comes from something in front of Meta: it means the same.
  const rateLimited = (error.code !== undefined && RATE_LIMIT_CODES.has(error.code)) || error.httpStatus === 429;
  const transient = error.kind !== 'meta' || error.httpStatus >= 500 || (error.code !== undefined && TRANSIENT_CODES.has(error.code));
  if (!rateLimited && !transient) return { retry: false, why: 'final' };
  if (attempt >= settings.maxAttempts) return { retry: false, why: 'attempts' };
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (attempt - 1));
  const waitMs = Math.max(Math.floor(random * ceiling), error.retryAfterMs ?? 0);
  if (waitMs > settings.maxWaitMs) return { retry: false, why: 'wait_too_long', waitMs };
  return { retry: true, waitMs };
}

/** Where a sync stands; `onProgress` receives one after each page, each backoff and at the end. */
export interface SyncProgress {
  readonly phase: 'page' | 'backoff' | 'deletions' | 'done';
  readonly businessAccountId: string;
  /** Pages of Meta's listing read so far. */
  readonly pages: number;
  /** Templates (name and language) listed so far. */
  readonly seen: number;
  /** Listed templates whose record changed (a new template, or a field Meta changed). */
  readonly changed: number;
  /** Listed templates Meta shows as the record already held them, only Meta's time moving forward (written, no field changed). */
  readonly refreshed: number;
  /** Listed templates the store left as they were (a newer webhook already holds the truth, or nothing at all moved). */
  readonly unchanged: number;
  /** Templates the store held that Meta no longer lists, now marked deleted. */
  readonly deleted: number;
  /** Listed entries the sync could not apply (see {@link SyncReport.skipped}). */
  readonly skipped: number;
  /** For `backoff`: Meta's code (absent for a network fault), how long the sync waits and which attempt comes next. */
  readonly backoff?: { readonly code?: number; readonly waitMs: number; readonly nextAttempt: number };
}

export interface SyncReport {
  readonly businessAccountId: string;
  readonly pages: number;
  readonly seen: number;
  readonly changed: number;
  readonly refreshed: number;
  readonly unchanged: number;
  readonly deleted: number;
  /** Entries of Meta's listing left out, with why: unreadable, or a category Relais does not know. */
  readonly skipped: ReadonlyArray<{ readonly page: number; readonly index: number; readonly template?: string; readonly problem: string }>;
  /**
   * Whether vanished templates were looked for. It is false when an entry could not be read (its name and
   * language unknown, it might be one the store holds): nothing is marked deleted on a guess.
   */
  readonly deletionsChecked: boolean;
  /** Backoffs taken (rate limits and temporary faults). */
  readonly retries: number;
}

/** The listing failed for good: a final error from Meta, or retries exhausted. Nothing is marked deleted. */
export class TemplateSyncError extends Error {
  readonly error: GraphTemplateError;
  readonly pagesRead: number;
  constructor(message: string, error: GraphTemplateError, pagesRead: number) {
    super(message);
    this.name = 'TemplateSyncError';
    this.error = error;
    this.pagesRead = pagesRead;
  }
}

export interface SyncTemplatesDeps {
  readonly graph: GraphTemplates;
  readonly store: TemplateStore;
  /** Epoch ms. */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
  readonly onProgress?: (progress: SyncProgress) => void;
}

export interface SyncTemplatesOptions {
  /** @default 100 */
  readonly pageSize?: number;
  readonly retry?: Partial<SyncRetrySettings>;
}

/**
 * Brings the registry of one WhatsApp Business Account in line with Meta's `GET /{waba-id}/message_templates`.
 * 1. Read the listing page by page (`after` cursors), backing off on rate limits and temporary faults
 *    ({@link nextListingAttempt}); a final error or exhausted retries throws {@link TemplateSyncError}.
 * 2. Turn each listed template into a `snapshot` fact timed a second before its page was asked for
 *    ({@link listingTimeOf}), and apply it through the store
 *    (which keeps the latest truth per aspect by Meta's time, so a webhook newer than the page is not undone).
 * 3. Once the listing is complete, give each template the store holds and Meta no longer lists a `deleted` fact,
 *    timed when the last page was read (a template created after that is not touched: its facts are newer).
 * 4. Report the counts; `onProgress` hears them along the way.
 */
export async function syncTemplates(businessAccountId: string, deps: SyncTemplatesDeps, options: SyncTemplatesOptions = {}): Promise<SyncReport> {
  const settings: SyncRetrySettings = { ...DEFAULT_SYNC_RETRY, ...options.retry };
  const pageSize = options.pageSize ?? DEFAULT_SYNC_PAGE_SIZE;
  const random = deps.random ?? Math.random;
  const iso = () => new Date(deps.now()).toISOString();

  const listed = new Set<string>();
  const skipped: Array<SyncReport['skipped'][number]> = [];
  let pages = 0;
  let changed = 0;
  let refreshed = 0;
  let unchanged = 0;
  let deleted = 0;
  let retries = 0;
  let anyUnreadable = false;
  const progress = (phase: SyncProgress['phase'], backoff?: SyncProgress['backoff']) =>
    deps.onProgress?.({ phase, businessAccountId, pages, seen: listed.size, changed, refreshed, unchanged, deleted, skipped: skipped.length, ...(backoff === undefined ? {} : { backoff }) });
  const count = (result: TemplateApplyResult) => {
    if (result.outcome === 'unchanged') unchanged++;
    else if (isTimeOnlyChange(result.entry)) refreshed++;
    else changed++;
  };

  let after: string | undefined;
  let lastReadAt = iso();
  do {
    const requestedAt = deps.now();
    const page = await readPage(businessAccountId, after, pageSize, deps, settings, random, pages, () => {
      retries++;
    }, progress);
    pages++;
    lastReadAt = listingTimeOf(requestedAt);
    page.unreadable.forEach(({ index, problem }) => {
      anyUnreadable = true;
      skipped.push({ page: pages, index, problem });
    });
    for (const [index, template] of page.templates.entries()) {
      listed.add(keyOf(template.name, template.language));
      const fact = snapshotFact(businessAccountId, template, lastReadAt);
      if (typeof fact === 'string') {
        skipped.push({ page: pages, index, template: `${template.name} (${template.language})`, problem: fact });
        continue;
      }
      try {
        count(await deps.store.apply(fact, iso()));
      } catch (error) {
        // A name or language outside Meta's own rules: the store refuses it; the rest of the listing still counts.
        if (!(error instanceof RelaisError) || error.statusCode !== 400) throw error;
        skipped.push({ page: pages, index, template: `${template.name} (${template.language})`, problem: error.message });
      }
    }
    progress('page');
    after = page.after;
  } while (after !== undefined);

  if (!anyUnreadable) {
    progress('deletions');
    let cursor: string | undefined;
    do {
      const held = await deps.store.list(businessAccountId, { limit: 100, ...(cursor === undefined ? {} : { cursor }) });
      for (const record of held.items) {
        if (listed.has(keyOf(record.name, record.language)) || record.status === 'DELETED') continue;
        const result = await deps.store.apply(
          { kind: 'deleted', source: 'sync', at: lastReadAt, businessAccountId, name: record.name, language: record.language, ...(record.templateId === undefined ? {} : { templateId: record.templateId }) },
          iso(),
        );
        if (result.outcome === 'changed') deleted++;
      }
      cursor = held.nextCursor;
    } while (cursor !== undefined);
  }
  progress('done');
  return { businessAccountId, pages, seen: listed.size, changed, refreshed, unchanged, deleted, skipped, deletionsChecked: !anyUnreadable, retries };
}

function keyOf(name: string, language: string): string {
  return `${name}\u0000${normaliseTemplateLanguage(language)}`;
}

async function readPage(
  businessAccountId: string,
  after: string | undefined,
  limit: number,
  deps: SyncTemplatesDeps,
  settings: SyncRetrySettings,
  random: () => number,
  pagesRead: number,
  onRetry: () => void,
  progress: (phase: 'backoff', backoff: SyncProgress['backoff']) => void,
): Promise<GraphTemplatePage> {
  for (let attempt = 1; ; attempt++) {
    const answer = await deps.graph.listTemplates(businessAccountId, { limit, ...(after === undefined ? {} : { after }) });
    if (answer.ok) return answer.value;
    const next = nextListingAttempt(answer.error, attempt, settings, random());
    if (!next.retry) throw new TemplateSyncError(giveUpMessage(businessAccountId, pagesRead + 1, attempt, answer.error, next), answer.error, pagesRead);
    onRetry();
    progress('backoff', { ...(answer.error.code === undefined ? {} : { code: answer.error.code }), waitMs: next.waitMs, nextAttempt: attempt + 1 });
    await deps.sleep(next.waitMs);
  }
}

function giveUpMessage(
  businessAccountId: string,
  page: number,
  attempts: number,
  error: GraphTemplateError,
  next: { why: 'final' | 'attempts' | 'wait_too_long'; waitMs?: number },
): string {
  const meta = error.kind === 'meta'
    ? `Meta answered HTTP ${error.httpStatus}${error.code === undefined ? '' : ` code ${error.code}`}${error.subcode === undefined ? '' : ` subcode ${error.subcode}`}${error.message === undefined ? '' : ` (${error.message})`}`
    : `${error.kind === 'not_sent' ? 'the request was not sent' : 'no usable answer'}${error.message === undefined ? '' : `: ${error.message}`}`;
  const why =
    next.why === 'final'
      ? 'this error is not retried'
      : next.why === 'attempts'
        ? `gave up after ${attempts} attempts`
        : `Meta asks to wait ${Math.ceil((next.waitMs ?? 0) / 60_000)} min, longer than the sync waits`;
  return `template sync of account ${businessAccountId} stopped at page ${page}: ${meta}; ${why}. Nothing was marked deleted.`;
}

const CATEGORIES: ReadonlySet<string> = new Set(TEMPLATE_CATEGORIES);

/** The listed template as a `snapshot` fact, or why it cannot be one. */
function snapshotFact(businessAccountId: string, template: GraphTemplate, at: string): TemplateFact | string {
  const category = template.category.toUpperCase();
  if (!CATEGORIES.has(category)) return `category ${template.category} is not one of ${TEMPLATE_CATEGORIES.join(', ')}`;
  return {
    kind: 'snapshot',
    source: 'sync',
    at,
    businessAccountId,
    name: template.name,
    language: template.language,
    templateId: template.id,
    category: category as TemplateCategory,
    status: template.status,
    components: template.components,
    ...(template.qualityScore === undefined ? {} : { qualityScore: template.qualityScore }),
    ...(template.parameterFormat === undefined ? {} : { parameterFormat: template.parameterFormat }),
    // Meta lists `rejected_reason: "NONE"` for templates that were not rejected.
    ...(template.rejectedReason === undefined || template.rejectedReason === 'NONE' ? {} : { rejectedReason: template.rejectedReason }),
  };
}
