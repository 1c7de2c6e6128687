import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { buildEvent } from '../../contracts/events/build-event.js';
import { DetailType } from '../../contracts/events/catalogue.js';
import type { BusinessNumber, GraphErrorRef, UserRef } from '../../contracts/events/ingestion.js';
import type { DomainEvent, EventData } from '../../contracts/events/registry.js';
import {
  AccountUpdateValueSchema,
  BusinessCapabilityValueSchema,
  MessagesValueSchema,
  PhoneNumberQualityValueSchema,
  StatusSchema,
  TemplateCategoryValueSchema,
  TemplateComponentsValueSchema,
  TemplateQualityValueSchema,
  TemplateStatusValueSchema,
  UserIdUpdateSchema,
  UserIdUpdateValueSchema,
  UserPreferenceSchema,
  UserPreferencesValueSchema,
  WebhookChangeSchema,
  WebhookField,
  parseInboundMessage,
  validContacts,
  type GraphError,
  type WebhookChange,
  type WebhookContact,
  type WebhookEntry,
  type WebhookPayload,
} from '../../contracts/whatsapp/webhook.js';
import { describeIssues } from '../../errors.js';
import { canonicalJson, defined } from '../objects.js';
import { repairJson } from './queue-safe-text.js';
import { idProblem, timestampProblem } from './update-bounds.js';

/**
 * Turns one validated webhook payload into domain events: one per update (message, status, preference,
 * template change, …), each with a deterministic `eventId` so consumers can de-duplicate Meta's
 * at-least-once, unordered deliveries. Pure: same payload and receipt time in, same events out.
 *
 * `receivedAt` (epoch ms) is used as `occurredAt` when Meta gives no (plausible) time for an update, and
 * bounds the timestamps accepted (see `timestampProblem`). Never throws for any payload that passed the
 * envelope schema: an update that cannot be normalised, whatever the reason, becomes a
 * `WebhookUpdateUnrecognised` next to its valid neighbours. Characters SQS refuses are replaced in every
 * event (see `repairJson`), so each event can reach its queues.
 */
export function normaliseWebhook(payload: WebhookPayload, receivedAt: number): DomainEvent[] {
  const events: DomainEvent[] = [];
  for (const entry of payload.entry) {
    const fallbackTime = entryTime(entry.time, receivedAt) ?? receivedAt;
    for (const rawChange of entry.changes) {
      const parsed = WebhookChangeSchema.safeParse(rawChange);
      const ctx: ChangeContext = {
        entry,
        change: parsed.success ? parsed.data : { field: fieldName(rawChange), value: {} },
        fallbackTime,
        receivedAt,
      };
      if (!parsed.success) {
        events.push(unrecognised(ctx, 'schema_mismatch', parsed.error.issues, rawChange, contentId(ctx, rawChange)));
        continue;
      }
      events.push(...guarded(ctx, rawChange, () => normaliseChange(ctx)));
    }
  }
  return events.map(queueSafe);
}

/** `entry.time` in ms when it is plausible; it is only a fallback, so anything else is ignored. */
function entryTime(time: unknown, receivedAt: number): number | undefined {
  const seconds = typeof time === 'string' && /^\d{1,15}$/.test(time) ? Number(time) : time;
  return typeof seconds === 'number' && timestampProblem(seconds, receivedAt) === undefined ? seconds * 1000 : undefined;
}

function fieldName(rawChange: unknown): string {
  const field = isRecord(rawChange) ? rawChange['field'] : undefined;
  return typeof field === 'string' && idProblem(field) === undefined && field.length <= 128 ? field : 'unknown';
}

/** Runs one update's normalisation; an unexpected failure publishes that update as unrecognised. */
function guarded(ctx: ChangeContext, raw: unknown, run: () => DomainEvent[]): DomainEvent[] {
  try {
    return run();
  } catch {
    return [unrecognised(ctx, 'schema_mismatch', [{ path: [], message: 'update could not be normalised' }], raw, contentId(ctx, raw))];
  }
}

