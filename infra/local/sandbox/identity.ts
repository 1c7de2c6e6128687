import { createHash, randomBytes } from 'node:crypto';

import { parsePhoneNumberFromString } from 'libphonenumber-js';

/** `CC.<alnum ≤ 128>` or the parent form `CC.ENT.<alnum ≤ 128>`: the same rule Relais applies. */
export { BSUID_PATTERN } from '../../../shared/domain/contacts/bsuid.js';

/** A wa_id: the international number in digits, without `+`. E.164 allows at most 15 digits. */
export const WA_ID_PATTERN = /^[1-9]\d{6,14}$/;

/**
 * A message id shaped like Meta's (`wamid.` + base64 of an opaque blob that starts with the recipient's number).
 * Unique per call.
 */
export function newWamid(counterpart: string): string {
  const blob = Buffer.concat([Buffer.from([0x1c, 0x18, 0x0b]), Buffer.from(counterpart), Buffer.from([0x15, 0x02, 0x00, 0x11, 0x18, 0x12]), randomBytes(9)]);
  return `wamid.${blob.toString('base64')}`;
}

/** Numeric Graph ids (media ids, template ids, conversation ids use other shapes). */
export function newNumericId(digits = 16): string {
  const bytes = randomBytes(digits);
  let id = String((bytes[0]! % 9) + 1);
  for (let i = 1; i < digits; i += 1) id += String(bytes[i]! % 10);
  return id;
}

export function newHexId(bytes = 16): string {
  return randomBytes(bytes).toString('hex');
}

/** ISO 3166 alpha-2 region of a wa_id, falling back to the main region of its calling code, else `ZZ`. */
export function regionOf(waId: string): string {
  const parsed = parsePhoneNumberFromString(`+${waId}`);
  return parsed?.country ?? parsed?.getPossibleCountries()[0] ?? 'ZZ';
}

/**
 * The business-scoped user id the sandbox assigns to a phone number that never told it its BSUID: stable for
 * (business account, wa_id), region-prefixed like Meta's (`US.13491208655302741918`).
 */
export function deriveBsuid(businessAccountId: string, waId: string): string {
  const digest = createHash('sha256').update(`${businessAccountId}:${waId}`).digest();
  const digits = BigInt(`0x${digest.subarray(0, 8).toString('hex')}`).toString().padStart(20, '0');
  return `${regionOf(waId)}.${digits}`;
}

/** Region of a BSUID: its prefix. */
export function regionOfBsuid(userId: string): string {
  return userId.slice(0, 2);
}
