import { z } from 'zod';

import { describeIssues } from '../../errors.js';

/**
 * Local checks of Meta's template creation body (`POST /{waba-id}/message_templates`), so that a user who pastes
 * what Meta documents learns every problem at once, each with its path, before the template goes to review.
 * Meta stays the judge: a body that passes here may still be refused or re-categorised by Meta.
 *
 * Sources:
 * - https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/overview (names, parameters)
 * - https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/components (limits, buttons)
 * - https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/authentication-templates/authentication-templates
 *
 * Lengths count Unicode code points: Meta gives its limits in "characters" without saying more, and a code point
 * is Unicode's character (an emoji such as 📦 counts once, as a user would expect; a flag 🇧🇷, two code points,
 * counts two). A body a few emoji over Meta's limit by another count is still answered by Meta on submission.
 */

/** Meta's limits on a template, as its components page states them. */
export const TEMPLATE_LIMITS = Object.freeze({
  nameLength: 512,
  headerTextLength: 60,
  bodyTextLength: 1024,
  footerTextLength: 60,
  buttons: 10,
  buttonLabelLength: 25,
  urlLength: 2000,
  copyCodeExampleLength: 15,
  phoneNumberLength: 20,
  /**
   * Per-type button limits: up to 2 URL buttons, 1 phone number, 1 copy code (quick replies up to the total).
   * Meta's components page states them; checked here against BSP pages that repeat them, not Meta's live page.
   */
  urlButtons: 2,
  phoneNumberButtons: 1,
  copyCodeButtons: 1,
  /** Authentication: `code_expiration_minutes` from 1 to 90. */
  codeExpirationMinutes: { min: 1, max: 90 },
  /**
   * Authentication one-tap and zero-tap: up to 5 apps; a signature hash is 11 characters (Android's app hash);
   * a package name at most 224 characters. UNVERIFIED against Meta's live page this session: Meta answers anyway.
   */
  supportedApps: 5,
  signatureHashLength: 11,
  packageNameLength: 224,
});

/** One problem in a creation body: where (`components[1].text`) and what. */
export interface AuthoringProblem {
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
}

/** A creation body as Meta takes it, once it has passed {@link validateTemplateCreation}. */
export interface TemplateCreationBody {
  readonly name: string;
  readonly language: string;
  readonly category: 'MARKETING' | 'UTILITY' | 'AUTHENTICATION';
  readonly parameter_format?: string;
  readonly components: ReadonlyArray<Readonly<Record<string, unknown>> & { readonly type: string }>;
  readonly [field: string]: unknown;
}

export type TemplateCreationResult =
  | { readonly ok: true; readonly body: TemplateCreationBody }
  | { readonly ok: false; readonly problems: readonly AuthoringProblem[] };

/** `components[1].text: must be at most 1024 characters (it has 1030)`, one line per problem. */
export function describeAuthoringProblems(problems: readonly AuthoringProblem[]): string[] {
  return describeIssues(problems, Number.POSITIVE_INFINITY);
}

/** Length in Unicode code points (see the module notes). */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

// ---------------------------------------------------------------------------------------------------------
// Shape (zod): types and required fields. Meta's body has more optional fields than Relais checks; they pass.
// ---------------------------------------------------------------------------------------------------------

