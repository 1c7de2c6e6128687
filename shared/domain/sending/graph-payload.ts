import type { InteractiveHeader, InteractiveMessage } from '../../contracts/events/outbound/interactive.js';
import type { MarkReadMessage, MediaMessage } from '../../contracts/events/outbound/messages.js';
import type { OutboundMessage, SendRequestData } from '../../contracts/events/outbound/send-request.js';
import type {
  TemplateBodyParameter,
  TemplateButtonParameter,
  TemplateComponents,
  TemplateHeaderParameter,
  TemplateMessage,
} from '../../contracts/events/outbound/templates.js';

/**
 * Turns a validated Relais send request into the JSON body of Meta's
 * `POST /<version>/<phone-number-id>/messages`: https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages
 *
 * Relais's request is flat camelCase; Meta's body is snake_case with a per-type object
 * (`"type": "image", "image": {…}`). Only fields the caller set are written: an absent optional field is
 * omitted, never sent as `null`.
 */

/** Meta's limit on `biz_opaque_callback_data` (Graph API changelog). */
export const BIZ_OPAQUE_CALLBACK_DATA_MAX_LENGTH = 512;

export interface GraphMessageOptions {
  /**
   * Echoed by Meta in every status webhook for the message (`biz_opaque_callback_data`), so statuses can be
   * tied back to Relais's record. 1 to 512 characters. Not sent with a mark-as-read request, which has no
   * status webhooks.
   */
  readonly bizOpaqueCallbackData: string;
}

type Json = Record<string, unknown>;

/**
 * Builds Meta's send body for `data`:
 * - every message: `messaging_product: "whatsapp"`, `recipient_type: "individual"`, `to` (E.164 with `+`)
 *   or `recipient` (a BSUID), `biz_opaque_callback_data`, `type` and the object named by `type`;
 *   `context.message_id` when the request quotes an earlier message (`replyTo`);
 * - mark-as-read: `{ messaging_product, status: "read", message_id }`, plus `typing_indicator: {type: "text"}`
 *   when asked, and nothing else (Meta's read receipts take no recipient and no callback data).
 *
 * @throws RangeError when `bizOpaqueCallbackData` is empty or longer than 512 characters.
 */
export function toGraphMessage(data: SendRequestData, options: GraphMessageOptions): Json {
  const message = data.message;
  if (message.type === 'markRead') return markRead(message);

  const callbackData = options.bizOpaqueCallbackData;
  if (callbackData.length === 0 || callbackData.length > BIZ_OPAQUE_CALLBACK_DATA_MAX_LENGTH) {
    throw new RangeError(
      `bizOpaqueCallbackData must be 1 to ${BIZ_OPAQUE_CALLBACK_DATA_MAX_LENGTH} characters (has ${callbackData.length})`,
    );
  }

  const [type, content] = typeObject(message);
  const replyTo = 'replyTo' in message ? message.replyTo : undefined;
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    ...recipient(data),
    ...(replyTo === undefined ? {} : { context: { message_id: replyTo } }),
    biz_opaque_callback_data: callbackData,
    type,
    [type]: content,
  };
}

/** `to` wins over `recipient` at Meta when both are given; the contract allows exactly one. */
function recipient(data: SendRequestData): Json {
  if (data.to !== undefined) return { to: data.to };
  if (data.recipientUserId !== undefined) return { recipient: data.recipientUserId };
  throw new TypeError('send request has neither to nor recipientUserId (the contract requires exactly one)');
}

function markRead(message: MarkReadMessage): Json {
  return {
    messaging_product: 'whatsapp',
    status: 'read',
    message_id: message.messageId,
    ...(message.typingIndicator === true ? { typing_indicator: { type: 'text' } } : {}),
  };
}

function typeObject(message: Exclude<OutboundMessage, MarkReadMessage>): [string, Json] {
  switch (message.type) {
    case 'text':
      return ['text', { preview_url: message.previewUrl ?? false, body: message.body }];
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker':
      return [message.type, media(message)];
    case 'reaction':
      return ['reaction', { message_id: message.messageId, emoji: message.emoji }];
    case 'interactive':
      return ['interactive', interactive(message)];
    case 'template':
      return ['template', template(message)];
    default:
      return unreachable(message);
  }
}

// Media -------------------------------------------------------------------------------------------------

/** A media object by uploaded id or by link; `caption` and `filename` only where the type takes them. */
function media(message: MediaMessage): Json {
  return {
    ...mediaSource(message),
    ...('caption' in message && message.caption !== undefined ? { caption: message.caption } : {}),
    ...('filename' in message && message.filename !== undefined ? { filename: message.filename } : {}),
  };
}

function mediaSource(source: { mediaId?: string | undefined; link?: string | undefined }): Json {
  if (source.mediaId !== undefined) return { id: source.mediaId };
  if (source.link !== undefined) return { link: source.link };
  throw new TypeError('media has neither mediaId nor link (the contract requires exactly one)');
}

// Interactive -------------------------------------------------------------------------------------------

