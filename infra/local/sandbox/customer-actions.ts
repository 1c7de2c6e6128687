import { ControlInputError } from './control-input.js';
import { BSUID_PATTERN, WA_ID_PATTERN, newWamid } from './identity.js';
import { buildInboundMessage, parseCustomerMessage, parseMarketingPreference } from './inbound.js';
import type { SandboxState } from './state.js';
import type { CustomerMessageResult, MarketingPreferenceResult, PhoneNumberDef } from './types.js';
import { inboundMessageWebhook, unixSeconds, userPreferencesWebhook } from './webhook-payloads.js';

/**
 * What a WhatsApp user does, played by tests and developers: write to a business number (which opens the
 * customer-service window and sends Relais a signed `messages` webhook), or stop/resume marketing messages
 * (a signed `user_preferences` webhook; marketing templates then fail with 131050 until resumed).
 *
 * `customerId` is a phone number (digits, optionally with `+`) or, for a username user whose number is not
 * shared, a BSUID.
 */
export async function actAsCustomer(state: SandboxState, customerId: string, rawInput: unknown): Promise<CustomerMessageResult> {
  const identity = parseCustomerId(customerId);
  const input = parseCustomerMessage(rawInput);
  const userId = reconcileUserId(identity, input.userId);
  const number = pickNumber(state, input.phoneNumberId);
  const customer = state.customers.identify({
    ...(identity.waId === undefined ? {} : { waId: identity.waId }),
    ...(userId === undefined ? {} : { userId }),
    ...(input.profileName === undefined ? {} : { profileName: input.profileName }),
  });
  const at = input.timestamp === undefined ? state.clock() : input.timestamp * 1000;
  state.windows.recordInbound(number.id, customer.key, at, input.referral !== undefined);

  const wamid = newWamid(customer.waId ?? customer.userId);
  state.inboundWamids.set(wamid, number.id);
  const message = buildInboundMessage({
    input,
    wamid,
    ...(customer.waId === undefined ? {} : { waId: customer.waId }),
    userId: customer.userId,
    timestampSeconds: unixSeconds(at),
    businessDisplayNumber: number.displayPhoneNumber,
  });
  const body = inboundMessageWebhook({ businessAccountId: state.config.businessAccountId, number, customer, message });
  const delivery = await state.dispatcher.deliver(body, { kind: `message:${input.type}`, wamid });
  return { wamid, delivered: delivery.lastStatus, attempts: delivery.attempts };
}

export async function setMarketingPreference(state: SandboxState, customerId: string, rawInput: unknown): Promise<MarketingPreferenceResult> {
  const identity = parseCustomerId(customerId);
  const input = parseMarketingPreference(rawInput);
  const userId = reconcileUserId(identity, input.userId);
  const number = pickNumber(state, input.phoneNumberId);
  const customer = state.customers.identify({
    ...(identity.waId === undefined ? {} : { waId: identity.waId }),
    ...(userId === undefined ? {} : { userId }),
  });
  customer.marketingStopped = input.value === 'stop';
  const at = input.timestamp === undefined ? state.clock() : input.timestamp * 1000;
  const body = userPreferencesWebhook({ businessAccountId: state.config.businessAccountId, number, customer, value: input.value, at });
  const delivery = await state.dispatcher.deliver(body, { kind: `user_preferences:${input.value}` });
  return { value: input.value, delivered: delivery.lastStatus, attempts: delivery.attempts };
}

function parseCustomerId(customerId: string): { waId?: string; userId?: string } {
  const id = decodeURIComponent(customerId).trim();
  if (BSUID_PATTERN.test(id)) return { userId: id };
  const digits = id.replace(/^\+/, '');
  if (WA_ID_PATTERN.test(digits)) return { waId: digits };
  throw new ControlInputError('waId', `waId must be a phone number in international format (7–15 digits) or a business-scoped user id; got "${id}"`);
}

function reconcileUserId(identity: { userId?: string }, userId: string | undefined): string | undefined {
  if (identity.userId !== undefined && userId !== undefined && userId !== identity.userId) {
    throw new ControlInputError('userId', `userId ${userId} contradicts the customer id ${identity.userId} in the path`);
  }
  return identity.userId ?? userId;
}

function pickNumber(state: SandboxState, phoneNumberId: string | undefined): PhoneNumberDef {
  if (phoneNumberId === undefined) return state.defaultNumber();
  const number = state.number(phoneNumberId);
  if (number === undefined) {
    const known = state.config.phoneNumbers.map((n) => n.id).join(', ');
    throw new ControlInputError('phoneNumberId', `phoneNumberId ${phoneNumberId} is not one of the sandbox's numbers (${known})`);
  }
  return number;
}
