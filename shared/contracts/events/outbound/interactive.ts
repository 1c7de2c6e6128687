import { z } from 'zod';
import { HttpsUrlSchema, boundedText, exactlyOne, oneOfRequired, uniqueBy } from './fields.js';
import { filename, mediaSource, replyTo } from './messages.js';
import { INTERACTIVE_KINDS } from './vocabulary.js';

/** Interactive messages: reply buttons, lists, call-to-action URLs and products. */

// Interactive -------------------------------------------------------------------------------------------

/** A text header: up to 60 characters. */
export const TextHeaderSchema = z.strictObject({
  type: z.literal('text'),
  /** Header text, up to 60 characters. */
  text: boundedText(60),
});

/** Media given by id or link, for headers and template parameters: exactly one of `mediaId` or `link`. */
export function mediaObject<T extends 'image' | 'video' | 'document', S extends z.ZodRawShape>(type: T, extra: S) {
  return z
    .strictObject({ type: z.literal(type), ...mediaSource, ...extra })
    .meta(oneOfRequired('mediaId', 'link'))
    .superRefine((value, ctx) => exactlyOne(ctx, value, 'mediaId', 'link'));
}

/** Header of a reply-button or call-to-action message: text or media. */
export const InteractiveHeaderSchema = z.discriminatedUnion('type', [
  TextHeaderSchema,
  mediaObject('image', {}),
  mediaObject('video', {}),
  mediaObject('document', filename),
]);
export type InteractiveHeader = z.infer<typeof InteractiveHeaderSchema>;

const interactiveBase = {
  type: z.literal('interactive'),
  /** Footer text, up to 60 characters. */
  footer: boundedText(60).optional(),
  ...replyTo,
};

export const ReplyButtonSchema = z.strictObject({
  /** Returned in the user's reply when tapped; 1 to 256 characters, unique within the message. */
  id: boundedText(256),
  /** Button label, up to 20 characters. */
  title: boundedText(20),
});

export const ButtonMessageSchema = z
  .strictObject({
    ...interactiveBase,
    kind: z.literal('button'),
    header: InteractiveHeaderSchema.optional(),
    /** Message text, up to 1024 characters. */
    body: boundedText(1024),
    /** One to three reply buttons with unique ids. */
    buttons: z.array(ReplyButtonSchema).min(1).max(3),
  })
  .describe('Text with up to three reply buttons.')
  .superRefine((value, ctx) => uniqueBy(ctx, value.buttons, (b) => b.id, (i) => ['buttons', i, 'id'], 'button ids'));
export type ButtonMessage = z.infer<typeof ButtonMessageSchema>;

export const ListRowSchema = z.strictObject({
  /** Returned in the user's reply when chosen; up to 200 characters, unique within the message. */
  id: boundedText(200),
  /** Row title, up to 24 characters. */
  title: boundedText(24),
  /** Row description, up to 72 characters. */
  description: boundedText(72).optional(),
});

export const ListSectionSchema = z.strictObject({
  /** Section title, up to 24 characters; required when there is more than one section. */
  title: boundedText(24).optional(),
  /** At least one row; at most 10 rows across all sections. */
  rows: z.array(ListRowSchema).min(1).max(10),
});

export const ListMessageSchema = z
  .strictObject({
    ...interactiveBase,
    kind: z.literal('list'),
    header: TextHeaderSchema.optional(),
    /** Message text, up to 4096 characters. */
    body: boundedText(4096),
    /** Label of the button that opens the list, up to 20 characters. */
    button: boundedText(20),
    /** One to ten sections holding at most 10 rows in total. */
    sections: z.array(ListSectionSchema).min(1).max(10),
  })
  .describe('Text with a button opening a list of up to 10 choices.')
  .superRefine((value, ctx) => {
    const rows = value.sections.flatMap((section, s) => section.rows.map((row, r) => ({ row, path: ['sections', s, 'rows', r, 'id'] })));
    if (rows.length > 10) ctx.addIssue({ code: 'custom', path: ['sections'], message: `may hold at most 10 rows in total across sections (has ${rows.length})` });
    uniqueBy(ctx, rows, (r) => r.row.id, (i) => rows[i]!.path, 'row ids');
    if (value.sections.length > 1) {
      value.sections.forEach((section, s) => {
        if (section.title === undefined) ctx.addIssue({ code: 'custom', path: ['sections', s, 'title'], message: 'is required when there is more than one section' });
      });
    }
  });
export type ListMessage = z.infer<typeof ListMessageSchema>;

export const CtaUrlMessageSchema = z
  .strictObject({
    ...interactiveBase,
    kind: z.literal('cta_url'),
    header: InteractiveHeaderSchema.optional(),
    /** Message text, up to 1024 characters. */
    body: boundedText(1024),
    /** Button label, up to 20 characters. */
    displayText: boundedText(20),
    /** The https URL the button opens. */
    url: HttpsUrlSchema,
  })
  .describe('Text with one button that opens a URL.');
export type CtaUrlMessage = z.infer<typeof CtaUrlMessageSchema>;

const CatalogIdSchema = boundedText(128);
const ProductRetailerIdSchema = boundedText(128);

export const ProductMessageSchema = z
  .strictObject({
    ...interactiveBase,
    kind: z.literal('product'),
    /** Message text, up to 1024 characters. */
    body: boundedText(1024).optional(),
    /** The catalogue connected to the business account. */
    catalogId: CatalogIdSchema,
    /** The product's retailer id (SKU) in that catalogue. */
    productRetailerId: ProductRetailerIdSchema,
  })
  .describe('One product from the catalogue.');
export type ProductMessage = z.infer<typeof ProductMessageSchema>;

export const ProductSectionSchema = z.strictObject({
  /** Section title, up to 24 characters; required when there is more than one section. */
  title: boundedText(24).optional(),
  /** Retailer ids of the products shown; at most 30 across all sections. */
  productRetailerIds: z.array(ProductRetailerIdSchema).min(1).max(30),
});

export const ProductListMessageSchema = z
  .strictObject({
    ...interactiveBase,
    kind: z.literal('product_list'),
    /** A text header is required for product lists. */
    header: TextHeaderSchema,
    /** Message text, up to 1024 characters. */
    body: boundedText(1024),
    catalogId: CatalogIdSchema,
    /** One to ten sections holding at most 30 products in total. */
    sections: z.array(ProductSectionSchema).min(1).max(10),
  })
  .describe('Up to 30 catalogue products in up to 10 sections.')
  .superRefine((value, ctx) => {
    const total = value.sections.reduce((sum, section) => sum + section.productRetailerIds.length, 0);
    if (total > 30) ctx.addIssue({ code: 'custom', path: ['sections'], message: `may hold at most 30 products in total across sections (has ${total})` });
    if (value.sections.length > 1) {
      value.sections.forEach((section, s) => {
        if (section.title === undefined) ctx.addIssue({ code: 'custom', path: ['sections', s, 'title'], message: 'is required when there is more than one section' });
      });
    }
  });
export type ProductListMessage = z.infer<typeof ProductListMessageSchema>;

/** An interactive message, told apart by `kind`. */
export const InteractiveMessageSchema = z.discriminatedUnion(
  'kind',
  [ButtonMessageSchema, ListMessageSchema, CtaUrlMessageSchema, ProductMessageSchema, ProductListMessageSchema],
  { error: `must be one of ${INTERACTIVE_KINDS.join(', ')}` },
);
export type InteractiveMessage = z.infer<typeof InteractiveMessageSchema>;
