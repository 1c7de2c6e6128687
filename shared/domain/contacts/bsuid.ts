/**
 * Business-scoped user ids (BSUIDs): `<ISO 3166 alpha-2>.<1 to 128 letters or digits>`, or the parent form
 * `CC.ENT.<…>` shared by the portfolios of a managed business
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids).
 * The one copy of the rule, for the contracts and the domain alike.
 */
export const BSUID_PATTERN = /^[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}$/;

/** Why `BSUID_PATTERN` refused a value, for validation messages. */
export const BSUID_PROBLEM = 'must be a business-scoped user id: CC.<1 to 128 letters or digits>, or CC.ENT.<…> for a parent id';

export function isBsuid(value: string): boolean {
  return BSUID_PATTERN.test(value);
}
