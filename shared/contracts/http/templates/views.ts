import { pauseEndsAt } from '../../../domain/templates/to-template-info.js';
import type { TemplateHistoryEntry, TemplateRecord } from '../../../domain/templates/records.js';
import type { TemplateHistoryEntryView, TemplateView } from './responses.js';

/**
 * Registry records mapped to the Templates API's views (`./responses.ts`): the record's fields without storage
 * keys, absent optional fields left absent.
 */

/** A registry record as the API shows it: `pause.endsAt` added when Meta's pause has a known length. */
export function templateView(record: TemplateRecord): TemplateView {
  const endsAt = record.pause === undefined ? undefined : pauseEndsAt(record.pause);
  return {
    businessAccountId: record.businessAccountId,
    name: record.name,
    language: record.language,
    ...(record.templateId === undefined ? {} : { templateId: record.templateId }),
    category: record.category,
    status: record.status,
    ...(record.qualityScore === undefined ? {} : { qualityScore: record.qualityScore }),
    parameterFormat: record.parameterFormat,
    components: record.components.map((component) => ({ ...component })),
    ...(record.rejection === undefined ? {} : { rejection: { ...record.rejection } }),
    ...(record.pause === undefined ? {} : { pause: { ...record.pause, ...(endsAt === undefined ? {} : { endsAt }) } }),
    ...(record.disableDate === undefined ? {} : { disableDate: record.disableDate }),
    ...(record.pendingCategoryChange === undefined ? {} : { pendingCategoryChange: { ...record.pendingCategoryChange } }),
    asOf: { ...record.asOf },
    version: record.version,
    updatedAt: record.updatedAt,
  };
}

/** One history line as the API shows it. */
export function templateHistoryEntryView(entry: TemplateHistoryEntry): TemplateHistoryEntryView {
  return {
    version: entry.version,
    kind: entry.kind,
    source: entry.source,
    at: entry.at,
    recordedAt: entry.recordedAt,
    changes: Object.fromEntries(Object.entries(entry.changes).map(([field, change]) => [field, { ...change }])),
    ...(entry.event === undefined ? {} : { event: entry.event }),
  };
}
