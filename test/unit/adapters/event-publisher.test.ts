import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { PUT_EVENTS_MAX_BYTES, PublishError, createEventPublisher, entrySize } from '#shared/adapters/event-publisher.js';
import { InvalidEventError } from '#shared/ports/event-publisher.js';
import type { PayloadStore } from '#shared/adapters/payload-store.js';
import { DetailType, RELAIS_EVENT_SOURCE } from '#shared/contracts/events/catalogue.js';
import type { PayloadReference } from '#shared/contracts/events/envelope.js';
import type { DomainEvent } from '#shared/contracts/events/registry.js';

const eventBridge = mockClient(EventBridgeClient);

function event(i: number, raw: unknown = { n: i }): DomainEvent {
  return {
    detailType: DetailType.WebhookUpdateUnrecognised,
    metadata: { schemaVersion: 1, eventId: `e-${i}`, occurredAt: '2026-11-21T10:00:00.000Z', producer: 'test' },
    data: { businessAccountId: 'waba', field: 'history', reason: 'unknown_field', issues: [], raw },
  };
}

function memoryStore(): PayloadStore & { stored: Map<string, unknown> } {
  const stored = new Map<string, unknown>();
  return {
    stored,
    async put(kind, data) {
      const ref: PayloadReference = { bucket: 'b', key: `${kind}/${stored.size}`, bytes: JSON.stringify(data).length, sha256: 'a'.repeat(64) };
      stored.set(ref.key, data);
      return ref;
    },
    async get(ref) {
      return stored.get(ref.key);
    },
  };
}

function publisher(store: PayloadStore = memoryStore(), maxAttempts = 4) {
  return createEventPublisher({
    client: new EventBridgeClient({ region: 'eu-west-1' }),
    eventBusName: 'bus',
    payloadStore: store,
    maxAttempts,
    sleep: async () => {},
  });
}

function sentEntries(): PutEventsRequestEntry[][] {
  return eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries ?? []);
}

describe('createEventPublisher', () => {
  beforeEach(() => {
    eventBridge.reset();
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `id-${i}` })),
    }));
  });

  it('puts 25 events in three requests of at most 10 entries, on the named bus with the Relais source', async () => {
    const report = await publisher().publish(Array.from({ length: 25 }, (_, i) => event(i)));
    expect(sentEntries().map((b) => b.length)).toEqual([10, 10, 5]);
    expect(report).toMatchObject({ published: 25, requests: 3, retriedEntries: 0 });
    const first = sentEntries()[0]![0]!;
    expect(first).toMatchObject({ EventBusName: 'bus', Source: RELAIS_EVENT_SOURCE, DetailType: 'WebhookUpdateUnrecognised' });
    expect(JSON.parse(first.Detail!)).toEqual({ metadata: event(0).metadata, data: event(0).data });
  });

  it('keeps every request under 256 KB by splitting large entries across requests', async () => {
    const big = 'x'.repeat(100 * 1024);
    await publisher().publish(Array.from({ length: 5 }, (_, i) => event(i, big)));
    for (const batch of sentEntries()) {
      expect(batch.reduce((sum, e) => sum + entrySize(e), 0)).toBeLessThanOrEqual(PUT_EVENTS_MAX_BYTES);
    }
    expect(sentEntries().flat()).toHaveLength(5);
  });

  it('stores the data of an event over 256 KB and publishes a reference to it instead', async () => {
    const store = memoryStore();
    const huge = 'y'.repeat(300 * 1024);
    const report = await publisher(store).publish([event(1, huge), event(2)]);
    const entries = sentEntries().flat();
    const detail = JSON.parse(entries[0]!.Detail!);
    expect(detail.data).toBeUndefined();
    expect(detail.dataRef.key).toMatch(/^events\/WebhookUpdateUnrecognised\//);
    expect(store.stored.get(detail.dataRef.key)).toEqual(event(1, huge).data);
    expect(JSON.parse(entries[1]!.Detail!).data).toEqual(event(2).data);
    expect(report.claimChecked).toBe(1);
  });

  it('resends only the entries EventBridge refused, until all are accepted', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 2,
        Entries: [{ EventId: 'a' }, { ErrorCode: 'InternalFailure', ErrorMessage: 'x' }, { EventId: 'c' }, { ErrorCode: 'ThrottlingException' }],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'b' }, { EventId: 'd' }] });
    const report = await publisher().publish([event(0), event(1), event(2), event(3)]);
    const calls = sentEntries();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.map((e) => JSON.parse(e.Detail!).metadata.eventId)).toEqual(['e-1', 'e-3']);
    expect(report.retriedEntries).toBe(2);
  });

  it('retries a request that throws, then succeeds', async () => {
    eventBridge.on(PutEventsCommand).rejectsOnce(new Error('socket hang up')).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'a' }] });
    await expect(publisher().publish([event(0)])).resolves.toMatchObject({ published: 1, requests: 2 });
  });

  it('throws PublishError naming the count and codes when entries are still refused after the retry budget', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 1,
      Entries: input.Entries.map((_, i) => (i === 0 ? { ErrorCode: 'InternalFailure' } : { EventId: `ok-${i}` })),
    }));
    const error = await publisher(memoryStore(), 3).publish([event(0), event(1)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).failed).toBe(1);
    expect((error as PublishError).message).toContain('InternalFailure');
    expect(sentEntries()).toHaveLength(3);
  });

  it('publishes nothing and makes no call for an empty list', async () => {
    await expect(publisher().publish([])).resolves.toMatchObject({ published: 0, requests: 0 });
    expect(sentEntries()).toHaveLength(0);
  });
});

