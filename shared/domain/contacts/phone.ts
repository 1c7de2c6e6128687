import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

/**
 * The one phone-number rule of Relais: what a caller may name as a recipient (`POST /messages`,
 * `SendRequested`) or as a contact (the Contacts API), so that a number one accepts the other accepts too.
 *
 * Metadata: libphonenumber-js's `min` set, which judges a number by its country calling code and the lengths
 * that country's plan allows, not by the number ranges of the `max` set. Meta resolves the number itself and
 * rewrites some forms the `max` ranges call invalid (old 8-digit Brazilian and Mexican mobile numbers, see
 * `input` vs `wa_id` in
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages), and the
 * ranges lag behind new allocations; a number that is not on WhatsApp fails at Meta with 131026
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes) instead of
 * being refused here by a stale table.
 */

/**
 * E.164 as Relais writes it: `+`, a first digit 1-9, 6 to 15 digits in all (6 is the shortest any plan allows,
 * Austria's and Germany's; 15 is E.164's limit, https://www.itu.int/rec/T-REC-E.164). Also the `pattern` of
 * the published event schemas.
 */
export const E164_PATTERN = /^\+[1-9][0-9]{5,14}$/;

/** Why `E164_PATTERN` refused a value, for validation messages. */
export const E164_FORM_PROBLEM = 'must be an E.164 phone number: + then 6 to 15 digits, no spaces or punctuation';

/** Why libphonenumber refused a value of the right form. */
export const E164_NUMBER_PROBLEM = 'is not a valid phone number for its country code';

/**
 * What is wrong with `input` as an E.164 phone number, or undefined when it is one: of the right form, valid
 * for its country by the `min` metadata, and already canonical (no national trunk prefix left in).
 */
export function phoneNumberProblem(input: string): string | undefined {
  if (!E164_PATTERN.test(input)) return E164_FORM_PROBLEM;
  const parsed = parsePhoneNumberFromString(input);
  return parsed?.isValid() === true && parsed.number === input ? undefined : E164_NUMBER_PROBLEM;
}

/** `input` when it is an E.164 phone number by {@link phoneNumberProblem}, else undefined. */
export function toE164(input: string): string | undefined {
  return phoneNumberProblem(input) === undefined ? input : undefined;
}

/**
 * E.164 for a `wa_id` Meta sent. Meta has already resolved it to a WhatsApp account, so it is trusted as long
 * as it has the E.164 form (test numbers and new allocations may fail the length tables).
 */
export function phoneFromWaId(waId: string): string | undefined {
  const phone = `+${waId}`;
  return E164_PATTERN.test(phone) ? phone : undefined;
}
