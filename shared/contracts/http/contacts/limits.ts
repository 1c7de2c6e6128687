/**
 * The Contacts API's published limits: how long a field may be, how far ahead a consent may be dated, how many
 * consent records one page of GET contact holds and how large an import may be.
 */

/** How far in the future a consent's `occurredAt` may be (clock skew between the caller and us). */
export const MAX_CONSENT_CLOCK_SKEW_MS = 5 * 60 * 1000;
/** Longest consent `evidence`, after trimming. */
export const MAX_EVIDENCE_CHARS = 2000;
/** Longest identity-acknowledgement `note`, after trimming. */
export const MAX_NOTE_CHARS = 1000;
/** Longest import row `profileName`, after trimming. */
export const MAX_PROFILE_NAME_CHARS = 256;
/** Consent records per page of GET contact's history. */
export const CONSENT_HISTORY_PAGE_SIZE = 100;
/** Most records one import may hold. */
export const IMPORT_MAX_ROWS = 1000;
/** Largest import body, in bytes after any base64 decoding. */
export const IMPORT_MAX_BYTES = 1024 * 1024;
