import type { DetailType } from '../contracts/events/catalogue.js';
import type { EventMetadata } from '../contracts/events/envelope.js';
import type { DomainEvent } from '../contracts/events/registry.js';
import { templateChangeEvents } from '../domain/templates/change-events.js';
import type { TemplateApplyResult, TemplateFact } from '../domain/templates/records.js';
import { templateFactOf, type TemplateWebhook } from '../domain/templates/webhook-facts.js';
import type { TemplateStore } from '../ports/template-store.js';

/** The detail-types the TemplateActivity consumer takes: Meta's four template webhooks, as ingestion publishes them. */
export const TEMPLATE_WEBHOOK_TYPES = ['TemplateStatusChanged', 'TemplateQualityChanged', 'TemplateCategoryChanged', 'TemplateComponentsChanged'] as const satisfies readonly DetailType[];

export interface TrackTemplateChangesDeps {
  readonly store: TemplateStore;
  readonly publish: (events: readonly DomainEvent[]) => Promise<unknown>;
  /** Epoch ms: when Relais records the change (`updatedAt`, the history line's `recordedAt`). */
  readonly now: () => number;
}

/** What one webhook did to the registry, and the events it (re)published. */
export interface TrackTemplateChangeResult {
  readonly outcome: TemplateApplyResult['outcome'];
  readonly why?: Extract<TemplateApplyResult, { outcome: 'unchanged' }>['why'];
  readonly published: readonly DomainEvent[];
}

/** How many of a template's newest history lines a duplicate is looked for in (see step 4). */
const HISTORY_LOOKBACK = 10;

/**
 * Keeps the template registry in step with one of Meta's template webhooks (delivered at least once, in any order).
 * 1. Turn the event into the fact Meta stated, timed by Meta (`metadata.occurredAt`, the webhook entry's `time`).
 *    A components update is merged into the components the registry holds (it carries only texts and URL and
 *    phone-number buttons), so the record is read first.
 * 2. Apply it through the store, which keeps the latest truth per aspect by Meta's time: a duplicate or an older
 *    fact changes nothing.
 * 3. When the record changed, publish the events its history line calls for (`templateChangeEvents`), with ids
 *    derived from the record's version.
 * 4. When the fact is a duplicate, the first delivery may have written the record and failed before publishing:
 *    find its history line among the newest and publish its events again (same ids; consumers drop copies).
 */
export async function trackTemplateChange(webhook: TemplateWebhook, metadata: Pick<EventMetadata, 'occurredAt'>, deps: TrackTemplateChangesDeps): Promise<TrackTemplateChangeResult> {
  const { data } = webhook;
  const held =
    webhook.detailType === 'TemplateComponentsChanged' ? await deps.store.get(data.businessAccountId, data.templateName, data.language) : undefined;
  const fact = templateFactOf(webhook, metadata.occurredAt, held?.components ?? []);
  const result = await deps.store.apply(fact, new Date(deps.now()).toISOString());

  if (result.outcome === 'changed') {
    const events = templateChangeEvents(result.record, result.entry);
    if (events.length > 0) await deps.publish(events);
    return { outcome: 'changed', published: events };
  }
  if (result.why !== 'duplicate' || result.record === undefined) return { outcome: 'unchanged', why: result.why, published: [] };

  const record = result.record;
  const history = await deps.store.history(record.businessAccountId, record.name, record.language, { limit: HISTORY_LOOKBACK });
  const entry = history.items.find((line) => sameFact(line, fact));
  const events = entry === undefined ? [] : templateChangeEvents(record, entry);
  if (events.length > 0) await deps.publish(events);
  return { outcome: 'unchanged', why: 'duplicate', published: events };
}

/** Whether a history line records this fact: same kind, source and Meta time, and for a status the same event. */
function sameFact(line: { kind: string; source: string; at: string; event?: string }, fact: TemplateFact): boolean {
  if (line.kind !== fact.kind || line.source !== fact.source || Date.parse(line.at) !== Date.parse(fact.at)) return false;
  return fact.kind !== 'status' || line.event === fact.status;
}
