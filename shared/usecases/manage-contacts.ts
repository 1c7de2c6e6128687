import { createHash, randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import type { ContactStore } from '../ports/contact-store.js';
import type { ConsentHistoryPage, ConsentWrite, ContactOverview, ContactProfile } from '../domain/contacts/records.js';
import { PublishError } from '../ports/event-publisher.js';
import { buildEvent } from '../contracts/events/build-event.js';
import { DetailType } from '../contracts/events/catalogue.js';
import type { DomainEvent, EventData } from '../contracts/events/registry.js';
import { CONSENT_HISTORY_PAGE_SIZE, IMPORT_MAX_BYTES, IMPORT_MAX_ROWS } from '../contracts/http/contacts/limits.js';
import { issueLines } from '../contracts/http/contacts/parse-request.js';
import { importRowSchema, type ContactRef, type ImportRow } from '../contracts/http/contacts/requests.js';
import { ImportFormatError, importMediaType, readImportRows } from '../contracts/http/contacts/import-format.js';
import type { ConsentCategory, ConsentRecord, ConsentState, ConsentStatus } from '../domain/consent/consent.js';
import type { IdentityKey } from '../domain/contacts/identity.js';
import { BadRequestError, DependencyError, PayloadTooLargeError, RelaisError } from '../errors.js';
import { logger } from '../logger.js';

/**
 * The Contacts API's use cases: read a contact with its windows and consent, record consent with evidence,
 * acknowledge an identity change, import contacts in bulk, erase a contact (GDPR).
 *
 * Table write then `PutEvents`: a crash between them is repaired by the caller's retry, which finds the
 * write already done and publishes the same event again (same event id, so consumers see it once). The
 * consent endpoint needs an `Idempotency-Key` for that; imports are idempotent by construction.
 */
export interface ManageContactsDeps {
  readonly contacts: ContactStore;
  readonly publish: (events: readonly DomainEvent[]) => Promise<unknown>;
  readonly now: () => number;
  /** Id of a consent record made without an idempotency key. @default randomUUID */
  readonly newId?: () => string;
  /** Erases what the send pipeline holds about the contact (recipient and content of its messages). */
  readonly eraseMessages?: (contactId: string, at: number) => Promise<number>;
  /** Import rows of different contacts applied at once. @default 8 */
  readonly importConcurrency?: number;
}

/** Reading needs neither the bus nor an id source. */
export type ContactReadDeps = Pick<ManageContactsDeps, 'contacts' | 'now'>;

const PRODUCER = 'contacts-api';

/** 404 for a contact that is unknown in this business account or erased. */
export class ContactNotFoundError extends RelaisError {
  constructor() {
    super(404, 'contact_not_found', 'no contact with this reference in this business account (unknown or erased)');
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Read
// ---------------------------------------------------------------------------------------------------------------

export interface ContactDetails {
  readonly overview: ContactOverview;
  readonly history: ConsentHistoryPage;
  /** The instant windows and offers were judged against. */
  readonly now: number;
}

/**
 * A contact with every window, free-entry-point offer and window, consent state and a page of history.
 * 1. Resolve the reference to a live contact, else 404.
 * 2. Read the contact's partition in one consistent Query (all phone numbers at once).
 * 3. Read one page of consent history, newest first, from `after` when the caller pages on.
 */
export async function getContact(
  input: { readonly businessAccountId: string; readonly ref: ContactRef; readonly after?: string | undefined },
  deps: ContactReadDeps,
): Promise<ContactDetails> {
  const contact = await findContact(input.businessAccountId, input.ref, deps);
  const overview = await deps.contacts.contactOverview(contact.contactId);
  if (overview === undefined) throw new ContactNotFoundError();
  const history = await deps.contacts.consentHistoryPage(contact.contactId, {
    limit: CONSENT_HISTORY_PAGE_SIZE,
    ...(input.after === undefined ? {} : { after: input.after }),
  });
  return { overview, history, now: deps.now() };
}

// ---------------------------------------------------------------------------------------------------------------
// Consent
// ---------------------------------------------------------------------------------------------------------------

export interface RecordConsentInput {
  readonly businessAccountId: string;
  readonly ref: ContactRef;
  readonly category: ConsentCategory;
  readonly status: ConsentStatus;
  readonly evidence: string;
  /** @default now */
  readonly occurredAt?: number | undefined;
  /** @default 'api' */
  readonly source?: 'api' | 'import' | undefined;
  /** The caller's `Idempotency-Key`: the record id becomes `api:<key>`. */
  readonly idempotencyKey?: string | undefined;
  readonly actor: string;
}

export interface RecordConsentResult {
  readonly contactId: string;
  readonly contactCreated: boolean;
  readonly record: ConsentRecord;
  readonly outcome: ConsentWrite;
  /** The category's state after the call. */
  readonly current: ConsentState;
  /** The idempotency key had been used: nothing was written, the original record is returned. */
  readonly replayed: boolean;
}

/**
 * Records an opt-in or opt-out stated through the API.
 * 1. Resolve the contact; a phone number or BSUID not seen yet creates it, a contact id must exist.
 * 2. With an idempotency key already used for this contact, return the original record (409 if the request
 *    now says something else) and publish its event again if it is still current.
 * 3. Append the record to the history; it becomes current when it is the latest the customer expressed.
 * 4. Publish ContactOptedIn / ContactOptedOut when it became current.
 */
export async function recordConsent(input: RecordConsentInput, deps: ManageContactsDeps): Promise<RecordConsentResult> {
  const { contact, created } = await findOrCreateContact(input.businessAccountId, input.ref, deps);
  const recordId = `api:${input.idempotencyKey ?? (deps.newId ?? randomUUID)()}`;

  if (input.idempotencyKey !== undefined && !created) {
    const previous = await deps.contacts.findConsentRecord(contact.contactId, recordId);
    if (previous !== undefined) {
      const sameRequest =
        previous.category === input.category &&
        previous.status === input.status &&
        previous.evidence === input.evidence &&
        previous.source === (input.source ?? 'api') &&
        (input.occurredAt === undefined || input.occurredAt === previous.occurredAt);
      if (!sameRequest) {
        throw new RelaisError(409, 'idempotency_key_reused', 'Idempotency-Key was already used for a different consent request on this contact');
      }
      const current = await currentState(contact.contactId, previous.category, deps);
      if (current.recordId === previous.recordId) await publish([consentEvent(contact, previous)], deps);
      return { contactId: contact.contactId, contactCreated: false, record: previous, outcome: 'duplicate', current, replayed: true };
    }
  }

  const record: ConsentRecord = {
    recordId,
    category: input.category,
    status: input.status,
    source: input.source ?? 'api',
    occurredAt: input.occurredAt ?? deps.now(),
    evidence: input.evidence,
    actor: input.actor,
  };
  const outcome = await deps.contacts.recordConsent(contact.contactId, record);
  if (outcome === 'current') await publish([consentEvent(contact, record)], deps);
  const current = await currentState(contact.contactId, record.category, deps);
  logger.info('consent recorded', { contactId: contact.contactId, category: record.category, status: record.status, outcome, contactCreated: created });
  return { contactId: contact.contactId, contactCreated: created, record, outcome, current, replayed: false };
}

// ---------------------------------------------------------------------------------------------------------------
// Identity change
// ---------------------------------------------------------------------------------------------------------------

export interface AcknowledgeIdentityChangeResult {
  readonly contactId: string;
  readonly hold: NonNullable<ContactProfile['hold']>;
  readonly acknowledgedAt: number;
  readonly actor: string;
  readonly note?: string;
}

/**
 * An operator confirms that the person behind a changed identity is still the customer.
 * 1. Resolve the contact, else 404.
 * 2. Without a hold answer 409, and publish the last acknowledgement's event again (same id) in case the
 *    call that cleared the hold crashed before publishing it.
 * 3. Clear the hold and record who acknowledged it and why, in one conditional write (409 if the hold
 *    changed meanwhile).
 * 4. Publish ContactHoldAcknowledged: the send path may initiate conversations again.
 */
export async function acknowledgeIdentityChange(
  input: { readonly businessAccountId: string; readonly ref: ContactRef; readonly note?: string | undefined; readonly actor: string },
  deps: ManageContactsDeps,
): Promise<AcknowledgeIdentityChangeResult> {
  const contact = await findContact(input.businessAccountId, input.ref, deps);
  if (contact.hold === undefined) {
    if (contact.lastHoldAcknowledgement !== undefined) await publish([holdAcknowledgedEvent(contact, contact.lastHoldAcknowledgement)], deps);
    throw new RelaisError(409, 'no_hold', 'the contact has no identity change waiting for acknowledgement');
  }
  const acknowledgement = {
    hold: contact.hold,
    acknowledgedAt: deps.now(),
    actor: input.actor,
    ...(input.note === undefined ? {} : { note: input.note }),
  };
  if (!(await deps.contacts.acknowledgeHoldBy(contact.contactId, acknowledgement))) {
    throw new RelaisError(409, 'hold_changed', 'the identity-change hold changed while it was being acknowledged; read the contact and try again');
  }
  await publish([holdAcknowledgedEvent(contact, acknowledgement)], deps);
  logger.info('identity change acknowledged', { contactId: contact.contactId, reason: contact.hold.reason });
  return { contactId: contact.contactId, ...acknowledgement };
}

// ---------------------------------------------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------------------------------------------

export type ImportOutcome =
  | {
      readonly valid: true;
      readonly rows: ReadonlyArray<{ row: number; ok: true; contactId: string; created: boolean; consent?: ConsentWrite }>;
    }
  | { readonly valid: false; readonly total: number; readonly rows: ReadonlyArray<{ row: number; line: number; ok: false; problems: string[] }> };

/**
 * Bulk import from a file (`application/x-ndjson` or `text/csv`), all or nothing at validation.
 * 1. Refuse a body over 1 MB or over 1,000 rows (413), a media type other than the two (415), a file that
 *    cannot be read as a whole (400).
 * 2. Validate every row; if any is invalid, report each invalid row and write nothing.
 * 3. Apply each row: find or create the contact by BSUID then phone (writing only what changes), then its
 *    consent with record id `import:<sha256 of the body>:<row>`, so posting the same file again changes nothing.
 *    Rows naming the same person run in file order; different people run concurrently.
 * 4. Publish ContactOptedIn / ContactOptedOut for consent that became current (again, same ids, for rows a
 *    retried import finds already current).
 */
export async function importContacts(
  input: { readonly businessAccountId: string; readonly contentType: string | undefined; readonly body: Buffer; readonly actor: string },
  deps: ManageContactsDeps,
): Promise<ImportOutcome> {
  if (input.body.length > IMPORT_MAX_BYTES) {
    throw new PayloadTooLargeError(`the import body is ${input.body.length} bytes; the limit is ${IMPORT_MAX_BYTES} bytes (1 MB)`);
  }
  const mediaType = importMediaType(input.contentType);
  if (mediaType === undefined) {
    throw new RelaisError(415, 'unsupported_media_type', 'content-type must be application/x-ndjson or text/csv (UTF-8)');
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(input.body);
  } catch {
    throw new BadRequestError('invalid_encoding', 'the import body is not valid UTF-8');
  }
  let raw;
  try {
    raw = readImportRows(mediaType, text);
  } catch (error) {
    if (error instanceof ImportFormatError) throw new BadRequestError('invalid_import_file', error.message);
    throw error;
  }
  if (raw.length === 0) throw new BadRequestError('empty_import', 'the import contains no rows');
  if (raw.length > IMPORT_MAX_ROWS) {
    throw new RelaisError(413, 'too_many_rows', `the import has ${raw.length} rows; the limit is ${IMPORT_MAX_ROWS} rows per request`);
  }

  const now = deps.now();
  const schema = importRowSchema(now);
  // CSV problems name the column, JSON lines the path.
  const rename = mediaType === 'text/csv' ? (path: string) => path.replace(/^consent\./, '') : (path: string) => path;
  const valid: Array<{ row: number; data: ImportRow }> = [];
  const invalid: Array<{ row: number; line: number; ok: false; problems: string[] }> = [];
  for (const r of raw) {
    if (!r.value.ok) {
      invalid.push({ row: r.row, line: r.line, ok: false, problems: [r.value.problem] });
      continue;
    }
    const parsed = schema.safeParse(r.value.data);
    if (parsed.success) valid.push({ row: r.row, data: parsed.data });
    else invalid.push({ row: r.row, line: r.line, ok: false, problems: issueLines(parsed.error.issues, rename) });
  }
  if (invalid.length > 0) {
    logger.warn('import refused', { rows: raw.length, invalidRows: invalid.length });
    return { valid: false, total: raw.length, rows: invalid };
  }

  const bodyHash = createHash('sha256').update(input.body).digest('hex');
  const results = new Map<number, { row: number; ok: true; contactId: string; created: boolean; consent?: ConsentWrite }>();
  const events: DomainEvent[] = [];
  await runGroups(groupBySharedKey(valid), deps.importConcurrency ?? 8, async (item) => {
    const outcome = await applyImportRow(input.businessAccountId, item, `import:${bodyHash}:${item.row}`, input.actor, now, deps);
    results.set(item.row, outcome.result);
    if (outcome.event !== undefined) events.push(outcome.event);
  });
  await publish(events, deps);
  const rows = valid.map((v) => results.get(v.row)!);
  logger.info('contacts imported', {
    rows: rows.length,
    created: rows.filter((r) => r.created).length,
    consentCurrent: rows.filter((r) => r.consent === 'current').length,
  });
  return { valid: true, rows };
}

async function applyImportRow(
  waba: string,
  { row, data }: { row: number; data: ImportRow },
  recordId: string,
  actor: string,
  now: number,
  deps: ManageContactsDeps,
): Promise<{ result: { row: number; ok: true; contactId: string; created: boolean; consent?: ConsentWrite }; event?: DomainEvent }> {
  const existing =
    (data.userId === undefined ? undefined : await deps.contacts.find(waba, { kind: 'user', value: data.userId })) ??
    (data.phone === undefined ? undefined : await deps.contacts.find(waba, { kind: 'phone', value: data.phone }));
  const unchanged =
    existing !== undefined &&
    (data.userId === undefined || existing.userId === data.userId) &&
    (data.phone === undefined || existing.phone === data.phone) &&
    (data.profileName === undefined || existing.profileName === data.profileName);
  const contact = unchanged ? existing : await deps.contacts.resolve(waba, { userId: data.userId, phone: data.phone, profileName: data.profileName }, now);
  if (contact === undefined) throw new Error('import row named no identity key after validation');
  const base = { row, ok: true as const, contactId: contact.contactId, created: existing === undefined };
  if (data.consent === undefined) return { result: base };

  const previous = await deps.contacts.findConsentRecord(contact.contactId, recordId);
  if (previous !== undefined) {
    const current = await currentState(contact.contactId, previous.category, deps);
    return { result: { ...base, consent: 'duplicate' }, ...(current.recordId === recordId ? { event: consentEvent(contact, previous) } : {}) };
  }
  const record: ConsentRecord = {
    recordId,
    category: data.consent.category,
    status: data.consent.status,
    source: 'import',
    occurredAt: data.consent.occurredAt ?? now,
    evidence: data.consent.evidence,
    actor,
  };
  const outcome = await deps.contacts.recordConsent(contact.contactId, record);
  return { result: { ...base, consent: outcome }, ...(outcome === 'current' ? { event: consentEvent(contact, record) } : {}) };
}

/** Rows that share a phone number or BSUID end up in one group (union-find over their keys), in file order. */
function groupBySharedKey<T extends { row: number; data: ImportRow }>(rows: readonly T[]): T[][] {
  const parent = rows.map((_, i) => i);
  const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i]!)));
  const owner = new Map<string, number>();
  rows.forEach((r, i) => {
    for (const key of [r.data.userId && `U#${r.data.userId}`, r.data.phone && `P#${r.data.phone}`]) {
      if (!key) continue;
      const other = owner.get(key);
      if (other === undefined) owner.set(key, i);
      else parent[root(i)] = root(other);
    }
  });
  const groups = new Map<number, T[]>();
  rows.forEach((r, i) => {
    const g = root(i);
    groups.set(g, [...(groups.get(g) ?? []), r]);
  });
  return [...groups.values()];
}

