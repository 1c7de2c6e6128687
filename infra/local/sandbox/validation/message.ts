import { whatsappError } from '../graph-errors.js';
import { BSUID_PATTERN, WA_ID_PATTERN } from '../identity.js';
import { validateInteractive } from './interactive.js';
import {
  index,
  invalid,
  isObject,
  key,
  missing,
  onlyKeys,
  optionalBoolean,
  optionalObject,
  optionalString,
  requireArray,
  requireNumber,
  requireObject,
  requireOneOf,
  requireString,
  requireUrl,
  type Json,
} from './params.js';
import { validateTemplatePayload, type TemplateSend } from './template-payload.js';

/**
 * The sandbox's own reading of `POST /{version}/{phoneNumberId}/messages` bodies, written from Meta's
 * send-messages pages (https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages), independent of Relais' contracts. The first problem found is reported,
 * with the parameter named in `error_data.details`.
 */

export const MESSAGE_TYPES = ['text', 'image', 'video', 'audio', 'document', 'sticker', 'reaction', 'location', 'contacts', 'interactive', 'template'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export interface MarkReadRequest {
  readonly kind: 'mark_read';
  readonly messageId: string;
  readonly typingIndicator: boolean;
}

export interface MessageRequest {
  readonly kind: 'message';
  /** Set when `to` was given: it wins over `recipient`. */
  readonly to?: { readonly input: string; readonly waId: string };
  /** Set when only `recipient` (a BSUID) was given. */
  readonly recipientUserId?: string;
  readonly type: MessageType;
  readonly content: Json | readonly unknown[];
  readonly template?: TemplateSend;
  readonly contextMessageId?: string;
  readonly bizOpaqueCallbackData?: string;
}

export type SendRequest = MarkReadRequest | MessageRequest;

const ENVELOPE_KEYS = ['messaging_product', 'recipient_type', 'to', 'recipient', 'type', 'context', 'biz_opaque_callback_data'];

const MEDIA_KEYS: Record<'image' | 'video' | 'audio' | 'document' | 'sticker', readonly string[]> = {
  image: ['id', 'link', 'caption'],
  video: ['id', 'link', 'caption'],
  audio: ['id', 'link'],
  document: ['id', 'link', 'caption', 'filename'],
  sticker: ['id', 'link'],
};

export function validateSendRequest(body: unknown): SendRequest {
  if (!isObject(body)) throw invalid('message', 'must be a JSON object.');
  // Meta answers a missing messaging_product with 100, not 131008.
  if (body['messaging_product'] === undefined) throw whatsappError(100, 'The parameter messaging_product is required.');
  requireOneOf(body['messaging_product'], 'messaging_product', ['whatsapp']);

  if (body['status'] !== undefined) return validateMarkRead(body);

  const type = body['type'] === undefined ? 'text' : requireOneOf(body['type'], 'type', MESSAGE_TYPES);
  onlyKeys(body, '', [...ENVELOPE_KEYS, type]);
  if (body['recipient_type'] !== undefined) requireOneOf(body['recipient_type'], 'recipient_type', ['individual']);

  const to = body['to'] === undefined ? undefined : parsePhone(body['to']);
  let recipientUserId: string | undefined;
  if (body['recipient'] !== undefined) {
    const recipient = requireString(body['recipient'], 'recipient', { min: 1 });
    if (!BSUID_PATTERN.test(recipient)) throw invalid('recipient', 'must be a business-scoped user id such as US.13491208655302741918.');
    recipientUserId = recipient;
  }
  if (to === undefined && recipientUserId === undefined) throw missing('to');

  const context = optionalObject(body['context'], 'context');
  let contextMessageId: string | undefined;
  if (context !== undefined) {
    onlyKeys(context, 'context', ['message_id']);
    contextMessageId = requireString(context['message_id'], key('context', 'message_id'), { min: 1 });
  }
  const bizOpaqueCallbackData = optionalString(body['biz_opaque_callback_data'], 'biz_opaque_callback_data', { max: 512 });

  const { content, template } = validateContent(type, body[type]);
  return {
    kind: 'message',
    ...(to === undefined ? { recipientUserId } : { to }),
    type,
    content,
    ...(template === undefined ? {} : { template }),
    ...(contextMessageId === undefined ? {} : { contextMessageId }),
    ...(bizOpaqueCallbackData === undefined ? {} : { bizOpaqueCallbackData }),
  } as MessageRequest;
}

function validateMarkRead(body: Json): MarkReadRequest {
  onlyKeys(body, '', ['messaging_product', 'status', 'message_id', 'typing_indicator']);
  requireOneOf(body['status'], 'status', ['read']);
  const messageId = requireString(body['message_id'], 'message_id', { min: 1 });
  const typing = optionalObject(body['typing_indicator'], 'typing_indicator');
  if (typing !== undefined) {
    onlyKeys(typing, 'typing_indicator', ['type']);
    requireOneOf(typing['type'], key('typing_indicator', 'type'), ['text']);
  }
  return { kind: 'mark_read', messageId, typingIndicator: typing !== undefined };
}

/** `to` may carry `+`, spaces, dashes, dots and parentheses; what remains must be 7–15 digits. */
function parsePhone(value: unknown): { input: string; waId: string } {
  const input = requireString(value, 'to', { min: 1 });
  const digits = input.replace(/[\s\-().]/g, '').replace(/^\+/, '');
  if (!WA_ID_PATTERN.test(digits)) throw invalid('to', 'must be a phone number in international format, e.g. +16505551234.');
  return { input, waId: digits };
}

function validateContent(type: MessageType, value: unknown): { content: Json | readonly unknown[]; template?: TemplateSend } {
  switch (type) {
    case 'text': {
      const text = requireObject(value, 'text');
      onlyKeys(text, 'text', ['body', 'preview_url']);
      requireString(text['body'], key('text', 'body'), { min: 1, max: 4096 });
      optionalBoolean(text['preview_url'], key('text', 'preview_url'));
      return { content: text };
    }
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker':
      return { content: validateMedia(type, value) };
    case 'reaction': {
      const reaction = requireObject(value, 'reaction');
      onlyKeys(reaction, 'reaction', ['message_id', 'emoji']);
      requireString(reaction['message_id'], key('reaction', 'message_id'), { min: 1 });
      // An empty emoji removes the reaction.
      requireString(reaction['emoji'], key('reaction', 'emoji'), { max: 10 });
      return { content: reaction };
    }
    case 'location': {
      const location = requireObject(value, 'location');
      onlyKeys(location, 'location', ['latitude', 'longitude', 'name', 'address']);
      requireNumber(location['latitude'], key('location', 'latitude'), { min: -90, max: 90 });
      requireNumber(location['longitude'], key('location', 'longitude'), { min: -180, max: 180 });
      optionalString(location['name'], key('location', 'name'), { max: 1000 });
      optionalString(location['address'], key('location', 'address'), { max: 1000 });
      return { content: location };
    }
    case 'contacts': {
      const contacts = requireArray(value, 'contacts');
      if (contacts.length === 0) throw invalid('contacts', 'must contain at least 1 contact.');
      contacts.forEach((raw, i) => {
        const path = index('contacts', i);
        const contact = requireObject(raw, path);
        onlyKeys(contact, path, ['addresses', 'birthday', 'emails', 'name', 'org', 'phones', 'urls']);
        const name = requireObject(contact['name'], key(path, 'name'));
        requireString(name['formatted_name'], key(key(path, 'name'), 'formatted_name'), { min: 1 });
      });
      return { content: contacts };
    }
    case 'interactive':
      return { content: validateInteractive(value) };
    case 'template': {
      const template = validateTemplatePayload(value);
      return { content: value as Json, template };
    }
  }
}

function validateMedia(type: keyof typeof MEDIA_KEYS, value: unknown): Json {
  const media = requireObject(value, type);
  onlyKeys(media, type, MEDIA_KEYS[type]);
  const hasId = media['id'] !== undefined;
  const hasLink = media['link'] !== undefined;
  if (!hasId && !hasLink) throw missing(`${key(type, 'id')} or ${key(type, 'link')}`);
  if (hasId && hasLink) throw invalid(type, 'must contain either id or link, not both.');
  if (hasId) requireString(media['id'], key(type, 'id'), { min: 1 });
  else requireUrl(media['link'], key(type, 'link'));
  optionalString(media['caption'], key(type, 'caption'), { max: 1024 });
  optionalString(media['filename'], key(type, 'filename'), { min: 1, max: 240 });
  return media;
}
