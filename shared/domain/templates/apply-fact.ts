import {
  TEMPLATE_CATEGORIES,
  type MetaTemplateComponent,
  type TemplateApplyResult,
  type TemplateAspect,
  type TemplateCategory,
  type TemplateFact,
  type TemplateHistoryEntry,
  type TemplateParameterFormat,
  type TemplateRecord,
} from './records.js';

/**
 * Applying what Meta said about a template to what the registry holds, keeping the latest truth by Meta's time
 * for each aspect (status, quality, category, components), whatever order the facts arrive in.
 *
 * - Webhook fields: https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/message_template_status_update
 *   and https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/template_category_update
 * - Pausing: https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-pausing
 */

/**
 * The status Relais stores for a status event whose name is not a status. `REINSTATED` tells that a template
 * Meta had paused or disabled may be sent again: Meta lists it among the event values of
 * `message_template_status_update` but not as a state a template stays in, so the record says `APPROVED` and its
 * history keeps `REINSTATED` as the event. Every other event is stored as the status Meta names (unknown ones too).
 */
export const STATUS_OF_EVENT: Readonly<Record<string, string>> = Object.freeze({ REINSTATED: 'APPROVED' });

/** The status a status event (or a listing's `status`) leaves the template in: see {@link STATUS_OF_EVENT}. */
export function templateStatusOf(event: string): string {
  const status = event.trim().toUpperCase();
  return STATUS_OF_EVENT[status] ?? status;
}

/**
 * A language code as the send API and `message_templates` spell it: `en-US`, `EN_us` and `en_US` all give
 * `en_US`; `fr` stays `fr`. The language is lowercased and each further part uppercased (`es_419`, `zh_HK`).
 */
export function metaTemplateLanguage(language: string): string {
  const [first = '', ...rest] = language.trim().split(/[-_]/);
  return [first.toLowerCase(), ...rest.map((part) => part.toUpperCase())].join('_');
}

/** A category Relais knows (`MARKETING`, `UTILITY`, `AUTHENTICATION`, any case), or `undefined`. */
export function templateCategoryOf(value: unknown): TemplateCategory | undefined {
  if (typeof value !== 'string') return undefined;
  const upper = value.trim().toUpperCase();
  return (TEMPLATE_CATEGORIES as readonly string[]).includes(upper) ? (upper as TemplateCategory) : undefined;
}

/**
 * The parameter format a template's own text shows: `NAMED` when a placeholder is a name (`{{first_name}}`),
 * `POSITIONAL` when one is a number (`{{1}}`), `undefined` when it has none.
 */
export function parameterFormatShownBy(components: readonly MetaTemplateComponent[]): TemplateParameterFormat | undefined {
  let shown: TemplateParameterFormat | undefined;
  for (const component of components) {
    const texts = [component.text, ...(component.buttons ?? []).map((button) => button['url'])];
    for (const text of texts) {
      if (typeof text !== 'string') continue;
      for (const match of text.matchAll(/\{\{\s*([^{}]*?)\s*\}\}/g)) {
        if (/^[0-9]+$/.test(match[1] ?? '')) shown ??= 'POSITIONAL';
        else return 'NAMED';
      }
    }
  }
  return shown;
}

/**
 * Whether a change only moved Meta's times (`asOf.<aspect>`): a newer fact confirmed what the record held. The
 * store keeps such a record (its times guard against late facts) without a history line, since nothing Meta
 * holds changed.
 */
export function isTimeOnlyChange(entry: Pick<TemplateHistoryEntry, 'changes'>): boolean {
  const fields = Object.keys(entry.changes);
  return fields.length > 0 && fields.every((field) => field.startsWith('asOf.'));
}

