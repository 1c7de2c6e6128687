/**
 * Shared set-up of the Contacts API handler tests: an in-memory ContactStore with the store's semantics
 * (identity keys per business account, latest-wins consent with an append-only history, tombstones on
 * erasure), a capturing publisher, and API Gateway events carrying an IAM caller.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import middy from '@middy/core';
import { vi } from 'vitest';
import type { ContactStore } from '#shared/ports/contact-store.js';
import type { ContactOverview, ContactProfile, HoldAcknowledgement, ObservedUser } from '#shared/domain/contacts/records.js';
import type { DomainEvent } from '#shared/contracts/events/registry.js';
import { CONSENT_CATEGORIES, supersedes, type ConsentCategory, type ConsentRecord, type ConsentState } from '#shared/domain/consent/consent.js';
import type { IdentityKey } from '#shared/domain/contacts/identity.js';
import type { CustomerServiceWindow, FreeEntryPointOpportunity, FreeEntryPointWindow } from '#shared/domain/windows/customer-service-window.js';
import { httpErrors, type HttpEvent, type HttpResult } from '#shared/middleware/http.js';
import type { ManageContactsDeps } from '#shared/usecases/manage-contacts.js';

export const WABA = '102290129340398';
export const CALLER_ARN = 'arn:aws:iam::123456789012:user/ops-alice';
export const NOW = Date.parse('2026-11-21T12:00:00.000Z');

interface Stored {
  profile: ContactProfile & { erasedAt?: number; holdAcknowledgedUpTo?: number };
  windows: Map<string, CustomerServiceWindow>;
  offers: Map<string, FreeEntryPointOpportunity>;
  feps: Map<string, FreeEntryPointWindow>;
  consent: Map<ConsentCategory, ConsentState>;
  history: ConsentRecord[];
}

export interface FakeContactStore extends ContactStore {
  /** Adds a contact directly (test set-up), keyed by its userId and phone. */
  seed(contact: Partial<ContactProfile> & { contactId: string }): ContactProfile;
  seedWindow(contactId: string, phoneNumberId: string, window: CustomerServiceWindow): void;
  seedOffer(contactId: string, phoneNumberId: string, offer: FreeEntryPointOpportunity): void;
  seedFreeEntryPointWindow(contactId: string, phoneNumberId: string, window: FreeEntryPointWindow): void;
  seedConsent(contactId: string, record: ConsentRecord): void;
  /** Number of calls to methods that write. */
  writes(): number;
  /** Everything the store holds, for "nothing was written" assertions. */
  snapshot(): string;
  historyOf(contactId: string): readonly ConsentRecord[];
  profileOf(contactId: string): (ContactProfile & { erasedAt?: number }) | undefined;
}

const keyId = (waba: string, key: IdentityKey) => `${waba}#${key.kind === 'user' ? 'U' : 'P'}#${key.value}`;

