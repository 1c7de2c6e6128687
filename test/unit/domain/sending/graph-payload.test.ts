import { describe, expect, it } from 'vitest';
import { SendRequestDataSchema, type SendRequestData } from '#shared/contracts/events/outbound/send-request.js';
import { BIZ_OPAQUE_CALLBACK_DATA_MAX_LENGTH, toGraphMessage } from '#shared/domain/sending/graph-payload.js';

// Expected bodies are Meta's examples from its send-messages page, written out literally with the test's inputs
// in place of Meta's placeholders:
// https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages

const PHONE_NUMBER_ID = '106540352242922';
const TO = '+16505551234';
const BSUID = 'US.13491208655302741918';
const WAMID = 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA';
const CALLBACK = 'msg_01JD8ZKQ4N9W2V5T7R3H6C1B0A';

/** A request as the contract accepts it: parsing first proves each input is valid Relais input. */
function request(message: Record<string, unknown>, recipient: Record<string, unknown> = { to: TO }): SendRequestData {
  return SendRequestDataSchema.parse({ phoneNumberId: PHONE_NUMBER_ID, ...recipient, message });
}

function graph(message: Record<string, unknown>, recipient?: Record<string, unknown>) {
  return toGraphMessage(request(message, recipient), { bizOpaqueCallbackData: CALLBACK });
}

describe('toGraphMessage: recipient, context and callback data', () => {
  it('sends to a phone number with to, in E.164 with its +', () => {
    expect(graph({ type: 'text', body: 'Hello' })).toStrictEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+16505551234',
      biz_opaque_callback_data: 'msg_01JD8ZKQ4N9W2V5T7R3H6C1B0A',
      type: 'text',
      text: { preview_url: false, body: 'Hello' },
    });
  });

  it('sends to a business-scoped user id with recipient and no to', () => {
    expect(graph({ type: 'text', body: 'Hello' }, { recipientUserId: BSUID })).toStrictEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      recipient: 'US.13491208655302741918',
      biz_opaque_callback_data: 'msg_01JD8ZKQ4N9W2V5T7R3H6C1B0A',
      type: 'text',
      text: { preview_url: false, body: 'Hello' },
    });
  });

  it('quotes the message given in replyTo as context.message_id', () => {
    expect(graph({ type: 'text', body: 'Yes, it ships today.', replyTo: WAMID })).toStrictEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+16505551234',
      context: { message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA' },
      biz_opaque_callback_data: 'msg_01JD8ZKQ4N9W2V5T7R3H6C1B0A',
      type: 'text',
      text: { preview_url: false, body: 'Yes, it ships today.' },
    });
  });

  it('refuses callback data Meta would reject: empty or longer than 512 characters', () => {
    const data = request({ type: 'text', body: 'Hello' });
    expect(() => toGraphMessage(data, { bizOpaqueCallbackData: '' })).toThrow(RangeError);
    expect(() => toGraphMessage(data, { bizOpaqueCallbackData: 'x'.repeat(BIZ_OPAQUE_CALLBACK_DATA_MAX_LENGTH + 1) })).toThrow(/1 to 512 characters \(has 513\)/);
    expect(toGraphMessage(data, { bizOpaqueCallbackData: 'x'.repeat(512) })['biz_opaque_callback_data']).toBe('x'.repeat(512));
  });
});

