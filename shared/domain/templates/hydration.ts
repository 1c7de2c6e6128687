import type { TemplateBodyParameter, TemplateMessage } from '../../contracts/events/outbound/templates.js';
import { TEMPLATE_LIMITS, characterCount } from './authoring.js';
import type { TemplateInfo } from './template-registry.js';

/**
 * A template's text once a send's parameters fill its placeholders ("hydrated"), and whether it stays within Meta's
 * limits: the body at most 1024 characters and a text header at most 60, counted after substitution, else Meta
 * refuses the message with error 132005 (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/components
 * and https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes).
 * Characters are Unicode code points, as in the authoring checks ({@link characterCount}).
 */

/** A `{{1}}` or `{{first_name}}` placeholder, spaces inside the braces tolerated as Meta shows them. */
export const TEMPLATE_PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/**
 * `text` with each placeholder replaced by its value: positional `{{n}}` by `values[n - 1]`, named `{{name}}` by the
 * value of that name. A placeholder with no value is left as it is (the parameter checks name that problem).
 */
export function fillPlaceholders(text: string, values: { readonly positional: readonly string[]; readonly named: ReadonlyMap<string, string> }): string {
  return text.replace(TEMPLATE_PLACEHOLDER, (whole: string, key: string) => {
    const value = /^[0-9]+$/.test(key) ? values.positional[Number(key) - 1] : values.named.get(key);
    return value ?? whole;
  });
}

/** What a body or header parameter shows in the message: the text, or the fallback of a currency or date. */
function shownValue(parameter: TemplateBodyParameter | { readonly type: 'text'; readonly text: string }): string {
  return parameter.type === 'text' ? parameter.text : parameter.fallbackValue;
}

function valuesOf(parameters: ReadonlyArray<TemplateBodyParameter | { readonly type: 'text'; readonly text: string; readonly parameterName?: string | undefined }>) {
  const positional = parameters.map(shownValue);
  const named = new Map<string, string>();
  for (const parameter of parameters) if (parameter.parameterName !== undefined) named.set(parameter.parameterName, shownValue(parameter));
  return { positional, named };
}

/** One component's hydrated length against its limit. */
export interface HydratedLength {
  readonly component: 'header' | 'body';
  readonly characters: number;
  readonly limit: number;
}

/**
 * The hydrated lengths of the message's text header and body, for the components whose text the registry knows.
 * A component with no known text (a template first seen from a status webhook, a media header) is left out.
 */
export function hydratedLengths(message: TemplateMessage, template: TemplateInfo): HydratedLength[] {
  const lengths: HydratedLength[] = [];
  const header = message.components?.header;
  if (template.text?.header !== undefined) {
    const values = valuesOf(header?.type === 'text' ? [header] : []);
    lengths.push({ component: 'header', characters: characterCount(fillPlaceholders(template.text.header, values)), limit: TEMPLATE_LIMITS.headerTextLength });
  }
  if (template.text?.body !== undefined) {
    const values = valuesOf(message.components?.body ?? []);
    lengths.push({ component: 'body', characters: characterCount(fillPlaceholders(template.text.body, values)), limit: TEMPLATE_LIMITS.bodyTextLength });
  }
  return lengths;
}

/**
 * How the hydrated text breaks Meta's limits, as the end of a sentence naming the component (`body would be 1031
 * characters…`), or `undefined` when it fits or the text is not known.
 */
export function hydratedTextProblem(message: TemplateMessage, template: TemplateInfo): string | undefined {
  const over = hydratedLengths(message, template).find((length) => length.characters > length.limit);
  if (over === undefined) return undefined;
  return `${over.component} would be ${over.characters} characters once its parameters are filled in, over Meta's limit of ${over.limit} (Meta would refuse it with error 132005): shorten the parameter values by ${over.characters - over.limit} characters`;
}
