import { parameterError, templateContentError } from './graph-errors.js';
import { isObject } from './validation/params.js';
import {
  TEMPLATE_BUTTON_TYPES,
  type MediaHeaderFormat,
  type MetaTemplateComponent,
  type TemplateButtonDef,
  type TemplateButtonType,
  type TemplateCategory,
  type TemplateRecord,
} from './types.js';

/**
 * Meta's template components (`components` of `POST /{waba-id}/message_templates`,
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/components) read the way
 * the sandbox needs them: checked for shape, and turned into what a send of the template must supply.
 *
 * The checks are deliberately light (Relais validates templates fully before it submits them): shape and
 * presence, at most one header, body and footer, a body, ≤ 10 buttons, one text header parameter, and the two
 * refusals whose subcodes Meta documents:
 * - 2388299: a parameter leads or trails the body;
 * - 2388293: too many parameters for the length of the body. Meta does not publish its ratio; the sandbox
 *   refuses a body with more parameters than words of fixed text.
 */
export interface ParsedComponents {
  readonly def: TemplateRecord['components'];
  readonly meta: MetaTemplateComponent[];
}

type ParameterFormat = 'positional' | 'named';

const COMPONENT_TYPES = ['BODY', 'BUTTONS', 'FOOTER', 'HEADER'] as const;
const HEADER_FORMATS = ['DOCUMENT', 'IMAGE', 'LOCATION', 'TEXT', 'VIDEO'] as const;
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const MAX_BODY = 1024;
const MAX_HEADER_TEXT = 60;
const MAX_FOOTER = 60;
const MAX_BUTTONS = 10;

/** Reads `components` of a creation (or edit) body; the first problem is thrown as Meta's error. */
export function parseMetaComponents(input: unknown, format: ParameterFormat, category: TemplateCategory): ParsedComponents {
  if (input === undefined) throw parameterError('The parameter components is required.');
  if (!Array.isArray(input)) throw parameterError('Param components must be an array.');
  const seen = new Set<string>();
  const def: { header?: TemplateRecord['components']['header']; body?: number | string[]; buttons?: TemplateButtonDef[] } = {};
  const meta: MetaTemplateComponent[] = [];
  input.forEach((raw, index) => {
    const at = `components[${index}]`;
    if (!isObject(raw)) throw parameterError(`Param ${at} must be an object.`);
    const type = upperEnum(raw['type'], COMPONENT_TYPES, `${at}[type]`);
    if (seen.has(type)) throw parameterError(`Param components must contain at most one ${type} component.`);
    seen.add(type);
    meta.push({ ...raw, type });
    if (type === 'HEADER') def.header = header(raw, at, format);
    if (type === 'BODY') def.body = body(raw, at, format, category);
    if (type === 'FOOTER') text(raw, at, MAX_FOOTER);
    if (type === 'BUTTONS') def.buttons = buttons(raw, at);
  });
  if (!seen.has('BODY')) throw parameterError('Param components must contain a BODY component.');
  return { def, meta };
}

function header(raw: Record<string, unknown>, at: string, format: ParameterFormat): TemplateRecord['components']['header'] {
  const kind = raw['format'] === undefined ? 'TEXT' : upperEnum(raw['format'], HEADER_FORMATS, `${at}[format]`);
  if (kind !== 'TEXT') return kind.toLowerCase() as MediaHeaderFormat;
  const params = placeholders(text(raw, at, MAX_HEADER_TEXT), `${at}[text]`, format);
  if (params.length > 1) throw parameterError(`Param ${at}[text] may contain at most 1 parameter; it has ${params.length}.`);
  return format === 'named' ? params : params.length;
}

function body(raw: Record<string, unknown>, at: string, format: ParameterFormat, category: TemplateCategory): number | string[] {
  // Authentication bodies are Meta's fixed text (`add_security_recommendation`); they carry no `text`.
  if (category === 'AUTHENTICATION' && raw['text'] === undefined) return 0;
  const value = text(raw, at, MAX_BODY);
  const params = placeholders(value, `${at}[text]`, format);
  if (params.length > 0) {
    const trimmed = value.trim();
    if (/^\{\{[^{}]*\}\}/.test(trimmed) || /\{\{[^{}]*\}\}[.!?…]?$/.test(trimmed)) {
      throw templateContentError(2388299, 'Variables can\u2019t be at the start or end of the template', 'Variables can\u2019t be at the start or end of the template. Add text before the first variable and after the last one.');
    }
    const fixedWords = value.replace(PLACEHOLDER, ' ').split(/\s+/).filter((word) => /[\p{L}\p{N}]/u.test(word)).length;
    if (occurrences(value) > fixedWords) {
      throw templateContentError(2388293, 'Too Many Variables For Message Length', 'This template contains too many variable parameters relative to the message length. You need to decrease the number of variable parameters or increase the message length.');
    }
  }
  return format === 'named' ? params : params.length;
}

