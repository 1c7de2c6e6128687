import { z } from 'zod';

import { ENV, jsonVar, parseEnv, requiredVar, type Env } from './config.js';
import { timeZoneProblem } from './domain/billing/calendar.js';
import { parseDecimalMicros } from './domain/billing/money.js';
import { MessagingLimitPortfoliosSchema, SEND_ENV } from './sending-config.js';

/**
 * The billing settings of a deployment (`BILLING_SETTINGS`, from the CDK context key `billing`): each WhatsApp
 * Business Account's billing currency and timezone (Meta rates in the account's currency and accrues by its
 * timezone), Relais's platform fee, the monthly budget that raises `BudgetThresholdReached`, and the free service
 * allowance from 2026-10-01 (unverified at Meta, so 0 by default). Portfolios, for volume tiers, are the messaging
 * limit's (`MESSAGING_LIMIT_PORTFOLIOS`): Meta aggregates both per business portfolio.
 */

export const BILLING_ENV = {
  settings: 'BILLING_SETTINGS',
  /** The bucket the ledger's monthly export goes to (export-ledger). */
  exportBucket: 'LEDGER_EXPORT_BUCKET',
} as const;

const amount = (what: string) =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    const parsed = parseDecimalMicros(String(value));
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: `${what} ${parsed.problem}` });
      return z.NEVER;
    }
    return parsed.micros;
  });

const AccountBillingSchema = z.strictObject({
  /** ISO 4217, as on the account's invoice. */
  currency: z.string().regex(/^[A-Z]{3}$/, { error: 'must be an ISO 4217 code in capitals, such as EUR' }).optional(),
  /** IANA timezone of the account (WhatsApp Manager shows it). */
  timeZone: z
    .string()
    .refine((zone) => timeZoneProblem(zone) === undefined, { error: (issue) => timeZoneProblem(String(issue.input)) ?? 'is not a timezone' })
    .optional(),
  /** Relais's fee per delivered outbound message, in units of the currency (`0.001`). */
  platformFee: amount('platformFee').optional(),
  /** Meta's charges a month beyond which BudgetThresholdReached is published (80 % and 100 %), in units of the currency. */
  monthlyBudget: amount('monthlyBudget').optional(),
  /** Service messages free per business number and month from 2026-10-01 (UNVERIFIED at Meta). */
  serviceAllowancePerNumber: z.number().int().min(0).max(1_000_000).optional(),
});

export const BillingSettingsSchema = z.strictObject({
  default: AccountBillingSchema.optional(),
  accounts: z
    .record(z.string(), AccountBillingSchema)
    .superRefine((accounts, ctx) => {
      for (const key of Object.keys(accounts)) {
        if (!/^\d{1,32}$/.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: `keys must be WhatsApp Business Account ids (digits), got ${JSON.stringify(key.slice(0, 40))}` });
      }
    })
    .optional(),
});
export type BillingSettingsInput = z.input<typeof BillingSettingsSchema>;

/** One account's billing, every field resolved (account, then default, then Relais's defaults). */
export interface AccountBilling {
  readonly currency: string;
  readonly timeZone: string;
  readonly platformFeeMicros: number;
  readonly monthlyBudgetMicros?: number;
  readonly serviceAllowancePerNumber: number;
  /** The business portfolio volume tiers count in (the account itself when none is configured). */
  readonly portfolioId: string;
}

export const DEFAULT_BILLING = Object.freeze({ currency: 'USD', timeZone: 'UTC' });

export interface BillingConfig {
  readonly stateTableName: string;
  readonly eventBusName: string;
  readonly payloadBucketName: string;
  readonly ledgerTableName: string;
  readonly billingFor: (businessAccountId: string) => AccountBilling;
}

/** `billingFor` over parsed settings: the account's own values over the default's over Relais's. */
export function billingResolver(settings: z.output<typeof BillingSettingsSchema>, portfolios: Readonly<Record<string, string>>): (businessAccountId: string) => AccountBilling {
  return (businessAccountId) => {
    const own = settings.accounts?.[businessAccountId] ?? {};
    const base = settings.default ?? {};
    const monthlyBudgetMicros = own.monthlyBudget ?? base.monthlyBudget;
    return {
      currency: own.currency ?? base.currency ?? DEFAULT_BILLING.currency,
      timeZone: own.timeZone ?? base.timeZone ?? DEFAULT_BILLING.timeZone,
      platformFeeMicros: own.platformFee ?? base.platformFee ?? 0,
      ...(monthlyBudgetMicros === undefined ? {} : { monthlyBudgetMicros }),
      serviceAllowancePerNumber: own.serviceAllowancePerNumber ?? base.serviceAllowancePerNumber ?? 0,
      portfolioId: portfolios[businessAccountId] ?? businessAccountId,
    };
  };
}

const BillingEnvSchema = z.object({
  [ENV.stateTableName]: requiredVar,
  [ENV.payloadBucketName]: requiredVar,
  [ENV.eventBusName]: requiredVar,
  [ENV.ledgerTableName]: requiredVar,
  [BILLING_ENV.settings]: jsonVar(BillingSettingsSchema, {}),
  [SEND_ENV.messagingLimitPortfolios]: jsonVar(MessagingLimitPortfoliosSchema, {}),
});

/** record-charges: the state table (messages, windows), claim-checked events, the bus (budget alerts), the ledger and the billing settings. */
export function loadBillingConfig(env: Env): BillingConfig {
  const values = parseEnv(BillingEnvSchema, env, 'record-charges');
  return Object.freeze({
    stateTableName: values[ENV.stateTableName],
    payloadBucketName: values[ENV.payloadBucketName],
    eventBusName: values[ENV.eventBusName],
    ledgerTableName: values[ENV.ledgerTableName],
    billingFor: billingResolver(values[BILLING_ENV.settings], values[SEND_ENV.messagingLimitPortfolios]),
  });
}

/** export-ledger: the ledger table it reads and the bucket it writes. */
export function loadLedgerExportConfig(env: Env): { readonly ledgerTableName: string; readonly exportBucket: string } {
  const values = parseEnv(z.object({ [ENV.ledgerTableName]: requiredVar, [BILLING_ENV.exportBucket]: requiredVar }), env, 'export-ledger');
  return Object.freeze({ ledgerTableName: values[ENV.ledgerTableName], exportBucket: values[BILLING_ENV.exportBucket] });
}
