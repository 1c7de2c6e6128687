import { z } from 'zod';
import { DetailType, EVENT_SCHEMA_VERSION, RELAIS_EVENT_SOURCE } from './events/catalogue.js';
import { SendRequestSchema } from './events/outbound/send-request.js';
import { detailSchemaFor, eventDataSchemas } from './events/registry.js';

/**
 * JSON Schema (draft 2020-12) of every event's `detail`, generated from the zod schemas in
 * `events/registry.ts` and published in `events/schemas/` for teams that do not use TypeScript.
 * Regenerate with `npx tsx shared/contracts/write-json-schemas.ts`; a unit test fails while the committed
 * files differ from what this module produces.
 */

/** `$id` of the schema of one detail-type: a URN, stable across deployments. */
export function eventSchemaId(detailType: DetailType): string {
  return `urn:relais:event:${detailType}:v${EVENT_SCHEMA_VERSION}`;
}

/**
 * What each event means, for the detail-types whose data schema carries no zod description. A detail-type
 * with neither makes {@link eventJsonSchemas} throw, so no event is published undocumented.
 */
const eventDescriptions: Partial<Record<DetailType, string>> = {
  SendRequested: 'A request to send one WhatsApp message.',
  MessageReceived: 'A WhatsApp user sent a message to a business phone number (one event per inbound message).',
  MessageStatusUpdated: "Meta reported a status (sent, delivered, read, played, failed) for a message, as the webhook gave it.",
  UserIdentityChanged: 'A system message: the user changed phone number, identity key or business-scoped user id.',
  UserIdChanged: "Meta's user_id_update webhook: a user's business-scoped user id was replaced.",
  MarketingPreferenceChanged: "A user stopped or resumed marketing messages in WhatsApp's settings (user_preferences webhook).",
  TemplateStatusChanged: 'A message template changed status (approved, rejected, paused, disabled…).',
  TemplateQualityChanged: "A message template's quality score changed.",
  TemplateCategoryChanged: 'Meta will re-categorise, or has re-categorised, a message template.',
  TemplateComponentsChanged: "A message template's components were edited.",
  PhoneNumberQualityChanged: "A business phone number's quality rating or messaging limit changed.",
  BusinessCapabilityChanged: "The business portfolio's capabilities (messaging limit, number limits) changed.",
  AccountUpdated: 'The WhatsApp Business Account was updated (verification, restriction, violation, volume tier…).',
  WebhookErrorsReported: 'Meta reported errors through the webhook rather than for one message.',
  WebhookUpdateUnrecognised: 'A webhook update Relais does not model yet, or that failed validation; kept whole for inspection.',
  ContactOptedIn: 'A contact gave consent for a category of messages.',
  ContactOptedOut: 'A contact withdrew consent for a category of messages.',
  CustomerServiceWindowOpened: "An inbound message opened (or extended) the contact's 24 h customer service window.",
  ContactIdentityChanged: "A contact's identity changed (number, BSUID, identity key); business-initiated sends may be on hold.",
  ContactHoldAcknowledged: "An operator acknowledged a contact's identity change, lifting the hold on sends.",
  ContactErased: "A contact's personal data was erased.",
};

const JSON_SCHEMA_PARAMS = { target: 'draft-2020-12', io: 'input' } as const;

/** One detail-type's JSON Schema: `$schema`, `$id`, `title`, `description`, then the generated body. */
function schemaFor(detailType: DetailType): Record<string, unknown> {
  const described = eventDescriptions[detailType] ?? eventDataSchemas[detailType].description;
  if (described === undefined) {
    throw new Error(`event ${detailType} has no description: add one to eventDescriptions in json-schema.ts or .describe() its data schema`);
  }
  const isRequest = detailType === DetailType.SendRequested;
  const generated = isRequest ? z.toJSONSchema(SendRequestSchema, JSON_SCHEMA_PARAMS) : z.toJSONSchema(detailSchemaFor(detailType), JSON_SCHEMA_PARAMS);
  const { $schema, ...body } = generated;
  delete body.description;
  const envelope = isRequest
    ? `Put on the Relais event bus by any service (with a source of its own) with detail-type "${detailType}", or sent as the body of POST /messages. The detail is {metadata, data}.`
    : `Published on the Relais event bus with source "${RELAIS_EVENT_SOURCE}" and detail-type "${detailType}". The detail is {metadata, data}, or {metadata, dataRef} when data was too large for EventBridge and was stored in the payload bucket.`;
  return {
    $schema,
    $id: eventSchemaId(detailType),
    title: detailType,
    description: `${described} ${envelope}`,
    type: 'object',
    ...body,
  };
}

/**
 * The JSON Schema of every detail-type's `detail`: for `SendRequested` the `{metadata, data}` a caller puts
 * (caller metadata, see `SendRequestSchema`); for every other event the `{metadata, data}` (or
 * `{metadata, dataRef}`) Relais publishes. Generated in input mode, so objects Relais publishes stay open to
 * fields added later, while the request's objects are closed (`additionalProperties: false`).
 */
export function eventJsonSchemas(): Record<DetailType, object> {
  const detailTypes = Object.values(DetailType);
  return Object.fromEntries(detailTypes.map((detailType) => [detailType, schemaFor(detailType)])) as Record<DetailType, object>;
}

/** A generated schema file: its name within `events/schemas/` and its exact content. */
export interface EventSchemaFile {
  readonly fileName: string;
  readonly content: string;
}

/** The files of `shared/contracts/events/schemas/`: one `<DetailType>.json` per event, sorted by name. */
export function eventJsonSchemaFiles(): EventSchemaFile[] {
  return Object.entries(eventJsonSchemas())
    .map(([detailType, schema]) => ({ fileName: `${detailType}.json`, content: `${JSON.stringify(schema, null, 2)}\n` }))
    .sort((a, b) => a.fileName.localeCompare(b.fileName));
}