export function createFakeContactStore(): FakeContactStore {
  const keys = new Map<string, string>();
  const contacts = new Map<string, Stored>();
  let counter = 0;
  let writes = 0;

  const newContactId = () => `c_${(++counter).toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;

  function live(contactId: string): Stored | undefined {
    const stored = contacts.get(contactId);
    return stored === undefined || stored.profile.erasedAt !== undefined ? undefined : stored;
  }

  function keysOf(user: ObservedUser): IdentityKey[] {
    return [
      ...(user.userId === undefined ? [] : [{ kind: 'user' as const, value: user.userId }]),
      ...(user.phone === undefined ? [] : [{ kind: 'phone' as const, value: user.phone }]),
    ];
  }

  function defined(user: ObservedUser): Partial<ContactProfile> {
    return Object.fromEntries(Object.entries(user).filter(([, v]) => typeof v === 'string' && v !== '')) as Partial<ContactProfile>;
  }

  function emptyStored(profile: ContactProfile): Stored {
    return { profile, windows: new Map(), offers: new Map(), feps: new Map(), consent: new Map(), history: [] };
  }

  const store: FakeContactStore = {
    async resolve(waba, user, at) {
      const wanted = keysOf(user);
      if (wanted.length === 0) return undefined;
      writes++;
      const byKey = wanted.map((k) => keys.get(keyId(waba, k))).find((id) => id !== undefined && live(id) !== undefined);
      if (byKey === undefined) {
        const profile: ContactProfile = { contactId: newContactId(), businessAccountId: waba, ...defined(user), createdAt: at, updatedAt: at };
        contacts.set(profile.contactId, emptyStored(profile));
        for (const k of wanted) keys.set(keyId(waba, k), profile.contactId);
        return profile;
      }
      const stored = contacts.get(byKey)!;
      for (const k of wanted) keys.set(keyId(waba, k), byKey);
      stored.profile = { ...stored.profile, ...defined(user), updatedAt: at };
      return stored.profile;
    },
    async find(waba, ref) {
      const contactId = 'contactId' in ref ? ref.contactId : keys.get(keyId(waba, ref));
      if (contactId === undefined) return undefined;
      const stored = live(contactId);
      return stored?.profile.businessAccountId === waba ? stored.profile : undefined;
    },
    async recordInbound() {
      throw new Error('not used by the Contacts API');
    },
    async recordFreeEntryPointOffer() {
      throw new Error('not used by the Contacts API');
    },
    async openFreeEntryPointWindow() {
      throw new Error('not used by the Contacts API');
    },
    async recordConsent(contactId, record) {
      writes++;
      const stored = contacts.get(contactId)!;
      const state = stored.consent.get(record.category);
      if (state?.recordId === record.recordId) return 'current';
      if (stored.history.some((r) => r.recordId === record.recordId && r.occurredAt === record.occurredAt)) return 'duplicate';
      stored.history.push(record);
      if (!supersedes(record, state)) return 'history_only';
      stored.consent.set(record.category, { status: record.status, since: record.occurredAt, source: record.source, recordId: record.recordId });
      return 'current';
    },
    async consentHistory(contactId) {
      return [...(contacts.get(contactId)?.history ?? [])];
    },
    async putOnHold(contactId, hold) {
      writes++;
      const stored = live(contactId);
      if (stored === undefined) return false;
      stored.profile = { ...stored.profile, hold };
      return true;
    },
    async acknowledgeHold() {
      throw new Error('the Contacts API acknowledges through acknowledgeHoldBy');
    },
    async rotateUserId() {
      throw new Error('not used by the Contacts API');
    },
    async changePhone() {
      throw new Error('not used by the Contacts API');
    },
    async sendContext() {
      throw new Error('not used by the Contacts API');
    },
    async erase(contact, at) {
      writes++;
      for (const [k, id] of keys) if (id === contact.contactId) keys.delete(k);
      contacts.set(contact.contactId, emptyStored({ contactId: contact.contactId, businessAccountId: contact.businessAccountId, erasedAt: at } as never));
    },
    async contactOverview(contactId) {
      const stored = live(contactId);
      if (stored === undefined) return undefined;
      const consent = Object.fromEntries(CONSENT_CATEGORIES.map((c) => [c, stored.consent.get(c) ?? { status: 'unknown' }])) as ContactOverview['consent'];
      return {
        contact: stored.profile,
        windows: [...stored.windows].map(([phoneNumberId, w]) => ({ phoneNumberId, ...w })),
        freeEntryPointOffers: [...stored.offers].map(([phoneNumberId, o]) => ({ phoneNumberId, ...o })),
        freeEntryPointWindows: [...stored.feps].map(([phoneNumberId, w]) => ({ phoneNumberId, ...w })),
        consent,
      };
    },
    async consentHistoryPage(contactId, { limit, after }) {
      const sk = (r: ConsentRecord) => `${new Date(r.occurredAt).toISOString()}#${r.recordId}`;
      const sorted = [...(contacts.get(contactId)?.history ?? [])].sort((a, b) => (sk(a) < sk(b) ? 1 : -1));
      const from = after === undefined ? sorted : sorted.filter((r) => sk(r) < after);
      const records = from.slice(0, limit);
      return from.length > limit ? { records, after: sk(records[records.length - 1]!) } : { records };
    },
    async findConsentRecord(contactId, recordId) {
      return contacts.get(contactId)?.history.find((r) => r.recordId === recordId);
    },
    async findErasure(waba, ref) {
      const contactId = 'contactId' in ref ? ref.contactId : keys.get(keyId(waba, ref));
      const profile = contactId === undefined ? undefined : contacts.get(contactId)?.profile;
      return profile?.erasedAt === undefined || profile.businessAccountId !== waba ? undefined : { contactId: profile.contactId, erasedAt: profile.erasedAt };
    },
    async acknowledgeHoldBy(contactId, ack: HoldAcknowledgement) {
      writes++;
      const stored = live(contactId);
      const hold = stored?.profile.hold;
      if (stored === undefined || hold?.since !== ack.hold.since || hold.eventId !== ack.hold.eventId) return false;
      const { hold: _cleared, ...rest } = stored.profile;
      stored.profile = { ...rest, updatedAt: ack.acknowledgedAt, holdAcknowledgedUpTo: hold.since, lastHoldAcknowledgement: ack };
      return true;
    },

    seed(contact) {
      const profile: ContactProfile = { businessAccountId: WABA, createdAt: NOW - 86_400_000, updatedAt: NOW - 86_400_000, ...contact };
      contacts.set(profile.contactId, emptyStored(profile));
      if (profile.userId !== undefined) keys.set(keyId(profile.businessAccountId, { kind: 'user', value: profile.userId }), profile.contactId);
      if (profile.phone !== undefined) keys.set(keyId(profile.businessAccountId, { kind: 'phone', value: profile.phone }), profile.contactId);
      return profile;
    },
    seedWindow(contactId, phoneNumberId, window) {
      contacts.get(contactId)!.windows.set(phoneNumberId, window);
    },
    seedOffer(contactId, phoneNumberId, offer) {
      contacts.get(contactId)!.offers.set(phoneNumberId, offer);
    },
    seedFreeEntryPointWindow(contactId, phoneNumberId, window) {
      contacts.get(contactId)!.feps.set(phoneNumberId, window);
    },
    seedConsent(contactId, record) {
      const stored = contacts.get(contactId)!;
      stored.history.push(record);
      if (supersedes(record, stored.consent.get(record.category))) {
        stored.consent.set(record.category, { status: record.status, since: record.occurredAt, source: record.source, recordId: record.recordId });
      }
    },
    writes: () => writes,
    snapshot: () =>
      JSON.stringify({
        keys: [...keys],
        contacts: [...contacts].map(([id, s]) => [id, s.profile, [...s.consent], s.history]),
      }),
    historyOf: (contactId) => contacts.get(contactId)?.history ?? [],
    profileOf: (contactId) => contacts.get(contactId)?.profile,
  };
  return store;
}