/**
 * Applies one fact Meta stated about a template to the record the registry holds (`undefined` when none), at
 * `recordedAt` (Relais's clock, ISO 8601). Pure: the caller stores the result.
 *
 * Rules, per aspect (status, quality, category, components), judged by Meta's time (`fact.at`) against the
 * aspect's `asOf`:
 * 1. a fact older than the aspect's time changes nothing for it (`stale`); a fact at the same time with the same
 *    values changes nothing (`duplicate`); a newer fact applies, even when it only confirms the values (the
 *    aspect's time moves, so that an older fact arriving later cannot undo it). Meta's webhook times have
 *    one-second resolution: of two different facts at the same time, the one about the aspect wins (a
 *    `template_category_update` over the category a status update echoes; `asOfBy` keeps which kind set each
 *    aspect), then the greater value, so every arrival order ends on the same record.
 * 2. A snapshot (the listing) covers every aspect (quality only when it carries a score). A snapshot confirming the
 *    status the record holds keeps the details the webhooks gave (pause title and start, rejection advice), which
 *    a listing does not carry.
 * 3. A snapshot, or a status fact naming a category Relais knows, creates a record; any other fact about a
 *    template the registry does not hold gives `unknown_template` (the sync brings it).
 * 4. Status: `PAUSED` records the pause (`other_info` title and description, since Meta's time); any other status
 *    ends it. `REJECTED` records `rejection_info` (reason, recommendation), else `reason` unless `NONE`.
 *    `disable_info.disable_date` is kept. `REINSTATED` is stored as `APPROVED` ({@link STATUS_OF_EVENT}).
 *    A category in a status event updates the category (rule 1). `deleted` sets `DELETED`.
 * 5. Category: an `impending` change records `pendingCategoryChange` (target: `correct_category`, since Meta's
 *    impending payload repeats the current category in `new_category`) and leaves the category alone; it changes
 *    nothing when a pending change announced later is held, or when the category was already seen to be the
 *    target at or after the announcement. A `completed` change sets the category and ends a pending change
 *    announced at or before it; any fact showing the target category does too. A category Relais does not know
 *    is refused for that aspect (`unsupported` when nothing else changed).
 * 6. The history line lists each field that changed with `from` and `to` (a new record: every field, `from`
 *    undefined). When only Meta's times moved it lists those, as `asOf.<aspect>`. `version` grows by one.
 */
export function applyTemplateFact(current: TemplateRecord | undefined, fact: TemplateFact, recordedAt: string): TemplateApplyResult {
  if (!Number.isFinite(Date.parse(fact.at))) return { outcome: 'unchanged', why: 'unsupported', record: current };
  const base = current ?? blankRecordFor(fact, recordedAt);
  if (base === undefined) return { outcome: 'unchanged', why: 'unknown_template', record: undefined };

  const verdicts: Verdict[] = [];
  let next: Mutable<TemplateRecord> = { ...base, asOf: { ...base.asOf } };

  for (const proposal of proposalsOf(fact, base)) {
    if (proposal.state === undefined) {
      verdicts.push('unsupported');
      continue;
    }
    const verdict = judge(base.asOf[proposal.aspect], fact.at, proposal.current, proposal.state, tieRank(proposal.aspect, base.asOfBy?.[proposal.aspect]), tieRank(proposal.aspect, fact.kind));
    verdicts.push(verdict);
    if (verdict !== 'apply') continue;
    next = { ...next, ...proposal.state, asOf: { ...next.asOf, [proposal.aspect]: fact.at }, asOfBy: { ...next.asOfBy, [proposal.aspect]: fact.kind } };
  }

  const pending = pendingAfter(base, fact);
  if (pending.verdict !== undefined) verdicts.push(pending.verdict);
  next.pendingCategoryChange = pending.value;

  const applied = verdicts.includes('apply');
  if (applied && fact.templateId !== undefined) next.templateId = fact.templateId;
  next = withoutUndefined(next);

  const changes = current === undefined ? creationChanges(next) : changesBetween(current, next);
  if (Object.keys(changes).length === 0) {
    const why = verdicts.includes('stale') ? 'stale' : verdicts.includes('duplicate') ? 'duplicate' : 'unsupported';
    return { outcome: 'unchanged', why, record: current };
  }

  const version = current === undefined ? 1 : current.version + 1;
  const record: TemplateRecord = { ...next, version, updatedAt: recordedAt };
  const entry: TemplateHistoryEntry = {
    version,
    kind: fact.kind,
    source: fact.source,
    at: fact.at,
    recordedAt,
    changes,
    ...(fact.kind === 'status' ? { event: fact.status } : {}),
  };
  return { outcome: 'changed', record, entry };
}

// ---------------------------------------------------------------------------------------------------------

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Verdict = 'apply' | 'duplicate' | 'stale' | 'unsupported';

/** The fields each aspect governs. */
const ASPECT_FIELDS = {
  status: ['status', 'rejection', 'pause', 'disableDate'],
  quality: ['qualityScore'],
  category: ['category'],
  components: ['parameterFormat', 'components'],
} as const satisfies Record<TemplateAspect, readonly (keyof TemplateRecord)[]>;

/** The record fields a history line compares, in the order it lists them. */
const RECORDED_FIELDS = [
  'templateId',
  'category',
  'status',
  'qualityScore',
  'parameterFormat',
  'components',
  'rejection',
  'pause',
  'disableDate',
  'pendingCategoryChange',
] as const satisfies readonly (keyof TemplateRecord)[];

