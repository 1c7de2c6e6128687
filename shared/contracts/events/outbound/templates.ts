import { z } from 'zod';
import { MAX_URL_LENGTH, PARAMETER_NAME, TEMPLATE_LANGUAGE, TEMPLATE_NAME, boundedText, templateText, uniqueBy } from './fields.js';
import { mediaObject } from './interactive.js';
import { filename, replyTo } from './messages.js';

/** Template messages and their parameters. */

// Template ----------------------------------------------------------------------------------------------

/** Positional parameters fill `{{1}}`, `{{2}}`… in order; named ones fill `{{parameter_name}}`. */
const parameterName = {
  /** Name of the variable this value fills in a template created with `parameter_format: named`. */
  parameterName: z.string().regex(PARAMETER_NAME, { error: 'must be lowercase letters, digits and _, starting with a letter or _' }).optional(),
};

export const TemplateTextParameterSchema = z.strictObject({
  type: z.literal('text'),
  /** The value, without newlines, tabs or more than 4 consecutive spaces. */
  text: templateText(1024),
  ...parameterName,
});

export const TemplateCurrencyParameterSchema = z.strictObject({
  type: z.literal('currency'),
  /** Shown when the amount cannot be localised, e.g. `$100.99`. */
  fallbackValue: templateText(256),
  /** ISO 4217 currency code. */
  code: z.string().regex(/^[A-Z]{3}$/, { error: 'must be an ISO 4217 currency code (3 capital letters)' }),
  /** Amount multiplied by 1000 (100.99 → 100990). */
  amount1000: z.number().int(),
  ...parameterName,
});

export const TemplateDateTimeParameterSchema = z.strictObject({
  type: z.literal('date_time'),
  /** The date as it should be shown, e.g. `February 25, 1977`. */
  fallbackValue: templateText(256),
  ...parameterName,
});

/** A body parameter: text, currency or date/time. */
export const TemplateBodyParameterSchema = z.discriminatedUnion('type', [
  TemplateTextParameterSchema,
  TemplateCurrencyParameterSchema,
  TemplateDateTimeParameterSchema,
]);
export type TemplateBodyParameter = z.infer<typeof TemplateBodyParameterSchema>;

export const TemplateLocationParameterSchema = z.strictObject({
  type: z.literal('location'),
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  /** Place name (Relais bound: 1000 characters). */
  name: boundedText(1000).optional(),
  /** Street address (Relais bound: 1000 characters). */
  address: boundedText(1000).optional(),
});

/** The one header parameter of a template with a variable header: text (≤ 60), media or a location. */
export const TemplateHeaderParameterSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text'), text: templateText(60), ...parameterName }),
  mediaObject('image', {}),
  mediaObject('video', {}),
  mediaObject('document', filename),
  TemplateLocationParameterSchema,
]);
export type TemplateHeaderParameter = z.infer<typeof TemplateHeaderParameterSchema>;

/** Position of the button in the template, 0 to 9. */
const buttonIndex = { index: z.number().int().min(0).max(9) };

/** A value for one of the template's buttons, told apart by `subType`. */
export const TemplateButtonParameterSchema = z.discriminatedUnion('subType', [
  z.strictObject({
    subType: z.literal('quick_reply'),
    ...buttonIndex,
    /** Returned in the user's reply when tapped (Relais bound: 1024 characters). */
    payload: boundedText(1024),
  }),
  z.strictObject({
    subType: z.literal('url'),
    ...buttonIndex,
    /** Suffix appended to the button's dynamic URL (also carries the code of a copy-code authentication template). */
    text: templateText(MAX_URL_LENGTH),
  }),
  z.strictObject({
    subType: z.literal('copy_code'),
    ...buttonIndex,
    /** The code copied by the button, up to 15 characters. */
    couponCode: boundedText(15),
  }),
  z.strictObject({
    subType: z.literal('flow'),
    ...buttonIndex,
    /** Token identifying this flow session (Relais bound: 1024 characters). */
    flowToken: boundedText(1024).optional(),
    /** Initial data handed to the flow's first screen. */
    flowActionData: z.record(z.string(), z.unknown()).optional(),
  }),
]);
export type TemplateButtonParameter = z.infer<typeof TemplateButtonParameterSchema>;

export const TemplateComponentsSchema = z
  .strictObject({
    /** The header's parameter, when the header has a variable. */
    header: TemplateHeaderParameterSchema.optional(),
    /** Body parameters, in order for positional templates. */
    body: z.array(TemplateBodyParameterSchema).min(1).optional(),
    /** Values of the buttons that take one, each by its index (0 to 9, unique). */
    buttons: z.array(TemplateButtonParameterSchema).min(1).max(10).optional(),
  })
  .superRefine((value, ctx) => {
    const textual: { named: boolean; name: string | undefined; path: PropertyKey[] }[] = [];
    if (value.header?.type === 'text') textual.push({ named: value.header.parameterName !== undefined, name: value.header.parameterName, path: ['header', 'parameterName'] });
    (value.body ?? []).forEach((p, i) => textual.push({ named: p.parameterName !== undefined, name: p.parameterName, path: ['body', i, 'parameterName'] }));
    const named = textual.filter((p) => p.named).length;
    if (named > 0 && named < textual.length) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'parameters must be all positional or all named (parameterName on every header text and body parameter), not mixed',
      });
    }
    const names = textual.filter((p) => p.named);
    uniqueBy(ctx, names, (p) => p.name, (i) => names[i]!.path, 'parameter names');
    uniqueBy(ctx, value.buttons ?? [], (b) => b.index, (i) => ['buttons', i, 'index'], 'button indexes');
  });
export type TemplateComponents = z.infer<typeof TemplateComponentsSchema>;

export const TemplateMessageSchema = z
  .strictObject({
    type: z.literal('template'),
    /** The template's name: lowercase letters, digits and `_`, up to 512 characters. */
    name: z.string().regex(TEMPLATE_NAME, { error: 'must be 1 to 512 lowercase letters, digits or _' }),
    /** The template's language code as the send API spells it: `fr`, `en_US`, `pt_BR`. */
    language: z.string().regex(TEMPLATE_LANGUAGE, { error: 'must be a template language code such as fr, en_US or pt_BR' }),
    /** Values for the template's variables; omit for a template without any. */
    components: TemplateComponentsSchema.optional(),
    ...replyTo,
  })
  .describe('An approved message template, with its parameters.');
export type TemplateMessage = z.infer<typeof TemplateMessageSchema>;
