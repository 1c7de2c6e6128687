/** The vocabulary of outbound messages: message types, media types, interactive kinds, categories, lanes. */

// ---------------------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------------------

/** Every `message.type` a caller can send. */
export const OUTBOUND_MESSAGE_TYPES = [
  'text',
  'image',
  'video',
  'audio',
  'document',
  'sticker',
  'reaction',
  'interactive',
  'template',
  'markRead',
] as const;
export type OutboundMessageType = (typeof OUTBOUND_MESSAGE_TYPES)[number];

/** Media message types; each takes exactly one of `mediaId` or `link`. */
export const MEDIA_MESSAGE_TYPES = ['image', 'video', 'audio', 'document', 'sticker'] as const;
export type MediaMessageType = (typeof MEDIA_MESSAGE_TYPES)[number];

/** Every `message.kind` of an interactive message. */
export const INTERACTIVE_KINDS = ['button', 'list', 'cta_url', 'product', 'product_list'] as const;
export type InteractiveKind = (typeof INTERACTIVE_KINDS)[number];

/**
 * Meta's pricing categories. Free-form messages are always `service`; a template's category is the one
 * Meta holds for it at the time of use (Relais reads it from its template registry, never from the caller).
 */
export const MESSAGE_CATEGORIES = ['marketing', 'utility', 'authentication', 'service'] as const;
export type MessageCategory = (typeof MESSAGE_CATEGORIES)[number];

/** Outbound queue lanes: `priority` (authentication, service replies) never waits behind `bulk` (campaigns). */
export const SEND_LANES = ['priority', 'bulk'] as const;
export type SendLane = (typeof SEND_LANES)[number];
