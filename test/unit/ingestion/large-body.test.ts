import { describe, expect, it } from 'vitest';
import type { EventBridgeClient, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { createEventPublisher } from '#shared/adapters/event-publisher.js';
import { MAX_WEBHOOK_BODY_BYTES } from '#shared/contracts/whatsapp/webhook.js';
import { signWebhookBody } from '#shared/domain/ingestion/webhook-signature.js';
import { DependencyError } from '#shared/errors.js';
import { ingestWebhook } from '#shared/usecases/ingest-webhook.js';
import { loadFixture } from '#test/fixtures/meta/index.js';

const SECRET = 'large-body-secret';
const RECEIVED_AT = Date.parse('2026-11-21T12:00:00Z');
const UPDATES = 10_000;

type Json = Record<string, any>;

/** One messages change with 10,000 updates: even ones inbound texts (emoji, accents, RTL) from 1,000 customers, odd ones statuses. */
function bigBody(): { raw: Uint8Array; signature: string; order: Map<string, string[]> } {
  const body = structuredClone(loadFixture('messages-text')) as Json;
  const status = (loadFixture('statuses-delivered') as Json).entry[0].changes[0].value.statuses[0];
  const ts = String(RECEIVED_AT / 1000 - 60);
  const messages: Json[] = [];
  const statuses: Json[] = [];
  const order = new Map<string, string[]>();
  for (let i = 0; i < UPDATES; i++) {
    const customer = `1650555${1000 + (i % 1000)}`;
    const id = `wamid.large-${i}-${'9'.repeat(17)}`;
    if (i % 2 === 0) messages.push({ from: customer, id, timestamp: ts, type: 'text', text: { body: `Merci 🎉 n°${i} مرحبا` } });
    else statuses.push({ ...status, id, recipient_id: customer, timestamp: ts });
    order.set(customer, [...(order.get(customer) ?? []), id]);
  }
  const value = body.entry[0].changes[0].value;
  value.messages = messages;
  value.statuses = statuses;
  value.contacts = Array.from({ length: 1000 }, (_, n) => ({ profile: { name: `Zoë ${n} 👩🏽‍💻` }, wa_id: `1650555${1000 + n}` }));
  const text = JSON.stringify(body);
  return { raw: Buffer.from(text, 'utf8'), signature: signWebhookBody(text, SECRET), order };
}

/** An EventBridge client that records every PutEvents request in the order it was sent, failing those `fail` picks. */
function recordingClient(fail: (call: number) => boolean = () => false) {
  const sent: PutEventsRequestEntry[][] = [];
  const client = {
    send: async (command: { input: { Entries?: PutEventsRequestEntry[] } }) => {
      const entries = command.input.Entries ?? [];
      sent.push(entries);
      if (fail(sent.length)) throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
      return { FailedEntryCount: 0, Entries: entries.map((_, i) => ({ EventId: `ev-${sent.length}-${i}` })) };
    },
  } as unknown as EventBridgeClient;
  return { client, sent };
}

function deps(client: EventBridgeClient) {
  const publisher = createEventPublisher({ client, eventBusName: 'bus', payloadStore: { put: async () => 'ref' } as never, sleep: async () => {}, random: () => 0 });
  return { appSecrets: async () => [SECRET], publisher, now: () => RECEIVED_AT };
}

describe('a body of 10,000 updates (under Meta\'s 3 MB) is fully processed', () => {
  const { raw, signature, order } = bigBody();

  it('fits under the body limit, so it is a delivery Meta can send', () => {
    expect(raw.byteLength).toBeLessThan(MAX_WEBHOOK_BODY_BYTES);
  });

  it('publishes one recognised event per update, each wamid once, in body order per customer, in PutEvents calls of at most 10', async () => {
    const { client, sent } = recordingClient();
    const result = await ingestWebhook({ rawBody: raw, signatureHeader: signature }, deps(client));

    const entries = sent.flat();
    const details = entries.map((e) => JSON.parse(e.Detail!) as Json);
    const perUpdate = details.filter((d) => typeof d.data?.wamid === 'string' && d.data.wamid.startsWith('wamid.large-'));
    expect(result.unrecognised).toBe(0);
    expect(entries.map((e) => e.DetailType)).not.toContain('WebhookUpdateUnrecognised');
    expect(perUpdate).toHaveLength(UPDATES);
    expect(new Set(perUpdate.map((d) => d.data.wamid)).size).toBe(UPDATES);
    expect(result.published).toBe(entries.length);
    expect(sent.every((batch) => batch.length >= 1 && batch.length <= 10)).toBe(true);

    const seen = new Map<string, string[]>();
    const wamidToCustomer = new Map<string, string>();
    for (const [customer, ids] of order) for (const id of ids) wamidToCustomer.set(id, customer);
    for (const d of perUpdate) {
      const customer = wamidToCustomer.get(d.data.wamid)!;
      seen.set(customer, [...(seen.get(customer) ?? []), d.data.wamid]);
    }
    expect(seen).toEqual(order);
  });

  it('fails the delivery (so Meta retries) when one PutEvents batch keeps failing while every other batch succeeds', async () => {
    let doomed: string | undefined;
    const { client, sent } = recordingClient((call) => {
      const first = sent[call - 1]![0]!.Detail!;
      if (call === 500) doomed = first;
      return first === doomed;
    });
    await expect(ingestWebhook({ rawBody: raw, signatureHeader: signature }, deps(client))).rejects.toBeInstanceOf(DependencyError);
    expect(sent.filter((batch) => batch[0]!.Detail === doomed)).toHaveLength(4);
  });
});
