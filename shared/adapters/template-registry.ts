import { toTemplateInfo } from '../domain/templates/to-template-info.js';
import { normaliseTemplateLanguage, type TemplateInfo, type TemplateRegistry } from '../domain/templates/template-registry.js';
import type { TemplateStore } from '../ports/template-store.js';
import { createTtlCache } from './ttl-cache.js';

/**
 * How long a Lambda container reuses what it read of a template. @default 30000 (30 s)
 *
 * Serving a template up to this long after Meta changed it is safe:
 * - a template paused or disabled meanwhile is refused by Meta (132015 / 132016) without charge, and the sender
 *   reads the registry again before each send, so a message accepted on a stale view is not sent as if nothing changed;
 * - a template approved or unpaused meanwhile is refused here for at most this long, and the caller's retry goes;
 * - a re-categorisation is announced about 24 h ahead (`template_category_update`, impending), far longer than this.
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-pausing
 */
export const DEFAULT_TEMPLATE_CACHE_TTL_MS = 30_000;

/** Entries a container keeps before the oldest are dropped. @default 1000 */
export const DEFAULT_TEMPLATE_CACHE_ENTRIES = 1_000;

export interface StoreTemplateRegistryOptions {
  readonly store: Pick<TemplateStore, 'get'>;
  /** @default DEFAULT_TEMPLATE_CACHE_TTL_MS; 0 reads the store every time. */
  readonly ttlMs?: number;
  /** @default DEFAULT_TEMPLATE_CACHE_ENTRIES */
  readonly maxEntries?: number;
  /** Epoch ms. @default Date.now */
  readonly now?: () => number;
}

/**
 * The `TemplateRegistry` the send path reads: the template store (kept by the sync and Meta's webhooks) seen
 * through `toTemplateInfo`, with a small cache per Lambda container. One `GetItem` per template, name and
 * language at most every `ttlMs` per container; a template not known is cached as such for as long (a template
 * created meanwhile is found once it expires).
 *
 * A lookup without a business account finds nothing: the store is per account, and the send path learns the
 * account from the request or from the number's webhooks before it asks.
 */
export function createStoreTemplateRegistry(options: StoreTemplateRegistryOptions): TemplateRegistry & { clear(): void } {
  const ttlMs = options.ttlMs ?? DEFAULT_TEMPLATE_CACHE_TTL_MS;
  const maxEntries = options.maxEntries ?? DEFAULT_TEMPLATE_CACHE_ENTRIES;
  const now = options.now ?? Date.now;
  const cache = createTtlCache<TemplateInfo | undefined>({ ttlMs, maxEntries, now });

  return {
    find(businessAccountId, name, language) {
      if (businessAccountId === undefined) return Promise.resolve(undefined);
      const key = `${businessAccountId}\u0000${name}\u0000${normaliseTemplateLanguage(language)}`;
      return cache.get(key, () => options.store.get(businessAccountId, name, language).then((record) => (record === undefined ? undefined : toTemplateInfo(record))));
    },
    clear: () => cache.clear(),
  };
}
