import type { ContactStore } from '../ports/contact-store.js';
import type { ContactProfile } from '../domain/contacts/records.js';
import { buildEvent } from '../contracts/events/build-event.js';
import { DetailType } from '../contracts/events/catalogue.js';
import type { EventMetadata } from '../contracts/events/envelope.js';
import type {
  MarketingPreferenceChanged,
  MessageReceived,
  MessageStatusUpdated,
  UserIdChanged,
  UserIdentityChanged,
  UserRef,
} from '../contracts/events/ingestion.js';
import type { DomainEvent, EventData } from '../contracts/events/registry.js';
import type { ConsentCategory, ConsentRecord, ConsentSource, ConsentStatus } from '../domain/consent/consent.js';
import { DEFAULT_KEYWORDS, isOptOutButton, matchConsentKeyword, type KeywordConfig } from '../domain/consent/keywords.js';
import { phoneFromWaId } from '../domain/contacts/phone.js';
import { defined } from '../domain/objects.js';
import { freeEntryPointOpportunity, openedBy } from '../domain/windows/customer-service-window.js';

/** What the contacts component needs from the outside world. */
export interface TrackContactActivityDeps {
  readonly contacts: ContactStore;
  readonly publish: (events: readonly DomainEvent[]) => Promise<unknown>;
  /** Asks the send pipeline for a service reply (the keyword confirmation), inside the window just opened. */
  readonly requestReply: (reply: ConsentConfirmation) => Promise<unknown>;
  readonly settingsFor: (businessAccountId: string) => ContactSettings;
}

export interface ContactSettings {
  readonly keywords: KeywordConfig;
  /** Confirmation texts sent after a keyword opt-out / opt-in; an empty text sends nothing. */
  readonly confirmations: { readonly optOut: string; readonly optIn: string };
}

export const DEFAULT_CONTACT_SETTINGS: ContactSettings = {
  keywords: DEFAULT_KEYWORDS,
  confirmations: {
    optOut: 'You will no longer receive promotional messages from us. Reply START to receive them again.',
    optIn: 'You will receive our promotional messages again. Reply STOP to stop them.',
  },
};

export interface ConsentConfirmation {
  readonly idempotencyKey: string;
  readonly correlationId: string;
  readonly phoneNumberId: string;
  readonly businessAccountId: string;
  readonly to?: string;
  readonly recipientUserId?: string;
  readonly replyTo: string;
  readonly body: string;
}

/** An event from the bus this use case reacts to: detail-type plus resolved `{metadata, data}`. */
export type ContactActivity =
  | { readonly detailType: typeof DetailType.MessageReceived; readonly metadata: EventMetadata; readonly data: MessageReceived }
  | { readonly detailType: typeof DetailType.UserIdentityChanged; readonly metadata: EventMetadata; readonly data: UserIdentityChanged }
  | { readonly detailType: typeof DetailType.UserIdChanged; readonly metadata: EventMetadata; readonly data: UserIdChanged }
  | { readonly detailType: typeof DetailType.MarketingPreferenceChanged; readonly metadata: EventMetadata; readonly data: MarketingPreferenceChanged }
  | { readonly detailType: typeof DetailType.MessageStatusUpdated; readonly metadata: EventMetadata; readonly data: MessageStatusUpdated };

/** Meta's error for a marketing template to a user who stopped marketing messages. */
const STOPPED_MARKETING = 131050;
const PRODUCER = 'track-contact-activity';

/**
 * Keeps contacts, windows and consent in step with what customers do, and tells other services.
 * Every step is idempotent, so a redelivered event re-applies nothing twice and re-emits the same events
 * (same ids) in case the first attempt crashed before publishing.
 */
export async function trackContactActivity(activity: ContactActivity, deps: TrackContactActivityDeps): Promise<void> {
  switch (activity.detailType) {
    case DetailType.MessageReceived:
      return onMessage(activity.data, deps);
    case DetailType.UserIdentityChanged:
      return onIdentityChange(activity.data, deps);
    case DetailType.UserIdChanged:
      return onUserIdRotation(activity.data, deps);
    case DetailType.MarketingPreferenceChanged:
      return onMarketingPreference(activity.data, activity.metadata, deps);
    case DetailType.MessageStatusUpdated:
      return onStatus(activity.data, deps);
  }
}

