import { randomBytes } from 'node:crypto';

import { z } from 'zod';

import { parseControlInput } from './control-input.js';
import { BSUID_PATTERN, newNumericId } from './identity.js';

/**
 * What a test or a developer sends to `POST /_sandbox/customers/{waId}/messages` to act as a customer, and
 * the `messages[]` item Meta would build from it (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages). Media get an id, a sha256 and a MIME type
 * as Meta's would; the sandbox serves no media download.
 */

const MEDIA_MIME: Record<MediaType, string> = {
  image: 'image/jpeg',
  video: 'video/mp4',
  audio: 'audio/ogg; codecs=opus',
  document: 'application/pdf',
  sticker: 'image/webp',
};
type MediaType = 'image' | 'video' | 'audio' | 'document' | 'sticker';

const Media = z.strictObject({
  caption: z.string().max(1024).optional(),
  mime_type: z.string().min(1).optional(),
  filename: z.string().min(1).optional(),
  voice: z.boolean().optional(),
  animated: z.boolean().optional(),
  id: z.string().regex(/^\d+$/, 'media ids are numeric').optional(),
  sha256: z.string().min(1).optional(),
});

const INBOUND_TYPES = ['text', 'image', 'video', 'audio', 'document', 'sticker', 'location', 'contacts', 'button', 'interactive', 'reaction', 'order', 'request_welcome'] as const;
export type InboundType = (typeof INBOUND_TYPES)[number];

export const CustomerMessageInputSchema = z
  .strictObject({
    type: z.enum(INBOUND_TYPES),
    text: z.strictObject({ body: z.string().min(1).max(65536) }).optional(),
    image: Media.optional(),
    video: Media.optional(),
    audio: Media.optional(),
    document: Media.optional(),
    sticker: Media.optional(),
    location: z
      .strictObject({
        latitude: z.number().min(-90).max(90),
        longitude: z.number().min(-180).max(180),
        name: z.string().optional(),
        address: z.string().optional(),
        url: z.string().optional(),
      })
      .optional(),
    contacts: z
      .array(z.looseObject({ name: z.looseObject({ formatted_name: z.string().min(1) }) }))
      .min(1)
      .optional(),
    button: z.strictObject({ text: z.string().min(1), payload: z.string().optional() }).optional(),
    interactive: z
      .discriminatedUnion('type', [
        z.strictObject({ type: z.literal('button_reply'), button_reply: z.strictObject({ id: z.string().min(1), title: z.string().min(1) }) }),
        z.strictObject({
          type: z.literal('list_reply'),
          list_reply: z.strictObject({ id: z.string().min(1), title: z.string().min(1), description: z.string().optional() }),
        }),
        z.strictObject({
          type: z.literal('nfm_reply'),
          nfm_reply: z.strictObject({ name: z.string().optional(), body: z.string().optional(), response_json: z.string().min(2) }),
        }),
      ])
      .optional(),
    reaction: z.strictObject({ message_id: z.string().min(1), emoji: z.string().optional() }).optional(),
    order: z
      .strictObject({
        catalog_id: z.string().min(1),
        text: z.string().optional(),
        product_items: z
          .array(z.strictObject({ product_retailer_id: z.string().min(1), quantity: z.number().int().min(1), item_price: z.number(), currency: z.string().length(3) }))
          .min(1),
      })
      .optional(),
    referral: z
      .looseObject({
        source_url: z.string().optional(),
        source_id: z.string().optional(),
        source_type: z.enum(['ad', 'post']).optional(),
        headline: z.string().optional(),
        body: z.string().optional(),
        media_type: z.enum(['image', 'video']).optional(),
        image_url: z.string().optional(),
        video_url: z.string().optional(),
        thumbnail_url: z.string().optional(),
        ctwa_clid: z.string().optional(),
      })
      .optional(),
    context: z.strictObject({ id: z.string().min(1), forwarded: z.boolean().optional(), frequently_forwarded: z.boolean().optional() }).optional(),
    userId: z.string().regex(BSUID_PATTERN, 'userId must be a business-scoped user id such as US.13491208655302741918').optional(),
    phoneNumberId: z.string().min(1).optional(),
    /** Unix seconds; defaults to the sandbox clock. */
    timestamp: z.number().int().min(0).optional(),
    profileName: z.string().min(1).max(256).optional(),
  })
  .superRefine((input, ctx) => {
    if (input.type !== 'request_welcome' && input[input.type] === undefined) {
      ctx.addIssue({ code: 'custom', path: [input.type], message: `is required when type is "${input.type}"` });
    }
    for (const other of INBOUND_TYPES) {
      if (other !== input.type && other !== 'request_welcome' && input[other] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [other], message: `is not allowed when type is "${input.type}"` });
      }
    }
  });
export type CustomerMessageInput = z.input<typeof CustomerMessageInputSchema>;
type ParsedInput = z.output<typeof CustomerMessageInputSchema>;

export function parseCustomerMessage(input: unknown): ParsedInput {
  return parseControlInput(CustomerMessageInputSchema, input);
}

/** The `messages[]` item of the webhook. */
export function buildInboundMessage(init: {
  input: ParsedInput;
  wamid: string;
  waId?: string;
  userId: string;
  timestampSeconds: number;
  businessDisplayNumber: string;
}): Record<string, unknown> {
  const { input } = init;
  const message: Record<string, unknown> = {
    ...(init.waId === undefined ? {} : { from: init.waId }),
    from_user_id: init.userId,
    id: init.wamid,
    timestamp: String(init.timestampSeconds),
    type: input.type,
  };
  if (input.context !== undefined) message['context'] = { from: init.businessDisplayNumber, ...input.context };
  if (input.referral !== undefined) message['referral'] = input.referral;
  if (input.type === 'request_welcome') return message;
  if (isMedia(input.type)) {
    const media = input[input.type] ?? {};
    message[input.type] = {
      ...(media.caption === undefined ? {} : { caption: media.caption }),
      ...(media.filename === undefined ? {} : { filename: media.filename }),
      mime_type: media.mime_type ?? MEDIA_MIME[input.type],
      sha256: media.sha256 ?? randomBytes(32).toString('base64'),
      id: media.id ?? newNumericId(16),
      ...(media.voice === undefined ? {} : { voice: media.voice }),
      ...(media.animated === undefined ? {} : { animated: media.animated }),
    };
    return message;
  }
  message[input.type] = input[input.type];
  return message;
}

function isMedia(type: InboundType): type is MediaType {
  return Object.hasOwn(MEDIA_MIME, type);
}

export const MarketingPreferenceSchema = z.strictObject({
  value: z.enum(['stop', 'resume']),
  userId: z.string().regex(BSUID_PATTERN, 'userId must be a business-scoped user id such as US.13491208655302741918').optional(),
  phoneNumberId: z.string().min(1).optional(),
  timestamp: z.number().int().min(0).optional(),
});
export type MarketingPreferenceInput = z.input<typeof MarketingPreferenceSchema>;

export function parseMarketingPreference(input: unknown): z.output<typeof MarketingPreferenceSchema> {
  return parseControlInput(MarketingPreferenceSchema, input);
}
