/**
 * Helpers for the contacts integration tests (`test/integration/contacts`): a contact store on DynamoDB Local
 * behind a document client that counts the commands it sends, real bus events built from Meta's fixtures with
 * the timestamps, ids and texts a test chooses, and capturing stand-ins for the publisher and the send pipeline.
 *
 * Every test takes its own business account id (`uniqueWaba()`): identity keys are scoped per WABA, so tests
 * sharing one table never see each other's contacts.
 */
import { randomInt, randomUUID } from 'node:crypto';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';

import { createContactStore } from '#shared/adapters/contact-store.js';
import type { ContactStore, SendContextReader } from '#shared/ports/contact-store.js';
import { DetailType } from '#shared/contracts/events/catalogue.js';
import { detailSchemaFor, type DomainEvent } from '#shared/contracts/events/registry.js';
import { WebhookPayloadSchema } from '#shared/contracts/whatsapp/webhook.js';
import { normaliseWebhook } from '#shared/domain/ingestion/normalise-webhook.js';
import {
  DEFAULT_CONTACT_SETTINGS,
  trackContactActivity,
  type ConsentConfirmation,
  type ContactActivity,
  type ContactSettings,
  type TrackContactActivityDeps,
} from '#shared/usecases/track-contact-activity.js';
import { localClientConfig } from '#infra/local/emulators.js';
import { STATE_TABLE } from '#infra/topology.js';
import { loadFixture } from '#test/fixtures/meta/index.js';

/** The business phone number id every Meta fixture uses (`metadata.phone_number_id`). */
export const FIXTURE_PHONE_NUMBER_ID = '106540352242922';

export const SECOND_MS = 1000;
export const HOUR_MS = 60 * 60 * SECOND_MS;

// ---------------------------------------------------------------------------------------------------------------
// DynamoDB Local
// ---------------------------------------------------------------------------------------------------------------

/** The names of the commands a document client sent, in order. */
export interface CommandLog {
  readonly names: readonly string[];
  /** Forgets what was sent so far. */
  reset(): void;
}

/**
 * Wraps `client.send` so every command sent through it is recorded by name (`GetCommand`, `QueryCommand`, …).
 * One recorded command is one DynamoDB round trip.
 */
export function countCommands(client: DynamoDBDocumentClient): CommandLog {
  const names: string[] = [];
  const send = client.send.bind(client) as (command: object, ...rest: unknown[]) => Promise<unknown>;
  const counting = (command: object, ...rest: unknown[]): Promise<unknown> => {
    names.push(command.constructor.name);
    return send(command, ...rest);
  };
  client.send = counting as unknown as DynamoDBDocumentClient['send'];
  return {
    names,
    reset: () => {
      names.length = 0;
    },
  };
}

export interface ContactStoreOnEmulator {
  /** Document client on DynamoDB Local (undefined attributes removed), every command counted in `commands`. */
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly store: ContactStore & SendContextReader;
  readonly commands: CommandLog;
  /** Closes the client's sockets. */
  destroy(): void;
}

/** A real contact store on the state table the integration global setup provisioned. */
export function contactStoreOnEmulator(): ContactStoreOnEmulator {
  const tableName = inject('tableNames')[STATE_TABLE.id];
  if (tableName === undefined) throw new Error(`The integration global setup provided no table for ${STATE_TABLE.id}`);
  const raw = new DynamoDBClient(localClientConfig(inject('dynamoEndpoint')));
  const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  const commands = countCommands(client);
  return { client, tableName, store: createContactStore({ client, tableName }), commands, destroy: () => raw.destroy() };
}

/** A business account id no other test uses: 15 digits, like Meta's. */
export function uniqueWaba(): string {
  return `9${String(randomInt(0, 1e9)).padStart(9, '0')}${String(randomInt(0, 1e5)).padStart(5, '0')}`;
}

/** A wamid no other test uses. */
export function uniqueWamid(label = 'it'): string {
  return `wamid.${label}.${randomUUID()}`;
}

/**
 * A recent instant on a whole second (Meta's timestamps are unix seconds). Tests build their times from it rather
 * than from the fixtures' 2025 dates: DynamoDB Local's TTL sweeper really deletes items whose `expiresAt` has
 * passed, and a window opened in 2025 would vanish under a test's feet.
 */
export function recentSecond(): number {
  return Math.floor(Date.now() / 1000) * 1000;
}

// ---------------------------------------------------------------------------------------------------------------
// Events from fixtures
// ---------------------------------------------------------------------------------------------------------------

