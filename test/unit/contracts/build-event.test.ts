import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { buildEvent, EventContractError } from '#shared/contracts/events/build-event.js';
import { DetailType } from '#shared/contracts/events/catalogue.js';
import type { DomainEvent, EventData } from '#shared/contracts/events/registry.js';
import { UNKNOWN_CONSENT } from '#shared/domain/consent/consent.js';
import { DEFAULT_POLICY_SETTINGS } from '#shared/domain/sending/policy.js';
import { createStoreTemplateRegistry } from '#shared/adapters/template-registry.js';
import { requestSend, type RequestSendDeps } from '#shared/usecases/request-send.js';
import { inMemoryMessageStore } from '#test/support/in-memory-messages.js';
import { eventJsonSchemas } from '#shared/contracts/json-schema.js';
import type { MessageRecord } from '#shared/domain/sending/records.js';
import { failedEvent, outcome } from '#shared/usecases/send-message.js';

// Published schemas checked strictly, as in event-json-schemas.test.ts.
const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, strictRequired: false, allErrors: true });
addFormats.default(ajv);
const schemas = eventJsonSchemas() as Record<DetailType, Record<string, unknown>>;
function matchesPublishedSchema(event: { detailType: DetailType; metadata: unknown; data: unknown }): string | true {
  const validate = ajv.compile(schemas[event.detailType]);
  return validate({ metadata: event.metadata, data: event.data }) ? true : JSON.stringify(validate.errors);
}

// An id above 2^53 and an RTL, emoji-bearing correlation id: what real callers send.
const record: MessageRecord = {
  messageId: 'msg_01JD2',
  idempotencyKey: 'order-42:shipped',
  correlationId: 'طلب-42-👍🏽',
  requestHash: 'h',
  phoneNumberId: '106540352242922',
  businessAccountId: '90071992547409931',
  recipient: { recipientUserId: 'US.13491208655302741918' },
  messageType: 'template',
  category: 'marketing',
  lane: 'bulk',
  status: 'accepted',
  wamid: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA',
  attempts: 1,
  createdAt: Date.UTC(2026, 11, 3, 23, 0),
  updatedAt: Date.UTC(2026, 11, 3, 23, 0),
};
const at = Date.UTC(2026, 11, 3, 23, 1, 2, 3);

describe('buildEvent', () => {
  it('fills the metadata once: schema version, ISO time, absent fields left out', () => {
    const event = buildEvent(DetailType.SendRejected, { eventId: 'SendRejected:x', occurredAt: at, producer: 'request-send', correlationId: undefined }, {
      reason: 'invalid_request',
      message: 'data.to: required',
    });
    expect(event.metadata).toEqual({ schemaVersion: 1, eventId: 'SendRejected:x', occurredAt: '2026-12-03T23:01:02.003Z', producer: 'request-send' });
    expect(matchesPublishedSchema(event)).toBe(true);
  });

  it('refuses data outside its contract with an EventContractError naming the field, not its value', () => {
    const bad = { reason: 'no_such_reason', message: 'secret text +16505551234' } as unknown as EventData<typeof DetailType.SendRejected>;
    let thrown: unknown;
    try {
      buildEvent(DetailType.SendRejected, { eventId: 'e', occurredAt: at, producer: 'p' }, bad);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(EventContractError);
    const error = thrown as EventContractError;
    expect(error.detailType).toBe(DetailType.SendRejected);
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatch(/^reason: /);
    expect(error.message).not.toContain('+16505551234');
  });

  it('names every missing field of a SendAccepted built without recipient and lane', () => {
    const partial = { messageId: 'm', idempotencyKey: 'k', phoneNumberId: '1', messageType: 'text', category: 'service' } as unknown as EventData<
      typeof DetailType.SendAccepted
    >;
    expect(() => buildEvent(DetailType.SendAccepted, { eventId: 'e', occurredAt: at, producer: 'p' }, partial)).toThrow(
      expect.objectContaining({ issues: expect.arrayContaining([expect.stringMatching(/^recipient: /), expect.stringMatching(/^lane: /)]) }),
    );
  });
});

describe('send outcome producers build through buildEvent', () => {
  it('a sender bug (a failure reason outside the catalogue) fails here, before any consumer', () => {
    expect(() => failedEvent(record, at, 'no_such_reason' as never, undefined, true)).toThrow(EventContractError);
    expect(() => outcome(DetailType.MessageSent, record, at, { wamid: 42 })).toThrow(EventContractError);
  });

  it.each([DetailType.MessageDelivered, DetailType.MessageRead])('%s matches its published JSON Schema', (detailType) => {
    const event = outcome(detailType, record, at, { wamid: record.wamid });
    expect(event.metadata).toMatchObject({ eventId: `${detailType}:msg_01JD2`, businessAccountId: '90071992547409931', correlationId: 'طلب-42-👍🏽' });
    expect(matchesPublishedSchema(event)).toBe(true);
  });

  it('MessageSent and MessageFailed match their published JSON Schemas', () => {
    expect(matchesPublishedSchema(outcome(DetailType.MessageSent, record, at, { wamid: record.wamid, messageType: 'template', category: 'marketing' }))).toBe(true);
    expect(matchesPublishedSchema(failedEvent(record, at, 'window_closed', { code: 131047, title: 'Re-engagement message' }, true))).toBe(true);
  });
});

describe('request-send builds through buildEvent', () => {
  const T0 = Date.parse('2026-11-21T10:00:00Z');
  function deps(window: boolean): { deps: RequestSendDeps; published: DomainEvent[] } {
    const published: DomainEvent[] = [];
    const contact = { contactId: 'c_1', businessAccountId: '102290129340398', phone: '+33612345678', createdAt: T0 - 1, updatedAt: T0 };
    return {
      published,
      deps: {
        messages: inMemoryMessageStore(),
        contacts: {
          sendContextFor: async () => ({
            contact,
            window: window ? { openedAt: T0 - 1, lastInboundAt: T0 - 1, closesAt: T0 + 3_600_000 } : undefined,
            freeEntryPointOffer: undefined,
            freeEntryPointWindow: undefined,
            consent: UNKNOWN_CONSENT,
          }),
        },
        templates: createStoreTemplateRegistry({ store: { get: async () => undefined }, ttlMs: 0 }),
        enqueue: async () => undefined,
        publish: async (events) => void published.push(...events),
        businessAccountOf: async () => '102290129340398',
        policy: DEFAULT_POLICY_SETTINGS,
        newMessageId: () => 'm_1',
        now: () => T0,
      },
    };
  }
  const send = {
    metadata: { schemaVersion: 1, idempotencyKey: 'order-42:shipped', correlationId: 'طلب-42' },
    data: { phoneNumberId: '106540352242922', to: '+33612345678', message: { type: 'text', body: 'Merci 🎉 — votre commande part aujourd’hui' } },
  };

  it.each([
    [true, DetailType.SendAccepted],
    [false, DetailType.SendRejected],
  ])('inside the window = %s, it publishes %s matching its published JSON Schema', async (window, detailType) => {
    const { deps: d, published } = deps(window);
    await requestSend(send, 'acme.orders', d);
    expect(published.map((event) => event.detailType)).toEqual([detailType]);
    expect(matchesPublishedSchema(published[0]!)).toBe(true);
  });
});
