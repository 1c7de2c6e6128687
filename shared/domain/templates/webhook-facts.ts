import type { MetaTemplateComponent, TemplateFact } from './records.js';

/**
 * Meta's template webhooks, as ingestion normalised them (`TemplateStatusChanged`, `TemplateQualityChanged`,
 * `TemplateCategoryChanged`, `TemplateComponentsChanged`), turned into the facts the registry applies. Pure.
 *
 * Field references:
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/message_template_status_update
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/message_template_quality_update
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/template_category_update
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/message_template_components_update
 */

interface TemplateRefData {
  readonly businessAccountId: string;
  readonly templateId: string;
  readonly templateName: string;
  readonly language: string;
}

/** The `data` of the four template webhook events, by detail-type (the fields this module reads). */
export type TemplateWebhook =
  | {
      readonly detailType: 'TemplateStatusChanged';
      readonly data: TemplateRefData & {
        readonly status: string;
        readonly reason?: string | null | undefined;
        readonly category?: string | undefined;
        readonly otherInfo?: { readonly title?: string | undefined; readonly description?: string | undefined } | undefined;
        readonly rejectionInfo?: { readonly reason?: string | undefined; readonly recommendation?: string | undefined } | undefined;
        readonly disableDate?: string | number | undefined;
      };
    }
  | { readonly detailType: 'TemplateQualityChanged'; readonly data: TemplateRefData & { readonly previousScore?: string | undefined; readonly newScore: string } }
  | {
      readonly detailType: 'TemplateCategoryChanged';
      readonly data: TemplateRefData & {
        readonly phase: 'impending' | 'completed';
        readonly newCategory: string;
        readonly previousCategory?: string | undefined;
        readonly correctCategory?: string | undefined;
        readonly effectiveAt?: number | undefined;
      };
    }
  | { readonly detailType: 'TemplateComponentsChanged'; readonly data: TemplateRefData & { readonly components: Readonly<Record<string, unknown>> } };

/**
 * The fact a template webhook states, at `at` (Meta's time: the event's `metadata.occurredAt`, which ingestion
 * takes from the webhook entry's `time`). A components update carries only the template's texts and its URL and
 * phone-number buttons, so it is merged into the components the registry holds (`heldComponents`, see
 * {@link mergeWebhookComponents}); pass `[]` when none are held.
 */
export function templateFactOf(webhook: TemplateWebhook, at: string, heldComponents: readonly MetaTemplateComponent[]): TemplateFact {
  const { data } = webhook;
  const subject = {
    businessAccountId: data.businessAccountId,
    name: data.templateName,
    language: data.language,
    templateId: data.templateId,
    at,
    source: 'webhook' as const,
  };
  switch (webhook.detailType) {
    case 'TemplateStatusChanged': {
      const d = webhook.data;
      const disableDate = d.disableDate === undefined ? undefined : isoFromUnixOrText(d.disableDate);
      return {
        ...subject,
        kind: 'status',
        status: d.status,
        ...(d.reason === undefined ? {} : { reason: d.reason }),
        ...(d.category === undefined ? {} : { category: d.category }),
        ...(d.otherInfo === undefined ? {} : { otherInfo: withoutUndefined({ title: d.otherInfo.title, description: d.otherInfo.description }) }),
        ...(d.rejectionInfo === undefined ? {} : { rejectionInfo: withoutUndefined({ reason: d.rejectionInfo.reason, recommendation: d.rejectionInfo.recommendation }) }),
        ...(disableDate === undefined ? {} : { disableDate }),
      };
    }
    case 'TemplateQualityChanged':
      return { ...subject, kind: 'quality', newScore: webhook.data.newScore, ...(webhook.data.previousScore === undefined ? {} : { previousScore: webhook.data.previousScore }) };
    case 'TemplateCategoryChanged': {
      const d = webhook.data;
      return {
        ...subject,
        kind: 'category',
        phase: d.phase,
        newCategory: d.newCategory,
        ...(d.previousCategory === undefined ? {} : { previousCategory: d.previousCategory }),
        ...(d.correctCategory === undefined ? {} : { correctCategory: d.correctCategory }),
        ...(d.effectiveAt === undefined ? {} : { effectiveAt: new Date(d.effectiveAt * 1000).toISOString() }),
      };
    }
    case 'TemplateComponentsChanged':
      return { ...subject, kind: 'components', components: mergeWebhookComponents(heldComponents, webhook.data.components) };
  }
}

/**
 * `disable_info.disable_date` as ISO 8601 when it is unix seconds (a number or a string of digits, as the
 * sandbox sends it), else as Meta wrote it.
 */
