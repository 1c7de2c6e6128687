import { z } from 'zod';
import { HttpsUrlSchema, MediaIdSchema, WamidSchema, boundedText, exactlyOne, isEmptyOrOneEmoji, oneOfRequired } from './fields.js';
import { type MediaMessageType } from './vocabulary.js';

/** Text, media, reaction and mark-read messages a caller can send. */

// ---------------------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------------------

export const replyTo = {
  /** Quote this earlier message (its wamid) as the context of the reply. */
  replyTo: WamidSchema.optional(),
};

export const TextMessageSchema = z
  .strictObject({
    type: z.literal('text'),
    /** The text, 1 to 4096 characters. */
    body: boundedText(4096),
    /** Let WhatsApp render a preview of the first URL in `body`. @default false */
    previewUrl: z.boolean().optional(),
    ...replyTo,
  })
  .describe('A free-form text message.');
export type TextMessage = z.infer<typeof TextMessageSchema>;

export const mediaSource = {
  /** Id of media uploaded with the media API (kept 30 days by Meta). Exactly one of `mediaId` or `link`. */
  mediaId: MediaIdSchema.optional(),
  /** Public https URL Meta fetches (cached about 10 minutes). Exactly one of `mediaId` or `link`. */
  link: HttpsUrlSchema.optional(),
};

/** File name shown to the user, with its extension (Relais bound: 240 characters). */
export const filename = { filename: boundedText(240).optional() };

/** Caption of an image, video or document: up to 1024 characters. */
const caption = boundedText(1024);

function mediaMessage<T extends MediaMessageType, S extends z.ZodRawShape>(type: T, extra: S, description: string) {
  return z
    .strictObject({ type: z.literal(type), ...mediaSource, ...extra, ...replyTo })
    .meta({ description, ...oneOfRequired('mediaId', 'link') })
    .superRefine((value, ctx) => exactlyOne(ctx, value, 'mediaId', 'link'));
}

export const ImageMessageSchema = mediaMessage('image', { caption: caption.optional() }, 'An image (JPEG or PNG, 5 MB).');
export const VideoMessageSchema = mediaMessage('video', { caption: caption.optional() }, 'A video (MP4 or 3GP, H.264 + AAC, 16 MB).');
export const AudioMessageSchema = mediaMessage('audio', {}, 'An audio file (AAC, AMR, MP3, M4A or mono OGG/Opus, 16 MB); no caption.');
export const DocumentMessageSchema = mediaMessage(
  'document',
  { caption: caption.optional(), ...filename },
  'A document (PDF, text, Office formats; 100 MB).',
);
export const StickerMessageSchema = mediaMessage('sticker', {}, 'A WebP sticker (100 KB static, 500 KB animated); no caption.');
export type ImageMessage = z.infer<typeof ImageMessageSchema>;
export type VideoMessage = z.infer<typeof VideoMessageSchema>;
export type AudioMessage = z.infer<typeof AudioMessageSchema>;
export type DocumentMessage = z.infer<typeof DocumentMessageSchema>;
export type StickerMessage = z.infer<typeof StickerMessageSchema>;
export type MediaMessage = ImageMessage | VideoMessage | AudioMessage | DocumentMessage | StickerMessage;

export const ReactionMessageSchema = z
  .strictObject({
    type: z.literal('reaction'),
    /** The message reacted to. */
    messageId: WamidSchema,
    /** One emoji, or `""` to remove an earlier reaction. */
    emoji: z.string().max(64).refine(isEmptyOrOneEmoji, { error: 'must be a single emoji, or empty to remove the reaction' }),
  })
  .describe('A reaction to an earlier message, or its removal.');
export type ReactionMessage = z.infer<typeof ReactionMessageSchema>;

export const MarkReadMessageSchema = z
  .strictObject({
    type: z.literal('markRead'),
    /** The inbound message to mark as read (with every earlier one in the conversation). */
    messageId: WamidSchema,
    /** Also show "typing…" to the user (up to 25 s, or until the next message). @default false */
    typingIndicator: z.boolean().optional(),
  })
  .describe('Marks an inbound message as read, optionally showing a typing indicator.');
export type MarkReadMessage = z.infer<typeof MarkReadMessageSchema>;