function observed(user: UserRef) {
  return {
    userId: user.userId,
    phone: user.waId === undefined ? undefined : phoneFromWaId(user.waId),
    parentUserId: user.parentUserId,
    username: user.username,
    profileName: user.profileName,
  };
}

async function onMessage(message: MessageReceived, deps: TrackContactActivityDeps): Promise<void> {
  const { business } = message;
  const at = message.timestamp * 1000;
  const contact = await deps.contacts.resolve(business.businessAccountId, observed(message.from), at);
  if (contact === undefined) return;
  const events: DomainEvent[] = [];

  const window = await deps.contacts.recordInbound(contact.contactId, business.phoneNumberId, at);
  if (window !== undefined && openedBy(window, at)) {
    events.push(
      event(DetailType.CustomerServiceWindowOpened, `window:${business.phoneNumberId}:${contact.contactId}:${at}`, at, contact, business.phoneNumberId, message.wamid, {
        businessAccountId: contact.businessAccountId,
        contactId: contact.contactId,
        phoneNumberId: business.phoneNumberId,
        openedAt: iso(at),
        closesAt: iso(window.closesAt),
        wamid: message.wamid,
      }),
    );
  }

  if (message.referral !== undefined) {
    const referral = message.referral as { ctwa_clid?: string; source_type?: string; source_id?: string };
    await deps.contacts.recordFreeEntryPointOffer(
      contact.contactId,
      business.phoneNumberId,
      freeEntryPointOpportunity(at, defined({ ctwaClid: referral.ctwa_clid, sourceType: referral.source_type, sourceId: referral.source_id })),
    );
  }

  const settings = deps.settingsFor(business.businessAccountId);
  const intent = consentIntent(message, settings.keywords);
  if (intent !== undefined) {
    for (const category of settings.keywords.categories) {
      const record: ConsentRecord = {
        recordId: `${message.wamid}:${category}`,
        category,
        status: intent.status,
        source: intent.source,
        occurredAt: at,
        evidence: intent.evidence,
        actor: 'customer',
      };
      const outcome = await deps.contacts.recordConsent(contact.contactId, record);
      if (outcome === 'current') events.push(consentEvent(contact, record, business.phoneNumberId, message.wamid));
    }
  }

  await deps.publish(events);

  if (intent?.source === 'keyword') {
    const body = intent.status === 'opted_out' ? settings.confirmations.optOut : settings.confirmations.optIn;
    if (body !== '') {
      await deps.requestReply({
        idempotencyKey: `consent-confirmation:${message.wamid}`,
        correlationId: message.wamid,
        phoneNumberId: business.phoneNumberId,
        businessAccountId: business.businessAccountId,
        ...(contact.phone !== undefined ? { to: contact.phone } : { recipientUserId: contact.userId! }),
        replyTo: message.wamid,
        body,
      });
    }
  }
}

function consentIntent(
  message: MessageReceived,
  keywords: KeywordConfig,
): { status: ConsentStatus; source: ConsentSource; evidence: string } | undefined {
  const content = message.content as Record<string, unknown>;
  if (message.type === 'text' && typeof content['body'] === 'string') {
    const match = matchConsentKeyword(content['body'], keywords);
    if (match === undefined) return undefined;
    return { status: match.action === 'opt_out' ? 'opted_out' : 'opted_in', source: 'keyword', evidence: `inbound text "${content['body'].trim()}"` };
  }
  if (message.type === 'button' && typeof content['text'] === 'string') {
    const button = { text: content['text'], payload: typeof content['payload'] === 'string' ? content['payload'] : undefined };
    if (!isOptOutButton(button, keywords)) return undefined;
    return { status: 'opted_out', source: 'button', evidence: `template button "${button.text}" (payload ${button.payload ?? 'none'})` };
  }
  return undefined;
}