/** The event with every character SQS refuses replaced, and the count recorded in `data.repairedCharacters`. */
function queueSafe(event: DomainEvent): DomainEvent {
  const repaired = repairJson({ metadata: event.metadata, data: event.data });
  if (repaired.replaced === 0) return event;
  return {
    detailType: event.detailType,
    metadata: repaired.value.metadata,
    data: { ...(repaired.value.data as object), repairedCharacters: repaired.replaced } as DomainEvent['data'],
  } as DomainEvent;
}

const PRODUCER = 'receive-webhook';

interface ChangeContext {
  readonly entry: WebhookEntry;
  readonly change: WebhookChange;
  readonly fallbackTime: number;
  readonly receivedAt: number;
}

/** A timestamp problem as a zod-like issue list, empty when the time is plausible. */
function timeIssues(seconds: number, ctx: ChangeContext, path: string): Array<{ path: PropertyKey[]; message: string }> {
  const problem = timestampProblem(seconds, ctx.receivedAt);
  return problem === undefined ? [] : [{ path: [path], message: problem }];
}

function normaliseChange(ctx: ChangeContext): DomainEvent[] {
  const { entry, change } = ctx;
  switch (change.field) {
    case WebhookField.messages:
      return normaliseMessagesField(ctx);
    case WebhookField.userPreferences:
      return normaliseUserPreferences(ctx);
    case WebhookField.userIdUpdate:
      return normaliseUserIdUpdates(ctx);
    case WebhookField.templateStatus:
      return single(ctx, TemplateStatusValueSchema, DetailType.TemplateStatusChanged, (v) => ({
        businessAccountId: entry.id,
        templateId: v.message_template_id,
        templateName: v.message_template_name,
        language: v.message_template_language,
        status: v.event,
        ...defined({
          reason: v.reason,
          category: v.message_template_category,
          otherInfo: v.other_info && pick(v.other_info, ['title', 'description']),
          rejectionInfo: v.rejection_info && pick(v.rejection_info, ['reason', 'recommendation']),
          disableDate: v.disable_info?.disable_date,
        }),
      }));
    case WebhookField.templateQuality:
      return single(ctx, TemplateQualityValueSchema, DetailType.TemplateQualityChanged, (v) => ({
        businessAccountId: entry.id,
        templateId: v.message_template_id,
        templateName: v.message_template_name,
        language: v.message_template_language,
        newScore: v.new_quality_score,
        ...defined({ previousScore: v.previous_quality_score }),
      }));
    case WebhookField.templateCategory:
      return single(ctx, TemplateCategoryValueSchema, DetailType.TemplateCategoryChanged, (v) => ({
        businessAccountId: entry.id,
        templateId: v.message_template_id,
        templateName: v.message_template_name,
        language: v.message_template_language,
        phase: v.correct_category !== undefined && v.previous_category === undefined ? 'impending' : 'completed',
        newCategory: v.new_category,
        ...defined({
          previousCategory: v.previous_category,
          correctCategory: v.correct_category,
          effectiveAt: v.category_update_timestamp,
        }),
      }));
    case WebhookField.templateComponents:
      return single(ctx, TemplateComponentsValueSchema, DetailType.TemplateComponentsChanged, (v) => {
        const { message_template_id, message_template_name, message_template_language, ...components } = v;
        return {
          businessAccountId: entry.id,
          templateId: message_template_id,
          templateName: message_template_name,
          language: message_template_language,
          components,
        };
      });
    case WebhookField.phoneNumberQuality:
      return single(ctx, PhoneNumberQualityValueSchema, DetailType.PhoneNumberQualityChanged, (v) => ({
        businessAccountId: entry.id,
        displayPhoneNumber: v.display_phone_number,
        event: v.event,
        ...defined({
          currentLimit: v.current_limit,
          oldLimit: v.old_limit,
          maxDailyConversationsPerBusiness: optionalString(v.max_daily_conversations_per_business),
        }),
      }));
    case WebhookField.businessCapability:
      return single(ctx, BusinessCapabilityValueSchema, DetailType.BusinessCapabilityChanged, (v) => ({
        businessAccountId: entry.id,
        ...defined({
          maxDailyConversationsPerBusiness: optionalString(v.max_daily_conversations_per_business),
          maxDailyConversationPerPhone: v.max_daily_conversation_per_phone,
          maxPhoneNumbersPerBusiness: v.max_phone_numbers_per_business,
          maxPhoneNumbersPerWaba: v.max_phone_numbers_per_waba,
        }),
      }));
    case WebhookField.accountUpdate:
      return single(ctx, AccountUpdateValueSchema, DetailType.AccountUpdated, (v) => {
        const { event, ...details } = v;
        return { businessAccountId: entry.id, event, details };
      });
    default:
      return [unrecognised(ctx, 'unknown_field', [], change.value, contentId(ctx, change.value))];
  }
}

