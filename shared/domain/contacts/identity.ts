import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * Contact identity. Meta names a user by a business-scoped user id (BSUID, `CC.<alnum>` or the parent
 * form `CC.ENT.<alnum>`) and/or by phone (`wa_id`, digits without "+"); since the username era either
 * may be missing on a given webhook. Relais keys a contact per business account by BSUID first, phone
 * second, and gives it its own stable `contactId` so rotations of either key keep its history.
 */

export const BSUID_PATTERN = /^[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}$/;

export type IdentityKey = { readonly kind: 'user'; readonly value: string } | { readonly kind: 'phone'; readonly value: string };

/**
 * E.164 for a number an API caller typed: `+` and digits only, and valid for its country by libphonenumber's
 * full metadata (length and number ranges). Returns undefined for anything else.
 */
export function toE164(input: string): string | undefined {
  if (!/^\+\d{6,15}$/.test(input)) return undefined;
  const parsed = parsePhoneNumberFromString(input);
  return parsed?.isValid() === true && parsed.number === input ? parsed.number : undefined;
}

/**
 * E.164 for a `wa_id` Meta sent. Meta has already resolved it to a WhatsApp account, so it is trusted as
 * long as it is 6 to 15 digits: libphonenumber's ranges lag behind new allocations and test numbers.
 */
export function phoneFromWaId(waId: string): string | undefined {
  return /^\d{6,15}$/.test(waId) ? `+${waId}` : undefined;
}

export function isBsuid(value: string): boolean {
  return BSUID_PATTERN.test(value);
}

/** The identity keys a webhook names, BSUID first. Phone numbers that do not parse are left out. */
export function identityKeys(user: { userId?: string | undefined; waId?: string | undefined }): IdentityKey[] {
  const keys: IdentityKey[] = [];
  if (user.userId !== undefined && isBsuid(user.userId)) keys.push({ kind: 'user', value: user.userId });
  const phone = user.waId === undefined ? undefined : phoneFromWaId(user.waId);
  if (phone !== undefined) keys.push({ kind: 'phone', value: phone });
  return keys;
}

/**
 * Parses what an API caller uses to name a contact: an E.164 phone number, a BSUID or a Relais contact id.
 * Returns a problem text naming the rule when it is none of them.
 */
export function parseContactRef(ref: string): { key: IdentityKey } | { contactId: string } | { problem: string } {
  if (/^c_[0-9a-f-]{36}$/.test(ref)) return { contactId: ref };
  if (isBsuid(ref)) return { key: { kind: 'user', value: ref } };
  if (ref.startsWith('+')) {
    const phone = toE164(ref);
    return phone === undefined ? { problem: 'is not a valid E.164 phone number' } : { key: { kind: 'phone', value: phone } };
  }
  return { problem: 'must be an E.164 phone number (+…), a business-scoped user id (CC.…) or a contact id (c_…)' };
}