describe('entrySize', () => {
  it('counts 14 bytes for Time plus the UTF-8 bytes of source, detail-type, detail and resources', () => {
    expect(entrySize({ Time: new Date(), Source: 'ab', DetailType: 'cd', Detail: '{"e":"é"}', Resources: ['r1'] })).toBe(14 + 2 + 2 + 10 + 2);
  });
});

describe('createEventPublisher refuses events that fail their contract', () => {
  beforeEach(() => {
    eventBridge.reset();
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'id-0' }] });
  });

  const valid = event(1, { text: 'Merci 🎉 شكرا' });

  it.each<[string, DomainEvent, RegExp]>([
    ['data missing a required field', { ...valid, data: { ...valid.data, field: undefined } } as unknown as DomainEvent, /WebhookUpdateUnrecognised: data\.field: /],
    ['metadata without an event id', { ...valid, metadata: { ...valid.metadata, eventId: undefined } } as unknown as DomainEvent, /metadata\.eventId: /],
    ['a detail-type outside the registry', { ...valid, detailType: 'MessageExploded' } as unknown as DomainEvent, /MessageExploded: detail-type: not in the event registry/],
    ['the wrong data for its detail-type', { ...valid, detailType: DetailType.MessageSent } as unknown as DomainEvent, /invalid MessageSent: /],
  ])('refuses %s and puts nothing, not even its valid neighbours', async (_, bad, message) => {
    const attempt = publisher().publish([event(0), bad, event(2)]);
    await expect(attempt).rejects.toThrow(InvalidEventError);
    await expect(publisher().publish([bad])).rejects.toThrow(message);
    expect(sentEntries()).toEqual([]);
  });

  it('publishes an event that passes its contract', async () => {
    await expect(publisher().publish([valid])).resolves.toMatchObject({ published: 1 });
  });
});

describe('createEventPublisher concurrency', () => {
  it('keeps at most `concurrency` PutEvents requests in flight, across concurrent publish calls too', async () => {
    eventBridge.reset();
    let inFlight = 0;
    let most = 0;
    eventBridge.on(PutEventsCommand).callsFake(async (input: { Entries: unknown[] }) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return { FailedEntryCount: 0, Entries: input.Entries.map((_, i) => ({ EventId: `id-${i}` })) };
    });
    const pub = createEventPublisher({ client: new EventBridgeClient({ region: 'eu-west-1' }), eventBusName: 'bus', payloadStore: memoryStore(), concurrency: 3 });
    const reports = await Promise.all([0, 1].map((k) => pub.publish(Array.from({ length: 100 }, (_, i) => event(k * 100 + i)))));
    expect(reports.map((r) => r.requests)).toEqual([10, 10]);
    expect(most).toBe(3);
  });
});