// ---------------------------------------------------------------------------------------------------------------
// messages
// ---------------------------------------------------------------------------------------------------------------

function normaliseMessagesField(ctx: ChangeContext): DomainEvent[] {
  const parsed = MessagesValueSchema.safeParse(ctx.change.value);
  if (!parsed.success) return [unrecognised(ctx, 'schema_mismatch', parsed.error.issues, ctx.change.value, contentId(ctx, ctx.change.value))];
  const value = parsed.data;
  const business = businessOf(ctx, value.metadata);
  const contacts = contactIndex(value.contacts);
  const events: DomainEvent[] = [];
  for (const raw of value.messages ?? []) events.push(...guarded(ctx, raw, () => [normaliseInbound(ctx, business, contacts, raw)]));
  for (const raw of value.statuses ?? []) events.push(...guarded(ctx, raw, () => [normaliseStatus(ctx, business, raw)]));
  if (value.errors !== undefined && value.errors.length > 0) {
    events.push(
      make(DetailType.WebhookErrorsReported, {
        eventId: contentId(ctx, value.errors),
        occurredAt: ctx.fallbackTime,
        business,
        data: { business, errors: value.errors.map(toErrorRef) },
      }),
    );
  }
  return events;
}

function normaliseInbound(ctx: ChangeContext, business: BusinessNumber, contacts: ContactIndex, raw: unknown): DomainEvent {
  const result = parseInboundMessage(raw);
  if (!result.ok) {
    const id = messageIdOf(raw);
    return unrecognised(ctx, result.reason, result.issues, raw, id ?? contentId(ctx, raw), business);
  }
  const { base, type, content } = result.message;
  const badTime = timeIssues(base.timestamp, ctx, 'timestamp');
  if (badTime.length > 0) return unrecognised(ctx, 'schema_mismatch', badTime, raw, base.id, business);
  const from = userRef({
    userId: base.from_user_id,
    waId: base.from,
    parentUserId: base.from_parent_user_id,
    contact: contacts.find(base.from_user_id, base.from),
  });
  const common = { eventId: base.id, occurredAt: base.timestamp * 1000, business, correlationId: base.id };

  if (type === 'system') {
    const system = content as Record<string, unknown>;
    return make(DetailType.UserIdentityChanged, {
      ...common,
      data: {
        business,
        wamid: base.id,
        user: from,
        change: String(system['type']),
        timestamp: base.timestamp,
        ...defined({
          newWaId: stringOrUndefined(system['wa_id']) ?? stringOrUndefined(system['new_wa_id']),
          newUserId: stringOrUndefined(system['user_id']),
          newParentUserId: stringOrUndefined(system['parent_user_id']),
          identity: (system['identity'] as Record<string, unknown> | undefined) ?? base.identity,
          body: stringOrUndefined(system['body']),
        }),
      },
    });
  }

  return make(DetailType.MessageReceived, {
    ...common,
    data: {
      business,
      wamid: base.id,
      from,
      timestamp: base.timestamp,
      type,
      content,
      ...defined({
        context: base.context,
        referral: base.referral,
        groupId: base.group_id,
        errors: base.errors?.map(toErrorRef),
      }),
    } as EventData<typeof DetailType.MessageReceived>,
  });
}

