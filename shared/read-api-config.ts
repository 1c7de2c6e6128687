import { z } from 'zod';

import { ENV, parseEnv, requiredVar, type Env } from './config.js';
import { loadMessagingLimitSettings, type MessagingLimitSettings } from './sending-config.js';

/** The operator read API's message and number-health routes only read the state table. */
export function loadStateReadConfig(env: Env): { readonly stateTableName: string } {
  const parsed = parseEnv(z.object({ [ENV.stateTableName]: requiredVar }), env, 'read-api');
  return Object.freeze({ stateTableName: parsed[ENV.stateTableName] as string });
}

/** The messaging-limit route: the state table and the messaging-limit settings (configured tier, portfolios). */
export function loadMessagingLimitReadConfig(env: Env): { readonly stateTableName: string } & MessagingLimitSettings {
  return Object.freeze({ ...loadStateReadConfig(env), ...loadMessagingLimitSettings(env, 'get-messaging-limit') });
}

/** The billing report route: the ledger table only. */
export function loadLedgerReadConfig(env: Env): { readonly ledgerTableName: string } {
  const parsed = parseEnv(z.object({ [ENV.ledgerTableName]: requiredVar }), env, 'get-billing-report');
  return Object.freeze({ ledgerTableName: parsed[ENV.ledgerTableName] as string });
}