/** What a test changes in a Meta fixture before it is normalised into bus events. */
export interface FixtureEdits {
  /** Business account id (`entry[].id`): use `uniqueWaba()`. */
  readonly waba: string;
  /** Epoch ms on a whole second: becomes the timestamp of every message, status, preference and id update. */
  readonly at?: number;
  /** Id of the message or status (the fixture must hold exactly one). */
  readonly wamid?: string;
  /** Body of the text message. */
  readonly text?: string;
  /** Label and payload of the template quick-reply button. */
  readonly button?: { readonly text: string; readonly payload: string };
  /** The sender's phone as Meta writes it (digits), in `from` and in `contacts[].wa_id`. */
  readonly waId?: string;
  /** The sender's BSUID, in `from_user_id` and in `contacts[].user_id` (the fixture must carry one). */
  readonly userId?: string;
}

type Json = Record<string, unknown>;

/** Meta's webhook body for `fixture` with the edits applied (a fresh copy). */
export function editedPayload(fixture: string, edits: FixtureEdits): Json {
  const payload = structuredClone(loadFixture(fixture)) as Json;
  const entries = payload['entry'] as Json[];
  for (const entry of entries) {
    entry['id'] = edits.waba;
    for (const change of entry['changes'] as Json[]) editValue(fixture, change['value'] as Json, edits);
  }
  return payload;
}

function editValue(fixture: string, value: Json, edits: FixtureEdits): void {
  const updates = ['messages', 'statuses', 'user_preferences', 'user_id_update'].flatMap((field) => (value[field] as Json[] | undefined) ?? []);
  if (edits.at !== undefined) {
    if (!Number.isInteger(edits.at / 1000)) throw new Error(`FixtureEdits.at must be on a whole second (Meta's timestamps are unix seconds), got ${edits.at}`);
    for (const update of updates) update['timestamp'] = typeof update['timestamp'] === 'number' ? edits.at / 1000 : String(edits.at / 1000);
  }
  const messages = (value['messages'] as Json[] | undefined) ?? [];
  const statuses = (value['statuses'] as Json[] | undefined) ?? [];
  if (edits.wamid !== undefined) {
    const identified = [...messages, ...statuses];
    if (identified.length !== 1) throw new Error(`Fixture ${fixture} holds ${identified.length} messages and statuses; FixtureEdits.wamid needs exactly one`);
    identified[0]!['id'] = edits.wamid;
  }
  if (edits.text !== undefined) {
    const texts = messages.filter((m) => m['type'] === 'text');
    if (texts.length !== 1) throw new Error(`Fixture ${fixture} holds ${texts.length} text messages; FixtureEdits.text needs exactly one`);
    texts[0]!['text'] = { body: edits.text };
  }
  if (edits.button !== undefined) {
    const buttons = messages.filter((m) => m['type'] === 'button');
    if (buttons.length !== 1) throw new Error(`Fixture ${fixture} holds ${buttons.length} button messages; FixtureEdits.button needs exactly one`);
    buttons[0]!['button'] = { text: edits.button.text, payload: edits.button.payload };
  }
  if (edits.waId !== undefined) {
    for (const message of messages) if (message['from'] !== undefined) message['from'] = edits.waId;
    for (const contact of (value['contacts'] as Json[] | undefined) ?? []) if (contact['wa_id'] !== undefined) contact['wa_id'] = edits.waId;
  }
  if (edits.userId !== undefined) {
    const senders = [...messages.filter((m) => m['from_user_id'] !== undefined), ...((value['contacts'] as Json[] | undefined) ?? []).filter((c) => c['user_id'] !== undefined)];
    if (senders.length === 0) throw new Error(`Fixture ${fixture} names no sender by BSUID; FixtureEdits.userId needs one`);
    for (const sender of senders) sender[sender['from_user_id'] !== undefined ? 'from_user_id' : 'user_id'] = edits.userId;
  }
}

/** The bus events ingestion would publish for the edited fixture (validated and normalised like the webhook does). */
export function fixtureEvents(fixture: string, edits: FixtureEdits): DomainEvent[] {
  return normaliseWebhook(WebhookPayloadSchema.parse(editedPayload(fixture, edits)), edits.at ?? recentSecond());
}

const CONTACT_ACTIVITY_TYPES: ReadonlySet<string> = new Set([
  DetailType.MessageReceived,
  DetailType.UserIdentityChanged,
  DetailType.UserIdChanged,
  DetailType.MarketingPreferenceChanged,
  DetailType.MessageStatusUpdated,
]);