/**
 * Runs `groups` concurrently, at most `concurrency` at a time (p-limit, https://github.com/sindresorhus/p-limit),
 * and the items of one group one after another in their order, so rows naming the same contact never race.
 * Rejects with the first failure; after it, no item that has not started yet is started.
 */
export async function runGroups<T>(groups: readonly (readonly T[])[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  const limit = pLimit(Math.max(1, concurrency));
  let failed = false;
  await Promise.all(
    groups.map((group) =>
      limit(async () => {
        for (const item of group) {
          if (failed) return;
          try {
            await work(item);
          } catch (error) {
            failed = true;
            limit.clearQueue();
            throw error;
          }
        }
      }),
    ),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Erasure
// ---------------------------------------------------------------------------------------------------------------

/**
 * GDPR erasure of a contact: profile, identity keys, windows, free-entry-point items, consent state and
 * history are deleted; a tombstone keeps only the contact id, the business account and the time of erasure.
 * Billing records (a later issue) are keyed by this pseudonymous contact id and are kept, as accounting
 * law requires; nothing in them names the person once the contact is erased.
 * 1. Resolve the reference to a live contact; if it is already erased (reached by contact id, or by a key an
 *    interrupted erasure left), finish that erasure again and answer as the first time; else 404.
 * 2. Erase through the store (tombstone first, so a crash midway leaves the contact unreadable).
 * 3. Publish ContactErased with the contact id only, for other services to erase their copies.
 */
export async function eraseContact(
  input: { readonly businessAccountId: string; readonly ref: ContactRef; readonly actor: string },
  deps: ManageContactsDeps,
): Promise<{ contactId: string; erasedAt: number }> {
  const waba = input.businessAccountId;
  const contact = await deps.contacts.find(waba, storeRef(input.ref));
  let erased: { contactId: string; erasedAt: number };
  if (contact !== undefined) {
    erased = { contactId: contact.contactId, erasedAt: deps.now() };
    await deps.contacts.erase(contact, erased.erasedAt);
  } else {
    const tombstone = await deps.contacts.findErasure(waba, storeRef(input.ref));
    if (tombstone === undefined) throw new ContactNotFoundError();
    erased = tombstone;
    // Keys and items an interrupted erasure may have left; the tombstone is rewritten unchanged.
    await deps.contacts.erase(
      { contactId: tombstone.contactId, businessAccountId: waba, ...('key' in input.ref ? keyFields(input.ref.key) : {}), createdAt: 0, updatedAt: 0 },
      tombstone.erasedAt,
    );
  }
  const messages = (await deps.eraseMessages?.(erased.contactId, erased.erasedAt)) ?? 0;
  await publish(
    [
      domainEvent(DetailType.ContactErased, `erased:${erased.contactId}`, erased.erasedAt, waba, erased.contactId, {
        businessAccountId: waba,
        contactId: erased.contactId,
        actor: input.actor,
        erasedAt: new Date(erased.erasedAt).toISOString(),
      }),
    ],
    deps,
  );
  logger.info('contact erased', { contactId: erased.contactId, messages });
  return erased;
}

// ---------------------------------------------------------------------------------------------------------------
// Shared steps
// ---------------------------------------------------------------------------------------------------------------

function storeRef(ref: ContactRef): IdentityKey | { contactId: string } {
  return 'key' in ref ? ref.key : { contactId: ref.contactId };
}

function keyFields(key: IdentityKey): { userId: string } | { phone: string } {
  return key.kind === 'user' ? { userId: key.value } : { phone: key.value };
}

async function findContact(waba: string, ref: ContactRef, deps: ContactReadDeps): Promise<ContactProfile> {
  const contact = await deps.contacts.find(waba, storeRef(ref));
  if (contact === undefined) throw new ContactNotFoundError();
  return contact;
}

async function findOrCreateContact(waba: string, ref: ContactRef, deps: ManageContactsDeps): Promise<{ contact: ContactProfile; created: boolean }> {
  const found = await deps.contacts.find(waba, storeRef(ref));
  if (found !== undefined) return { contact: found, created: false };
  if (!('key' in ref)) throw new ContactNotFoundError();
  const contact = await deps.contacts.resolve(waba, keyFields(ref.key), deps.now());
  if (contact === undefined) throw new Error('contact store created no contact for an identity key');
  return { contact, created: true };
}

async function currentState(contactId: string, category: ConsentCategory, deps: ManageContactsDeps): Promise<ConsentState> {
  const overview = await deps.contacts.contactOverview(contactId);
  return overview?.consent[category] ?? { status: 'unknown' };
}

async function publish(events: readonly DomainEvent[], deps: ManageContactsDeps): Promise<void> {
  if (events.length === 0) return;
  try {
    await deps.publish(events);
  } catch (error) {
    // The write is done; the caller's retry publishes the same events again.
    if (error instanceof PublishError) throw new DependencyError('publish_failed', error.message);
    throw error;
  }
}

function consentEvent(contact: ContactProfile, record: ConsentRecord): DomainEvent {
  const type = record.status === 'opted_out' ? DetailType.ContactOptedOut : DetailType.ContactOptedIn;
  return domainEvent(type, `consent:${contact.contactId}:${record.recordId}`, record.occurredAt, contact.businessAccountId, record.recordId, {
    businessAccountId: contact.businessAccountId,
    contactId: contact.contactId,
    category: record.category,
    source: record.source,
    occurredAt: new Date(record.occurredAt).toISOString(),
    actor: record.actor,
    recordId: record.recordId,
  });
}

function holdAcknowledgedEvent(contact: ContactProfile, ack: { hold: NonNullable<ContactProfile['hold']>; acknowledgedAt: number; actor: string }): DomainEvent {
  return domainEvent(
    DetailType.ContactHoldAcknowledged,
    `hold-acknowledged:${contact.contactId}:${ack.hold.eventId}`,
    ack.acknowledgedAt,
    contact.businessAccountId,
    ack.hold.eventId,
    { businessAccountId: contact.businessAccountId, contactId: contact.contactId, actor: ack.actor, acknowledgedAt: new Date(ack.acknowledgedAt).toISOString() },
  );
}

/** Builds an event and validates its data against the catalogue's schema before it goes anywhere. */
function domainEvent<T extends DetailType>(detailType: T, eventId: string, occurredAt: number, waba: string, correlationId: string, data: EventData<T>): DomainEvent {
  return buildEvent(detailType, { eventId, occurredAt, producer: PRODUCER, correlationId, businessAccountId: waba }, data) as DomainEvent;
}
