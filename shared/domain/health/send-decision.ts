import type { AccountHealth, AccountRestriction } from './records.js';

/**
 * Whether an account's restrictions let a message go now (issue 9, item 6).
 *
 * `account_update` `ACCOUNT_RESTRICTION` lists `restriction_info[]{restriction_type, expiration}`, e.g.
 * `RESTRICTED_BIZ_INITIATED_MESSAGING`
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/account_update).
 * By its name it stops the business from starting conversations, so service replies inside an open customer service
 * window go on. UNVERIFIED (Meta's reference names the type without saying what it blocks), and therefore
 * configurable ({@link RestrictionPolicy}): that service replies are unaffected; whether a template sent inside an
 * open window counts as business-initiated (deferred by default: the safe side, since Meta would refuse it and count
 * it against the account); what `RESTRICTED_CUSTOMER_INITIATED_MESSAGING` (a type client libraries know) and
 * restriction types Meta adds later affect.
 */

/** What kind of message is being sent, as the restriction rules see it. */
export type SendKind =
  /** A template with no customer service window open: business-initiated. */
  | 'template_outside_window'
  /** A template while the user's window is open. */
  | 'template_in_window'
  /** A non-template (service) message, only possible inside an open window. */
  | 'service';

/** Which kinds of message each restriction type holds back. */
export interface RestrictionPolicy {
  readonly affects: Readonly<Record<string, readonly SendKind[]>>;
  /** @default ['template_outside_window', 'template_in_window'] */
  readonly unknownTypeAffects: readonly SendKind[];
}

/** The default {@link RestrictionPolicy}; see the module note for what is unverified. */
export const DEFAULT_RESTRICTION_POLICY: RestrictionPolicy = Object.freeze({
  affects: Object.freeze({
    RESTRICTED_BIZ_INITIATED_MESSAGING: Object.freeze(['template_outside_window', 'template_in_window'] as const),
    RESTRICTED_CUSTOMER_INITIATED_MESSAGING: Object.freeze(['service', 'template_in_window'] as const),
    RESTRICTED_ADD_PHONE_NUMBER_ACTION: Object.freeze([] as const),
  }),
  unknownTypeAffects: Object.freeze(['template_outside_window', 'template_in_window'] as const),
});

/** The answer for one send. */
export type HealthSendDecision =
  | { readonly decision: 'allowed' }
  | {
      readonly decision: 'deferred';
      readonly reason: 'account_restricted';
      /** The restriction holding it back (the one lasting longest when several apply). */
      readonly restrictionType: string;
      /** When to try again (ISO 8601): the last expiration among the restrictions that apply; absent when one has none. */
      readonly until?: string;
      /** A sentence for people, naming the restriction and until when. */
      readonly message: string;
    };

/**
 * Decides whether a message of `kind` may go at `now` (ISO 8601) for the account whose health is `account`
 * (`undefined`: nothing known, allowed). A restriction applies when the policy says it affects `kind` and it has
 * not expired by `now`. Pure.
 */
export function decideSend(
  account: AccountHealth | undefined,
  kind: SendKind,
  now: string,
  policy: RestrictionPolicy = DEFAULT_RESTRICTION_POLICY,
): HealthSendDecision {
  const nowMs = Date.parse(now);
  if (!Number.isFinite(nowMs)) throw new RangeError(`decideSend: now is not a time: ${now}`);
  const applying = (account?.restrictions ?? []).filter(
    (r) => (policy.affects[r.type] ?? policy.unknownTypeAffects).includes(kind) && (r.expiresAt === undefined || Date.parse(r.expiresAt) > nowMs),
  );
  if (applying.length === 0) return { decision: 'allowed' };
  const longest = applying.reduce((a, b) => (lastsLonger(b, a) ? b : a));
  const until = longest.expiresAt;
  return {
    decision: 'deferred',
    reason: 'account_restricted',
    restrictionType: longest.type,
    ...(until === undefined ? {} : { until }),
    message:
      until === undefined
        ? `Meta restricted this WhatsApp Business Account (${longest.type}) with no end date: held until Meta lifts the restriction.`
        : `Meta restricted this WhatsApp Business Account (${longest.type}) until ${until}: held until then.`,
  };
}

function lastsLonger(a: AccountRestriction, b: AccountRestriction): boolean {
  if (a.expiresAt === undefined) return b.expiresAt !== undefined;
  return b.expiresAt !== undefined && Date.parse(a.expiresAt) > Date.parse(b.expiresAt);
}
