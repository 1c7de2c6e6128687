import { z } from 'zod';
import { TEMPLATE_CATEGORIES } from '../../domain/templates/records.js';

/**
 * `data` of the events the template registry publishes when what Meta said changed a template in a way people and
 * services act on (TemplateActivity consumer, `shared/usecases/track-template-changes.ts`). Each is published once
 * per registry change: its `metadata.eventId` is derived from the template and the record's version, so a
 * redelivered webhook republishes the same id. `metadata.occurredAt` is Meta's time of the fact.
 *
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/message_template_status_update
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/template_category_update
 */

const Category = z.enum(TEMPLATE_CATEGORIES);

const TemplateRef = {
  businessAccountId: z.string().min(1),
  /** Meta's template id, as a string (ids exceed 2^53); absent for a template known by name alone. */
  templateId: z.string().regex(/^\d+$/).optional(),
  templateName: z.string().min(1),
  /** As the send API spells it (`en_US`). */
  language: z.string().min(1),
  /** The category Meta holds for the template after the change. */
  category: Category,
  /** The registry record's version after the change (grows by one with every change). */
  version: z.number().int().positive(),
};

export const TemplatePausedSchema = z
  .object({
    ...TemplateRef,
    /** `other_info.title`: `FIRST_PAUSE` (3 h), `SECOND_PAUSE` (6 h), `RATE_LIMITING_PAUSE`, … */
    pauseTitle: z.string().optional(),
    pauseDescription: z.string().optional(),
    /** When Meta paused it (ISO 8601). */
    pausedAt: z.iso.datetime(),
    /** When the pause ends, when its length is known (first and second pauses); absent otherwise. */
    pauseEndsAt: z.iso.datetime().optional(),
  })
  .describe('Meta paused a message template for low quality: sends of it are refused (template_paused) until it is unpaused.');

export const TemplateUnpausedSchema = z
  .object({ ...TemplateRef, pausedAt: z.iso.datetime().optional() })
  .describe('A paused message template is approved again and can be sent.');

export const TemplateDisabledSchema = z
  .object({
    ...TemplateRef,
    previousStatus: z.string().optional(),
    /** `disable_info.disable_date` as Meta gave it (ISO 8601 when it was unix seconds). */
    disableDate: z.string().optional(),
  })
  .describe('Meta disabled a message template (repeated low quality): sends of it are refused (template_disabled).');

export const TemplateRejectedSchema = z
  .object({
    ...TemplateRef,
    previousStatus: z.string().optional(),
    /** `rejection_info.reason`, else the webhook's `reason` (`INVALID_FORMAT`, `PROMOTIONAL`, …). */
    reason: z.string().optional(),
    recommendation: z.string().optional(),
  })
  .describe('Meta rejected a message template on review.');

export const TemplateApprovedSchema = z
  .object({
    ...TemplateRef,
    /** The status before (`PENDING`, `REJECTED`, `IN_APPEAL`, `DISABLED`…); absent for a template Relais first hears of now. */
    previousStatus: z.string().optional(),
    /** Meta's event, when it was not `APPROVED` itself (`REINSTATED`). */
    event: z.string().optional(),
  })
  .describe('A message template is approved (after review, an appeal or a reinstatement) and can be sent.');

export const TemplateRecategorisedSchema = z
  .object({ ...TemplateRef, previousCategory: Category, newCategory: Category })
  .describe(
    "Meta changed a message template's category: sends of it now need that category's consent, count for its caps, take its lane and are priced as it.",
  );

export const TemplateRecategorisationAnnouncedSchema = z
  .object({
    ...TemplateRef,
    /** The category Meta will give the template (`correct_category`). */
    newCategory: Category,
    /** When Meta said the change takes effect (ISO 8601), about 24 h after the announcement. */
    effectiveAt: z.iso.datetime().optional(),
  })
  .describe("Meta announced it will change a message template's category (template_category_update, impending).");
