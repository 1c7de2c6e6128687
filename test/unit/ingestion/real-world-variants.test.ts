import { describe, expect, it } from 'vitest';
import { DetailType } from '#shared/contracts/events/catalogue.js';
import { detailSchemaFor, type DomainEvent } from '#shared/contracts/events/registry.js';
import { WebhookPayloadSchema } from '#shared/contracts/whatsapp/webhook.js';
import { normaliseWebhook } from '#shared/domain/ingestion/normalise-webhook.js';
import { parseWebhookJson } from '#shared/domain/ingestion/webhook-json.js';
import { fixtureNames, loadFixtureText } from '#test/fixtures/meta/index.js';

const RECEIVED_AT = Date.parse('2026-11-21T12:00:00Z');

/** The fixture as receive-webhook reads it: from its bytes, through the lossless parser. */
function normalise(name: string): DomainEvent[] {
  const decoded = parseWebhookJson(Buffer.from(loadFixtureText(name), 'utf8'));
  if (!decoded.ok) throw new Error(`${name}: ${decoded.message}`);
  return normaliseWebhook(WebhookPayloadSchema.parse(decoded.value), RECEIVED_AT);
}

function only<T extends DomainEvent['detailType']>(events: DomainEvent[], type: T): DomainEvent<T> {
  expect(events.map((e) => e.detailType)).toEqual([type]);
  return events[0] as DomainEvent<T>;
}

const variants = fixtureNames().filter((n) => n.startsWith('real-world-'));

describe('real-world webhook variants', () => {
  it('exist for each documented variant (at least five)', () => {
    expect(variants.length).toBeGreaterThanOrEqual(5);
  });

  it.each(variants)('%s becomes events that validate against their contracts, none unrecognised', (name) => {
    const events = normalise(name);
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) {
      expect(event.detailType).not.toBe(DetailType.WebhookUpdateUnrecognised);
      const result = detailSchemaFor(event.detailType).safeParse({ metadata: event.metadata, data: event.data });
      expect(result.error?.issues ?? []).toEqual([]);
    }
  });

  it('a message without metadata.display_phone_number is a MessageReceived, text and emoji intact', () => {
    const event = only(normalise('real-world-messages-text-no-display-phone-number'), DetailType.MessageReceived);
    expect(event.data.business).toEqual({ businessAccountId: '102290129340398', phoneNumberId: '106540352242922' });
    expect(event.data.content).toEqual({ body: 'Merci beaucoup 🎉 — à demain, café crème ☕' });
    expect(event.data.from).toMatchObject({ waId: '16505551234', profileName: 'Zoë Lefèvre 🌻' });
    expect(event.data.repairedCharacters).toBeUndefined();
  });

  it('coordinates given as text become the numbers they spell; the RTL name and address are kept', () => {
    const event = only(normalise('real-world-messages-location-coordinates-as-text'), DetailType.MessageReceived);
    expect(event.data.type).toBe('location');
    expect(event.data.content).toMatchObject({ latitude: 33.8959, longitude: 35.4829, name: 'مقهى البحر 🌊', address: 'شارع الحمراء، بيروت' });
    expect(event.data.from.profileName).toBe('ليلى حداد');
  });

  it('a template id above 2^53 sent as a JSON number keeps every digit, as a string', () => {
    const event = only(normalise('real-world-template-status-id-above-2-53'), DetailType.TemplateStatusChanged);
    expect(event.data.templateId).toBe('12345678901234567891');
    // What JSON.parse alone would have produced: the id of another template.
    expect(String(JSON.parse('12345678901234567891'))).not.toBe('12345678901234567891');
  });

  it('a status timestamp sent as a JSON integer is read as the same unix seconds', () => {
    const event = only(normalise('real-world-statuses-read-numeric-timestamp'), DetailType.MessageStatusUpdated);
    expect(event.data).toMatchObject({ status: 'read', timestamp: 1744345000, recipient: { waId: '16505551234' } });
    expect(event.metadata.occurredAt).toBe('2025-04-11T04:16:40.000Z');
  });

  it('a reaction with a skin-tone emoji from a Hebrew-named user keeps both exactly', () => {
    const event = only(normalise('real-world-messages-reaction-rtl-profile'), DetailType.MessageReceived);
    expect(event.data.content).toMatchObject({ emoji: '👍🏽' });
    expect([...(event.data.content as { emoji: string }).emoji]).toHaveLength(2);
    expect(event.data.from.profileName).toBe('נועה כהן');
  });
});