/** A bus event as the contact-activity consumer receives it; throws for a detail-type it does not consume. */
export function toActivity(event: DomainEvent): ContactActivity {
  if (!CONTACT_ACTIVITY_TYPES.has(event.detailType)) {
    throw new Error(`${event.detailType} (event ${event.metadata.eventId}) is not an event the contact-activity consumer takes`);
  }
  return event as unknown as ContactActivity;
}

/** The contact-activity event of one detail-type. */
export type ActivityOf<T extends ContactActivity['detailType']> = Extract<ContactActivity, { readonly detailType: T }>;

/**
 * The one contact-activity event the edited fixture produces; throws when it produces none or several, or (with
 * `detailType`) one of another type.
 */
export function activityFrom(fixture: string, edits: FixtureEdits): ContactActivity;
export function activityFrom<T extends ContactActivity['detailType']>(fixture: string, edits: FixtureEdits, detailType: T): ActivityOf<T>;
export function activityFrom(fixture: string, edits: FixtureEdits, detailType?: ContactActivity['detailType']): ContactActivity {
  const events = fixtureEvents(fixture, edits);
  if (events.length !== 1) {
    throw new Error(`Fixture ${fixture} normalised into ${events.length} events (${events.map((e) => e.detailType).join(', ')}); expected exactly one`);
  }
  const activity = toActivity(events[0]!);
  if (detailType !== undefined && activity.detailType !== detailType) {
    throw new Error(`Fixture ${fixture} normalised into ${activity.detailType}, expected ${detailType}`);
  }
  return activity;
}

/** A text message (`messages-text`, phone sender 16505551234 unless `waId` says otherwise). */
export function inboundText(edits: FixtureEdits & { readonly at: number; readonly wamid: string }): ActivityOf<typeof DetailType.MessageReceived> {
  return activityFrom('messages-text', edits, DetailType.MessageReceived);
}

// ---------------------------------------------------------------------------------------------------------------
// Capturing dependencies
// ---------------------------------------------------------------------------------------------------------------

export interface CapturedEvents {
  /** Every event published, in order, across calls. */
  readonly all: readonly DomainEvent[];
  /** The published events of one detail-type, in order. */
  ofType(detailType: DomainEvent['detailType']): DomainEvent[];
  /** Forgets what was published so far. */
  clear(): void;
}

/** A `publish` that keeps what it is given. */
export function capturePublisher(): { readonly publish: TrackContactActivityDeps['publish']; readonly events: CapturedEvents } {
  const all: DomainEvent[] = [];
  return {
    publish: async (events) => {
      all.push(...events);
    },
    events: {
      all,
      ofType: (detailType) => all.filter((e) => e.detailType === detailType),
      clear: () => {
        all.length = 0;
      },
    },
  };
}

/** A `requestReply` that keeps the confirmations it is asked to send. */
export function captureReplies(): { readonly requestReply: TrackContactActivityDeps['requestReply']; readonly replies: ConsentConfirmation[] } {
  const replies: ConsentConfirmation[] = [];
  return {
    requestReply: async (reply) => {
      replies.push(reply);
    },
    replies,
  };
}

export interface ContactActivityScenario {
  /** This scenario's business account id. */
  readonly waba: string;
  readonly deps: TrackContactActivityDeps;
  readonly events: CapturedEvents;
  readonly replies: ConsentConfirmation[];
  /** Runs `trackContactActivity` on each activity in turn. */
  track(...activities: ContactActivity[]): Promise<void>;
}

/** A fresh WABA with capturing publisher and send pipeline, over the given store. */
export function contactActivityScenario(store: ContactStore, settings: ContactSettings = DEFAULT_CONTACT_SETTINGS): ContactActivityScenario {
  const waba = uniqueWaba();
  const { publish, events } = capturePublisher();
  const { requestReply, replies } = captureReplies();
  const deps: TrackContactActivityDeps = { contacts: store, publish, requestReply, settingsFor: () => settings };
  return {
    waba,
    deps,
    events,
    replies,
    track: async (...activities) => {
      for (const activity of activities) await trackContactActivity(activity, deps);
    },
  };
}

/** Checks each event against its published detail schema (the contract other services rely on); throws on the first mismatch. */
export function assertPublishable(events: readonly DomainEvent[]): void {
  for (const event of events) {
    const result = detailSchemaFor(event.detailType).safeParse({ metadata: event.metadata, data: event.data });
    if (!result.success) {
      throw new Error(`${event.detailType} ${event.metadata.eventId} breaks its contract: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
  }
}