describe('toGraphMessage: text, media and reactions', () => {
  it('writes a text message with preview_url as asked', () => {
    expect(graph({ type: 'text', body: 'Track it at https://example.com/t/123', previewUrl: true })).toStrictEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+16505551234',
      biz_opaque_callback_data: 'msg_01JD8ZKQ4N9W2V5T7R3H6C1B0A',
      type: 'text',
      text: { preview_url: true, body: 'Track it at https://example.com/t/123' },
    });
  });

  it('writes an image by uploaded media id with its caption', () => {
    expect(graph({ type: 'image', mediaId: '1037543291543636', caption: 'Your receipt' })).toStrictEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+16505551234',
      biz_opaque_callback_data: 'msg_01JD8ZKQ4N9W2V5T7R3H6C1B0A',
      type: 'image',
      image: { id: '1037543291543636', caption: 'Your receipt' },
    });
  });

  it('writes a video by link', () => {
    expect(graph({ type: 'video', link: 'https://cdn.example.com/welcome.mp4', caption: 'Welcome' })).toStrictEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+16505551234',
      biz_opaque_callback_data: 'msg_01JD8ZKQ4N9W2V5T7R3H6C1B0A',
      type: 'video',
      video: { link: 'https://cdn.example.com/welcome.mp4', caption: 'Welcome' },
    });
  });

  it('writes a document with its filename and caption', () => {
    expect(graph({ type: 'document', link: 'https://cdn.example.com/invoice-42.pdf', caption: 'Invoice 42', filename: 'invoice-42.pdf' })).toStrictEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+16505551234',
      biz_opaque_callback_data: 'msg_01JD8ZKQ4N9W2V5T7R3H6C1B0A',
      type: 'document',
      document: { link: 'https://cdn.example.com/invoice-42.pdf', caption: 'Invoice 42', filename: 'invoice-42.pdf' },
    });
  });

  it('writes audio and stickers with only their media reference', () => {
    expect(graph({ type: 'audio', mediaId: '1013859600285441', replyTo: WAMID })).toStrictEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+16505551234',
      context: { message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA' },
      biz_opaque_callback_data: 'msg_01JD8ZKQ4N9W2V5T7R3H6C1B0A',
      type: 'audio',
      audio: { id: '1013859600285441' },
    });
    expect(graph({ type: 'sticker', mediaId: '798882015472548' })).toStrictEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+16505551234',
      biz_opaque_callback_data: 'msg_01JD8ZKQ4N9W2V5T7R3H6C1B0A',
      type: 'sticker',
      sticker: { id: '798882015472548' },
    });
  });

  it('writes a reaction, and an empty emoji to remove one', () => {
    expect(graph({ type: 'reaction', messageId: WAMID, emoji: '👍' })).toStrictEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+16505551234',
      biz_opaque_callback_data: 'msg_01JD8ZKQ4N9W2V5T7R3H6C1B0A',
      type: 'reaction',
      reaction: { message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA', emoji: '👍' },
    });
    expect(graph({ type: 'reaction', messageId: WAMID, emoji: '' })['reaction']).toStrictEqual({
      message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA',
      emoji: '',
    });
  });
});

