import { z } from 'zod';

import { ControlInputError, parseControlInput } from './control-input.js';
import { GraphApiError } from './graph-errors.js';
import { JsonInteger } from './http.js';
import type { SandboxState } from './state.js';
import { parseMetaComponents } from './template-components.js';
import { TEMPLATE_QUALITY_SCORES, type TemplateCategory, type TemplateRecord, type TemplateStatus } from './types.js';
import { wabaFieldWebhook } from './webhook-payloads.js';

/**
 * Meta's side of a template's life after creation, played by the control API: review decisions, quality,
 * re-categorisation and edits. Each call changes the sandbox's template (so sends then see it: a PAUSED
 * template is refused with 132015) and sends Relais Meta's signed webhook for it
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/message_template_status_update,
 * …/message_template_quality_update, …/template_category_update, …/message_template_components_update).
 */

/** What a control call that sends webhooks answers: the outcome of each delivery, and the template after it. */
export interface WebhookOutcome {
  readonly field: string;
  /** HTTP status Relais finally answered with, or null when it could not be reached. */
  readonly delivered: number | null;
  readonly attempts: number;
}

export interface TemplateChangeResult {
  /** The template after the change; absent once it is DELETED. */
  readonly template?: TemplateRecord;
  readonly webhooks: WebhookOutcome[];
}

const upper = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum(values));
const lower = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(values));

/** `event` values of `message_template_status_update`. */
export const REVIEW_EVENTS = [
  'APPROVED',
  'ARCHIVED',
  'UNARCHIVED',
  'DELETED',
  'DISABLED',
  'FLAGGED',
  'IN_APPEAL',
  'LIMIT_EXCEEDED',
  'LOCKED',
  'PAUSED',
  'PENDING',
  'REINSTATED',
  'PENDING_DELETION',
  'REJECTED',
] as const;
type ReviewEvent = (typeof REVIEW_EVENTS)[number];

/** `reason` values of `message_template_status_update`. */
export const REVIEW_REASONS = [
  'ABUSIVE_CONTENT',
  'CATEGORY_NOT_AVAILABLE',
  'INCORRECT_CATEGORY',
  'INVALID_FORMAT',
  'NONE',
  'PROMOTIONAL',
  'SCAM',
  'TAG_CONTENT_MISMATCH',
] as const;

const CATEGORIES = ['MARKETING', 'UTILITY', 'AUTHENTICATION'] as const;
const TemplateKey = { name: z.string().min(1, 'name is required'), language: z.string().min(1, 'language is required') };

const ReviewSchema = z.strictObject({
  ...TemplateKey,
  status: upper(REVIEW_EVENTS),
  reason: upper(REVIEW_REASONS).nullable().optional(),
  otherInfo: z.strictObject({ title: z.string().min(1), description: z.string() }).optional(),
  rejectionInfo: z.strictObject({ reason: z.string().min(1), recommendation: z.string() }).optional(),
});

const QualitySchema = z.strictObject({ ...TemplateKey, score: upper(TEMPLATE_QUALITY_SCORES) });

const CategorySchema = z.strictObject({
  ...TemplateKey,
  category: upper(CATEGORIES),
  phase: lower(['impending', 'completed']).optional(),
  /** Unix seconds at which an impending change takes effect. @default 24 h from now */
  effectiveAt: z.number().int().positive().optional(),
});

const ComponentsSchema = z.strictObject({ ...TemplateKey, components: z.array(z.unknown()).min(1, 'give at least the BODY component') });

/** Where an event leaves the template: sendable states collapse to APPROVED, DELETED removes it. */
function statusAfter(event: ReviewEvent): TemplateStatus | 'REMOVED' {
  if (event === 'DELETED') return 'REMOVED';
  if (event === 'REINSTATED' || event === 'UNARCHIVED') return 'APPROVED';
  return event;
}

const HOUR_S = 3600;

