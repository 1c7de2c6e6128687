import type { ConsentRecord } from '../domain/consent/consent.js';
import type { IdentityKey } from '../domain/contacts/identity.js';
import type { ConsentHistoryPage, ConsentWrite, ContactOverview, ContactProfile, HoldAcknowledgement, ObservedUser, SendContext } from '../domain/contacts/records.js';
import type { CustomerServiceWindow, FreeEntryPointOpportunity, FreeEntryPointWindow } from '../domain/windows/customer-service-window.js';

/**
 * Contacts, identity keys, windows and consent as the use cases see them. The DynamoDB implementation is
 * `shared/adapters/contact-store.ts`; use cases and tests see only these ports.
 */
export interface ContactStore {
  /** Finds the contact a webhook names, creating it on first sight and attaching any key it did not have. */
  resolve(businessAccountId: string, user: ObservedUser, at: number): Promise<ContactProfile | undefined>;
  find(businessAccountId: string, ref: IdentityKey | { contactId: string }): Promise<ContactProfile | undefined>;
  /**
   * Opens or extends the window unless a later message already did (then undefined). A redelivered message
   * returns the stored window unchanged, so callers can re-emit what it caused.
   */
  recordInbound(contactId: string, phoneNumberId: string, inboundAt: number): Promise<CustomerServiceWindow | undefined>;
  recordFreeEntryPointOffer(contactId: string, phoneNumberId: string, offer: FreeEntryPointOpportunity): Promise<boolean>;
  /**
   * Stores the 72 h free-entry-point window a business reply opened, unless one is still open (a later
   * reply does not extend it). Returns whether this call opened it.
   */
  openFreeEntryPointWindow(contactId: string, phoneNumberId: string, window: FreeEntryPointWindow): Promise<boolean>;
  /** Appends to the history (once per recordId) and moves the current state when the record supersedes it. */
  recordConsent(contactId: string, record: ConsentRecord): Promise<ConsentWrite>;
  consentHistory(contactId: string): Promise<ConsentRecord[]>;
  putOnHold(contactId: string, hold: NonNullable<ContactProfile['hold']>): Promise<boolean>;
  acknowledgeHold(contactId: string, at: number): Promise<boolean>;
  /** Moves a BSUID: the new key points at the same contact; the old one is kept for late webhooks. */
  rotateUserId(businessAccountId: string, previous: string, current: string, at: number, parent?: string): Promise<ContactProfile | undefined>;
  /** The customer changed number: the new phone points at the contact, the old one is released. */
  changePhone(contact: ContactProfile, newPhone: string, at: number): Promise<void>;
  /** Everything about one contact the send path needs, for one phone number: one Query. */
  sendContext(contactId: string, phoneNumberId: string): Promise<SendContext | undefined>;
  /** GDPR erasure: every item of the contact and its identity keys; a tombstone keeps the fact of erasure. */
  erase(contact: ContactProfile, at: number): Promise<void>;
  /** Everything in the contact's partition (all phone numbers), read in one consistent Query. Undefined when unknown or erased. */
  contactOverview(contactId: string): Promise<ContactOverview | undefined>;
  /** One page of the consent history, newest first; `after` is the position a previous page returned. */
  consentHistoryPage(contactId: string, options: { readonly limit: number; readonly after?: string }): Promise<ConsentHistoryPage>;
  /** The history record with this id, whatever its time. */
  findConsentRecord(contactId: string, recordId: string): Promise<ConsentRecord | undefined>;
  /** The tombstone of an erased contact, reached by its contact id or by an identity key that still points at it. */
  findErasure(businessAccountId: string, ref: IdentityKey | { contactId: string }): Promise<{ contactId: string; erasedAt: number } | undefined>;
  /**
   * Clears `expected` (the hold the caller read) and records who acknowledged it, in one conditional update;
   * false when the contact no longer carries that hold.
   */
  acknowledgeHoldBy(contactId: string, acknowledgement: HoldAcknowledgement): Promise<boolean>;
}

/** The send path's read, a port of its own so the send pipeline depends on nothing else of the store. */
export interface SendContextReader {
  /**
   * Window, consent and hold of the contact a caller names (phone, BSUID or contact id), for one business phone
   * number: the identity key (one Get), then `sendContext` (one Query) — 2 round trips from a phone or BSUID, 1 from
   * a contact id, where `find` + `sendContext` take 3 (`find` also reads the profile, which the Query returns anyway).
   */
  sendContextFor(businessAccountId: string, ref: IdentityKey | { contactId: string }, phoneNumberId: string): Promise<SendContext | undefined>;
}
