import { z } from 'zod';

import { parseControlInput } from './control-input.js';
import { whatsappError, type GraphApiError } from './graph-errors.js';
import { newNumericId } from './identity.js';
import { synthesiseMetaComponents } from './template-components.js';
import {
  MEDIA_HEADER_FORMATS,
  TEMPLATE_BUTTON_TYPES,
  TEMPLATE_STATUSES,
  type TemplateButtonDef,
  type TemplateButtonType,
  type TemplateDef,
  type TemplateRecord,
} from './types.js';
import type { TemplateComponentSend, TemplateParameterSend, TemplateSend } from './validation/template-payload.js';

/**
 * The WABA's message templates, and the checks Meta runs when one is sent (https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages, https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/overview):
 * - unknown name/language, or a status other than APPROVED/PAUSED/DISABLED: 132001 (HTTP 404);
 * - PAUSED: 132015; DISABLED: 132016;
 * - parameter count per component differs from the definition: 132000;
 * - named vs positional parameters, or a parameter of the wrong kind: 132012;
 * - a body text parameter with a newline, a tab or more than 4 consecutive spaces: 132018 (v23.0+).
 */
export class TemplateRegistry {
  private readonly byKey = new Map<string, TemplateRecord>();

  constructor(
    private readonly clock: () => number,
    initial: readonly TemplateDef[] = [],
  ) {
    this.upsert(initial);
  }

  /** Registers definitions from `/_sandbox/templates`; a template that exists keeps its id, quality and pause count. */
  upsert(defs: readonly TemplateDef[]): TemplateRecord[] {
    return defs.map((def) => {
      const existing = this.byKey.get(registryKey(def.name, def.language));
      const parameterFormat = def.parameterFormat ?? 'positional';
      const components = def.components ?? {};
      const status = def.status ?? 'APPROVED';
      return this.put({
        id: def.id ?? existing?.id ?? newNumericId(15),
        name: def.name,
        language: def.language,
        category: def.category,
        status,
        parameterFormat,
        components,
        metaComponents: synthesiseMetaComponents(parameterFormat, components),
        qualityScore: existing?.qualityScore ?? { score: 'UNKNOWN', date: Math.floor(this.clock() / 1000) },
        pauses: existing?.pauses ?? (status === 'PAUSED' ? 1 : 0),
      });
    });
  }

  /** Stores a record as it is (creation through the Graph API, review, quality and category changes). */
  put(record: TemplateRecord): TemplateRecord {
    this.byKey.set(registryKey(record.name, record.language), record);
    return record;
  }

  /** Removes one template; true when it existed. */
  remove(name: string, language: string): boolean {
    return this.byKey.delete(registryKey(name, language));
  }

  /** Sorted by name, then language: the order listings page through. */
  list(): TemplateRecord[] {
    return [...this.byKey.values()].sort((a, b) => compareKeys(a, b));
  }

  find(name: string, language: string): TemplateRecord | undefined {
    return this.byKey.get(registryKey(name, language));
  }

  /** The template a send refers to, if it may be sent with these parameters; otherwise Meta's error. */
  resolve(send: TemplateSend): TemplateRecord {
    const record = this.find(send.name, send.languageCode);
    if (record === undefined) throw notFound(send);
    if (record.status === 'PAUSED') {
      throw whatsappError(132015, `Template ${send.name} is paused due to low quality so it cannot be sent in a template message.`);
    }
    if (record.status === 'DISABLED') {
      throw whatsappError(132016, `Template ${send.name} has been disabled due to low quality so it cannot be sent in a template message.`);
    }
    if (record.status !== 'APPROVED') throw notFound(send);
    checkComponents(record, send);
    return record;
  }
}

/** The listing order: by name, then language, compared as code points so cursors are stable. */
export function compareKeys(a: { name: string; language: string }, b: { name: string; language: string }): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  if (a.language !== b.language) return a.language < b.language ? -1 : 1;
  return 0;
}

function registryKey(name: string, language: string): string {
  return `${name}\u0000${language}`;
}

function notFound(send: TemplateSend): GraphApiError {
  return whatsappError(132001, `template name (${send.name}) does not exist in ${send.languageCode}`);
}

