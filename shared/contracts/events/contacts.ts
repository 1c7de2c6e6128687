import { z } from 'zod';
import { CONSENT_CATEGORIES, CONSENT_SOURCES } from '../../domain/consent/consent.js';

/** `data` of the events the contacts component publishes for other services. */

const ContactRef = {
  businessAccountId: z.string().min(1),
  contactId: z.string().min(1),
};

export const ConsentChangedSchema = z.object({
  ...ContactRef,
  category: z.enum(CONSENT_CATEGORIES),
  source: z.enum(CONSENT_SOURCES),
  /** When the customer expressed it (ISO 8601). */
  occurredAt: z.iso.datetime(),
  actor: z.string().min(1),
  /** The id of the consent record in the contact's history. */
  recordId: z.string().min(1),
});
export type ConsentChanged = z.infer<typeof ConsentChangedSchema>;

export const CustomerServiceWindowOpenedSchema = z.object({
  ...ContactRef,
  phoneNumberId: z.string().min(1),
  openedAt: z.iso.datetime(),
  closesAt: z.iso.datetime(),
  /** The inbound message that opened it. */
  wamid: z.string().min(1),
});

export const ContactIdentityChangedSchema = z.object({
  ...ContactRef,
  /** Meta's change type (`user_changed_number`, `customer_identity_changed`, `user_changed_user_id`, `user_id_update`). */
  change: z.string().min(1),
  /** True when business-initiated sends are now refused until an operator acknowledges the change. */
  onHold: z.boolean(),
  occurredAt: z.iso.datetime(),
});

export const ContactHoldAcknowledgedSchema = z.object({
  ...ContactRef,
  actor: z.string().min(1),
  acknowledgedAt: z.iso.datetime(),
});

export const ContactErasedSchema = z.object({
  ...ContactRef,
  actor: z.string().min(1),
  erasedAt: z.iso.datetime(),
});
