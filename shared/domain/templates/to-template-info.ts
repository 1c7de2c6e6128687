import { TEMPLATE_PLACEHOLDER } from './hydration.js';
import type { TemplateInfo } from './template-registry.js';
import type { MetaTemplateComponent, TemplateRecord } from './records.js';

/**
 * The send path's view of a registry record: what `decideSend` checks (status, category, parameters).
 *
 * Parameters are derived from Meta's components, as a send must fill them
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/components and
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/template-messages):
 * - header: 1 for a text header with a variable, or a media (IMAGE, VIDEO, DOCUMENT) or LOCATION header; else 0;
 * - body: the number of distinct `{{n}}` (positional), or the distinct names in order of first use (named);
 * - buttons: the indexes of buttons a send must give a value for: a URL button whose URL has a variable,
 *   COPY_CODE (the coupon code), OTP (authentication: the code, whatever its `otp_type`);
 * - optionalButtons: QUICK_REPLY (payload), FLOW (flow token) and CATALOG (thumbnail) buttons, which a send may
 *   leave out. Other buttons (PHONE_NUMBER, a static URL, VOICE_CALL) take nothing; MPM needs its product sections,
 *   which Relais's send contract cannot carry yet, so it is listed as required and such a send is refused.
 *
 * The sandbox has its own copy of the button rule (`requiredButtonParameters` in
 * infra/local/sandbox/templates.ts), over its own definitions; it differs on MPM (optional there).
 *
 * Components are left out (`parameters` and `parameterFormat` undefined, nothing checked) while the record has never
 * had them from Meta (`asOf.components` unset, e.g. a template first known from a status webhook).
 */
export function toTemplateInfo(record: TemplateRecord): TemplateInfo {
  const pause = record.status === 'PAUSED' ? pauseOf(record.pause) : undefined;
  return {
    name: record.name,
    language: record.language,
    status: record.status,
    category: record.category.toLowerCase() as TemplateInfo['category'],
    businessAccountId: record.businessAccountId,
    // Without Meta's components the format is not known either (a record made by a status webhook says POSITIONAL
    // by default): leaving it out lets a send with named parameters through to Meta, which judges it.
    ...(record.asOf.components === undefined
      ? {}
      : {
          parameterFormat: record.parameterFormat === 'NAMED' ? 'named' : 'positional',
          parameters: parametersOf(record.components, record.parameterFormat === 'NAMED'),
          text: textOf(record.components),
        }),
    ...(pause === undefined ? {} : { pause }),
  };
}

/**
 * How long Meta pauses a template, by `other_info.title`: 3 h the first time, 6 h the second
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-pausing).
 * A pause of another kind (e.g. `RATE_LIMITING_PAUSE`, lifted by an unpause) has no known end.
 */
export const PAUSE_LENGTH_MS: Readonly<Record<string, number>> = Object.freeze({ FIRST_PAUSE: 3 * 3_600_000, SECOND_PAUSE: 6 * 3_600_000 });

/** When a pause ends, if its length is known ({@link PAUSE_LENGTH_MS}) and its start readable. */
export function pauseEndsAt(pause: NonNullable<TemplateRecord['pause']>): string | undefined {
  const length = pause.title === undefined ? undefined : PAUSE_LENGTH_MS[pause.title.toUpperCase()];
  const since = Date.parse(pause.since);
  if (length === undefined || !Number.isFinite(since)) return undefined;
  return new Date(since + length).toISOString();
}

function pauseOf(pause: TemplateRecord['pause']): TemplateInfo['pause'] {
  if (pause === undefined) return undefined;
  const until = pauseEndsAt(pause);
  return until === undefined ? { since: pause.since } : { since: pause.since, until };
}

const PARAMETER_HEADERS: ReadonlySet<string> = new Set(['IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION']);
const REQUIRED_BUTTONS: ReadonlySet<string> = new Set(['COPY_CODE', 'OTP']);
const OPTIONAL_BUTTONS: ReadonlySet<string> = new Set(['QUICK_REPLY', 'FLOW', 'CATALOG']);

function upper(value: unknown): string {
  return typeof value === 'string' ? value.trim().toUpperCase() : '';
}

function placeholders(text: unknown): string[] {
  return typeof text === 'string' ? [...text.matchAll(TEMPLATE_PLACEHOLDER)].map((match) => match[1] ?? '') : [];
}

function textOf(components: readonly MetaTemplateComponent[]): NonNullable<TemplateInfo['text']> {
  const header = components.find((c) => upper(c.type) === 'HEADER');
  const body = components.find((c) => upper(c.type) === 'BODY');
  const headerIsText = header !== undefined && (upper(header.format) || 'TEXT') === 'TEXT';
  return {
    ...(headerIsText && typeof header.text === 'string' ? { header: header.text } : {}),
    ...(typeof body?.text === 'string' ? { body: body.text } : {}),
  };
}

function parametersOf(components: readonly MetaTemplateComponent[], named: boolean): NonNullable<TemplateInfo['parameters']> {
  const header = components.find((c) => upper(c.type) === 'HEADER');
  const body = components.find((c) => upper(c.type) === 'BODY');
  const buttons = components.find((c) => upper(c.type) === 'BUTTONS')?.buttons ?? [];

  const headerFormat = header === undefined ? '' : upper(header.format) || 'TEXT';
  const headerCount = header === undefined ? 0 : PARAMETER_HEADERS.has(headerFormat) || placeholders(header.text).length > 0 ? 1 : 0;

  const names = [...new Set(placeholders(body?.text))];
  const required: number[] = [];
  const optional: number[] = [];
  buttons.forEach((button, index) => {
    const type = upper(button['type']);
    if (REQUIRED_BUTTONS.has(type) || (type === 'URL' && placeholders(button['url']).length > 0)) required.push(index);
    else if (OPTIONAL_BUTTONS.has(type)) optional.push(index);
  });

  return {
    header: headerCount,
    body: named ? names : names.length,
    buttons: required,
    ...(optional.length > 0 ? { optionalButtons: optional } : {}),
  };
}
