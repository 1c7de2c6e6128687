/**
 * The event catalogue: every detail-type Relais publishes or consumes, defined once and reused by
 * producers, consumers, the CDK rules and the local bus. Names are PascalCase, past tense.
 */

/** `source` of every event Relais itself publishes. Callers of `SendRequested` use their own source. */
export const RELAIS_EVENT_SOURCE = 'relais.whatsapp';

export const DetailType = {
  // Ingestion: one event per webhook update.
  MessageReceived: 'MessageReceived',
  MessageStatusUpdated: 'MessageStatusUpdated',
  UserIdentityChanged: 'UserIdentityChanged',
  UserIdChanged: 'UserIdChanged',
  MarketingPreferenceChanged: 'MarketingPreferenceChanged',
  TemplateStatusChanged: 'TemplateStatusChanged',
  TemplateQualityChanged: 'TemplateQualityChanged',
  TemplateCategoryChanged: 'TemplateCategoryChanged',
  TemplateComponentsChanged: 'TemplateComponentsChanged',
  PhoneNumberQualityChanged: 'PhoneNumberQualityChanged',
  BusinessCapabilityChanged: 'BusinessCapabilityChanged',
  AccountUpdated: 'AccountUpdated',
  WebhookErrorsReported: 'WebhookErrorsReported',
  WebhookUpdateUnrecognised: 'WebhookUpdateUnrecognised',
  // Template registry: changes people and services act on, derived from what Meta said.
  TemplatePaused: 'TemplatePaused',
  TemplateUnpaused: 'TemplateUnpaused',
  TemplateDisabled: 'TemplateDisabled',
  TemplateRejected: 'TemplateRejected',
  TemplateApproved: 'TemplateApproved',
  TemplateRecategorised: 'TemplateRecategorised',
  TemplateRecategorisationAnnounced: 'TemplateRecategorisationAnnounced',
  // Contacts: consent, windows and identity, for other services.
  ContactOptedIn: 'ContactOptedIn',
  ContactOptedOut: 'ContactOptedOut',
  CustomerServiceWindowOpened: 'CustomerServiceWindowOpened',
  ContactIdentityChanged: 'ContactIdentityChanged',
  ContactHoldAcknowledged: 'ContactHoldAcknowledged',
  ContactErased: 'ContactErased',
  // Outbound: a caller's request (any source), then Relais's answer and the message's outcome.
  SendRequested: 'SendRequested',
  SendAccepted: 'SendAccepted',
  SendRejected: 'SendRejected',
  MessageSent: 'MessageSent',
  MessageDelivered: 'MessageDelivered',
  MessageRead: 'MessageRead',
  MessageFailed: 'MessageFailed',
  MessageDeadLettered: 'MessageDeadLettered',
  SendOutcomeUncertain: 'SendOutcomeUncertain',
  MessageDeferred: 'MessageDeferred',
  // Messaging limit: the portfolio's unique users in a moving 24 h, counted at each send.
  MessagingLimitApproaching: 'MessagingLimitApproaching',
  MessagingLimitReached: 'MessagingLimitReached',
  // Number and account health: what Meta said of the business's standing, as it changed.
  PhoneNumberQualityDowngraded: 'PhoneNumberQualityDowngraded',
  PhoneNumberThroughputChanged: 'PhoneNumberThroughputChanged',
  AccountRestricted: 'AccountRestricted',
  AccountRestrictionLifted: 'AccountRestrictionLifted',
  MessagingLimitChanged: 'MessagingLimitChanged',
  // Billing: an account's month of Meta charges against its budget.
  BudgetThresholdReached: 'BudgetThresholdReached',
  // Input (any source, and Relais's schedule): read Meta's number listing of an account now.
  HealthRefreshRequested: 'HealthRefreshRequested',
} as const;

export type DetailType = (typeof DetailType)[keyof typeof DetailType];

/** Current version of every event schema. Schemas change additively; a breaking change bumps this. */
export const EVENT_SCHEMA_VERSION = 1;