function normaliseStatus(ctx: ChangeContext, business: BusinessNumber, raw: unknown): DomainEvent {
  const parsed = StatusSchema.safeParse(raw);
  if (!parsed.success) {
    const id = messageIdOf(raw);
    const status = isRecord(raw) && typeof raw['status'] === 'string' && raw['status'].length <= 32 && idProblem(raw['status']) === undefined ? raw['status'] : undefined;
    const eventId = id !== undefined && status !== undefined ? `${id}:${status}` : contentId(ctx, raw);
    return unrecognised(ctx, 'schema_mismatch', parsed.error.issues, raw, eventId, business);
  }
  const s = parsed.data;
  const badTime = timeIssues(s.timestamp, ctx, 'timestamp');
  if (badTime.length > 0) return unrecognised(ctx, 'schema_mismatch', badTime, raw, `${s.id}:${s.status}`, business);
  const contact = validContacts(s.contacts)[0];
  const recipient = userRef({
    userId: s.recipient_user_id,
    waId: s.recipient_type === 'group' ? undefined : s.recipient_id,
    parentUserId: s.recipient_parent_user_id ?? s.parent_recipient_user_id,
    identityKeyHash: s.recipient_identity_key_hash,
    contact,
  });
  return make(DetailType.MessageStatusUpdated, {
    eventId: `${s.id}:${s.status}`,
    occurredAt: s.timestamp * 1000,
    business,
    correlationId: s.biz_opaque_callback_data ?? s.id,
    data: {
      business,
      wamid: s.id,
      status: s.status,
      timestamp: s.timestamp,
      recipient,
      ...defined({
        recipientType: s.recipient_type,
        recipientParticipantId: s.recipient_participant_id,
        bizOpaqueCallbackData: s.biz_opaque_callback_data,
        pricing:
          s.pricing &&
          defined({
            model: s.pricing.pricing_model,
            category: s.pricing.category,
            type: s.pricing.type,
            billable: s.pricing.billable,
          }),
        conversation:
          s.conversation &&
          defined({
            id: s.conversation.id,
            expiresAt: s.conversation.expiration_timestamp,
            originType: s.conversation.origin?.type,
          }),
        errors: s.errors?.map(toErrorRef),
      }),
    } as EventData<typeof DetailType.MessageStatusUpdated>,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// user_preferences and user_id_update
// ---------------------------------------------------------------------------------------------------------------

function normaliseUserPreferences(ctx: ChangeContext): DomainEvent[] {
  const parsed = UserPreferencesValueSchema.safeParse(ctx.change.value);
  if (!parsed.success) return [unrecognised(ctx, 'schema_mismatch', parsed.error.issues, ctx.change.value, contentId(ctx, ctx.change.value))];
  const value = parsed.data;
  const business = businessOf(ctx, value.metadata);
  const contacts = contactIndex(value.contacts);
  return value.user_preferences.flatMap((raw) => guarded(ctx, raw, () => [normalisePreference(ctx, business, contacts, raw)]));
}

function normalisePreference(ctx: ChangeContext, business: BusinessNumber, contacts: ContactIndex, raw: unknown): DomainEvent {
  {
    const p = UserPreferenceSchema.safeParse(raw);
    if (!p.success) return unrecognised(ctx, 'schema_mismatch', p.error.issues, raw, contentId(ctx, raw), business);
    const pref = p.data;
    if (pref.category !== 'marketing_messages') {
      return unrecognised(ctx, 'unknown_type', [], raw, contentId(ctx, raw), business);
    }
    const badTime = timeIssues(pref.timestamp, ctx, 'timestamp');
    if (badTime.length > 0) return unrecognised(ctx, 'schema_mismatch', badTime, raw, contentId(ctx, raw), business);
    const user = userRef({ userId: pref.user_id, waId: pref.wa_id, contact: contacts.find(pref.user_id, pref.wa_id) });
    const who = pref.user_id ?? pref.wa_id ?? 'unknown';
    return make(DetailType.MarketingPreferenceChanged, {
      eventId: `pref:${business.phoneNumberId}:${who}:${pref.category}:${pref.value}:${pref.timestamp}`,
      occurredAt: pref.timestamp * 1000,
      business,
      data: {
        business,
        user,
        preference: pref.value,
        category: pref.category,
        timestamp: pref.timestamp,
        ...defined({ detail: pref.detail }),
      },
    });
  }
}

function normaliseUserIdUpdates(ctx: ChangeContext): DomainEvent[] {
  const parsed = UserIdUpdateValueSchema.safeParse(ctx.change.value);
  if (!parsed.success) return [unrecognised(ctx, 'schema_mismatch', parsed.error.issues, ctx.change.value, contentId(ctx, ctx.change.value))];
  const phoneNumberId = parsed.data.metadata?.phone_number_id;
  return parsed.data.user_id_update.flatMap((raw) => guarded(ctx, raw, () => [normaliseUserIdUpdate(ctx, phoneNumberId, raw)]));
}

function normaliseUserIdUpdate(ctx: ChangeContext, phoneNumberId: string | undefined, raw: unknown): DomainEvent {
  {
    const u = UserIdUpdateSchema.safeParse(raw);
    if (!u.success) return unrecognised(ctx, 'schema_mismatch', u.error.issues, raw, contentId(ctx, raw));
    const update = u.data;
    const badTime = timeIssues(update.timestamp, ctx, 'timestamp');
    if (badTime.length > 0) return unrecognised(ctx, 'schema_mismatch', badTime, raw, contentId(ctx, raw));
    return make(DetailType.UserIdChanged, {
      eventId: `uid:${update.user_id.previous}:${update.user_id.current}`,
      occurredAt: update.timestamp * 1000,
      businessAccountId: ctx.entry.id,
      phoneNumberId,
      data: {
        businessAccountId: ctx.entry.id,
        previousUserId: update.user_id.previous,
        currentUserId: update.user_id.current,
        timestamp: update.timestamp,
        ...defined({
          phoneNumberId,
          waId: update.wa_id,
          previousParentUserId: update.parent_user_id?.previous,
          currentParentUserId: update.parent_user_id?.current,
          detail: update.detail,
        }),
      },
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------------------------

/** For WABA-level fields whose value is one update. */
function single<S extends z.ZodType, T extends DetailType>(
  ctx: ChangeContext,
  schema: S,
  detailType: T,
  toData: (value: z.infer<S>) => EventData<T>,
): DomainEvent[] {
  const parsed = schema.safeParse(ctx.change.value);
  const eventId = contentId(ctx, ctx.change.value);
  if (!parsed.success) return [unrecognised(ctx, 'schema_mismatch', parsed.error.issues, ctx.change.value, eventId)];
  return [make(detailType, { eventId, occurredAt: ctx.fallbackTime, businessAccountId: ctx.entry.id, data: toData(parsed.data) })];
}

function unrecognised(
  ctx: ChangeContext,
  reason: 'unknown_field' | 'unknown_type' | 'schema_mismatch',
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
  raw: unknown,
  id: string,
  business?: BusinessNumber,
): DomainEvent {
  return make(DetailType.WebhookUpdateUnrecognised, {
    eventId: `unrecognised:${id}`,
    occurredAt: ctx.fallbackTime,
    business,
    businessAccountId: ctx.entry.id,
    data: { businessAccountId: ctx.entry.id, field: ctx.change.field, reason, issues: describeIssues(issues), raw },
  });
}

interface MakeInput<T extends DetailType> {
  readonly eventId: string;
  readonly occurredAt: number;
  readonly business?: BusinessNumber | undefined;
  readonly businessAccountId?: string | undefined;
  readonly phoneNumberId?: string | undefined;
  readonly correlationId?: string | undefined;
  readonly data: EventData<T>;
}

function make<T extends DetailType>(detailType: T, input: MakeInput<T>): DomainEvent<T> {
  return buildEvent(detailType, {
    eventId: input.eventId,
    occurredAt: input.occurredAt,
    producer: PRODUCER,
    correlationId: input.correlationId,
    businessAccountId: input.business?.businessAccountId ?? input.businessAccountId,
    phoneNumberId: input.business?.phoneNumberId ?? input.phoneNumberId,
  }, input.data);
}

/** A stable id for updates Meta gives no id of their own: the hash of where they came from and what they say. */
function contentId(ctx: ChangeContext, content: unknown): string {
  const hash = createHash('sha256')
    .update(ctx.entry.id)
    .update('\u0000')
    .update(ctx.change.field)
    .update('\u0000')
    .update(typeof ctx.entry.time === 'number' || typeof ctx.entry.time === 'string' ? String(ctx.entry.time) : '')
    .update('\u0000')
    .update(canonicalJson(content))
    .digest('hex');
  return `${ctx.change.field}:${hash.slice(0, 40)}`;
}

function userRef(input: {
  userId?: string | undefined;
  waId?: string | undefined;
  parentUserId?: string | undefined;
  identityKeyHash?: string | undefined;
  contact?: WebhookContact | undefined;
}): UserRef {
  const c = input.contact;
  return defined({
    userId: input.userId ?? c?.user_id,
    waId: input.waId ?? c?.wa_id,
    parentUserId: input.parentUserId ?? c?.parent_user_id,
    username: c?.profile?.username,
    profileName: c?.profile?.name,
    identityKeyHash: input.identityKeyHash ?? c?.identity_key_hash,
  });
}

function businessOf(ctx: ChangeContext, metadata: { phone_number_id: string; display_phone_number?: string | undefined }): BusinessNumber {
  return defined({
    businessAccountId: ctx.entry.id,
    phoneNumberId: metadata.phone_number_id,
    displayPhoneNumber: metadata.display_phone_number,
  }) as BusinessNumber;
}

interface ContactIndex {
  /** The contact naming this user (by BSUID first, then phone), or the only contact when there is one. */
  find(userId: string | undefined, waId: string | undefined): WebhookContact | undefined;
}

/**
 * Contacts of one value indexed once: a 10,000-message batch with as many contacts would otherwise search the
 * whole list for every message.
 */
function contactIndex(raw: readonly unknown[] | undefined): ContactIndex {
  const contacts = validContacts(raw);
  const byUserId = new Map<string, WebhookContact>();
  const byWaId = new Map<string, WebhookContact>();
  // Reversed, so that the first contact naming a user wins, as a linear search would find it.
  for (const c of [...contacts].reverse()) {
    if (c.user_id !== undefined) byUserId.set(c.user_id, c);
    if (c.wa_id !== undefined) byWaId.set(c.wa_id, c);
  }
  return {
    find(userId, waId) {
      return (
        (userId !== undefined ? byUserId.get(userId) : undefined) ??
        (waId !== undefined ? byWaId.get(waId) : undefined) ??
        (contacts.length === 1 ? contacts[0] : undefined)
      );
    },
  };
}

function toErrorRef(e: GraphError): GraphErrorRef {
  return defined({ code: e.code, title: e.title, message: e.message, details: e.error_data?.details, href: e.href }) as GraphErrorRef;
}

/** The update's own id when it is usable as one (bounded, queue-safe); otherwise the caller hashes the content. */
function messageIdOf(raw: unknown): string | undefined {
  return isRecord(raw) && typeof raw['id'] === 'string' && idProblem(raw['id']) === undefined ? raw['id'] : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function optionalString(value: string | number | undefined): string | undefined {
  return value === undefined ? undefined : String(value);
}

function pick<T extends Record<string, unknown>, K extends string>(obj: T, keys: readonly K[]): { [P in K]?: string } {
  const out: Record<string, string> = {};
  for (const k of keys) if (typeof obj[k] === 'string') out[k] = obj[k];
  return out as { [P in K]?: string };
}
