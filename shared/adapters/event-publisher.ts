import pLimit from 'p-limit';
import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { RELAIS_EVENT_SOURCE } from '../contracts/events/catalogue.js';
import type { DomainEvent } from '../contracts/events/registry.js';
import { describeIssues } from '../errors.js';
import { z } from 'zod';
import { EventMetadataSchema } from '../contracts/events/envelope.js';
import { eventDataSchemas } from '../contracts/events/registry.js';
import { InvalidEventError, PublishError, type EventPublisher } from '../ports/event-publisher.js';
import type { PayloadStore } from './payload-store.js';

export { InvalidEventError, PublishError, type EventPublisher, type PublishReport } from '../ports/event-publisher.js';

/** EventBridge's PutEvents limits: 10 entries and 256 KB per request. */
export const PUT_EVENTS_MAX_ENTRIES = 10;
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;

export interface EventPublisherOptions {
  readonly client: EventBridgeClient;
  readonly eventBusName: string;
  readonly payloadStore: PayloadStore;
  /** @default RELAIS_EVENT_SOURCE */
  readonly source?: string;
  /** Rounds of PutEvents for entries EventBridge refused. @default 4 */
  readonly maxAttempts?: number;
  /** First back-off; doubles each round, with full jitter. @default 50 */
  readonly baseDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** PutEvents requests in flight at once, across every concurrent `publish` of this publisher. @default 8 */
  readonly concurrency?: number;
}

interface Pending {
  readonly entry: PutEventsRequestEntry;
  readonly bytes: number;
}

/**
 * Publishes domain events in as few PutEvents calls as the limits allow. Entries EventBridge refuses
 * (`FailedEntryCount > 0`, or a call that throws after the SDK's own retries) are sent again with
 * exponential back-off and jitter; an event whose detail alone exceeds the limit has its `data` stored in
 * the payload store and carries `dataRef` instead, so nothing is dropped.
 */
export function createEventPublisher(options: EventPublisherOptions): EventPublisher {
  const source = options.source ?? RELAIS_EVENT_SOURCE;
  const maxAttempts = options.maxAttempts ?? 4;
  const baseDelayMs = options.baseDelayMs ?? 50;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;

  async function toPending(event: DomainEvent): Promise<{ pending: Pending; claimChecked: boolean }> {
    const inline = { metadata: event.metadata, data: event.data };
    const entry = makeEntry(event, JSON.stringify(inline));
    const bytes = entrySize(entry);
    if (bytes <= PUT_EVENTS_MAX_BYTES) return { pending: { entry, bytes }, claimChecked: false };
    const dataRef = await options.payloadStore.put(`events/${event.detailType}`, event.data);
    const small = makeEntry(event, JSON.stringify({ metadata: event.metadata, dataRef }));
    return { pending: { entry: small, bytes: entrySize(small) }, claimChecked: true };
  }

  function makeEntry(event: DomainEvent, detail: string): PutEventsRequestEntry {
    return { EventBusName: options.eventBusName, Source: source, DetailType: event.detailType, Detail: detail, Time: new Date(event.metadata.occurredAt) };
  }

  const limit = pLimit(options.concurrency ?? 8);

  /** Puts one batch; entries EventBridge refused (or all, when the call throws) go to `failed`. */
  async function putBatch(batch: readonly Pending[], failed: Pending[], codes: string[]): Promise<void> {
    try {
      const out = await options.client.send(new PutEventsCommand({ Entries: batch.map((p) => p.entry) }));
      if ((out.FailedEntryCount ?? 0) === 0 && out.Entries?.length === batch.length) return;
      batch.forEach((p, i) => {
        const result = out.Entries?.[i];
        if (result === undefined || result.ErrorCode !== undefined || result.EventId === undefined) {
          failed.push(p);
          codes.push(result?.ErrorCode ?? 'MissingResult');
        }
      });
    } catch (error) {
      failed.push(...batch);
      codes.push(error instanceof Error ? error.name : 'UnknownError');
    }
  }

  return {
    async publish(events) {
      events.forEach(validate);
      const prepared = await Promise.all(events.map(toPending));
      let pending = prepared.map((p) => p.pending);
      let requests = 0;
      let retriedEntries = 0;
      let lastCodes: string[] = [];
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > maxAttempts) throw new PublishError(pending.length, lastCodes);
        if (attempt > 1) {
          retriedEntries += pending.length;
          await sleep(Math.floor(random() * baseDelayMs * 2 ** (attempt - 2)));
        }
        const failed: Pending[] = [];
        lastCodes = [];
        const all = batches(pending);
        requests += all.length;
        // Batches go out concurrently (a 1,000-update webhook is 100 of them), a few at a time.
        await Promise.all(all.map((batch) => limit(() => putBatch(batch, failed, lastCodes))));
        pending = failed;
      }
      return { published: events.length, requests, retriedEntries, claimChecked: prepared.filter((p) => p.claimChecked).length };
    },
  };
}

const envelopeSchemas = new Map<DomainEvent['detailType'], z.ZodType>();

/** The `{ metadata, data }` schema of one detail-type, built once: building it per event was more than half the ack time of a 10,000-update body (test/bench/ingest-scale.ts: 1,983 ms before, 811 ms after). */
function envelopeSchema(detailType: DomainEvent['detailType']): z.ZodType {
  let schema = envelopeSchemas.get(detailType);
  if (schema === undefined) {
    schema = z.object({ metadata: EventMetadataSchema, data: eventDataSchemas[detailType] });
    envelopeSchemas.set(detailType, schema);
  }
  return schema;
}

/** Throws {@link InvalidEventError} when the event's `{ metadata, data }` fails its detail-type's contract. */
function validate(event: DomainEvent): void {
  if (!Object.hasOwn(eventDataSchemas, event.detailType)) throw new InvalidEventError(String(event.detailType), ['detail-type: not in the event registry']);
  const checked = envelopeSchema(event.detailType).safeParse({ metadata: event.metadata, data: event.data });
  if (!checked.success) throw new InvalidEventError(event.detailType, describeIssues(checked.error.issues));
}

/** Splits entries into PutEvents requests of at most 10 entries and 256 KB. */
function batches(entries: readonly Pending[]): Pending[][] {
  const out: Pending[][] = [];
  let current: Pending[] = [];
  let size = 0;
  for (const p of entries) {
    if (current.length === PUT_EVENTS_MAX_ENTRIES || (current.length > 0 && size + p.bytes > PUT_EVENTS_MAX_BYTES)) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(p);
    size += p.bytes;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * Entry size as EventBridge counts it: 14 bytes for Time, plus the UTF-8 bytes of Source, DetailType,
 * Detail and each Resource. https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html
 */
export function entrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time !== undefined ? 14 : 0;
  size += Buffer.byteLength(entry.Source ?? '', 'utf8');
  size += Buffer.byteLength(entry.DetailType ?? '', 'utf8');
  size += Buffer.byteLength(entry.Detail ?? '', 'utf8');
  for (const r of entry.Resources ?? []) size += Buffer.byteLength(r, 'utf8');
  return size;
}
