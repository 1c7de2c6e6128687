import { describe, expect, it } from 'vitest';
import { DetailType } from '#shared/contracts/events/catalogue.js';
import { detailSchemaFor, type DomainEvent } from '#shared/contracts/events/registry.js';
import { WebhookPayloadSchema, type WebhookPayload } from '#shared/contracts/whatsapp/webhook.js';
import { normaliseWebhook } from '#shared/domain/ingestion/normalise-webhook.js';
import { parseWebhookJson } from '#shared/domain/ingestion/webhook-json.js';
import { canonicalJson } from '#shared/domain/objects.js';
import { fixtureNames, loadFixture, loadFixtureText } from '#test/fixtures/meta/index.js';

const RECEIVED_AT = Date.parse('2026-11-21T12:00:00Z');

/** The fixture decoded as ingestion decodes a body (integers above 2^53 kept exact), then validated. */
function payload(name: string): WebhookPayload {
  const decoded = parseWebhookJson(Buffer.from(loadFixtureText(name), 'utf8'));
  if (!decoded.ok) throw new Error(`fixture ${name}: ${decoded.message}`);
  return WebhookPayloadSchema.parse(decoded.value);
}

function normalise(name: string): DomainEvent[] {
  return normaliseWebhook(payload(name), RECEIVED_AT);
}

function only<T extends DomainEvent['detailType']>(events: DomainEvent[], type: T) {
  expect(events.map((e) => e.detailType)).toEqual([type]);
  return events[0] as DomainEvent<T>;
}

/** Fixtures that exist to exercise the unrecognised path. */
const UNMODELLED = new Set(['messages-unknown-type-poll', 'smb-message-echoes']);

describe('normaliseWebhook over every Meta fixture', () => {
  it.each(fixtureNames())('%s: every event validates against its published detail schema', (name) => {
    const events = normalise(name);
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) {
      const result = detailSchemaFor(event.detailType).safeParse({ metadata: event.metadata, data: event.data });
      expect(result.error?.issues ?? []).toEqual([]);
    }
  });

  it.each(fixtureNames().filter((n) => !UNMODELLED.has(n)))('%s: is fully modelled (no unrecognised event)', (name) => {
    const unrecognised = normalise(name).filter((e) => e.detailType === DetailType.WebhookUpdateUnrecognised);
    expect(unrecognised.map((e) => e.data)).toEqual([]);
  });

  it.each(fixtureNames())('%s: gives the same ids whenever it is delivered, whatever the receipt time', (name) => {
    const first = normaliseWebhook(payload(name), RECEIVED_AT).map((e) => e.metadata.eventId);
    const again = normaliseWebhook(payload(name), RECEIVED_AT + 86_400_000).map((e) => e.metadata.eventId);
    expect(again).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
  });
});