function countMismatch(component: string, received: number, expected: number): GraphApiError {
  return whatsappError(132000, `${component}: number of localizable_params (${received}) does not match the expected number of params (${expected})`);
}

function formatMismatch(component: string, problem: string): GraphApiError {
  return whatsappError(132012, `${component}: ${problem}`);
}

const TEXT_LIKE: ReadonlySet<string> = new Set(['text', 'currency', 'date_time']);
/** https://developers.facebook.com/docs/whatsapp/cloud-api/changelog (v23.0): 132018. */
const FORBIDDEN_BODY_TEXT = /[\n\t]| {5,}/;

function checkComponents(record: TemplateRecord, send: TemplateSend): void {
  const header = single(send.components, 'header');
  const body = single(send.components, 'body');
  checkTextComponent(record, 'header', record.components.header, header);
  checkTextComponent(record, 'body', record.components.body, body);
  if (body !== undefined) {
    for (const parameter of body.parameters) {
      if (parameter.type === 'text' && parameter.text !== undefined && FORBIDDEN_BODY_TEXT.test(parameter.text)) {
        throw whatsappError(132018, 'body: Param text cannot have new-line/tab characters or more than 4 consecutive spaces');
      }
    }
  }
  checkButtons(record.components.buttons ?? [], send.components.filter((c) => c.type === 'button'));
}

function single(components: readonly TemplateComponentSend[], type: 'header' | 'body'): TemplateComponentSend | undefined {
  const matching = components.filter((c) => c.type === type);
  if (matching.length > 1) throw whatsappError(100, `Param template['components'] must contain at most one ${type} component.`);
  return matching[0];
}

function checkTextComponent(
  record: TemplateRecord,
  name: 'header' | 'body',
  def: TemplateRecord['components']['header'],
  sent: TemplateComponentSend | undefined,
): void {
  const parameters = sent?.parameters ?? [];
  if (typeof def === 'string' && !Array.isArray(def)) {
    // A media or location header: exactly one parameter of that format.
    if (parameters.length !== 1) throw countMismatch(name, parameters.length, 1);
    const received = parameters[0]!.type;
    if (received !== def) throw formatMismatch(name, `Format mismatch, expected ${def.toUpperCase()}, received ${received.toUpperCase()}`);
    return;
  }
  const names = Array.isArray(def) ? (def as readonly string[]) : undefined;
  const expected = names?.length ?? (typeof def === 'number' ? def : 0);
  if (parameters.length !== expected) throw countMismatch(name, parameters.length, expected);
  for (const parameter of parameters) {
    if (!TEXT_LIKE.has(parameter.type)) {
      throw formatMismatch(name, `Format mismatch, expected TEXT, received ${parameter.type.toUpperCase()}`);
    }
    if (name === 'header' && parameter.type !== 'text') {
      throw formatMismatch(name, `Format mismatch, expected TEXT, received ${parameter.type.toUpperCase()}`);
    }
  }
  if (record.parameterFormat === 'named') checkNamed(name, names ?? [], parameters);
  else checkPositional(name, parameters);
}

function checkNamed(component: string, names: readonly string[], parameters: readonly TemplateParameterSend[]): void {
  const seen = new Set<string>();
  for (const parameter of parameters) {
    if (parameter.parameterName === undefined) {
      throw formatMismatch(component, `the template uses named parameters: ${parameter.path} needs a parameter_name (one of ${names.join(', ')})`);
    }
    if (!names.includes(parameter.parameterName)) {
      throw formatMismatch(component, `parameter_name "${parameter.parameterName}" is not defined in the template (expected one of ${names.join(', ')})`);
    }
    if (seen.has(parameter.parameterName)) throw formatMismatch(component, `parameter_name "${parameter.parameterName}" is given twice`);
    seen.add(parameter.parameterName);
  }
}

function checkPositional(component: string, parameters: readonly TemplateParameterSend[]): void {
  const named = parameters.find((p) => p.parameterName !== undefined);
  if (named !== undefined) {
    throw formatMismatch(component, `the template uses positional parameters: remove parameter_name from ${named.path}`);
  }
}

