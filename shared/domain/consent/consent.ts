/**
 * Consent per category, derived from an append-only history (the GDPR proof of consent). The current
 * state of a category is the latest record by the time the customer expressed it; on a tie an opt-out
 * wins, because sending to someone who said stop is the costlier mistake.
 */

export const CONSENT_CATEGORIES = ['marketing', 'utility', 'authentication', 'service'] as const;
export type ConsentCategory = (typeof CONSENT_CATEGORIES)[number];

export const CONSENT_SOURCES = ['api', 'keyword', 'button', 'meta_user_preferences', 'send_failure_131050', 'import'] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];

export type ConsentStatus = 'opted_in' | 'opted_out';

export interface ConsentRecord {
  /** Deterministic id of the fact that produced it (webhook event id, API idempotency key, import row). */
  readonly recordId: string;
  readonly category: ConsentCategory;
  readonly status: ConsentStatus;
  readonly source: ConsentSource;
  /** When the customer expressed it (epoch ms). */
  readonly occurredAt: number;
  /** What proves it: the keyword message, the button payload, Meta's detail text, the form wording. */
  readonly evidence: string;
  /** Who recorded it: `customer`, `meta`, an operator or a service principal. */
  readonly actor: string;
}

export interface ConsentState {
  readonly status: ConsentStatus | 'unknown';
  readonly since?: number;
  readonly source?: ConsentSource;
  readonly recordId?: string;
}

export type ConsentSnapshot = Readonly<Record<ConsentCategory, ConsentState>>;

export const UNKNOWN_CONSENT: ConsentSnapshot = Object.freeze({
  marketing: { status: 'unknown' },
  utility: { status: 'unknown' },
  authentication: { status: 'unknown' },
  service: { status: 'unknown' },
});

/** Whether `candidate` replaces `current` as the state of its category. */
export function supersedes(candidate: Pick<ConsentRecord, 'occurredAt' | 'status' | 'recordId'>, current: ConsentState | undefined): boolean {
  if (current === undefined || current.status === 'unknown' || current.since === undefined) return true;
  if (candidate.recordId === current.recordId) return false;
  if (candidate.occurredAt !== current.since) return candidate.occurredAt > current.since;
  return candidate.status === 'opted_out' && current.status === 'opted_in';
}

/** Folds a history (any order) into the current state of each category. */
export function deriveConsent(history: readonly ConsentRecord[]): ConsentSnapshot {
  const state: Record<ConsentCategory, ConsentState> = { ...UNKNOWN_CONSENT };
  for (const record of history) {
    if (supersedes(record, state[record.category])) {
      state[record.category] = { status: record.status, since: record.occurredAt, source: record.source, recordId: record.recordId };
    }
  }
  return state;
}

export function isConsentCategory(value: string): value is ConsentCategory {
  return (CONSENT_CATEGORIES as readonly string[]).includes(value);
}