async function onIdentityChange(change: UserIdentityChanged, deps: TrackContactActivityDeps): Promise<void> {
  const { business } = change;
  const at = change.timestamp * 1000;
  if (change.change === 'user_changed_user_id') {
    if (change.newUserId === undefined) return;
    const contact = await rotateFromSystemMessage(change, change.newUserId, at, deps);
    if (contact === undefined) return;
    await deps.publish([identityEvent(contact, change.change, false, at, change.wamid)]);
    return;
  }
  const newPhone = change.newWaId === undefined ? undefined : phoneFromWaId(change.newWaId);
  const contact = await contactChangingNumber(change, newPhone, at, deps);
  if (contact === undefined) return;
  if (newPhone !== undefined) await deps.contacts.changePhone(contact, newPhone, at);
  const held = await deps.contacts.putOnHold(contact.contactId, { reason: change.change, since: at, eventId: change.wamid });
  await deps.publish([identityEvent(contact, change.change, held, at, change.wamid)]);
}

/**
 * `user_changed_user_id` names the sender by the BSUID being replaced or, as in Meta's example, by phone only:
 * then the contact that phone points at is the one whose BSUID rotates (or gets its first one).
 */
async function rotateFromSystemMessage(change: UserIdentityChanged, newUserId: string, at: number, deps: TrackContactActivityDeps): Promise<ContactProfile | undefined> {
  const waba = change.business.businessAccountId;
  if (change.user.userId !== undefined) {
    const rotated = await deps.contacts.rotateUserId(waba, change.user.userId, newUserId, at, change.newParentUserId);
    if (rotated !== undefined) return rotated;
  }
  return rotateByPhone(waba, change.user.waId, change.user.userId, newUserId, at, change.newParentUserId, deps);
}

/**
 * A BSUID rotation for a contact Relais knows by phone but not by the previous BSUID (known from before the
 * username era, or the previous BSUID was never seen): the phone names the contact, which takes the new BSUID.
 * Without this a later BSUID-only message would start a second contact without the first one's consent.
 * When Meta named the previous BSUID and the phone's contact has another one, that contact is someone else
 * (a number can pass to another person, a BSUID cannot) and is left alone.
 */
async function rotateByPhone(
  waba: string,
  waId: string | undefined,
  previousUserId: string | undefined,
  newUserId: string,
  at: number,
  newParentUserId: string | undefined,
  deps: TrackContactActivityDeps,
): Promise<ContactProfile | undefined> {
  const phone = waId === undefined ? undefined : phoneFromWaId(waId);
  if (phone === undefined) return undefined;
  const contact = await deps.contacts.find(waba, { kind: 'phone', value: phone });
  if (contact === undefined) return undefined;
  if (contact.userId === undefined) return deps.contacts.resolve(waba, { userId: newUserId, phone, parentUserId: newParentUserId }, at);
  if (previousUserId !== undefined) return undefined;
  return deps.contacts.rotateUserId(waba, contact.userId, newUserId, at, newParentUserId);
}

/**
 * The contact an identity change is about. A redelivered number change names the old number, which the first
 * delivery released: the contact is then the one that moved to the new number from it (resolving the old number
 * would create a stranger and hand it the new number).
 */
async function contactChangingNumber(
  change: UserIdentityChanged,
  newPhone: string | undefined,
  at: number,
  deps: TrackContactActivityDeps,
): Promise<ContactProfile | undefined> {
  const waba = change.business.businessAccountId;
  const user = observed(change.user);
  if (user.userId === undefined && user.phone !== undefined && newPhone !== undefined && newPhone !== user.phone) {
    const stillThere = await deps.contacts.find(waba, { kind: 'phone', value: user.phone });
    if (stillThere === undefined) {
      const moved = await deps.contacts.find(waba, { kind: 'phone', value: newPhone });
      if (moved?.previousPhones?.includes(user.phone) === true) return moved;
    }
  }
  return deps.contacts.resolve(waba, user, at);
}