/** Captures what the use cases publish; `fail` makes the next publish throw like the publisher does. */
export function createCapturingPublisher() {
  const events: DomainEvent[] = [];
  let failNext: Error | undefined;
  return {
    events,
    publish: vi.fn(async (batch: readonly DomainEvent[]) => {
      if (failNext !== undefined) {
        const error = failNext;
        failNext = undefined;
        throw error;
      }
      events.push(...batch);
    }),
    failNextWith(error: Error) {
      failNext = error;
    },
  };
}

export function makeDeps(store: FakeContactStore, publisher: ReturnType<typeof createCapturingPublisher>, now = NOW): ManageContactsDeps {
  let id = 0;
  return { contacts: store, publish: publisher.publish, now: () => now, newId: () => `generated-${++id}` };
}

/** Wraps a bare handler factory's result with the production error middleware. */
export function withErrors(fn: (event: HttpEvent) => Promise<HttpResult>) {
  const handler = middy<HttpEvent, HttpResult>().use(httpErrors()).handler(fn);
  return async (event: APIGatewayProxyEventV2) => {
    const result = (await handler(event, { awsRequestId: 'req', functionName: 'contacts' } as never)) as HttpResult;
    return { status: result.statusCode, headers: result.headers ?? {}, body: JSON.parse(result.body ?? 'null') as Record<string, any> };
  };
}

export interface RequestOptions {
  readonly method?: string;
  readonly path?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  readonly base64?: boolean;
  /** `null` leaves the IAM authorizer context out. */
  readonly caller?: string | null;
}

/** An HTTP API payload-format-2.0 event as API Gateway delivers it behind the IAM authorizer. */
export function apiEvent(routeKey: string, options: RequestOptions = {}): APIGatewayProxyEventV2 {
  const body = options.body === undefined ? undefined : options.base64 ? Buffer.from(options.body).toString('base64') : options.body.toString();
  const caller = options.caller === undefined ? CALLER_ARN : options.caller;
  return {
    version: '2.0',
    routeKey,
    rawPath: '/',
    rawQueryString: '',
    headers: { ...(options.headers ?? {}) },
    ...(options.query === undefined ? {} : { queryStringParameters: options.query }),
    ...(options.path === undefined ? {} : { pathParameters: options.path }),
    requestContext: {
      requestId: 'req-1',
      ...(caller === null
        ? {}
        : {
            authorizer: {
              iam: { accessKey: 'AKIAEXAMPLE', accountId: '123456789012', callerId: 'AIDAEXAMPLE', cognitoIdentity: null, principalOrgId: null, userArn: caller, userId: 'AIDAEXAMPLE' },
            },
          }),
    } as unknown as APIGatewayProxyEventV2['requestContext'],
    ...(body === undefined ? { isBase64Encoded: false } : { body, isBase64Encoded: options.base64 === true }),
  };
}