function interactive(message: InteractiveMessage): Json {
  const footer = message.footer === undefined ? {} : { footer: { text: message.footer } };
  switch (message.kind) {
    case 'button':
      return {
        type: 'button',
        ...optionalHeader(message.header),
        body: { text: message.body },
        ...footer,
        action: { buttons: message.buttons.map((b) => ({ type: 'reply', reply: { id: b.id, title: b.title } })) },
      };
    case 'list':
      return {
        type: 'list',
        ...optionalHeader(message.header),
        body: { text: message.body },
        ...footer,
        action: {
          button: message.button,
          sections: message.sections.map((section) => ({
            ...(section.title === undefined ? {} : { title: section.title }),
            rows: section.rows.map((row) => ({
              id: row.id,
              title: row.title,
              ...(row.description === undefined ? {} : { description: row.description }),
            })),
          })),
        },
      };
    case 'cta_url':
      return {
        type: 'cta_url',
        ...optionalHeader(message.header),
        body: { text: message.body },
        ...footer,
        action: { name: 'cta_url', parameters: { display_text: message.displayText, url: message.url } },
      };
    case 'product':
      return {
        type: 'product',
        ...(message.body === undefined ? {} : { body: { text: message.body } }),
        ...footer,
        action: { catalog_id: message.catalogId, product_retailer_id: message.productRetailerId },
      };
    case 'product_list':
      return {
        type: 'product_list',
        header: interactiveHeader(message.header),
        body: { text: message.body },
        ...footer,
        action: {
          catalog_id: message.catalogId,
          sections: message.sections.map((section) => ({
            ...(section.title === undefined ? {} : { title: section.title }),
            product_items: section.productRetailerIds.map((id) => ({ product_retailer_id: id })),
          })),
        },
      };
    default:
      return unreachable(message);
  }
}

function optionalHeader(header: InteractiveHeader | undefined): Json {
  return header === undefined ? {} : { header: interactiveHeader(header) };
}

/** `{type: "text", text}` or `{type: "image", image: {id|link}}` (document headers also carry `filename`). */
function interactiveHeader(header: InteractiveHeader): Json {
  switch (header.type) {
    case 'text':
      return { type: 'text', text: header.text };
    case 'image':
    case 'video':
      return { type: header.type, [header.type]: mediaSource(header) };
    case 'document':
      return { type: 'document', document: { ...mediaSource(header), ...(header.filename === undefined ? {} : { filename: header.filename }) } };
    default:
      return unreachable(header);
  }
}

// Template ----------------------------------------------------------------------------------------------

/** `{name, language: {code}, components?}`; `components` is omitted for a template without variables. */
function template(message: TemplateMessage): Json {
  const components = message.components === undefined ? [] : templateComponents(message.components);
  return {
    name: message.name,
    language: { code: message.language },
    ...(components.length === 0 ? {} : { components }),
  };
}

/** Header, then body, then one `button` component per button, each with its index as a string. */
function templateComponents(components: TemplateComponents): Json[] {
  const result: Json[] = [];
  if (components.header !== undefined) result.push({ type: 'header', parameters: [headerParameter(components.header)] });
  if (components.body !== undefined) result.push({ type: 'body', parameters: components.body.map(bodyParameter) });
  for (const button of components.buttons ?? []) result.push(buttonComponent(button));
  return result;
}

function named(parameterName: string | undefined): Json {
  return parameterName === undefined ? {} : { parameter_name: parameterName };
}

function bodyParameter(parameter: TemplateBodyParameter): Json {
  switch (parameter.type) {
    case 'text':
      return { type: 'text', ...named(parameter.parameterName), text: parameter.text };
    case 'currency':
      return {
        type: 'currency',
        ...named(parameter.parameterName),
        currency: { fallback_value: parameter.fallbackValue, code: parameter.code, amount_1000: parameter.amount1000 },
      };
    case 'date_time':
      return { type: 'date_time', ...named(parameter.parameterName), date_time: { fallback_value: parameter.fallbackValue } };
    default:
      return unreachable(parameter);
  }
}

function headerParameter(parameter: TemplateHeaderParameter): Json {
  switch (parameter.type) {
    case 'text':
      return { type: 'text', ...named(parameter.parameterName), text: parameter.text };
    case 'image':
    case 'video':
      return { type: parameter.type, [parameter.type]: mediaSource(parameter) };
    case 'document':
      return {
        type: 'document',
        document: { ...mediaSource(parameter), ...(parameter.filename === undefined ? {} : { filename: parameter.filename }) },
      };
    case 'location':
      return {
        type: 'location',
        location: {
          latitude: parameter.latitude,
          longitude: parameter.longitude,
          ...(parameter.name === undefined ? {} : { name: parameter.name }),
          ...(parameter.address === undefined ? {} : { address: parameter.address }),
        },
      };
    default:
      return unreachable(parameter);
  }
}

/** Meta takes the button's position as a string (`"index": "0"`). */
function buttonComponent(button: TemplateButtonParameter): Json {
  return { type: 'button', sub_type: button.subType, index: String(button.index), parameters: [buttonParameter(button)] };
}

function buttonParameter(button: TemplateButtonParameter): Json {
  switch (button.subType) {
    case 'quick_reply':
      return { type: 'payload', payload: button.payload };
    case 'url':
      return { type: 'text', text: button.text };
    case 'copy_code':
      return { type: 'coupon_code', coupon_code: button.couponCode };
    case 'flow':
      return {
        type: 'action',
        action: {
          ...(button.flowToken === undefined ? {} : { flow_token: button.flowToken }),
          ...(button.flowActionData === undefined ? {} : { flow_action_data: button.flowActionData }),
        },
      };
    default:
      return unreachable(button);
  }
}

/** Names only the discriminators of a value the contract should have refused, never its content. */
function unreachable(value: never): never {
  const { type, kind, subType } = value as { type?: unknown; kind?: unknown; subType?: unknown };
  throw new TypeError(`unsupported value in a send request (type ${String(type)}, kind ${String(kind)}, subType ${String(subType)})`);
}
