import { isBsuid } from './bsuid.js';
import { phoneFromWaId, phoneNumberProblem } from './phone.js';

/**
 * Contact identity. Meta names a user by a business-scoped user id (BSUID, `CC.<alnum>` or the parent
 * form `CC.ENT.<alnum>`) and/or by phone (`wa_id`, digits without "+"); since the username era either
 * may be missing on a given webhook. Relais keys a contact per business account by BSUID first, phone
 * second, and gives it its own stable `contactId` so rotations of either key keep its history.
 */

export type IdentityKey = { readonly kind: 'user'; readonly value: string } | { readonly kind: 'phone'; readonly value: string };

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
    const problem = phoneNumberProblem(ref);
    return problem === undefined ? { key: { kind: 'phone', value: ref } } : { problem };
  }
  return { problem: 'must be an E.164 phone number (+…), a business-scoped user id (CC.…) or a contact id (c_…)' };
}
