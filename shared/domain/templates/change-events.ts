import { createHash } from 'node:crypto';
import { buildEvent } from '../../contracts/events/build-event.js';
import { DetailType } from '../../contracts/events/catalogue.js';
import type { DomainEvent } from '../../contracts/events/registry.js';
import { pauseEndsAt } from './to-template-info.js';
import { templateCategoryOf } from './apply-fact.js';
import type { TemplateCategory, TemplateHistoryEntry, TemplateRecord } from './records.js';

/** `metadata.producer` of the registry's change events. */
export const TEMPLATE_EVENTS_PRODUCER = 'track-template-changes';

/**
 * The events one registry change publishes, derived from its history line (what changed, from what to what) and
 * the record (the template's identity and current category). Pure: the same change always gives the same events
 * with the same ids (`<detail-type>:<account>:<name>:<language>:v<version>`), so a redelivered webhook, or a
 * retry after a crash between the write and the publish, republishes them unchanged and consumers drop the copy.
 *
 * - status to `PAUSED`: `TemplatePaused` (title, description, start, and end when the pause's length is known:
 *   https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-pausing);
 * - `PAUSED` to `APPROVED`: `TemplateUnpaused`; any other status (or none yet) to `APPROVED`: `TemplateApproved`;
 * - to `DISABLED`: `TemplateDisabled`; to `REJECTED`: `TemplateRejected`;
 * - a category that changed from one Relais knows to another: `TemplateRecategorised`;
 * - a new or different pending re-categorisation: `TemplateRecategorisationAnnounced`.
 * Other changes (quality, components, Meta's times only, other statuses) publish nothing.
 */
export function templateChangeEvents(record: Pick<TemplateRecord, 'businessAccountId' | 'name' | 'language' | 'templateId' | 'category'>, entry: TemplateHistoryEntry): DomainEvent[] {
  const occurredAt = Date.parse(entry.at);
  if (!Number.isFinite(occurredAt)) return [];
  const categoryChange = entry.changes['category'];
  const category = templateCategoryOf(categoryChange?.to) ?? record.category;
  const ref = {
    businessAccountId: record.businessAccountId,
    ...(record.templateId === undefined ? {} : { templateId: record.templateId }),
    templateName: record.name,
    language: record.language,
    category,
    version: entry.version,
  };
  const make = <T extends DetailType>(detailType: T, data: Parameters<typeof buildEvent<T>>[2]): DomainEvent =>
    buildEvent(detailType, { eventId: eventIdOf(detailType, record, entry.version), occurredAt, producer: TEMPLATE_EVENTS_PRODUCER, businessAccountId: record.businessAccountId, correlationId: record.templateId }, data) as DomainEvent;

  const events: DomainEvent[] = [];
  const status = entry.changes['status'];
  if (status !== undefined) {
    const from = typeof status.from === 'string' && status.from !== '' ? status.from : undefined;
    const to = status.to;
    const pauseBefore = pauseOf(entry.changes['pause']?.from);
    if (to === 'PAUSED') {
      const pause = pauseOf(entry.changes['pause']?.to) ?? { since: entry.at };
      const ends = pauseEndsAt(pause);
      events.push(
        make(DetailType.TemplatePaused, {
          ...ref,
          ...(pause.title === undefined ? {} : { pauseTitle: pause.title }),
          ...(pause.description === undefined ? {} : { pauseDescription: pause.description }),
          pausedAt: isoOf(pause.since) ?? new Date(occurredAt).toISOString(),
          ...(ends === undefined ? {} : { pauseEndsAt: ends }),
        }),
      );
    } else if (to === 'APPROVED' && from === 'PAUSED') {
      const since = pauseBefore === undefined ? undefined : isoOf(pauseBefore.since);
      events.push(make(DetailType.TemplateUnpaused, { ...ref, ...(since === undefined ? {} : { pausedAt: since }) }));
    } else if (to === 'APPROVED') {
      events.push(
        make(DetailType.TemplateApproved, {
          ...ref,
          ...(from === undefined ? {} : { previousStatus: from }),
          ...(entry.event === undefined || entry.event.toUpperCase() === 'APPROVED' ? {} : { event: entry.event }),
        }),
      );
    } else if (to === 'DISABLED') {
      const disableDate = entry.changes['disableDate']?.to;
      events.push(make(DetailType.TemplateDisabled, { ...ref, ...(from === undefined ? {} : { previousStatus: from }), ...(typeof disableDate === 'string' ? { disableDate } : {}) }));
    } else if (to === 'REJECTED') {
      const rejection = entry.changes['rejection']?.to as { reason?: unknown; recommendation?: unknown } | undefined;
      events.push(
        make(DetailType.TemplateRejected, {
          ...ref,
          ...(from === undefined ? {} : { previousStatus: from }),
          ...(typeof rejection?.reason === 'string' ? { reason: rejection.reason } : {}),
          ...(typeof rejection?.recommendation === 'string' ? { recommendation: rejection.recommendation } : {}),
        }),
      );
    }
  }

  const previousCategory = templateCategoryOf(categoryChange?.from);
  const newCategory = templateCategoryOf(categoryChange?.to);
  if (previousCategory !== undefined && newCategory !== undefined && previousCategory !== newCategory) {
    events.push(make(DetailType.TemplateRecategorised, { ...ref, previousCategory, newCategory }));
  }

  const pending = entry.changes['pendingCategoryChange'];
  const announced = pendingOf(pending?.to);
  const before = pendingOf(pending?.from);
  if (announced !== undefined && (before === undefined || before.newCategory !== announced.newCategory || before.effectiveAt !== announced.effectiveAt)) {
    const effectiveAt = announced.effectiveAt === undefined ? undefined : isoOf(announced.effectiveAt);
    events.push(make(DetailType.TemplateRecategorisationAnnounced, { ...ref, newCategory: announced.newCategory, ...(effectiveAt === undefined ? {} : { effectiveAt }) }));
  }
  return events;
}

/** The id of a change event: readable when short enough for `metadata.eventId` (512), else with the name hashed. */
export function eventIdOf(detailType: DetailType, record: Pick<TemplateRecord, 'businessAccountId' | 'name' | 'language'>, version: number): string {
  const id = `${detailType}:${record.businessAccountId}:${record.name}:${record.language}:v${version}`;
  if (id.length <= 512) return id;
  const hash = createHash('sha256').update(record.name).digest('hex').slice(0, 40);
  return `${detailType}:${record.businessAccountId}:sha256-${hash}:${record.language.slice(0, 64)}:v${version}`;
}

function pauseOf(value: unknown): { title?: string; description?: string; since: string } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { title, description, since } = value as Record<string, unknown>;
  if (typeof since !== 'string') return undefined;
  return { since, ...(typeof title === 'string' ? { title } : {}), ...(typeof description === 'string' ? { description } : {}) };
}

function pendingOf(value: unknown): { newCategory: TemplateCategory; effectiveAt?: string } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { newCategory, effectiveAt } = value as Record<string, unknown>;
  const category = templateCategoryOf(newCategory);
  if (category === undefined) return undefined;
  return { newCategory: category, ...(typeof effectiveAt === 'string' ? { effectiveAt } : {}) };
}

/** An ISO 8601 time in the form the contracts take (`toISOString`), or `undefined` when unreadable. */
function isoOf(value: string): string | undefined {
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}