interface Proposal {
  readonly aspect: TemplateAspect;
  /** The aspect's fields as the record holds them. */
  readonly current: Partial<TemplateRecord>;
  /** The aspect's fields as the fact would leave them (every governed field present, `undefined` to clear), or `undefined` when refused. */
  readonly state: Partial<TemplateRecord> | undefined;
}

function aspectOf(record: TemplateRecord, aspect: TemplateAspect): Partial<TemplateRecord> {
  const state: Record<string, unknown> = {};
  for (const field of ASPECT_FIELDS[aspect]) state[field] = record[field];
  return state as Partial<TemplateRecord>;
}

function proposalsOf(fact: TemplateFact, record: TemplateRecord): Proposal[] {
  const propose = (aspect: TemplateAspect, state: Partial<TemplateRecord> | undefined): Proposal => ({
    aspect,
    current: aspectOf(record, aspect),
    state,
  });
  switch (fact.kind) {
    case 'snapshot': {
      const status = templateStatusOf(fact.status);
      const keepDetails = record.status === status;
      const proposals = [
        propose('status', {
          status,
          pause: status === 'PAUSED' ? (keepDetails && record.pause !== undefined ? record.pause : { since: fact.at }) : undefined,
          rejection:
            status === 'REJECTED' ? (keepDetails && record.rejection !== undefined ? record.rejection : rejectionOf(undefined, undefined, fact.rejectedReason)) : undefined,
          disableDate: keepDetails ? record.disableDate : undefined,
        }),
        propose('category', categoryState(fact.category)),
        propose('components', {
          components: fact.components,
          parameterFormat: fact.parameterFormat ?? parameterFormatShownBy(fact.components) ?? 'POSITIONAL',
        }),
      ];
      if (fact.qualityScore !== undefined) proposals.push(propose('quality', { qualityScore: fact.qualityScore }));
      return proposals;
    }
    case 'status': {
      const status = templateStatusOf(fact.status);
      const proposals = [
        propose('status', {
          status,
          pause: status === 'PAUSED' ? withoutUndefined({ title: fact.otherInfo?.title, description: fact.otherInfo?.description, since: fact.at }) : undefined,
          rejection: status === 'REJECTED' ? rejectionOf(fact.rejectionInfo?.reason, fact.rejectionInfo?.recommendation, fact.reason) : undefined,
          disableDate: fact.disableDate,
        }),
      ];
      if (fact.category !== undefined) proposals.push(propose('category', categoryState(fact.category)));
      return proposals;
    }
    case 'quality':
      return [propose('quality', { qualityScore: fact.newScore })];
    case 'category':
      return fact.phase === 'completed' ? [propose('category', categoryState(fact.newCategory))] : [];
    case 'components':
      return [
        propose('components', {
          components: fact.components,
          parameterFormat: parameterFormatShownBy(fact.components) ?? record.parameterFormat,
        }),
      ];
    case 'deleted':
      return [propose('status', { status: 'DELETED', pause: undefined, rejection: undefined, disableDate: undefined })];
  }
}

function categoryState(value: string): Partial<TemplateRecord> | undefined {
  const category = templateCategoryOf(value);
  return category === undefined ? undefined : { category };
}

/** `rejection_info` first, then `reason`; Meta's `NONE` (and an empty or null reason) is no reason. */
function rejectionOf(infoReason: string | undefined, recommendation: string | undefined, reason: string | null | undefined): TemplateRecord['rejection'] {
  const given = (value: string | null | undefined) => (typeof value === 'string' && value.trim() !== '' && value.trim().toUpperCase() !== 'NONE' ? value.trim() : undefined);
  const chosen = given(infoReason) ?? given(reason);
  if (chosen === undefined) return undefined;
  const advice = given(recommendation);
  return advice === undefined ? { reason: chosen } : { reason: chosen, recommendation: advice };
}

/** Compares two of Meta's times (ISO 8601 of any precision); an unreadable time sorts first. */
function compareTimes(a: string, b: string): number {
  const left = Date.parse(a);
  const right = Date.parse(b);
  return (Number.isFinite(left) ? left : -Infinity) - (Number.isFinite(right) ? right : -Infinity) || 0;
}

/**
 * How a fact of `kind` ranks for `aspect` against another of the same second: the fact about that aspect (a
 * `template_category_update` for the category) outranks one that only carries it (a status update echoing the
 * category, a listing). `undefined` (a record written before kinds were kept) ranks as the other fact does.
 */