/** Which send `sub_type` each definition button type accepts (authentication OTP buttons are sent as `url`). */
const SUB_TYPES: Record<TemplateButtonType, readonly string[]> = {
  quick_reply: ['quick_reply'],
  url: ['url'],
  copy_code: ['copy_code'],
  flow: ['flow'],
  phone_number: [],
  otp: ['url', 'copy_code'],
  catalog: ['catalog'],
  mpm: ['mpm'],
  voice_call: ['voice_call'],
};
const OPTIONAL_PARAMETER: ReadonlySet<TemplateButtonType> = new Set(['quick_reply', 'flow', 'catalog', 'mpm']);

export function requiredButtonParameters(button: TemplateButtonDef): number {
  return button.parameters ?? (button.type === 'copy_code' || button.type === 'otp' ? 1 : 0);
}

function checkButtons(defs: readonly TemplateButtonDef[], sent: readonly TemplateComponentSend[]): void {
  const byIndex = new Map<number, TemplateComponentSend>();
  for (const component of sent) {
    const buttonIndex = component.index!;
    if (byIndex.has(buttonIndex)) throw whatsappError(100, `Param ${component.path}['index'] must be unique: button ${buttonIndex} is given twice.`);
    byIndex.set(buttonIndex, component);
    const def = defs[buttonIndex];
    if (def === undefined) {
      throw countMismatch(`buttons[${buttonIndex}]`, component.parameters.length, 0);
    }
    if (!SUB_TYPES[def.type].includes(component.subType!)) {
      throw whatsappError(131009, `Param ${component.path}['sub_type'] must match the template: button ${buttonIndex} is a ${def.type} button, not ${component.subType}.`);
    }
  }
  defs.forEach((def, buttonIndex) => {
    const required = requiredButtonParameters(def);
    const received = byIndex.get(buttonIndex)?.parameters.length ?? 0;
    const optional = required === 0 && OPTIONAL_PARAMETER.has(def.type);
    if (optional ? received > 1 : received !== required) throw countMismatch(`buttons[${buttonIndex}]`, received, required);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Definitions posted to /_sandbox/templates
// ---------------------------------------------------------------------------------------------------------------

const upper = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum(values));
const lower = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(values));

const ParameterName = z.string().regex(/^[a-z0-9_]+$/, 'parameter names are lowercase letters, digits and underscores');
const UniqueNames = z.array(ParameterName).refine((names) => new Set(names).size === names.length, 'parameter names must be unique');

const TemplateDefSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9_]{1,512}$/, 'template names are up to 512 lowercase letters, digits and underscores'),
    language: z.string().regex(/^[a-z]{2,3}(_[A-Za-z]{2,4})?$/, 'language must be a locale code such as en_US or fr'),
    category: upper(['MARKETING', 'UTILITY', 'AUTHENTICATION']),
    status: upper(TEMPLATE_STATUSES).optional(),
    parameterFormat: lower(['positional', 'named']).optional(),
    components: z
      .strictObject({
        header: z.union([z.number().int().min(0).max(1), UniqueNames.max(1), lower(MEDIA_HEADER_FORMATS)]).optional(),
        body: z.union([z.number().int().min(0).max(100), UniqueNames]).optional(),
        buttons: z
          .array(z.strictObject({ type: lower(TEMPLATE_BUTTON_TYPES), parameters: z.number().int().min(0).max(1).optional() }))
          .max(10)
          .optional(),
      })
      .optional(),
    id: z.string().regex(/^\d{1,20}$/, 'id must be numeric').optional(),
  })
  .superRefine((def, ctx) => {
    const named = def.parameterFormat === 'named';
    for (const part of ['header', 'body'] as const) {
      const value = def.components?.[part];
      if (named && typeof value === 'number' && value > 0) {
        ctx.addIssue({ code: 'custom', path: ['components', part], message: 'a named template lists parameter names, not a count' });
      }
      if (!named && Array.isArray(value) && value.length > 0) {
        ctx.addIssue({ code: 'custom', path: ['components', part], message: 'a positional template gives a parameter count; set parameterFormat "named" to use names' });
      }
    }
  });

/** Reads one definition or an array of them; the first problem names its field (`category`, `1.components.body`). */
export function parseTemplateDefs(input: unknown): TemplateDef[] {
  if (Array.isArray(input)) return parseControlInput(z.array(TemplateDefSchema).min(1, 'give at least one template'), input) as TemplateDef[];
  return [parseControlInput(TemplateDefSchema, input) as TemplateDef];
}