describe('toGraphMessage: interactive messages', () => {
  it('writes reply buttons under action.buttons as type reply', () => {
    const message = {
      type: 'interactive',
      kind: 'button',
      header: { type: 'text', text: 'Delivery' },
      body: 'Can we deliver tomorrow?',
      footer: 'Reply to choose',
      buttons: [
        { id: 'a', title: 'Yes' },
        { id: 'b', title: 'No' },
      ],
    };
    expect(graph(message)).toStrictEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+16505551234',
      biz_opaque_callback_data: 'msg_01JD8ZKQ4N9W2V5T7R3H6C1B0A',
      type: 'interactive',
      interactive: {
        type: 'button',
        header: { type: 'text', text: 'Delivery' },
        body: { text: 'Can we deliver tomorrow?' },
        footer: { text: 'Reply to choose' },
        action: {
          buttons: [
            { type: 'reply', reply: { id: 'a', title: 'Yes' } },
            { type: 'reply', reply: { id: 'b', title: 'No' } },
          ],
        },
      },
    });
  });

  it('writes a media header as {type, <type>: {id|link}}, with a document filename', () => {
    const image = graph({ type: 'interactive', kind: 'button', header: { type: 'image', mediaId: '1037543291543636' }, body: 'b', buttons: [{ id: 'a', title: 'Yes' }] });
    expect((image['interactive'] as Record<string, unknown>)['header']).toStrictEqual({ type: 'image', image: { id: '1037543291543636' } });
    const document = graph({
      type: 'interactive',
      kind: 'cta_url',
      header: { type: 'document', link: 'https://cdn.example.com/menu.pdf', filename: 'menu.pdf' },
      body: 'Our menu',
      displayText: 'Order',
      url: 'https://example.com/order',
    });
    expect((document['interactive'] as Record<string, unknown>)['header']).toStrictEqual({
      type: 'document',
      document: { link: 'https://cdn.example.com/menu.pdf', filename: 'menu.pdf' },
    });
  });

  it('writes a list with its button label, sections and rows under action', () => {
    const message = {
      type: 'interactive',
      kind: 'list',
      header: { type: 'text', text: 'Shipping' },
      body: 'Choose a delivery option',
      button: 'Options',
      sections: [
        {
          title: 'Fast',
          rows: [
            { id: 'r1', title: 'Express', description: 'Next business day' },
            { id: 'r2', title: 'Priority' },
          ],
        },
        { title: 'Cheap', rows: [{ id: 'r3', title: 'Standard', description: '3 to 5 days' }] },
      ],
    };
    expect(graph(message)).toStrictEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+16505551234',
      biz_opaque_callback_data: 'msg_01JD8ZKQ4N9W2V5T7R3H6C1B0A',
      type: 'interactive',
      interactive: {
        type: 'list',
        header: { type: 'text', text: 'Shipping' },
        body: { text: 'Choose a delivery option' },
        action: {
          button: 'Options',
          sections: [
            {
              title: 'Fast',
              rows: [
                { id: 'r1', title: 'Express', description: 'Next business day' },
                { id: 'r2', title: 'Priority' },
              ],
            },
            { title: 'Cheap', rows: [{ id: 'r3', title: 'Standard', description: '3 to 5 days' }] },
          ],
        },
      },
    });
  });

  it('writes a call-to-action URL button as action {name: cta_url, parameters}', () => {
    const message = { type: 'interactive', kind: 'cta_url', body: 'Tap the button below to see available dates.', displayText: 'See Dates', url: 'https://example.com/dates', replyTo: WAMID };
    expect(graph(message)).toStrictEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+16505551234',
      context: { message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA' },
      biz_opaque_callback_data: 'msg_01JD8ZKQ4N9W2V5T7R3H6C1B0A',
      type: 'interactive',
      interactive: {
        type: 'cta_url',
        body: { text: 'Tap the button below to see available dates.' },
        action: { name: 'cta_url', parameters: { display_text: 'See Dates', url: 'https://example.com/dates' } },
      },
    });
  });

  it('writes a single product with catalog_id and product_retailer_id', () => {
    expect(graph({ type: 'interactive', kind: 'product', body: 'Back in stock', footer: 'Limited', catalogId: '194836987003835', productRetailerId: 'SKU-42' })).toStrictEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+16505551234',
      biz_opaque_callback_data: 'msg_01JD8ZKQ4N9W2V5T7R3H6C1B0A',
      type: 'interactive',
      interactive: {
        type: 'product',
        body: { text: 'Back in stock' },
        footer: { text: 'Limited' },
        action: { catalog_id: '194836987003835', product_retailer_id: 'SKU-42' },
      },
    });
  });

  it('writes a product list with product_items per section', () => {
    const message = {
      type: 'interactive',
      kind: 'product_list',
      header: { type: 'text', text: 'Our picks' },
      body: 'Products you may like',
      catalogId: '194836987003835',
      sections: [
        { title: 'Shoes', productRetailerIds: ['SKU-1', 'SKU-2'] },
        { title: 'Hats', productRetailerIds: ['SKU-3'] },
      ],
    };
    expect(graph(message)).toStrictEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+16505551234',
      biz_opaque_callback_data: 'msg_01JD8ZKQ4N9W2V5T7R3H6C1B0A',
      type: 'interactive',
      interactive: {
        type: 'product_list',
        header: { type: 'text', text: 'Our picks' },
        body: { text: 'Products you may like' },
        action: {
          catalog_id: '194836987003835',
          sections: [
            { title: 'Shoes', product_items: [{ product_retailer_id: 'SKU-1' }, { product_retailer_id: 'SKU-2' }] },
            { title: 'Hats', product_items: [{ product_retailer_id: 'SKU-3' }] },
          ],
        },
      },
    });
  });
});

