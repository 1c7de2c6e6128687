import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** Where a secret comes from: Secrets Manager when deployed, a plain value in the local stack. */
export type SecretSource = { readonly kind: 'secretsManager'; readonly secretId: string } | { readonly kind: 'value'; readonly value: string };

export interface SecretProvider {
  get(source: SecretSource): Promise<string>;
}

/**
 * Reads secrets once and caches them for `ttlMs` (default 5 minutes), so a rotated Meta secret is picked up
 * without a redeploy while invocations do not pay a Secrets Manager call each.
 */
export function createSecretProvider({
  client,
  ttlMs = 5 * 60_000,
  now = Date.now,
}: {
  client: () => SecretsManagerClient;
  ttlMs?: number;
  now?: () => number;
}): SecretProvider {
  const cache = new Map<string, { value: string; expiresAt: number }>();
  return {
    async get(source) {
      if (source.kind === 'value') return source.value;
      const hit = cache.get(source.secretId);
      if (hit !== undefined && hit.expiresAt > now()) return hit.value;
      const out = await client().send(new GetSecretValueCommand({ SecretId: source.secretId }));
      const value = out.SecretString;
      if (value === undefined || value === '') throw new Error('secret has no string value');
      cache.set(source.secretId, { value, expiresAt: now() + ttlMs });
      return value;
    },
  };
}
