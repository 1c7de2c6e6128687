import type {
  AccountHealth,
  AccountHealthFact,
  HealthApplyResult,
  NumberHealth,
  NumberHealthFact,
} from '../domain/health/records.js';
import type { AccountHealthEvent, NumberHealthEvent } from '../contracts/events/health.js';

/**
 * Storage of number and account health (issue 9, item 6). The DynamoDB implementation is
 * `shared/adapters/health-store.ts`; the rules are `shared/domain/health/apply-health-fact.ts`.
 */
export interface HealthStore {
  /** The number's health record, or `undefined` when Relais knows nothing of it. */
  getNumber(phoneNumberId: string): Promise<NumberHealth | undefined>;
  /** The account's health record, or `undefined`. */
  getAccount(businessAccountId: string): Promise<AccountHealth | undefined>;
  /**
   * Applies a fact (`applyNumberHealthFact`) and writes the record conditional on the version read, re-reading and
   * re-applying when another writer got there first. An unchanged result writes nothing. The result's `events` are
   * for the caller to publish.
   */
  applyNumberFact(fact: NumberHealthFact, recordedAt: string): Promise<HealthApplyResult<NumberHealth, NumberHealthEvent>>;
  /** As {@link HealthStore.applyNumberFact}, for an account (`applyAccountHealthFact`). */
  applyAccountFact(fact: AccountHealthFact, recordedAt: string): Promise<HealthApplyResult<AccountHealth, AccountHealthEvent>>;
}
