import type { Rating } from './pricing.js';

/**
 * A billing ledger entry: one charge or free event of one outbound message, immutable once written. It holds ids
 * (account, number, message, Meta's message and conversation ids, the pseudonymous contact id), the recipient's
 * market, never the phone number or the content, so erasing a contact leaves it whole and still attributable.
 */

/** Meta's `pricing` object as the status webhook carried it (`pricing_model`, `type`, `category`, `billable`). */
export interface MetaPricing {
  readonly model: string;
  readonly type?: string;
  readonly category: string;
  readonly billable?: boolean;
}

export interface LedgerEntry extends Rating {
  readonly businessAccountId: string;
  readonly phoneNumberId: string;
  /** Relais's message id, or `wamid:<wamid>` for a message Relais did not send (another app on the number). */
  readonly messageKey: string;
  readonly wamid: string;
  readonly contactId?: string;
  readonly conversationId?: string;
  readonly portfolioId: string;
  /** Meta's pricing object, as received: recorded, compared, never the basis of the amount. */
  readonly metaPricing?: MetaPricing;
  /** Whether Relais's rating and Meta's pricing agree; `unknown` when Meta sent none. */
  readonly reconciliation: 'agrees' | 'disagrees' | 'unknown';
  /** What differs, one `field: Meta …, Relais …` each. */
  readonly differences: readonly string[];
  /** Where the category and windows came from: Relais's own message record, or Meta's pricing alone. */
  readonly source: 'relais' | 'meta_pricing';
  /** When Relais wrote it (epoch ms). */
  readonly recordedAt: number;
}

const norm = (value: string | undefined) => value?.trim().toLowerCase().replace(/-/g, '_');

/**
 * Compares Relais's rating with Meta's pricing: model (`CBP`/`PMP`), category, type and `billable`. Meta names the
 * category of a free-entry-point message `referral_conversion` and its type `free_entry_point`, as Relais does; a
 * type Relais uses where Meta's is not known yet (`free_allowance`) is a difference, which is what finance reviews.
 */
export function reconcile(rating: Rating, meta: MetaPricing | undefined): Pick<LedgerEntry, 'reconciliation' | 'differences'> {
  if (meta === undefined) return { reconciliation: 'unknown', differences: [] };
  const differences: string[] = [];
  if (norm(meta.model) !== norm(rating.pricingModel)) differences.push(`pricingModel: Meta ${meta.model}, Relais ${rating.pricingModel}`);
  if (norm(meta.category) !== rating.pricingCategory) differences.push(`category: Meta ${meta.category}, Relais ${rating.pricingCategory}`);
  if (meta.type !== undefined && norm(meta.type) !== rating.pricingType) differences.push(`pricingType: Meta ${meta.type}, Relais ${rating.pricingType}`);
  if (meta.billable !== undefined && meta.billable !== rating.billable) differences.push(`billable: Meta ${String(meta.billable)}, Relais ${String(rating.billable)}`);
  return { reconciliation: differences.length === 0 ? 'agrees' : 'disagrees', differences };
}

/**
 * For a message Relais did not send: what Meta's pricing says of the windows, since nothing else does (a
 * `free_customer_service` type means the window was open, `free_entry_point` a free-entry-point window).
 */
export function windowsFromMetaPricing(meta: MetaPricing | undefined): { insideServiceWindow: boolean; insideFreeEntryPoint: boolean } {
  const type = norm(meta?.type);
  return { insideServiceWindow: type === 'free_customer_service', insideFreeEntryPoint: type === 'free_entry_point' || norm(meta?.category) === 'referral_conversion' };
}
