import type { z } from 'zod';
import type { ConsentHistoryPage, ContactOverview, ContactProfile, HoldAcknowledgement } from '../../../domain/contacts/records.js';
import { freeEntryPointOfferOpen, freeEntryPointOpen, windowState } from '../../../domain/windows/customer-service-window.js';
import { CONSENT_CATEGORIES, type ConsentRecord, type ConsentSnapshot, type ConsentState } from '../../../domain/consent/consent.js';
import { encodeHistoryToken } from './history-token.js';
import type {
  ConsentRecordViewSchema,
  ConsentSnapshotViewSchema,
  ConsentStateViewSchema,
  ContactViewSchema,
  GetContactResponse,
  HoldViewSchema,
} from './responses.js';

/**
 * Domain records mapped to the Contacts API's response views (`./responses.ts`): epoch milliseconds become
 * ISO 8601 strings, absent optional fields stay absent.
 */

/** Epoch milliseconds as the ISO 8601 string (UTC, milliseconds) every response carries. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function consentStateView(state: ConsentState): z.infer<typeof ConsentStateViewSchema> {
  return {
    status: state.status,
    ...(state.since === undefined ? {} : { since: iso(state.since) }),
    ...(state.source === undefined ? {} : { source: state.source }),
    ...(state.recordId === undefined ? {} : { recordId: state.recordId }),
  };
}

export function consentSnapshotView(snapshot: ConsentSnapshot): z.infer<typeof ConsentSnapshotViewSchema> {
  return Object.fromEntries(CONSENT_CATEGORIES.map((c) => [c, consentStateView(snapshot[c])])) as z.infer<typeof ConsentSnapshotViewSchema>;
}

export function consentRecordView(record: ConsentRecord): z.infer<typeof ConsentRecordViewSchema> {
  return {
    recordId: record.recordId,
    category: record.category,
    status: record.status,
    source: record.source,
    occurredAt: iso(record.occurredAt),
    evidence: record.evidence,
    actor: record.actor,
  };
}

function holdView(hold: NonNullable<ContactProfile['hold']>): z.infer<typeof HoldViewSchema> {
  return { reason: hold.reason, since: iso(hold.since), eventId: hold.eventId };
}

export function contactView(contact: ContactProfile): z.infer<typeof ContactViewSchema> {
  const ack: HoldAcknowledgement | undefined = contact.lastHoldAcknowledgement;
  return {
    contactId: contact.contactId,
    businessAccountId: contact.businessAccountId,
    ...(contact.userId === undefined ? {} : { userId: contact.userId }),
    ...(contact.phone === undefined ? {} : { phone: contact.phone }),
    ...(contact.parentUserId === undefined ? {} : { parentUserId: contact.parentUserId }),
    ...(contact.username === undefined ? {} : { username: contact.username }),
    ...(contact.profileName === undefined ? {} : { profileName: contact.profileName }),
    previousUserIds: [...(contact.previousUserIds ?? [])],
    previousPhones: [...(contact.previousPhones ?? [])],
    hold: contact.hold === undefined ? null : holdView(contact.hold),
    ...(ack === undefined
      ? {}
      : {
          lastHoldAcknowledgement: {
            hold: holdView(ack.hold),
            acknowledgedAt: iso(ack.acknowledgedAt),
            actor: ack.actor,
            ...(ack.note === undefined ? {} : { note: ack.note }),
          },
        }),
    createdAt: iso(contact.createdAt),
    updatedAt: iso(contact.updatedAt),
  };
}

/** GET contact's body: windows and offers judged open or closed at `now` from their stored times. */
export function getContactResponse(overview: ContactOverview, history: ConsentHistoryPage, now: number): GetContactResponse {
  const numbers = [...new Set([...overview.freeEntryPointOffers, ...overview.freeEntryPointWindows].map((x) => x.phoneNumberId))].sort();
  return {
    contact: contactView(overview.contact),
    windows: [...overview.windows]
      .sort((a, b) => a.phoneNumberId.localeCompare(b.phoneNumberId))
      .map((w) => ({
        phoneNumberId: w.phoneNumberId,
        open: windowState(w, now).open,
        openedAt: iso(w.openedAt),
        lastInboundAt: iso(w.lastInboundAt),
        closesAt: iso(w.closesAt),
      })),
    freeEntryPoints: numbers.map((phoneNumberId) => {
      const offer = overview.freeEntryPointOffers.find((o) => o.phoneNumberId === phoneNumberId);
      const window = overview.freeEntryPointWindows.find((w) => w.phoneNumberId === phoneNumberId);
      return {
        phoneNumberId,
        offer:
          offer === undefined
            ? null
            : {
                referralAt: iso(offer.referralAt),
                replyBy: iso(offer.replyBy),
                open: freeEntryPointOfferOpen(offer, now),
                ...(offer.ctwaClid === undefined ? {} : { ctwaClid: offer.ctwaClid }),
                ...(offer.sourceType === undefined ? {} : { sourceType: offer.sourceType }),
                ...(offer.sourceId === undefined ? {} : { sourceId: offer.sourceId }),
              },
        window: window === undefined ? null : { opensAt: iso(window.opensAt), closesAt: iso(window.closesAt), open: freeEntryPointOpen(window, now) },
      };
    }),
    consent: consentSnapshotView(overview.consent),
    consentHistory: {
      items: history.records.map(consentRecordView),
      ...(history.after === undefined ? {} : { nextToken: encodeHistoryToken(history.after) }),
    },
  };
}