const required = (what: string) => ({ error: (issue: { input: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`) });
const caseless = <T extends readonly [string, ...string[]]>(values: T, what: string) =>
  z.preprocess((value) => (typeof value === 'string' ? value.trim().toUpperCase() : value), z.enum(values, required(what)));

const ComponentShape = z.looseObject({
  type: caseless(['HEADER', 'BODY', 'FOOTER', 'BUTTONS'], 'one of HEADER, BODY, FOOTER, BUTTONS'),
  text: z.string(required('a string')).optional(),
  format: z.string(required('a string')).optional(),
  example: z.looseObject({}, required('an object')).optional(),
  buttons: z.array(z.looseObject({ type: z.string(required('a string')) }, required('an object')), required('an array of buttons')).optional(),
});

const CreationShape = z.looseObject({
  name: z.string(required('a string')),
  language: z.string(required('a string')),
  category: caseless(['MARKETING', 'UTILITY', 'AUTHENTICATION'], 'one of MARKETING, UTILITY, AUTHENTICATION'),
  parameter_format: caseless(['POSITIONAL', 'NAMED'], 'positional or named').optional(),
  components: z.array(ComponentShape, required('an array of components')).min(1, { error: 'must hold at least a BODY component' }),
}, { error: 'must be a JSON object' });

// ---------------------------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------------------------

type Path = ReadonlyArray<string | number>;
type Raw = Record<string, unknown>;

const NAME = /^[a-z0-9_]+$/;
/** Meta's template language codes: `en`, `en_US`, `pt_BR`, `zh_HK`… (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/supported-languages). */
const LANGUAGE = /^[a-z]{2,3}(?:_[A-Z]{2,4})?$/;
/** Named parameters: lowercase letters, digits and `_`, starting with a letter or `_`. */
const PARAMETER_NAME = /^[a-z_][a-z0-9_]*$/;
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const MEDIA_FORMATS: ReadonlySet<string> = new Set(['IMAGE', 'VIDEO', 'DOCUMENT']);
const HEADER_FORMATS: ReadonlySet<string> = new Set(['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION']);
const OTP_TYPES: ReadonlySet<string> = new Set(['COPY_CODE', 'ONE_TAP', 'ZERO_TAP']);
/** Buttons whose label Meta takes from the creation body (COPY_CODE's and OTP's have defaults). */
const LABEL_REQUIRED: ReadonlySet<string> = new Set(['QUICK_REPLY', 'URL', 'PHONE_NUMBER', 'FLOW', 'CATALOG', 'MPM', 'VOICE_CALL']);

function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function upper(value: unknown): string {
  return typeof value === 'string' ? value.trim().toUpperCase() : '';
}

interface Placeholder {
  readonly content: string;
  readonly start: number;
  readonly end: number;
}

function placeholdersIn(text: string): Placeholder[] {
  return [...text.matchAll(PLACEHOLDER)].map((match) => ({ content: match[1] ?? '', start: match.index, end: match.index + match[0].length }));
}

/**
 * Validates a template creation body. Returns `ok` with the body when there is no problem, otherwise every
 * problem found, each with its path. Never throws, whatever the input.
 */
export function validateTemplateCreation(input: unknown): TemplateCreationResult {
  const problems: AuthoringProblem[] = [];
  const add = (path: Path, message: string) => problems.push({ path, message });

  const shape = CreationShape.safeParse(input);
  if (!shape.success) {
    for (const issue of shape.error.issues) add(issue.path.filter((key): key is string | number => typeof key !== 'symbol'), issue.message);
  }
  if (!isRecord(input)) {
    if (shape.success || problems.length === 0) add([], 'must be a JSON object');
    return { ok: false, problems };
  }

  checkName(input['name'], add);
  if (typeof input['language'] === 'string' && !LANGUAGE.test(input['language'])) {
    add(['language'], `must be a template language code such as en_US, fr or pt_BR (with _, not -), not "${clip(input['language'])}"`);
  }

  const category = upper(input['category']);
  const declaredFormat = upper(input['parameter_format']);
  const format: 'POSITIONAL' | 'NAMED' = declaredFormat === 'NAMED' ? 'NAMED' : 'POSITIONAL';
  const components = Array.isArray(input['components']) ? input['components'] : [];

  const seen = new Map<string, number>();
  components.forEach((component, index) => {
    if (!isRecord(component)) return;
    const type = upper(component['type']);
    if (type === '') return;
    const first = seen.get(type);
    if (first !== undefined) add(['components', index, 'type'], `repeats ${type} (already components[${first}]): a template has at most one of each`);
    else seen.set(type, index);
  });
  if (components.length > 0 && !seen.has('BODY')) add(['components'], 'must include a BODY component');

  const at = (type: string) => {
    const index = seen.get(type);
    const component = index === undefined ? undefined : components[index];
    return index !== undefined && isRecord(component) ? { index, component } : undefined;
  };

  if (category === 'AUTHENTICATION') {
    checkAuthentication(at, add);
  } else {
    const header = at('HEADER');
    if (header !== undefined) checkHeader(header.component, ['components', header.index], format, add);
    const body = at('BODY');
    if (body !== undefined) checkBody(body.component, ['components', body.index], format, add);
    const footer = at('FOOTER');
    if (footer !== undefined) checkFooter(footer.component, ['components', footer.index], add);
    const buttons = at('BUTTONS');
    if (buttons !== undefined) checkButtons(buttons.component, ['components', buttons.index], add);
  }

  if (problems.length > 0 || !shape.success) return { ok: false, problems };
  return { ok: true, body: shape.data as unknown as TemplateCreationBody };
}

function clip(text: string): string {
  const chars = [...text];
  return chars.length > 40 ? `${chars.slice(0, 40).join('')}…` : text;
}

function checkName(name: unknown, add: (path: Path, message: string) => void): void {
  if (typeof name !== 'string') return;
  const length = characterCount(name);
  if (length === 0) add(['name'], 'must not be empty');
  else if (length > TEMPLATE_LIMITS.nameLength) add(['name'], `must be at most ${TEMPLATE_LIMITS.nameLength} characters (it has ${length})`);
  if (length > 0 && !NAME.test(name)) add(['name'], 'must be lowercase letters, digits and _ only (e.g. order_shipped_v2)');
}

function checkLength(text: string, limit: number, path: Path, add: (path: Path, message: string) => void): void {
  const length = characterCount(text);
  if (length > limit) add(path, `must be at most ${limit} characters (it has ${length})`);
}

/**
 * The parameters of a text (header or body), checked against the template's format: names in a named template,
 * numbers 1..n without gaps in a positional one. Returns the distinct parameters in order of first use, or
 * `undefined` when a placeholder is malformed (examples are then not compared).
 */
function textParameters(text: string, path: Path, format: 'POSITIONAL' | 'NAMED', add: (path: Path, message: string) => void): string[] | undefined {
  const found = placeholdersIn(text);
  let wellFormed = true;
  for (const placeholder of found) {
    const content = placeholder.content;
    if (/^[0-9]+$/.test(content)) {
      if (format === 'NAMED') {
        add(path, `uses the positional parameter {{${content}}} but parameter_format is named: use names such as {{first_name}}`);
        wellFormed = false;
      }
    } else if (PARAMETER_NAME.test(content)) {
      if (format === 'POSITIONAL') {
        add(path, `uses the named parameter {{${content}}} but parameter_format is positional (Meta's default): set "parameter_format": "named" or use {{1}}, {{2}}…`);
        wellFormed = false;
      }
    } else {
      add(path, `has {{${clip(content)}}}, which is not a parameter: use {{1}}, {{2}}… or lowercase names with _ such as {{first_name}}`);
      wellFormed = false;
    }
  }
  if (!wellFormed) return undefined;
  const distinct = [...new Set(found.map((p) => p.content))];
  if (format === 'POSITIONAL' && distinct.length > 0) {
    const numbers = distinct.map(Number).sort((a, b) => a - b);
    const gap = numbers.findIndex((n, i) => n !== i + 1);
    if (gap !== -1) {
      add(path, `numbers its parameters ${numbers.map((n) => `{{${n}}}`).join(', ')}: they must run from {{1}} to {{${numbers.length}}} without gaps`);
      return undefined;
    }
  }
  return distinct;
}

function checkHeader(header: Raw, path: Path, format: 'POSITIONAL' | 'NAMED', add: (path: Path, message: string) => void): void {
  const headerFormat = upper(header['format']);
  if (headerFormat === '') {
    if (header['format'] === undefined) add([...path, 'format'], 'is required: one of TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION');
    return;
  }
  if (!HEADER_FORMATS.has(headerFormat)) {
    add([...path, 'format'], 'must be one of TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION');
    return;
  }
  const example = isRecord(header['example']) ? header['example'] : undefined;
  if (headerFormat === 'TEXT') {
    const text = header['text'];
    if (text === undefined) add([...path, 'text'], 'is required for a TEXT header');
    if (typeof text !== 'string') return;
    if (text.trim() === '') add([...path, 'text'], 'must not be empty');
    checkLength(text, TEMPLATE_LIMITS.headerTextLength, [...path, 'text'], add);
    const parameters = textParameters(text, [...path, 'text'], format, add);
    if (parameters === undefined) return;
    if (parameters.length > 1) add([...path, 'text'], `has ${parameters.length} parameters: a header takes at most 1`);
    if (parameters.length === 1) checkExamples('header', parameters, example, [...path, 'example'], format, add);
  } else if (MEDIA_FORMATS.has(headerFormat)) {
    const handles = example?.['header_handle'];
    if (!Array.isArray(handles) || handles.length === 0 || !handles.every((h) => typeof h === 'string' && h.trim() !== '')) {
      add([...path, 'example', 'header_handle'], `is required for a ${headerFormat} header: the handle of a sample uploaded with Meta's Resumable Upload API`);
    }
  }
}

function checkBody(body: Raw, path: Path, format: 'POSITIONAL' | 'NAMED', add: (path: Path, message: string) => void): void {
  const text = body['text'];
  if (text === undefined) add([...path, 'text'], 'is required');
  if (typeof text !== 'string') return;
  if (text.trim() === '') {
    add([...path, 'text'], 'must not be empty');
    return;
  }
  checkLength(text, TEMPLATE_LIMITS.bodyTextLength, [...path, 'text'], add);
  const parameters = textParameters(text, [...path, 'text'], format, add);
  const found = placeholdersIn(text);
  // Meta refuses parameters that start or end the body (error 2388299) and parameters side by side.
  const trimmedStart = text.length - text.trimStart().length;
  if (found[0] !== undefined && found[0].start === trimmedStart) add([...path, 'text'], `starts with the parameter {{${clip(found[0].content)}}}: put some text before it`);
  const last = found[found.length - 1];
  if (last !== undefined && last.end === text.trimEnd().length) add([...path, 'text'], `ends with the parameter {{${clip(last.content)}}}: put some text (even a full stop) after it`);
  for (let i = 1; i < found.length; i += 1) {
    const previous = found[i - 1]!;
    const current = found[i]!;
    // Decision: only whitespace between two parameters counts as side by side, as with nothing at all.
    if (text.slice(previous.end, current.start).trim() === '') {
      add([...path, 'text'], `has the parameters {{${clip(previous.content)}}} and {{${clip(current.content)}}} side by side: put text between them`);
    }
  }
  if (parameters !== undefined && parameters.length > 0) {
    checkExamples('body', parameters, isRecord(body['example']) ? body['example'] : undefined, [...path, 'example'], format, add);
  }
}

/**
 * An example for every parameter: positional `header_text: [..]` / `body_text: [[..]]`, named
 * `header_text_named_params` / `body_text_named_params: [{ param_name, example }]`.
 */
function checkExamples(
  part: 'header' | 'body',
  parameters: readonly string[],
  example: Raw | undefined,
  path: Path,
  format: 'POSITIONAL' | 'NAMED',
  add: (path: Path, message: string) => void,
): void {
  const nonEmpty = (value: unknown) => typeof value === 'string' && value.trim() !== '';
  if (format === 'POSITIONAL') {
    const key = part === 'header' ? 'header_text' : 'body_text';
    const raw = example?.[key];
    const values = part === 'header' ? raw : Array.isArray(raw) ? raw[0] : undefined;
    const shape = part === 'header' ? '["…"]' : '[["…", "…"]]';
    if (part === 'body' && Array.isArray(raw) && raw.length > 0 && !Array.isArray(raw[0])) {
      add([...path, key], `must be a list inside a list, as ${shape}`);
      return;
    }
    if (!Array.isArray(values)) {
      add([...path, key], `is required: one example value for each of the ${parameters.length} parameter(s), as ${shape}`);
      return;
    }
    if (values.length !== parameters.length) {
      add([...path, key], `gives ${values.length} example value(s) for ${parameters.length} parameter(s)`);
    }
    values.forEach((value, i) => {
      if (!nonEmpty(value)) add([...path, key, ...(part === 'body' ? [0] : []), i], 'must be a non-empty example value');
    });
    return;
  }
  const key = part === 'header' ? 'header_text_named_params' : 'body_text_named_params';
  const raw = example?.[key];
  if (!Array.isArray(raw)) {
    add([...path, key], `is required: [{ "param_name": "…", "example": "…" }] for each of ${parameters.join(', ')}`);
    return;
  }
  const given = new Set<string>();
  raw.forEach((entry, i) => {
    if (!isRecord(entry) || typeof entry['param_name'] !== 'string') {
      add([...path, key, i, 'param_name'], 'is required: the name of the parameter this example fills');
      return;
    }
    if (!nonEmpty(entry['example'])) add([...path, key, i, 'example'], 'must be a non-empty example value');
    if (given.has(entry['param_name'])) add([...path, key, i, 'param_name'], `repeats "${clip(entry['param_name'])}"`);
    given.add(entry['param_name']);
  });
  const missing = parameters.filter((name) => !given.has(name));
  const unknown = [...given].filter((name) => !parameters.includes(name));
  if (missing.length > 0) add([...path, key], `has no example for ${missing.map((n) => `{{${n}}}`).join(', ')}`);
  if (unknown.length > 0) add([...path, key], `gives examples for ${unknown.map((n) => `"${clip(n)}"`).join(', ')}, which the text does not use`);
}

function checkFooter(footer: Raw, path: Path, add: (path: Path, message: string) => void): void {
  const text = footer['text'];
  if (text === undefined) add([...path, 'text'], 'is required');
  if (typeof text !== 'string') return;
  if (text.trim() === '') add([...path, 'text'], 'must not be empty');
  checkLength(text, TEMPLATE_LIMITS.footerTextLength, [...path, 'text'], add);
  if (placeholdersIn(text).length > 0) add([...path, 'text'], 'must not have parameters: a footer is fixed text');
}

function checkLabel(button: Raw, type: string, path: Path, add: (path: Path, message: string) => void, requiredLabel: boolean): void {
  const text = button['text'];
  if (text === undefined) {
    if (requiredLabel) add([...path, 'text'], `is required: the ${type} button's label`);
    return;
  }
  if (typeof text !== 'string') {
    add([...path, 'text'], 'must be a string');
    return;
  }
  if (text.trim() === '') add([...path, 'text'], 'must not be empty');
  checkLength(text, TEMPLATE_LIMITS.buttonLabelLength, [...path, 'text'], add);
  if (placeholdersIn(text).length > 0) add([...path, 'text'], 'must not have parameters: a button label is fixed text');
}

function checkButtons(component: Raw, path: Path, add: (path: Path, message: string) => void): void {
  const buttons = component['buttons'];
  if (!Array.isArray(buttons)) {
    if (buttons === undefined) add([...path, 'buttons'], 'is required in a BUTTONS component');
    return;
  }
  if (buttons.length === 0) add([...path, 'buttons'], 'must hold at least one button');
  if (buttons.length > TEMPLATE_LIMITS.buttons) add([...path, 'buttons'], `holds ${buttons.length} buttons: at most ${TEMPLATE_LIMITS.buttons}`);

  const types = buttons.map((button) => (isRecord(button) ? upper(button['type']) : ''));
  // Quick replies must form one group, before or after the other buttons, never mixed in among them.
  const firstQuick = types.indexOf('QUICK_REPLY');
  const lastQuick = types.lastIndexOf('QUICK_REPLY');
  if (firstQuick !== -1) {
    const interleaved = types.slice(firstQuick, lastQuick + 1).findIndex((type) => type !== 'QUICK_REPLY');
    if (interleaved !== -1) {
      add([...path, 'buttons', firstQuick + interleaved], `is a ${types[firstQuick + interleaved] || 'non-quick-reply'} button between quick replies: group the quick replies together, before or after the other buttons`);
    }
  }
  const count = (type: string) => types.filter((t) => t === type).length;
  for (const [type, limit, label] of [
    ['URL', TEMPLATE_LIMITS.urlButtons, 'URL'],
    ['PHONE_NUMBER', TEMPLATE_LIMITS.phoneNumberButtons, 'phone number'],
    ['COPY_CODE', TEMPLATE_LIMITS.copyCodeButtons, 'copy code'],
  ] as const) {
    if (count(type) > limit) add([...path, 'buttons'], `holds ${count(type)} ${label} buttons: at most ${limit}`);
  }

  buttons.forEach((button, index) => {
    const where = [...path, 'buttons', index];
    if (!isRecord(button)) return;
    const type = upper(button['type']);
    if (type === '') return;
    if (type === 'OTP') {
      add([...where, 'type'], 'OTP buttons belong to AUTHENTICATION templates only');
      return;
    }
    checkLabel(button, type, where, add, LABEL_REQUIRED.has(type));
    if (type === 'URL') checkUrlButton(button, where, add);
    if (type === 'PHONE_NUMBER') {
      const phone = button['phone_number'];
      if (typeof phone !== 'string' || phone.trim() === '') add([...where, 'phone_number'], 'is required: the number to call, e.g. +15550100200');
      else checkLength(phone, TEMPLATE_LIMITS.phoneNumberLength, [...where, 'phone_number'], add);
    }
    if (type === 'COPY_CODE') {
      const example = Array.isArray(button['example']) ? button['example'][0] : button['example'];
      if (typeof example !== 'string' || example.trim() === '') add([...where, 'example'], 'is required: a sample code, up to 15 characters');
      else checkLength(example, TEMPLATE_LIMITS.copyCodeExampleLength, [...where, 'example'], add);
    }
  });
}

function checkUrlButton(button: Raw, where: Path, add: (path: Path, message: string) => void): void {
  const url = button['url'];
  if (typeof url !== 'string' || url.trim() === '') {
    add([...where, 'url'], 'is required: the https address the button opens');
    return;
  }
  checkLength(url, TEMPLATE_LIMITS.urlLength, [...where, 'url'], add);
  const found = placeholdersIn(url);
  if (found.length === 0) return;
  if (found.length > 1) add([...where, 'url'], `has ${found.length} variables: a URL takes one, at its end`);
  else if (found[0]!.end !== url.length) add([...where, 'url'], 'has its variable before the end: a URL variable may only end the address, e.g. https://example.com/track/{{1}}');
  const example = Array.isArray(button['example']) ? button['example'][0] : button['example'];
  if (typeof example !== 'string' || example.trim() === '') add([...where, 'example'], 'is required for a URL with a variable: the full sample address, as ["https://…"]');
}

/**
 * Authentication templates: Meta writes the text itself (`<code> is your verification code.`, with an optional
 * security recommendation and expiry note); the body takes `add_security_recommendation`, the footer
 * `code_expiration_minutes`, and exactly one OTP button (`COPY_CODE`, `ONE_TAP`, `ZERO_TAP`). No header, no
 * media, no URL or other buttons. One-tap and zero-tap name the Android apps (`supported_apps`: package name and
 * 11-character signature hash); zero-tap needs `zero_tap_terms_accepted: true`.
 * The code sent later is at most 15 characters without URLs, media or emoji: that is checked at send time.
 */
function checkAuthentication(
  at: (type: string) => { index: number; component: Raw } | undefined,
  add: (path: Path, message: string) => void,
): void {
  const header = at('HEADER');
  if (header !== undefined) add(['components', header.index], 'an AUTHENTICATION template has no header (Meta sets its text; media are not supported)');
  const body = at('BODY');
  if (body !== undefined) {
    const path = ['components', body.index];
    if (body.component['text'] !== undefined) add([...path, 'text'], 'must be left out: Meta writes the text of AUTHENTICATION templates ("<code> is your verification code.")');
    const recommendation = body.component['add_security_recommendation'];
    if (recommendation !== undefined && typeof recommendation !== 'boolean') add([...path, 'add_security_recommendation'], 'must be true or false');
  }
  const footer = at('FOOTER');
  if (footer !== undefined) {
    const path = ['components', footer.index];
    if (footer.component['text'] !== undefined) add([...path, 'text'], 'must be left out: an AUTHENTICATION footer only takes code_expiration_minutes');
    const minutes = footer.component['code_expiration_minutes'];
    const { min, max } = TEMPLATE_LIMITS.codeExpirationMinutes;
    if (minutes !== undefined && !(typeof minutes === 'number' && Number.isInteger(minutes) && minutes >= min && minutes <= max)) {
      add([...path, 'code_expiration_minutes'], `must be a whole number of minutes from ${min} to ${max}`);
    }
  }
  const buttonsComponent = at('BUTTONS');
  if (buttonsComponent === undefined) {
    add(['components'], 'must include a BUTTONS component with one OTP button (copy code, one-tap or zero-tap): AUTHENTICATION templates need one');
    return;
  }
  const path = ['components', buttonsComponent.index, 'buttons'];
  const buttons = buttonsComponent.component['buttons'];
  if (!Array.isArray(buttons)) {
    if (buttons === undefined) add(path, 'is required: one OTP button');
    return;
  }
  const otp = buttons.filter((b) => isRecord(b) && upper(b['type']) === 'OTP');
  if (otp.length !== 1) add(path, `must hold exactly one OTP button (it has ${otp.length})`);
  buttons.forEach((button, index) => {
    const where = [...path, index];
    if (!isRecord(button)) return;
    const type = upper(button['type']);
    if (type !== 'OTP') {
      if (type !== '') add([...where, 'type'], `is ${type}: an AUTHENTICATION template takes only its OTP button (no URL, quick reply or other buttons)`);
      return;
    }
    const otpType = upper(button['otp_type']);
    if (!OTP_TYPES.has(otpType)) {
      add([...where, 'otp_type'], button['otp_type'] === undefined ? 'is required: COPY_CODE, ONE_TAP or ZERO_TAP' : 'must be COPY_CODE, ONE_TAP or ZERO_TAP');
      return;
    }
    checkLabel(button, 'OTP', where, add, false);
    if (button['autofill_text'] !== undefined) {
      if (typeof button['autofill_text'] !== 'string') add([...where, 'autofill_text'], 'must be a string');
      else checkLength(button['autofill_text'], TEMPLATE_LIMITS.buttonLabelLength, [...where, 'autofill_text'], add);
    }
    if (otpType === 'ONE_TAP' || otpType === 'ZERO_TAP') checkSupportedApps(button, where, otpType, add);
    if (otpType === 'ZERO_TAP' && button['zero_tap_terms_accepted'] !== true) {
      add([...where, 'zero_tap_terms_accepted'], "must be true: zero-tap templates need Meta's zero-tap terms accepted");
    }
  });
}

function checkSupportedApps(button: Raw, where: Path, otpType: string, add: (path: Path, message: string) => void): void {
  const apps = button['supported_apps'];
  const legacy = typeof button['package_name'] === 'string' && typeof button['signature_hash'] === 'string';
  if (apps === undefined) {
    if (!legacy) add([...where, 'supported_apps'], `is required for ${otpType}: [{ "package_name": "…", "signature_hash": "…" }] for each Android app`);
    else checkApp(button, where, add);
    return;
  }
  if (!Array.isArray(apps) || apps.length === 0) {
    add([...where, 'supported_apps'], 'must be a non-empty array of { package_name, signature_hash }');
    return;
  }
  if (apps.length > TEMPLATE_LIMITS.supportedApps) add([...where, 'supported_apps'], `names ${apps.length} apps: at most ${TEMPLATE_LIMITS.supportedApps}`);
  apps.forEach((app, i) => {
    if (!isRecord(app)) add([...where, 'supported_apps', i], 'must be an object { package_name, signature_hash }');
    else checkApp(app, [...where, 'supported_apps', i], add);
  });
}

function checkApp(app: Raw, where: Path, add: (path: Path, message: string) => void): void {
  const name = app['package_name'];
  if (typeof name !== 'string' || name.trim() === '') add([...where, 'package_name'], 'is required: the Android package name, e.g. com.example.app');
  else checkLength(name, TEMPLATE_LIMITS.packageNameLength, [...where, 'package_name'], add);
  const hash = app['signature_hash'];
  if (typeof hash !== 'string' || characterCount(hash) !== TEMPLATE_LIMITS.signatureHashLength) {
    add([...where, 'signature_hash'], `must be the app's ${TEMPLATE_LIMITS.signatureHashLength}-character signing key hash`);
  }
}
