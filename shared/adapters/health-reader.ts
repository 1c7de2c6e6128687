import type { AccountHealth, NumberHealth } from '../domain/health/records.js';
import type { HealthStore } from '../ports/health-store.js';
import { createTtlCache } from './ttl-cache.js';

/**
 * The health records the sender reads at each send, cached per container for `ttlMs`: with the default 30 s a busy
 * sender reads each account and number about twice a minute instead of once per message. Serving a record that
 * long is safe: a restriction Meta placed meanwhile makes Meta refuse the send (`account_restricted`), and a new
 * throughput level is a pace, not a rule.
 */
export function createCachedHealthReader({
  store,
  ttlMs,
  maxEntries = 1_000,
  now = Date.now,
}: {
  store: Pick<HealthStore, 'getAccount' | 'getNumber'>;
  ttlMs: number;
  maxEntries?: number;
  now?: () => number;
}): { getAccount(businessAccountId: string): Promise<AccountHealth | undefined>; getNumber(phoneNumberId: string): Promise<NumberHealth | undefined> } {
  const accounts = createTtlCache<AccountHealth | undefined>({ ttlMs, maxEntries, now });
  const numbers = createTtlCache<NumberHealth | undefined>({ ttlMs, maxEntries, now });
  return {
    getAccount: (businessAccountId) => accounts.get(businessAccountId, () => store.getAccount(businessAccountId)),
    getNumber: (phoneNumberId) => numbers.get(phoneNumberId, () => store.getNumber(phoneNumberId)),
  };
}