/** `POST /_sandbox/templates/review`: Meta decides on, pauses, disables, archives… a template. */
export async function reviewTemplate(state: SandboxState, input: unknown): Promise<TemplateChangeResult> {
  const review = parseControlInput(ReviewSchema, input);
  const record = existing(state, review.name, review.language);
  const now = state.clock();
  const event = review.status;
  const after = statusAfter(event);
  const pauses = event === 'PAUSED' ? record.pauses + 1 : record.pauses;
  const reason = review.reason === undefined ? defaultReason(event) : review.reason;
  const otherInfo = review.otherInfo ?? defaultOtherInfo(event, record, pauses);
  const rejectionInfo =
    review.rejectionInfo ??
    (event === 'REJECTED' && reason === 'INVALID_FORMAT'
      ? { reason: 'The template has an invalid format.', recommendation: 'Check its parameters, examples and formatting, then submit it again.' }
      : undefined);

  let updated: TemplateRecord | undefined;
  if (after === 'REMOVED') {
    state.templates.remove(record.name, record.language);
  } else {
    const { rejectedReason: _dropped, ...rest } = record;
    updated = state.templates.put({
      ...rest,
      status: after,
      pauses,
      ...(after === 'REJECTED' ? { rejectedReason: reason ?? 'NONE' } : {}),
    });
  }
  const value: Record<string, unknown> = {
    event,
    ...templateIds(record),
    reason,
    message_template_category: record.category,
    ...(event === 'DISABLED' ? { disable_info: { disable_date: String(Math.floor(now / 1000)) } } : {}),
    ...(otherInfo === undefined ? {} : { other_info: otherInfo }),
    ...(rejectionInfo === undefined ? {} : { rejection_info: rejectionInfo }),
  };
  const webhooks = [await send(state, 'message_template_status_update', value, `template:${event}`)];
  return { ...(updated === undefined ? {} : { template: updated }), webhooks };
}

/** `POST /_sandbox/templates/quality`: the template's quality score changes. */
export async function changeTemplateQuality(state: SandboxState, input: unknown): Promise<TemplateChangeResult> {
  const change = parseControlInput(QualitySchema, input);
  const record = existing(state, change.name, change.language);
  const now = state.clock();
  const updated = state.templates.put({ ...record, qualityScore: { score: change.score, date: Math.floor(now / 1000) } });
  const value = {
    previous_quality_score: record.qualityScore.score,
    new_quality_score: change.score,
    ...templateIds(record),
  };
  return { template: updated, webhooks: [await send(state, 'message_template_quality_update', value, `quality:${change.score}`)] };
}

/**
 * `POST /_sandbox/templates/category`: Meta re-categorises a template. `impending` announces it (the template
 * keeps its category, `correct_category` names the coming one, `category_update_timestamp` when); `completed`
 * (the default) applies it, so sends are billed in the new category from then on.
 */
export async function changeTemplateCategory(state: SandboxState, input: unknown): Promise<TemplateChangeResult> {
  const change = parseControlInput(CategorySchema, input);
  const record = existing(state, change.name, change.language);
  const category = change.category as TemplateCategory;
  if (category === record.category) throw new ControlInputError('category', `category: the template is already ${category}`);
  const phase = change.phase ?? 'completed';
  const nowSeconds = Math.floor(state.clock() / 1000);
  let updated: TemplateRecord;
  let value: Record<string, unknown>;
  if (phase === 'impending') {
    updated = state.templates.put({ ...record, correctCategory: category });
    value = {
      ...templateIds(record),
      new_category: record.category,
      correct_category: category,
      category_update_timestamp: change.effectiveAt ?? nowSeconds + 24 * HOUR_S,
    };
  } else {
    const { correctCategory: _announced, ...rest } = record;
    updated = state.templates.put({ ...rest, category, previousCategory: record.category });
    value = { ...templateIds(record), previous_category: record.category, new_category: category };
  }
  return { template: updated, webhooks: [await send(state, 'template_category_update', value, `category:${phase}`)] };
}