function buttons(raw: Record<string, unknown>, at: string): TemplateButtonDef[] {
  const list = raw['buttons'];
  if (!Array.isArray(list) || list.length === 0) throw parameterError(`Param ${at}[buttons] must be a non-empty array.`);
  if (list.length > MAX_BUTTONS) throw parameterError(`Param ${at}[buttons] must have at most ${MAX_BUTTONS} buttons.`);
  return list.map((button, index) => {
    const where = `${at}[buttons][${index}]`;
    if (!isObject(button)) throw parameterError(`Param ${where} must be an object.`);
    const type = upperEnum(button['type'], TEMPLATE_BUTTON_TYPES.map((t) => t.toUpperCase()) as [string, ...string[]], `${where}[type]`);
    const lower = type.toLowerCase() as TemplateButtonType;
    const url = button['url'];
    const hasVariable = lower === 'url' && typeof url === 'string' && /\{\{[^{}]*\}\}/.test(url);
    return hasVariable ? { type: lower, parameters: 1 } : { type: lower };
  });
}

function text(raw: Record<string, unknown>, at: string, max: number): string {
  const value = raw['text'];
  if (value === undefined) throw parameterError(`The parameter ${at}[text] is required.`);
  if (typeof value !== 'string' || value.trim() === '') throw parameterError(`Param ${at}[text] must be a non-empty string.`);
  if ([...value].length > max) throw parameterError(`Param ${at}[text] must be at most ${max} characters long.`);
  return value;
}

/** The distinct parameters of a text, in order of first use; their spelling must match the format. */
function placeholders(value: string, at: string, format: ParameterFormat): string[] {
  const names: string[] = [];
  for (const match of value.matchAll(PLACEHOLDER)) {
    const name = match[1]!;
    const valid = format === 'positional' ? /^[1-9]\d*$/.test(name) : /^[a-z][a-z0-9_]*$/.test(name);
    if (!valid) {
      throw parameterError(
        format === 'positional'
          ? `Param ${at} uses {{${name}}}, but parameter_format is POSITIONAL: use {{1}}, {{2}}, … or set parameter_format to NAMED.`
          : `Param ${at} uses {{${name}}}, but parameter_format is NAMED: names are lowercase letters, digits and underscores.`,
      );
    }
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

function occurrences(value: string): number {
  return [...value.matchAll(PLACEHOLDER)].length;
}

function upperEnum<T extends readonly [string, ...string[]] | readonly string[]>(value: unknown, allowed: T, at: string): T[number] {
  const upper = typeof value === 'string' ? value.toUpperCase() : value;
  if (typeof upper === 'string' && (allowed as readonly string[]).includes(upper)) return upper;
  if (value === undefined) throw parameterError(`The parameter ${at} is required.`);
  throw parameterError(`Param ${at} must be one of {${[...allowed].sort().join(', ')}} - got ${JSON.stringify(value)}.`);
}

/** Meta-shaped components for a template registered with `/_sandbox/templates`, so listings show something real. */
export function synthesiseMetaComponents(format: ParameterFormat, def: TemplateRecord['components']): MetaTemplateComponent[] {
  const components: MetaTemplateComponent[] = [];
  const header = def.header;
  if (typeof header === 'string' && !Array.isArray(header)) {
    components.push({ type: 'HEADER', format: header.toUpperCase() });
  } else if (header !== undefined) {
    const names = names_(format, header as number | readonly string[]);
    components.push({
      type: 'HEADER',
      format: 'TEXT',
      text: names.length === 0 ? 'Your update' : `Your update ${names.map(brace).join(' ')}`,
      ...exampleFor('header', format, names),
    });
  }
  const bodyNames = names_(format, def.body ?? 0);
  const bodyText = bodyNames.length === 0 ? 'Thank you for your order.' : `Hello, ${bodyNames.map((n) => `${brace(n)} is ready`).join(' and ')}.`;
  components.push({ type: 'BODY', text: bodyText, ...exampleFor('body', format, bodyNames) });
  if (def.buttons !== undefined && def.buttons.length > 0) {
    components.push({ type: 'BUTTONS', buttons: def.buttons.map(buttonFor) });
  }
  return components;
}

function names_(format: ParameterFormat, spec: number | readonly string[]): string[] {
  if (typeof spec === 'number') return Array.from({ length: spec }, (_, i) => String(i + 1));
  return format === 'named' ? [...spec] : spec.map((_, i) => String(i + 1));
}

function brace(name: string): string {
  return `{{${name}}}`;
}

function exampleFor(part: 'header' | 'body', format: ParameterFormat, names: readonly string[]): Record<string, unknown> {
  if (names.length === 0) return {};
  if (format === 'named') {
    return { example: { [`${part}_text_named_params`]: names.map((name) => ({ param_name: name, example: `example ${name}` })) } };
  }
  const values = names.map((name) => `example ${name}`);
  return { example: part === 'header' ? { header_text: values } : { body_text: [values] } };
}

function buttonFor(button: TemplateButtonDef): Record<string, unknown> {
  const type = button.type.toUpperCase();
  switch (button.type) {
    case 'url':
      return (button.parameters ?? 0) > 0
        ? { type, text: 'Open', url: 'https://example.com/{{1}}', example: ['https://example.com/summer'] }
        : { type, text: 'Open', url: 'https://example.com' };
    case 'phone_number':
      return { type, text: 'Call us', phone_number: '+15550783881' };
    case 'quick_reply':
      return { type, text: 'Yes' };
    default:
      return { type, text: button.type.replace('_', ' ') };
  }
}

