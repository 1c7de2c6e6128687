import type { Customer } from './customers.js';
import type { statusError } from './graph-errors.js';
import type { FreeEntryPoint } from './windows.js';
import type { OutboundStatus, PhoneNumberDef, Pricing } from './types.js';

/**
 * Meta's webhook envelopes (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/overview, https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages): `messages` (inbound messages and statuses) and
 * `user_preferences`. Timestamps are unix seconds: strings in messages and statuses, integers in
 * user_preferences and `entry[].time`.
 */

export type WebhookBody = {
  object: 'whatsapp_business_account';
  entry: Array<{ id: string; time?: number; changes: Array<{ field: string; value: Record<string, unknown> }> }>;
};

export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

function metadata(number: PhoneNumberDef): Record<string, string> {
  return { display_phone_number: number.displayPhoneNumber, phone_number_id: number.id };
}

function contact(customer: Customer, withProfile: boolean): Record<string, unknown> {
  return {
    ...(withProfile ? { profile: { name: customer.profileName } } : {}),
    ...(customer.waId === undefined ? {} : { wa_id: customer.waId }),
    user_id: customer.userId,
  };
}

function envelope(businessAccountId: string, field: string, value: Record<string, unknown>, time?: number): WebhookBody {
  return {
    object: 'whatsapp_business_account',
    entry: [{ id: businessAccountId, ...(time === undefined ? {} : { time }), changes: [{ value, field }] }],
  };
}

/**
 * A WABA-level change (template, quality, capability and account fields): no `metadata`, routed on
 * `entry[].id`, with `entry[].time` in unix seconds
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/overview).
 */
export function wabaFieldWebhook(businessAccountId: string, field: string, value: Record<string, unknown>, at: number): WebhookBody {
  return envelope(businessAccountId, field, value, unixSeconds(at));
}

/** A customer's message: `contacts[]` plus one `messages[]` item whose body sits under its type. */
export function inboundMessageWebhook(init: {
  businessAccountId: string;
  number: PhoneNumberDef;
  customer: Customer;
  message: Record<string, unknown>;
}): WebhookBody {
  return envelope(init.businessAccountId, 'messages', {
    messaging_product: 'whatsapp',
    metadata: metadata(init.number),
    contacts: [contact(init.customer, true)],
    messages: [init.message],
  });
}

export interface StatusInit {
  readonly businessAccountId: string;
  readonly number: PhoneNumberDef;
  readonly customer: Customer;
  readonly wamid: string;
  readonly status: OutboundStatus;
  readonly at: number;
  /** The message was addressed by phone number (`to`), not by BSUID only. */
  readonly sentToPhone: boolean;
  readonly pricing?: Pricing;
  readonly freeEntryPoint?: FreeEntryPoint;
  readonly bizOpaqueCallbackData?: string;
  readonly error?: ReturnType<typeof statusError>;
}

/**
 * One `statuses[]` item (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/status):
 * - `recipient_id` when the phone number is known; `recipient_user_id` always, except on `failed` for a
 *   message sent to a phone number;
 * - `contacts[]` on sent, delivered and read (profile name from delivered on), never on failed;
 * - `pricing` (and, inside a free entry point, `conversation`) when the caller passes them: on sent and on
 *   one of delivered/read;
 * - `errors[]` on failed.
 */
export function statusWebhook(init: StatusInit): WebhookBody {
  const failed = init.status === 'failed';
  const status: Record<string, unknown> = {
    id: init.wamid,
    status: init.status,
    timestamp: String(unixSeconds(init.at)),
    ...(init.customer.waId === undefined ? {} : { recipient_id: init.customer.waId }),
    ...(failed && init.sentToPhone ? {} : { recipient_user_id: init.customer.userId }),
  };
  if (init.bizOpaqueCallbackData !== undefined) status['biz_opaque_callback_data'] = init.bizOpaqueCallbackData;
  if (init.freeEntryPoint !== undefined) {
    status['conversation'] = {
      id: init.freeEntryPoint.conversationId,
      expiration_timestamp: String(unixSeconds(init.freeEntryPoint.expiresAt)),
      origin: { type: 'referral_conversion' },
    };
  }
  if (init.pricing !== undefined) status['pricing'] = init.pricing;
  if (failed && init.error !== undefined) status['errors'] = [init.error];
  if (!failed) status['contacts'] = [contact(init.customer, init.status !== 'sent')];
  return envelope(init.businessAccountId, 'messages', {
    messaging_product: 'whatsapp',
    metadata: metadata(init.number),
    statuses: [status],
  });
}

export function userPreferencesWebhook(init: {
  businessAccountId: string;
  number: PhoneNumberDef;
  customer: Customer;
  value: 'stop' | 'resume';
  at: number;
}): WebhookBody {
  const timestamp = unixSeconds(init.at);
  return envelope(
    init.businessAccountId,
    'user_preferences',
    {
      messaging_product: 'whatsapp',
      metadata: metadata(init.number),
      contacts: [contact(init.customer, true)],
      user_preferences: [
        {
          ...(init.customer.waId === undefined ? {} : { wa_id: init.customer.waId }),
          user_id: init.customer.userId,
          detail: init.value === 'stop' ? 'User requested to stop marketing messages' : 'User requested to resume marketing messages',
          category: 'marketing_messages',
          value: init.value,
          timestamp,
        },
      ],
    },
    timestamp,
  );
}