describe('normaliseWebhook: messages', () => {
  it('turns an inbound text into MessageReceived keyed by its wamid, timed by Meta', () => {
    const raw = loadFixture('messages-text') as any;
    const message = raw.entry[0].changes[0].value.messages[0];
    const event = only(normalise('messages-text'), DetailType.MessageReceived);
    expect(event.metadata).toMatchObject({
      eventId: message.id,
      correlationId: message.id,
      occurredAt: new Date(Number(message.timestamp) * 1000).toISOString(),
      businessAccountId: raw.entry[0].id,
      phoneNumberId: raw.entry[0].changes[0].value.metadata.phone_number_id,
    });
    expect(event.data).toMatchObject({ wamid: message.id, type: 'text', timestamp: Number(message.timestamp), content: { body: message.text.body } });
    expect(event.data.from.waId).toBe(message.from);
  });

  it('identifies a username (BSUID-only) user by user_id when wa_id and from are absent', () => {
    const event = only(normalise('messages-text-bsuid-only'), DetailType.MessageReceived);
    expect(event.data.from).toEqual({
      userId: 'US.13491208655302741918',
      parentUserId: 'US.ENT.11815799212886844830',
      username: 'pablomorales',
      profileName: 'Pablo M.',
    });
  });

  it('keeps the ad referral of a click-to-WhatsApp message', () => {
    const event = only(normalise('messages-referral-ctwa'), DetailType.MessageReceived);
    expect(event.data.referral).toMatchObject({ ctwa_clid: expect.any(String), source_type: 'ad' });
  });

  it('keeps the quick-reply payload of a template button tap', () => {
    const event = only(normalise('messages-button-unsubscribe'), DetailType.MessageReceived);
    expect(event.data.type).toBe('button');
    expect(event.data.content).toMatchObject({ payload: expect.any(String), text: expect.any(String) });
  });

  it('turns a system number change into UserIdentityChanged with the new wa_id', () => {
    const event = only(normalise('messages-system-user-changed-number'), DetailType.UserIdentityChanged);
    expect(event.data.change).toBe('user_changed_number');
    expect(event.data.newWaId).toMatch(/^\d+$/);
  });

  it('turns a BSUID rotation system message into UserIdentityChanged with the new user_id', () => {
    const event = only(normalise('messages-system-user-changed-user-id'), DetailType.UserIdentityChanged);
    expect(event.data.change).toBe('user_changed_user_id');
    expect(event.data.newUserId).toBeDefined();
  });

  it('passes the identity object of customer_identity_changed through', () => {
    const event = only(normalise('messages-system-customer-identity-changed'), DetailType.UserIdentityChanged);
    expect(event.data.change).toBe('customer_identity_changed');
    expect(event.data.identity).toBeDefined();
  });

  it('publishes an unknown message type as unrecognised with the raw message and its wamid', () => {
    const raw = loadFixture('messages-unknown-type-poll') as any;
    const message = raw.entry[0].changes[0].value.messages[0];
    const event = only(normalise('messages-unknown-type-poll'), DetailType.WebhookUpdateUnrecognised);
    expect(event.data).toMatchObject({ field: 'messages', reason: 'unknown_type', raw: message });
    expect(event.metadata.eventId).toBe(`unrecognised:${message.id}`);
  });

  it('publishes a known type with a broken body as schema_mismatch naming the field, and keeps its neighbours', () => {
    const raw = loadFixture('messages-text') as any;
    const good = raw.entry[0].changes[0].value.messages[0];
    raw.entry[0].changes[0].value.messages = [{ ...good, id: 'wamid.broken', text: { bodyy: 'typo' } }, good];
    const events = normaliseWebhook(WebhookPayloadSchema.parse(raw), RECEIVED_AT);
    expect(events.map((e) => e.detailType)).toEqual([DetailType.WebhookUpdateUnrecognised, DetailType.MessageReceived]);
    expect(events[0]!.data).toMatchObject({ reason: 'schema_mismatch', issues: ['text.body: Invalid input: expected string, received undefined'] });
  });

  it('refuses a message with neither from nor from_user_id as schema_mismatch', () => {
    const raw = loadFixture('messages-text') as any;
    delete raw.entry[0].changes[0].value.messages[0].from;
    const event = only(normaliseWebhook(WebhookPayloadSchema.parse(raw), RECEIVED_AT), DetailType.WebhookUpdateUnrecognised);
    expect(event.data.issues).toEqual(['from: a message needs "from" or "from_user_id"']);
  });

  it('reports value-level errors (e.g. 130429) as WebhookErrorsReported', () => {
    const event = only(normalise('messages-errors-130429'), DetailType.WebhookErrorsReported);
    expect(event.data.errors[0]!.code).toBe(130429);
  });

  it('emits one event per update in a mixed batch, messages and statuses alike', () => {
    const events = normalise('batch-mixed');
    expect(events.filter((e) => e.detailType === DetailType.MessageReceived)).toHaveLength(3);
    expect(events.filter((e) => e.detailType === DetailType.MessageStatusUpdated)).toHaveLength(3);
  });
});

