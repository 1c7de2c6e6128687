import { z } from 'zod';

/**
 * Every Relais event's `detail` is `{ metadata, data }`. When `data` would push the event past EventBridge's
 * 256 KB limit it is stored in the payload bucket and the event carries `dataRef` instead (claim check);
 * consumers resolve it with the payload store adapter.
 */
export const EventMetadataSchema = z.object({
  /** Version of the `data` schema for this detail-type. */
  schemaVersion: z.number().int().positive(),
  /**
   * Deterministic id for de-duplication: the same webhook update (Meta delivers at least once) always gets
   * the same id. wamid for inbound messages, `wamid:status` for statuses, a content hash otherwise.
   */
  eventId: z.string().min(1).max(512),
  /** When the fact happened (Meta's timestamp), ISO 8601 UTC. */
  occurredAt: z.iso.datetime(),
  /** Ties the events of one flow together (a send's message id, the wamid of an inbound message). */
  correlationId: z.string().min(1).max(512).optional(),
  /** The WhatsApp Business Account the fact belongs to. */
  businessAccountId: z.string().min(1).optional(),
  /** The business phone number id, when the fact concerns one number. */
  phoneNumberId: z.string().min(1).optional(),
  /** The Relais component that published it. */
  producer: z.string().min(1),
});
export type EventMetadata = z.infer<typeof EventMetadataSchema>;

export const PayloadReferenceSchema = z.object({
  bucket: z.string().min(1),
  key: z.string().min(1),
  bytes: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type PayloadReference = z.infer<typeof PayloadReferenceSchema>;

/** Builds the detail schema of one event type from its data schema. */
export function eventDetailSchema<T extends z.ZodType>(data: T) {
  return z.union([
    z.object({ metadata: EventMetadataSchema, data }),
    z.object({ metadata: EventMetadataSchema, dataRef: PayloadReferenceSchema }),
  ]);
}