export function isoFromUnixOrText(value: string | number): string | undefined {
  const seconds = typeof value === 'number' ? value : /^\d{1,12}$/.test(value.trim()) ? Number(value.trim()) : undefined;
  if (seconds === undefined) return value === '' ? undefined : String(value);
  const ms = seconds * 1000;
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : undefined;
}

const WEBHOOK_BUTTON_TYPES: ReadonlySet<string> = new Set(['URL', 'PHONE_NUMBER']);

/**
 * The template's components after a `message_template_components_update`, whose value names the body text
 * (`message_template_element`), the text header (`message_template_title`), the footer
 * (`message_template_footer`) and the URL and phone-number buttons (`message_template_buttons`), and nothing else.
 * So, over the components held:
 * - the body takes the new text; its `example` is kept only when the text has the same placeholders;
 * - a text header (or none) takes the title, or is removed when the update has none; a media or location header stays;
 * - the footer likewise takes the footer text or is removed;
 * - URL and phone-number buttons are replaced in order by the update's (extra ones appended, missing ones removed);
 *   other buttons (quick replies, OTP, copy code, flows…), which the update does not carry, stay where they were.
 */
export function mergeWebhookComponents(held: readonly MetaTemplateComponent[], update: Readonly<Record<string, unknown>>): MetaTemplateComponent[] {
  const text = (key: string): string | undefined => {
    const value = update[key];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const upper = (value: unknown) => (typeof value === 'string' ? value.toUpperCase() : '');
  const find = (type: string) => held.find((c) => upper(c.type) === type);

  const body = find('BODY');
  const bodyText = text('message_template_element') ?? (typeof body?.text === 'string' ? body.text : undefined);
  const header = find('HEADER');
  const headerIsText = header === undefined || upper(header.format) === '' || upper(header.format) === 'TEXT';
  const title = text('message_template_title');
  const footerText = text('message_template_footer');

  const incoming = Array.isArray(update['message_template_buttons'])
    ? (update['message_template_buttons'] as unknown[]).filter((b): b is Record<string, unknown> => typeof b === 'object' && b !== null).map(buttonOf)
    : [];
  const heldButtons = find('BUTTONS')?.buttons ?? [];
  const buttons: Array<Readonly<Record<string, unknown>>> = [];
  let next = 0;
  for (const button of heldButtons) {
    if (!WEBHOOK_BUTTON_TYPES.has(upper(button['type']))) buttons.push(button);
    else if (next < incoming.length) buttons.push(incoming[next++]!);
  }
  buttons.push(...incoming.slice(next));

  const result: MetaTemplateComponent[] = [];
  if (!headerIsText) result.push(header);
  else if (title !== undefined) result.push({ ...(header ?? {}), type: 'HEADER', format: 'TEXT', text: title });
  if (bodyText !== undefined) {
    const { example, ...rest } = body ?? { type: 'BODY' };
    const samePlaceholders = body !== undefined && placeholders(body.text) === placeholders(bodyText);
    result.push({ ...rest, type: 'BODY', text: bodyText, ...(samePlaceholders && example !== undefined ? { example } : {}) });
  }
  const footer = find('FOOTER');
  if (footerText !== undefined) result.push({ ...(footer ?? {}), type: 'FOOTER', text: footerText });
  if (buttons.length > 0) result.push({ ...(find('BUTTONS') ?? {}), type: 'BUTTONS', buttons });
  // Anything else Meta lists (e.g. a carousel) is kept as it was.
  for (const component of held) {
    if (!['HEADER', 'BODY', 'FOOTER', 'BUTTONS'].includes(upper(component.type))) result.push(component);
  }
  return result;
}

function buttonOf(raw: Record<string, unknown>): Readonly<Record<string, unknown>> {
  const type = typeof raw['message_template_button_type'] === 'string' ? raw['message_template_button_type'].toUpperCase() : 'URL';
  return withoutUndefined({
    type,
    text: typeof raw['message_template_button_text'] === 'string' ? raw['message_template_button_text'] : undefined,
    url: typeof raw['message_template_button_url'] === 'string' ? raw['message_template_button_url'] : undefined,
    phone_number: typeof raw['message_template_button_phone_number'] === 'string' ? raw['message_template_button_phone_number'] : undefined,
  });
}

function placeholders(text: unknown): string {
  return typeof text === 'string' ? [...text.matchAll(/\{\{\s*([^{}]*?)\s*\}\}/g)].map((m) => m[1]).join('\u0000') : '';
}

function withoutUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}