describe('normaliseWebhook: statuses', () => {
  it('keys a status by wamid and status and keeps PMP pricing', () => {
    const raw = loadFixture('statuses-sent-pmp') as any;
    const status = raw.entry[0].changes[0].value.statuses[0];
    const event = only(normalise('statuses-sent-pmp'), DetailType.MessageStatusUpdated);
    expect(event.metadata.eventId).toBe(`${status.id}:sent`);
    expect(event.data.pricing).toEqual({
      model: 'PMP',
      category: status.pricing.category,
      type: status.pricing.type,
      ...(status.pricing.billable === undefined ? {} : { billable: status.pricing.billable }),
    });
  });

  it('keeps the legacy CBP conversation with its expiry', () => {
    const event = only(normalise('statuses-sent-cbp-legacy'), DetailType.MessageStatusUpdated);
    expect(event.data.pricing?.model).toBe('CBP');
    expect(event.data.conversation).toMatchObject({ id: expect.any(String), expiresAt: expect.any(Number) });
  });

  it('correlates a status with the sender through biz_opaque_callback_data', () => {
    const raw = loadFixture('statuses-sent-biz-opaque-callback-data') as any;
    const opaque = raw.entry[0].changes[0].value.statuses[0].biz_opaque_callback_data;
    const event = only(normalise('statuses-sent-biz-opaque-callback-data'), DetailType.MessageStatusUpdated);
    expect(event.metadata.correlationId).toBe(opaque);
    expect(event.data.bizOpaqueCallbackData).toBe(opaque);
  });

  it('carries the error codes of a failed status (131050 stopped marketing)', () => {
    const event = only(normalise('statuses-failed-131050'), DetailType.MessageStatusUpdated);
    expect(event.data.status).toBe('failed');
    expect(event.data.errors?.map((e) => e.code)).toEqual([131050]);
  });

  it('names the recipient by BSUID when recipient_id is absent', () => {
    const event = only(normalise('statuses-delivered-bsuid-only'), DetailType.MessageStatusUpdated);
    expect(event.data.recipient.userId).toMatch(/^[A-Z]{2}\./);
    expect(event.data.recipient.waId).toBeUndefined();
  });
});

describe('normaliseWebhook: other fields', () => {
  it('turns user_preferences stop and resume into MarketingPreferenceChanged', () => {
    expect(only(normalise('user-preferences-stop'), DetailType.MarketingPreferenceChanged).data.preference).toBe('stop');
    expect(only(normalise('user-preferences-resume'), DetailType.MarketingPreferenceChanged).data.preference).toBe('resume');
  });

  it('turns user_id_update into UserIdChanged with previous and current BSUIDs', () => {
    const raw = loadFixture('user-id-update') as any;
    const update = raw.entry[0].changes[0].value.user_id_update[0];
    const event = only(normalise('user-id-update'), DetailType.UserIdChanged);
    expect(event.data).toMatchObject({ previousUserId: update.user_id.previous, currentUserId: update.user_id.current });
  });

  it('turns a template pause into TemplateStatusChanged with the pause title', () => {
    const event = only(normalise('template-status-paused'), DetailType.TemplateStatusChanged);
    expect(event.data).toMatchObject({ status: 'PAUSED', templateId: '806312974732579', otherInfo: { title: 'FIRST_PAUSE' } });
  });

  it('distinguishes an impending re-categorisation from a completed one', () => {
    const impending = only(normalise('template-category-update-impending'), DetailType.TemplateCategoryChanged);
    expect(impending.data).toMatchObject({ phase: 'impending', newCategory: 'UTILITY', correctCategory: 'MARKETING', effectiveAt: 1746169200 });
    const completed = only(normalise('template-category-update-completed'), DetailType.TemplateCategoryChanged);
    expect(completed.data.phase).toBe('completed');
    expect(completed.data.previousCategory).toBeDefined();
  });

  it('keeps the volume tier details of an account update', () => {
    const event = only(normalise('account-update-volume-tier'), DetailType.AccountUpdated);
    expect(event.data.event).toBe('VOLUME_BASED_PRICING_TIER_UPDATE');
    expect(event.data.details['volume_tier_info']).toBeDefined();
  });

  it('publishes a field Relais does not model as unrecognised with the whole value', () => {
    const raw = loadFixture('smb-message-echoes') as any;
    const event = only(normalise('smb-message-echoes'), DetailType.WebhookUpdateUnrecognised);
    expect(event.data).toMatchObject({ field: raw.entry[0].changes[0].field, reason: 'unknown_field', raw: raw.entry[0].changes[0].value });
  });

  it('gives a WABA-level update the same id whatever the key order Meta used', () => {
    const raw = loadFixture('template-status-approved') as any;
    const value = raw.entry[0].changes[0].value;
    const reversed = Object.fromEntries(Object.entries(value).reverse());
    const shuffled = { ...raw, entry: [{ ...raw.entry[0], changes: [{ field: raw.entry[0].changes[0].field, value: reversed }] }] };
    const a = normaliseWebhook(WebhookPayloadSchema.parse(raw), RECEIVED_AT)[0]!.metadata.eventId;
    const b = normaliseWebhook(WebhookPayloadSchema.parse(shuffled), RECEIVED_AT)[0]!.metadata.eventId;
    expect(b).toBe(a);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: [2, { d: 1, c: 0 }], a: null })).toBe('{"a":null,"b":[2,{"c":0,"d":1}]}');
  });
});
