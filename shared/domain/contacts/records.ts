import type { ConsentRecord, ConsentSnapshot } from '../consent/consent.js';
import type { CustomerServiceWindow, FreeEntryPointOpportunity, FreeEntryPointWindow } from '../windows/customer-service-window.js';

/**
 * A contact's records, as the contacts and send use cases read and write them. The store that keeps them is a
 * port (`shared/ports/contact-store.ts`); its DynamoDB implementation is `shared/adapters/contact-store.ts`.
 */

/** A contact: its identities (BSUID, phone, and those it had before), profile, and any hold on business-initiated sends. */
export interface ContactProfile {
  readonly contactId: string;
  readonly businessAccountId: string;
  readonly userId?: string;
  readonly phone?: string;
  readonly parentUserId?: string;
  readonly username?: string;
  readonly profileName?: string;
  readonly previousUserIds?: readonly string[];
  readonly previousPhones?: readonly string[];
  /** Set by an identity change: business-initiated sends are refused until an operator acknowledges it. */
  readonly hold?: { readonly reason: string; readonly since: number; readonly eventId: string };
  /** The latest hold an operator acknowledged through the API, with who did it and why. */
  readonly lastHoldAcknowledgement?: HoldAcknowledgement;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface SendContext {
  readonly contact: ContactProfile;
  readonly window: CustomerServiceWindow | undefined;
  readonly freeEntryPointOffer: FreeEntryPointOpportunity | undefined;
  readonly freeEntryPointWindow: FreeEntryPointWindow | undefined;
  readonly consent: ConsentSnapshot;
}

export type ConsentWrite = 'current' | 'history_only' | 'duplicate';

export interface HoldAcknowledgement {
  /** The hold that was cleared. */
  readonly hold: NonNullable<ContactProfile['hold']>;
  readonly acknowledgedAt: number;
  /** The operator or service principal (IAM ARN). */
  readonly actor: string;
  readonly note?: string;
}

/** Every item of a contact's partition: profile, windows and free-entry-point items for all numbers, consent. */
export interface ContactOverview {
  readonly contact: ContactProfile;
  readonly windows: ReadonlyArray<CustomerServiceWindow & { readonly phoneNumberId: string }>;
  readonly freeEntryPointOffers: ReadonlyArray<FreeEntryPointOpportunity & { readonly phoneNumberId: string }>;
  readonly freeEntryPointWindows: ReadonlyArray<FreeEntryPointWindow & { readonly phoneNumberId: string }>;
  readonly consent: ConsentSnapshot;
}

export interface ConsentHistoryPage {
  /** Newest first (by when the customer expressed it). */
  readonly records: readonly ConsentRecord[];
  /** Present when older records remain: pass it as `after` to read on. */
  readonly after?: string;
}

/** What a webhook says about a user: the identity keys and profile fields it carries (Meta omits some). */
export interface ObservedUser {
  readonly userId?: string | undefined;
  readonly phone?: string | undefined;
  readonly parentUserId?: string | undefined;
  readonly username?: string | undefined;
  readonly profileName?: string | undefined;
}
