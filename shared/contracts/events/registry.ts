import type { z } from 'zod';
import { DetailType } from './catalogue.js';
import {
  ConsentChangedSchema,
  ContactErasedSchema,
  ContactHoldAcknowledgedSchema,
  ContactIdentityChangedSchema,
  CustomerServiceWindowOpenedSchema,
} from './contacts.js';
import { eventDetailSchema, type EventMetadata } from './envelope.js';
import {
  AccountUpdatedSchema,
  BusinessCapabilityChangedSchema,
  MarketingPreferenceChangedSchema,
  MessageReceivedSchema,
  MessageStatusUpdatedSchema,
  PhoneNumberQualityChangedSchema,
  TemplateCategoryChangedSchema,
  TemplateComponentsChangedSchema,
  TemplateQualityChangedSchema,
  TemplateStatusChangedSchema,
  UserIdChangedSchema,
  UserIdentityChangedSchema,
  WebhookErrorsReportedSchema,
  WebhookUpdateUnrecognisedSchema,
} from './ingestion.js';
import {
  MessageDeadLetteredSchema,
  MessageDeferredSchema,
  MessageDeliveredSchema,
  MessageFailedSchema,
  MessageReadSchema,
  MessageSentSchema,
  SendAcceptedSchema,
  SendOutcomeUncertainSchema,
  SendRejectedSchema,
} from './outbound/outcomes.js';
import { SendRequestDataSchema } from './outbound/send-request.js';
import { MessagingLimitApproachingSchema, MessagingLimitReachedSchema } from './limits.js';
import { BudgetThresholdReachedSchema } from './billing.js';
import { HEALTH_EVENT_SCHEMAS } from './health.js';
import {
  TemplateApprovedSchema,
  TemplateDisabledSchema,
  TemplatePausedSchema,
  TemplateRecategorisationAnnouncedSchema,
  TemplateRecategorisedSchema,
  TemplateRejectedSchema,
  TemplateUnpausedSchema,
} from './templates.js';

/** The `data` schema of every detail-type: the single source for validation, types and JSON Schema. */
export const eventDataSchemas = {
  [DetailType.MessageReceived]: MessageReceivedSchema,
  [DetailType.MessageStatusUpdated]: MessageStatusUpdatedSchema,
  [DetailType.UserIdentityChanged]: UserIdentityChangedSchema,
  [DetailType.UserIdChanged]: UserIdChangedSchema,
  [DetailType.MarketingPreferenceChanged]: MarketingPreferenceChangedSchema,
  [DetailType.TemplateStatusChanged]: TemplateStatusChangedSchema,
  [DetailType.TemplateQualityChanged]: TemplateQualityChangedSchema,
  [DetailType.TemplateCategoryChanged]: TemplateCategoryChangedSchema,
  [DetailType.TemplateComponentsChanged]: TemplateComponentsChangedSchema,
  [DetailType.PhoneNumberQualityChanged]: PhoneNumberQualityChangedSchema,
  [DetailType.BusinessCapabilityChanged]: BusinessCapabilityChangedSchema,
  [DetailType.AccountUpdated]: AccountUpdatedSchema,
  [DetailType.WebhookErrorsReported]: WebhookErrorsReportedSchema,
  [DetailType.WebhookUpdateUnrecognised]: WebhookUpdateUnrecognisedSchema,
  [DetailType.TemplatePaused]: TemplatePausedSchema,
  [DetailType.TemplateUnpaused]: TemplateUnpausedSchema,
  [DetailType.TemplateDisabled]: TemplateDisabledSchema,
  [DetailType.TemplateRejected]: TemplateRejectedSchema,
  [DetailType.TemplateApproved]: TemplateApprovedSchema,
  [DetailType.TemplateRecategorised]: TemplateRecategorisedSchema,
  [DetailType.TemplateRecategorisationAnnounced]: TemplateRecategorisationAnnouncedSchema,
  [DetailType.ContactOptedIn]: ConsentChangedSchema,
  [DetailType.ContactOptedOut]: ConsentChangedSchema,
  [DetailType.CustomerServiceWindowOpened]: CustomerServiceWindowOpenedSchema,
  [DetailType.ContactIdentityChanged]: ContactIdentityChangedSchema,
  [DetailType.ContactHoldAcknowledged]: ContactHoldAcknowledgedSchema,
  [DetailType.ContactErased]: ContactErasedSchema,
  // A caller's SendRequested detail is `SendRequestSchema` (caller metadata, not EventMetadata): validate it with `parseSendRequest`.
  [DetailType.SendRequested]: SendRequestDataSchema,
  [DetailType.SendAccepted]: SendAcceptedSchema,
  [DetailType.SendRejected]: SendRejectedSchema,
  [DetailType.MessageSent]: MessageSentSchema,
  [DetailType.MessageDelivered]: MessageDeliveredSchema,
  [DetailType.MessageRead]: MessageReadSchema,
  [DetailType.MessageFailed]: MessageFailedSchema,
  [DetailType.MessageDeadLettered]: MessageDeadLetteredSchema,
  [DetailType.SendOutcomeUncertain]: SendOutcomeUncertainSchema,
  [DetailType.MessageDeferred]: MessageDeferredSchema,
  [DetailType.MessagingLimitApproaching]: MessagingLimitApproachingSchema,
  [DetailType.MessagingLimitReached]: MessagingLimitReachedSchema,
  [DetailType.BudgetThresholdReached]: BudgetThresholdReachedSchema,
  ...HEALTH_EVENT_SCHEMAS,
} as const satisfies Record<DetailType, z.ZodType>;

export type EventData<T extends DetailType> = z.infer<(typeof eventDataSchemas)[T]>;

/** An event before it is put on the bus. */
export interface DomainEvent<T extends DetailType = DetailType> {
  readonly detailType: T;
  readonly metadata: EventMetadata;
  readonly data: EventData<T>;
}

/** The detail schema (`{metadata, data}` or `{metadata, dataRef}`) of one detail-type. */
export function detailSchemaFor<T extends DetailType>(detailType: T) {
  return eventDetailSchema(eventDataSchemas[detailType]);
}
