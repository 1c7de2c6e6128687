import { z } from 'zod';

import { TEMPLATE_CATEGORIES } from '../../../domain/templates/records.js';

/**
 * The Templates API's response bodies. A template is shown as the registry holds it (Meta's latest truth per
 * aspect), never with storage keys; Meta's ids are strings (they exceed 2^53); times are ISO 8601.
 */

const Category = z.enum(TEMPLATE_CATEGORIES);

/** One template in one language. */
export const TemplateViewSchema = z.object({
  businessAccountId: z.string(),
  name: z.string(),
  /** As Meta spells it (`en_US`). */
  language: z.string(),
  /** Meta's template id (`hsm_id`), digits as a string. */
  templateId: z.string().optional(),
  /** The category Meta holds now: it decides consent, the marketing cap, the lane and the price. */
  category: Category,
  /** Meta's status: APPROVED is the only one that can be sent; DELETED stays listed for its history. */
  status: z.string(),
  /** `quality_score.score`: GREEN, YELLOW, RED or UNKNOWN. */
  qualityScore: z.string().optional(),
  parameterFormat: z.enum(['POSITIONAL', 'NAMED']),
  /** Meta's components, as Meta returned or took them. */
  components: z.array(z.looseObject({ type: z.string() })),
  rejection: z.object({ reason: z.string(), recommendation: z.string().optional() }).optional(),
  /** While PAUSED: Meta's `other_info` and when the pause began; `endsAt` when its length is known (3 h, 6 h). */
  pause: z.object({ title: z.string().optional(), description: z.string().optional(), since: z.string(), endsAt: z.string().optional() }).optional(),
  disableDate: z.string().optional(),
  /** A re-categorisation Meta announced and has not applied yet. */
  pendingCategoryChange: z.object({ newCategory: Category, effectiveAt: z.string().optional(), announcedAt: z.string().optional() }).optional(),
  /** Meta's time of the latest fact about each aspect. */
  asOf: z.object({ status: z.string().optional(), quality: z.string().optional(), category: z.string().optional(), components: z.string().optional() }),
  /** Grows by one with every change; the history's lines carry the same numbers. */
  version: z.number().int().positive(),
  updatedAt: z.string(),
});
export type TemplateView = z.infer<typeof TemplateViewSchema>;

/** One line of a template's history. */
export const TemplateHistoryEntryViewSchema = z.object({
  version: z.number().int().positive(),
  kind: z.enum(['snapshot', 'status', 'quality', 'category', 'components', 'deleted']),
  /** `sync` (the Graph listing), `webhook` (Meta's template webhooks) or `api` (this API). */
  source: z.enum(['sync', 'webhook', 'api']),
  /** Meta's time of the fact. */
  at: z.string(),
  recordedAt: z.string(),
  changes: z.record(z.string(), z.object({ from: z.unknown().optional(), to: z.unknown().optional() })),
  /** Meta's `event` of a status fact (REINSTATED is kept here while the status becomes APPROVED). */
  event: z.string().optional(),
});
export type TemplateHistoryEntryView = z.infer<typeof TemplateHistoryEntryViewSchema>;

/** 201 of POST: the stored view, and what Meta answered. */
export const CreateTemplateResponseSchema = z.object({
  template: TemplateViewSchema,
  meta: z.object({ id: z.string(), status: z.string(), category: z.string() }),
});
export type CreateTemplateResponse = z.infer<typeof CreateTemplateResponseSchema>;

/** 200 of GET list. */
export const ListTemplatesResponseSchema = z.object({ items: z.array(TemplateViewSchema), nextCursor: z.string().optional() });
export type ListTemplatesResponse = z.infer<typeof ListTemplatesResponseSchema>;

/** 200 of GET one name: every language (or the one asked for), each with a page of its history, newest first. */
export const GetTemplateResponseSchema = z.object({
  businessAccountId: z.string(),
  name: z.string(),
  languages: z.array(
    TemplateViewSchema.extend({
      history: z.object({
        items: z.array(TemplateHistoryEntryViewSchema),
        /** Pass with `?language=` to read the next page of this language's history. */
        nextCursor: z.string().optional(),
      }),
    }),
  ),
});
export type GetTemplateResponse = z.infer<typeof GetTemplateResponseSchema>;

/** 200 of DELETE: the languages deleted at Meta and recorded as DELETED. */
export const DeleteTemplateResponseSchema = z.object({
  businessAccountId: z.string(),
  name: z.string(),
  deleted: z.array(z.object({ language: z.string(), templateId: z.string().optional(), version: z.number().int().positive() })),
  deletedAt: z.string(),
});
export type DeleteTemplateResponse = z.infer<typeof DeleteTemplateResponseSchema>;