describe('toGraphMessage: templates', () => {
  it("writes Meta's template example: image header, positional and named body text, quick reply and url buttons", () => {
    // Named and positional parameters cannot be mixed in one request, so this is the positional half of Meta's example.
    const message = {
      type: 'template',
      name: 'order_confirmation',
      language: 'en_US',
      components: {
        header: { type: 'image', mediaId: '1037543291543636' },
        body: [
          { type: 'text', text: 'Jessica' },
          { type: 'text', text: 'SKBUP2-4CPIG9' },
        ],
        buttons: [
          { subType: 'quick_reply', index: 0, payload: 'STOP_PROMO' },
          { subType: 'url', index: 1, text: 'url-suffix' },
        ],
      },
    };
    expect(graph(message)).toStrictEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+16505551234',
      biz_opaque_callback_data: 'msg_01JD8ZKQ4N9W2V5T7R3H6C1B0A',
      type: 'template',
      template: {
        name: 'order_confirmation',
        language: { code: 'en_US' },
        components: [
          { type: 'header', parameters: [{ type: 'image', image: { id: '1037543291543636' } }] },
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Jessica' },
              { type: 'text', text: 'SKBUP2-4CPIG9' },
            ],
          },
          { type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'STOP_PROMO' }] },
          { type: 'button', sub_type: 'url', index: '1', parameters: [{ type: 'text', text: 'url-suffix' }] },
        ],
      },
    });
  });

  it('writes named parameters with parameter_name, in the header and the body', () => {
    const message = {
      type: 'template',
      name: 'order_update',
      language: 'fr',
      components: {
        header: { type: 'text', text: 'Commande', parameterName: 'title' },
        body: [
          { type: 'text', text: 'Jessica', parameterName: 'first_name' },
          { type: 'text', text: 'SKBUP2-4CPIG9', parameterName: 'order_number' },
        ],
      },
      replyTo: WAMID,
    };
    expect(graph(message)).toStrictEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+16505551234',
      context: { message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA' },
      biz_opaque_callback_data: 'msg_01JD8ZKQ4N9W2V5T7R3H6C1B0A',
      type: 'template',
      template: {
        name: 'order_update',
        language: { code: 'fr' },
        components: [
          { type: 'header', parameters: [{ type: 'text', parameter_name: 'title', text: 'Commande' }] },
          {
            type: 'body',
            parameters: [
              { type: 'text', parameter_name: 'first_name', text: 'Jessica' },
              { type: 'text', parameter_name: 'order_number', text: 'SKBUP2-4CPIG9' },
            ],
          },
        ],
      },
    });
  });

  it('writes currency and date_time body parameters in their nested objects', () => {
    const message = {
      type: 'template',
      name: 'payment_due',
      language: 'en_US',
      components: {
        body: [
          { type: 'currency', fallbackValue: '$100.99', code: 'USD', amount1000: 100990 },
          { type: 'date_time', fallbackValue: 'February 25, 1977' },
        ],
      },
    };
    expect(graph(message, { recipientUserId: BSUID })).toStrictEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      recipient: 'US.13491208655302741918',
      biz_opaque_callback_data: 'msg_01JD8ZKQ4N9W2V5T7R3H6C1B0A',
      type: 'template',
      template: {
        name: 'payment_due',
        language: { code: 'en_US' },
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'currency', currency: { fallback_value: '$100.99', code: 'USD', amount_1000: 100990 } },
              { type: 'date_time', date_time: { fallback_value: 'February 25, 1977' } },
            ],
          },
        ],
      },
    });
  });

  it('writes named currency and date_time parameters with parameter_name', () => {
    const message = {
      type: 'template',
      name: 'payment_due',
      language: 'en_US',
      components: {
        body: [
          { type: 'currency', fallbackValue: '€12.50', code: 'EUR', amount1000: 12500, parameterName: 'amount' },
          { type: 'date_time', fallbackValue: '1 March 2027', parameterName: 'due_date' },
        ],
      },
    };
    expect((graph(message)['template'] as Record<string, unknown>)['components']).toStrictEqual([
      {
        type: 'body',
        parameters: [
          { type: 'currency', parameter_name: 'amount', currency: { fallback_value: '€12.50', code: 'EUR', amount_1000: 12500 } },
          { type: 'date_time', parameter_name: 'due_date', date_time: { fallback_value: '1 March 2027' } },
        ],
      },
    ]);
  });

  it('writes video, document and location header parameters', () => {
    const components = (header: Record<string, unknown>) =>
      (graph({ type: 'template', name: 'shipment', language: 'en_US', components: { header } })['template'] as Record<string, unknown>)['components'];
    expect(components({ type: 'video', link: 'https://cdn.example.com/how-to.mp4' })).toStrictEqual([
      { type: 'header', parameters: [{ type: 'video', video: { link: 'https://cdn.example.com/how-to.mp4' } }] },
    ]);
    expect(components({ type: 'document', mediaId: '1013859600285441', filename: 'ticket.pdf' })).toStrictEqual([
      { type: 'header', parameters: [{ type: 'document', document: { id: '1013859600285441', filename: 'ticket.pdf' } }] },
    ]);
    expect(components({ type: 'location', latitude: 37.483307, longitude: -122.148981, name: 'Pablo Morales', address: '1 Hacker Way, Menlo Park, CA 94025' })).toStrictEqual([
      {
        type: 'header',
        parameters: [
          { type: 'location', location: { latitude: 37.483307, longitude: -122.148981, name: 'Pablo Morales', address: '1 Hacker Way, Menlo Park, CA 94025' } },
        ],
      },
    ]);
  });

  it('writes copy_code and flow buttons as separate button components with string indexes', () => {
    const message = {
      type: 'template',
      name: 'coupon_code_fall2023_25off',
      language: 'en_US',
      components: {
        body: [
          { type: 'text', text: '25OFF' },
          { type: 'text', text: '25%' },
        ],
        buttons: [
          { subType: 'copy_code', index: 1, couponCode: '25OFF' },
          { subType: 'flow', index: 2, flowToken: 'flow-session-7', flowActionData: { screen: 'WELCOME' } },
        ],
      },
    };
    expect(graph(message)).toStrictEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+16505551234',
      biz_opaque_callback_data: 'msg_01JD8ZKQ4N9W2V5T7R3H6C1B0A',
      type: 'template',
      template: {
        name: 'coupon_code_fall2023_25off',
        language: { code: 'en_US' },
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: '25OFF' },
              { type: 'text', text: '25%' },
            ],
          },
          { type: 'button', sub_type: 'copy_code', index: '1', parameters: [{ type: 'coupon_code', coupon_code: '25OFF' }] },
          {
            type: 'button',
            sub_type: 'flow',
            index: '2',
            parameters: [{ type: 'action', action: { flow_token: 'flow-session-7', flow_action_data: { screen: 'WELCOME' } } }],
          },
        ],
      },
    });
  });

  it('omits components for a template without variables', () => {
    expect(graph({ type: 'template', name: 'hello_world', language: 'en_US' })).toStrictEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+16505551234',
      biz_opaque_callback_data: 'msg_01JD8ZKQ4N9W2V5T7R3H6C1B0A',
      type: 'template',
      template: { name: 'hello_world', language: { code: 'en_US' } },
    });
  });
});

describe('toGraphMessage: mark as read', () => {
  it('writes a read receipt with no recipient, type or callback data', () => {
    expect(graph({ type: 'markRead', messageId: WAMID })).toStrictEqual({
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA',
    });
  });

  it('adds the typing indicator when asked', () => {
    expect(graph({ type: 'markRead', messageId: WAMID, typingIndicator: true }, { recipientUserId: BSUID })).toStrictEqual({
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA',
      typing_indicator: { type: 'text' },
    });
  });
});