function tieRank(aspect: TemplateAspect, kind: TemplateFact['kind'] | undefined): number | undefined {
  if (kind === undefined) return undefined;
  return kind === aspect ? 2 : 1;
}

function judge(
  asOf: string | undefined,
  at: string,
  current: unknown,
  candidate: unknown,
  heldRank: number | undefined,
  candidateRank: number | undefined,
): Exclude<Verdict, 'unsupported'> {
  if (asOf === undefined) return 'apply';
  const order = compareTimes(at, asOf);
  if (order > 0) return 'apply';
  if (order < 0) return 'stale';
  const proposed = canonical(candidate);
  const held = canonical(current);
  if (proposed === held) return 'duplicate';
  if (heldRank !== undefined && candidateRank !== undefined && heldRank !== candidateRank) return candidateRank > heldRank ? 'apply' : 'stale';
  return proposed > held ? 'apply' : 'stale';
}

/**
 * The pending re-categorisation after the fact (rule 5 of {@link applyTemplateFact}). `verdict` is left out
 * when the fact says nothing about a pending change.
 */
function pendingAfter(before: TemplateRecord, fact: TemplateFact): { value: TemplateRecord['pendingCategoryChange']; verdict?: Verdict } {
  const held = before.pendingCategoryChange;
  const announcedNoLaterThanFact = held !== undefined && compareTimes(held.announcedAt ?? '', fact.at) <= 0;

  if (fact.kind === 'category' && fact.phase === 'impending') {
    const target = templateCategoryOf(fact.correctCategory ?? fact.newCategory);
    if (target === undefined) return { value: held, verdict: 'unsupported' };
    const announced = withoutUndefined({ newCategory: target, effectiveAt: fact.effectiveAt, announcedAt: fact.at });
    if (held !== undefined && held.announcedAt !== undefined) {
      const order = compareTimes(fact.at, held.announcedAt);
      if (order < 0) return { value: held, verdict: 'stale' };
      if (order === 0) {
        const proposed = canonical(announced);
        const kept = canonical(held);
        if (proposed === kept) return { value: held, verdict: 'duplicate' };
        if (proposed < kept) return { value: held, verdict: 'stale' };
      }
    }
    const categoryTime = before.asOf.category;
    if (before.category === target) {
      // Either the change already happened (seen at or after the announcement) or Meta announced no change at all.
      const seenSince = categoryTime !== undefined && compareTimes(categoryTime, fact.at) >= 0;
      return { value: held, verdict: seenSince ? 'stale' : 'duplicate' };
    }
    return { value: announced, verdict: 'apply' };
  }

  if (held === undefined || !announcedNoLaterThanFact) return { value: held };
  if (fact.kind === 'category' && fact.phase === 'completed') return { value: undefined };
  const shown = fact.kind === 'snapshot' || fact.kind === 'status' ? templateCategoryOf(fact.category) : undefined;
  return { value: shown !== undefined && shown === held.newCategory ? undefined : held };
}

/** A record to apply a creating fact to: the fact's template with nothing known yet, or `undefined` when the fact cannot create one. */
function blankRecordFor(fact: TemplateFact, recordedAt: string): TemplateRecord | undefined {
  const category = fact.kind === 'snapshot' || fact.kind === 'status' ? templateCategoryOf(fact.category) : undefined;
  if (category === undefined) return undefined;
  return {
    businessAccountId: fact.businessAccountId,
    name: fact.name,
    language: metaTemplateLanguage(fact.language),
    category,
    status: '',
    parameterFormat: 'POSITIONAL',
    components: [],
    asOf: {},
    version: 0,
    updatedAt: recordedAt,
  };
}

function creationChanges(record: TemplateRecord): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const field of RECORDED_FIELDS) {
    if (record[field] !== undefined) changes[field] = { from: undefined, to: record[field] };
  }
  return changes;
}

function changesBetween(before: TemplateRecord, after: TemplateRecord): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const field of RECORDED_FIELDS) {
    if (canonical(before[field]) !== canonical(after[field])) changes[field] = { from: before[field], to: after[field] };
  }
  if (Object.keys(changes).length > 0) return changes;
  for (const aspect of Object.keys(ASPECT_FIELDS) as TemplateAspect[]) {
    if (before.asOf[aspect] !== after.asOf[aspect]) changes[`asOf.${aspect}`] = { from: before.asOf[aspect], to: after.asOf[aspect] };
  }
  return changes;
}

/** JSON with object keys sorted and `undefined` left out, so equal values give equal strings. */
function canonical(value: unknown): string {
  if (value === undefined) return '';
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    return Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== undefined)) as T;
}