/** `POST /_sandbox/templates/components`: the template is edited; `components` are Meta's creation components. */
export async function changeTemplateComponents(state: SandboxState, input: unknown): Promise<TemplateChangeResult> {
  const change = parseControlInput(ComponentsSchema, input);
  const record = existing(state, change.name, change.language);
  let parsed: ReturnType<typeof parseMetaComponents>;
  try {
    parsed = parseMetaComponents(change.components, record.parameterFormat, record.category);
  } catch (error) {
    if (error instanceof GraphApiError) throw new ControlInputError('components', `components: ${error.userMessage ?? error.message}`);
    throw error;
  }
  const updated = state.templates.put({ ...record, components: parsed.def, metaComponents: parsed.meta });
  const byType = (type: string) => parsed.meta.find((c) => c['type'] === type);
  const header = byType('HEADER');
  const footer = byType('FOOTER');
  const buttons = ((byType('BUTTONS')?.['buttons'] ?? []) as Array<Record<string, unknown>>).filter((b) => {
    const type = String(b['type']).toUpperCase();
    return type === 'URL' || type === 'PHONE_NUMBER';
  });
  const value: Record<string, unknown> = {
    ...templateIds(record),
    message_template_element: String(byType('BODY')?.['text'] ?? ''),
    ...(header !== undefined && typeof header['text'] === 'string' ? { message_template_title: header['text'] } : {}),
    ...(footer !== undefined && typeof footer['text'] === 'string' ? { message_template_footer: footer['text'] } : {}),
    ...(buttons.length === 0
      ? {}
      : {
          message_template_buttons: buttons.map((b) => {
            const type = String(b['type']).toUpperCase();
            return {
              message_template_button_type: type,
              message_template_button_text: String(b['text'] ?? ''),
              ...(type === 'URL' ? { message_template_button_url: String(b['url'] ?? '') } : {}),
              ...(type === 'PHONE_NUMBER' ? { message_template_button_phone_number: String(b['phone_number'] ?? '') } : {}),
            };
          }),
        }),
  };
  return { template: updated, webhooks: [await send(state, 'message_template_components_update', value, 'components')] };
}

function existing(state: SandboxState, name: string, language: string): TemplateRecord {
  const record = state.templates.find(name, language);
  if (record === undefined) {
    throw new ControlInputError('name', `name: no template ${name} in ${language}; create it with POST /{version}/{waba-id}/message_templates or /_sandbox/templates`);
  }
  return record;
}

/**
 * The id, name and language as template webhooks carry them: the id as a JSON number written digit for digit
 * (ids above 2^53 included), the locale with a hyphen (`en-US`) where the send API has `en_US`.
 */
function templateIds(record: TemplateRecord): Record<string, unknown> {
  return {
    message_template_id: new JsonInteger(record.id),
    message_template_name: record.name,
    message_template_language: record.language.replace('_', '-'),
  };
}

function defaultReason(event: ReviewEvent): string | null {
  if (event === 'REJECTED') return 'INVALID_FORMAT';
  if (event === 'PENDING_DELETION') return null;
  return 'NONE';
}

/**
 * `other_info` of pauses and unpauses (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-pausing):
 * the first pause lasts 3 h, the second 6 h; a pause ending sends UNPAUSE.
 */
function defaultOtherInfo(event: ReviewEvent, before: TemplateRecord, pauses: number): { title: string; description: string } | undefined {
  if (event === 'PAUSED') {
    const hours = pauses <= 1 ? 3 : 6;
    return {
      title: pauses <= 1 ? 'FIRST_PAUSE' : 'SECOND_PAUSE',
      description: `Your WhatsApp message template ${before.name} has been paused for ${hours} hours due to low quality.`,
    };
  }
  if (before.status === 'PAUSED' && (event === 'APPROVED' || event === 'REINSTATED')) {
    return { title: 'UNPAUSE', description: `Your WhatsApp message template ${before.name} is active again.` };
  }
  return undefined;
}

/** Sends one WABA-level webhook and reports its delivery. */
export async function send(state: SandboxState, field: string, value: Record<string, unknown>, kind: string): Promise<WebhookOutcome> {
  const body = wabaFieldWebhook(state.config.businessAccountId, field, value, state.clock());
  const delivery = await state.dispatcher.deliver(body, { kind });
  return { field, delivered: delivery.lastStatus, attempts: delivery.attempts };
}