async function onUserIdRotation(update: UserIdChanged, deps: TrackContactActivityDeps): Promise<void> {
  const at = update.timestamp * 1000;
  const contact =
    (await deps.contacts.rotateUserId(update.businessAccountId, update.previousUserId, update.currentUserId, at, update.currentParentUserId)) ??
    (await rotateByPhone(update.businessAccountId, update.waId, update.previousUserId, update.currentUserId, at, update.currentParentUserId, deps));
  if (contact === undefined) return;
  await deps.publish([identityEvent(contact, 'user_id_update', false, at, `${update.previousUserId}:${update.currentUserId}`)]);
}

async function onMarketingPreference(pref: MarketingPreferenceChanged, metadata: EventMetadata, deps: TrackContactActivityDeps): Promise<void> {
  if (pref.preference !== 'stop' && pref.preference !== 'resume') return;
  const at = pref.timestamp * 1000;
  const contact = await deps.contacts.resolve(pref.business.businessAccountId, observed(pref.user), at);
  if (contact === undefined) return;
  const record: ConsentRecord = {
    recordId: metadata.eventId,
    category: 'marketing',
    status: pref.preference === 'stop' ? 'opted_out' : 'opted_in',
    source: 'meta_user_preferences',
    occurredAt: at,
    evidence: pref.detail ?? `user_preferences ${pref.category} ${pref.preference}`,
    actor: 'meta',
  };
  if ((await deps.contacts.recordConsent(contact.contactId, record)) === 'current') {
    await deps.publish([consentEvent(contact, record, pref.business.phoneNumberId, metadata.eventId)]);
  }
}

async function onStatus(status: MessageStatusUpdated, deps: TrackContactActivityDeps): Promise<void> {
  const stop = status.errors?.find((e) => e.code === STOPPED_MARKETING);
  if (status.status !== 'failed' || stop === undefined) return;
  const at = status.timestamp * 1000;
  const contact = await deps.contacts.resolve(status.business.businessAccountId, observed(status.recipient), at);
  if (contact === undefined) return;
  const record: ConsentRecord = {
    recordId: `${status.wamid}:${STOPPED_MARKETING}`,
    category: 'marketing',
    status: 'opted_out',
    source: 'send_failure_131050',
    occurredAt: at,
    evidence: `message ${status.wamid} failed with ${STOPPED_MARKETING}${stop.title === undefined ? '' : ` (${stop.title})`}`,
    actor: 'meta',
  };
  if ((await deps.contacts.recordConsent(contact.contactId, record)) === 'current') {
    await deps.publish([consentEvent(contact, record, status.business.phoneNumberId, status.wamid)]);
  }
}

function consentEvent(contact: ContactProfile, record: ConsentRecord, phoneNumberId: string, correlationId: string): DomainEvent {
  const type = record.status === 'opted_out' ? DetailType.ContactOptedOut : DetailType.ContactOptedIn;
  return event(type, `consent:${contact.contactId}:${record.recordId}`, record.occurredAt, contact, phoneNumberId, correlationId, {
    businessAccountId: contact.businessAccountId,
    contactId: contact.contactId,
    category: record.category as ConsentCategory,
    source: record.source,
    occurredAt: iso(record.occurredAt),
    actor: record.actor,
    recordId: record.recordId,
  });
}

function identityEvent(contact: ContactProfile, change: string, onHold: boolean, at: number, cause: string): DomainEvent {
  return event(DetailType.ContactIdentityChanged, `identity:${contact.contactId}:${change}:${cause}`, at, contact, undefined, cause, {
    businessAccountId: contact.businessAccountId,
    contactId: contact.contactId,
    change,
    onHold,
    occurredAt: iso(at),
  });
}

function event(
  detailType: DetailType,
  eventId: string,
  occurredAt: number,
  contact: ContactProfile,
  phoneNumberId: string | undefined,
  correlationId: string,
  data: Record<string, unknown>,
): DomainEvent {
  return buildEvent(
    detailType,
    { eventId, occurredAt, producer: PRODUCER, correlationId, businessAccountId: contact.businessAccountId, phoneNumberId },
    // The detail-type is only known at run time here: buildEvent checks the data against its contract.
    data as EventData<typeof detailType>,
  ) as DomainEvent;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
