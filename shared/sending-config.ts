import { z } from 'zod';
import { ENV, integerVar, parseEnv, jsonVar, parsePublisherEnv, requiredVar, secretSource, textVar, type Env } from './config.js';
import type { SecretSource } from './adapters/secrets.js';
import { DEFAULT_POLICY_SETTINGS, type PolicySettings } from './domain/sending/policy.js';
import { DEFAULT_TEMPLATE_CACHE_TTL_MS } from './adapters/template-registry.js';
import { MESSAGE_CATEGORIES } from './contracts/events/outbound/vocabulary.js';
import { DEFAULT_PAIR_RATE, MAX_PAIR_BURST } from './domain/sending/pacing.js';
import { parseMessagingLimitTier, type MessagingLimitTier } from './domain/sending/messaging-limit.js';
import { DEFAULT_MAX_RESTRICTION_HOLD_MS } from './domain/sending/send-standing.js';
import { DEFAULT_BULK_SHARE_PERCENT, DEFAULT_RATE_PER_SECOND, MAX_RATE_PER_SECOND, MIN_RATE_PER_SECOND } from './domain/sending/rate-slots.js';

/** The Graph API version Relais calls unless told otherwise (CDK context `graphApiVersion`). */
export const DEFAULT_GRAPH_API_VERSION = 'v25.0';
/** `v<major>.<minor>`, as Graph API versions are written. */
export const GRAPH_API_VERSION_PATTERN = /^v\d+\.\d+$/;
/** How long the sender waits for Meta's answer to one send call (`GRAPH_API_TIMEOUT_MS`). */
export const DEFAULT_GRAPH_TIMEOUT_MS = 10_000;

/**
 * `THROUGHPUT_BY_NUMBER`: messages per second of particular business numbers, `{ "<phoneNumberId>": 1000 }`;
 * every other number gets `THROUGHPUT_PER_SECOND`. Set by the CDK context `throughputByNumber` and the local
 * stack's `throughputByNumber` option.
 */
export const ThroughputByNumberSchema = z.record(
  z.string().regex(/^\d{1,32}$/, { error: 'keys must be phone number ids (digits)' }),
  z.number().int().min(MIN_RATE_PER_SECOND).max(MAX_RATE_PER_SECOND),
);
export type ThroughputByNumber = z.infer<typeof ThroughputByNumberSchema>;

/** Environment variables of the send pipeline (set by the CDK app and the local stack alike). */
export const SEND_ENV = {
  priorityQueueUrl: 'OUTBOUND_PRIORITY_QUEUE_URL',
  bulkQueueUrl: 'OUTBOUND_BULK_QUEUE_URL',
  priorityDlqUrl: 'OUTBOUND_PRIORITY_DLQ_URL',
  bulkDlqUrl: 'OUTBOUND_BULK_DLQ_URL',
  /** request-send's own queue, to defer a request by changing its visibility. */
  sendRequestsQueueUrl: 'SEND_REQUESTS_QUEUE_URL',
  /** How long request-send and post-message reuse a template read from the registry, in ms (0: every time). */
  templateCacheTtlMs: 'TEMPLATE_CACHE_TTL_MS',
  policy: 'SEND_POLICY',
  businessAccounts: 'BUSINESS_ACCOUNTS',
  graphBaseUrl: 'GRAPH_API_BASE_URL',
  graphVersion: 'GRAPH_API_VERSION',
  graphTimeoutMs: 'GRAPH_API_TIMEOUT_MS',
  ratePerSecond: 'THROUGHPUT_PER_SECOND',
  numberRates: 'THROUGHPUT_BY_NUMBER',
  bulkSharePercent: 'BULK_SHARE_PERCENT',
  pairIntervalMs: 'PAIR_INTERVAL_MS',
  pairBurst: 'PAIR_BURST',
  maxAttempts: 'SEND_MAX_ATTEMPTS',
  /** The messaging-limit tier enforced until Meta states one for an account (`TIER_250` … `TIER_UNLIMITED`). */
  messagingLimitTier: 'MESSAGING_LIMIT_TIER',
  /** `{ "<wabaId>": "<portfolioId>" }`: accounts sharing one business portfolio share its messaging limit. */
  messagingLimitPortfolios: 'MESSAGING_LIMIT_PORTFOLIOS',
  /** How long a message held by an account restriction may wait before it fails, in ms. */
  maxRestrictionHoldMs: 'MAX_RESTRICTION_HOLD_MS',
  /** How long the sender reuses a number's or account's health record, in ms. */
  healthCacheTtlMs: 'HEALTH_CACHE_TTL_MS',
} as const;

/**
 * The tier enforced before Meta states one: Meta starts a business at 250 unique users a day, so an account Relais
 * has heard nothing about is held to that until its `business_capability_update` arrives or the setting says more.
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/messaging-limits
 */
export const DEFAULT_MESSAGING_LIMIT_TIER = 'TIER_250';
/** Longest `maxRestrictionHoldMs`: 40 looks 30 min apart stay under the outbound queues' 50 receives (send-standing.ts). */
export const MAX_RESTRICTION_HOLD_LIMIT_MS = 20 * 60 * 60_000;
/** How long the sender reuses a health record: a restriction or a new throughput level arrives by webhook. @default 30000 */
export const DEFAULT_HEALTH_CACHE_TTL_MS = 30_000;

/** `MESSAGING_LIMIT_TIER`: a tier `parseMessagingLimitTier` reads. */
export const MessagingLimitTierSettingSchema = z.string().transform((value, ctx) => {
  const parsed = parseMessagingLimitTier(value);
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: parsed.problem });
    return z.NEVER;
  }
  return parsed.tier;
});

/** `MESSAGING_LIMIT_PORTFOLIOS`: `{ "<wabaId>": "<portfolioId>" }`, ids as digits. */
export const MessagingLimitPortfoliosSchema = z.record(
  z.string().regex(/^\d{1,32}$/, { error: 'keys must be WhatsApp Business Account ids (digits)' }),
  z.string().regex(/^\d{1,32}$/, { error: 'values must be business portfolio ids (digits)' }),
);

/** The messaging-limit and health settings of the sender and of the read API. */
export interface MessagingLimitSettings {
  readonly messagingLimitTier: MessagingLimitTier;
  readonly messagingLimitPortfolios: Readonly<Record<string, string>>;
  readonly maxRestrictionHoldMs: number;
  readonly healthCacheTtlMs: number;
}

const MESSAGING_LIMIT_VARS = {
  [SEND_ENV.messagingLimitTier]: textVar(DEFAULT_MESSAGING_LIMIT_TIER).pipe(MessagingLimitTierSettingSchema),
  [SEND_ENV.messagingLimitPortfolios]: jsonVar(MessagingLimitPortfoliosSchema, {}),
  [SEND_ENV.maxRestrictionHoldMs]: integerVar(DEFAULT_MAX_RESTRICTION_HOLD_MS, 60_000, MAX_RESTRICTION_HOLD_LIMIT_MS),
  [SEND_ENV.healthCacheTtlMs]: integerVar(DEFAULT_HEALTH_CACHE_TTL_MS, 0, 300_000),
};

function messagingLimitSettings(values: { [K in keyof typeof MESSAGING_LIMIT_VARS]: z.output<(typeof MESSAGING_LIMIT_VARS)[K]> }): MessagingLimitSettings {
  return {
    messagingLimitTier: values[SEND_ENV.messagingLimitTier],
    messagingLimitPortfolios: values[SEND_ENV.messagingLimitPortfolios],
    maxRestrictionHoldMs: values[SEND_ENV.maxRestrictionHoldMs],
    healthCacheTtlMs: values[SEND_ENV.healthCacheTtlMs],
  };
}

/** The messaging-limit settings alone (the operator read API's messaging-limit route). */
export function loadMessagingLimitSettings(env: Env, what: string): MessagingLimitSettings {
  return messagingLimitSettings(parseEnv(z.object(MESSAGING_LIMIT_VARS), env, what));
}

const PolicyOverridesSchema = z.strictObject({
  marketingCap: z.strictObject({ max: z.number().int().min(0), perMs: z.number().int().positive(), exemptInsideWindow: z.boolean().optional() }).optional(),
  requireOptIn: z.array(z.enum(MESSAGE_CATEGORIES)).optional(),
  noMarketingCountryCallingCodes: z.array(z.string().regex(/^\d{1,3}$/)).optional(),
});

/** `BUSINESS_ACCOUNTS`: `{ "<phoneNumberId>": "<wabaId>" }`, for numbers whose account Relais has not seen yet. */
const BusinessAccountsSchema = z.record(z.string().regex(/^\d+$/), z.string().regex(/^\d+$/));

export interface RequestSendConfig {
  readonly stateTableName: string;
  readonly eventBusName: string;
  readonly payloadBucketName: string;
  readonly priorityQueueUrl: string;
  readonly bulkQueueUrl: string;
  /** `TEMPLATE_CACHE_TTL_MS`: see `DEFAULT_TEMPLATE_CACHE_TTL_MS` for why serving a template that long is safe. @default 30000 */
  readonly templateCacheTtlMs: number;
  readonly policy: PolicySettings;
  readonly businessAccounts: Readonly<Record<string, string>>;
}

export function loadRequestSendConfig(env: Env): RequestSendConfig {
  const { values, ...resources } = parsePublisherEnv(env, 'request-send', {
    [SEND_ENV.priorityQueueUrl]: requiredVar,
    [SEND_ENV.bulkQueueUrl]: requiredVar,
    [SEND_ENV.templateCacheTtlMs]: integerVar(DEFAULT_TEMPLATE_CACHE_TTL_MS, 0, 3_600_000),
    [SEND_ENV.policy]: jsonVar(PolicyOverridesSchema, {}),
    [SEND_ENV.businessAccounts]: jsonVar(BusinessAccountsSchema, {}),
  });
  return Object.freeze({
    ...resources,
    priorityQueueUrl: values[SEND_ENV.priorityQueueUrl],
    bulkQueueUrl: values[SEND_ENV.bulkQueueUrl],
    templateCacheTtlMs: values[SEND_ENV.templateCacheTtlMs],
    policy: { ...DEFAULT_POLICY_SETTINGS, ...values[SEND_ENV.policy] },
    businessAccounts: values[SEND_ENV.businessAccounts],
  });
}

export interface SenderConfig extends MessagingLimitSettings {
  readonly stateTableName: string;
  readonly eventBusName: string;
  readonly payloadBucketName: string;
  readonly queues: ReadonlyArray<{ readonly queueUrl: string; readonly dlqUrl: string }>;
  readonly graphBaseUrl: string;
  readonly graphVersion: string;
  readonly graphTimeoutMs: number;
  readonly accessToken: SecretSource;
  /** The number's `THROUGHPUT_BY_NUMBER` entry, else `THROUGHPUT_PER_SECOND` (default 80). */
  readonly ratePerSecond: (phoneNumberId: string) => number;
  /** `BULK_SHARE_PERCENT`: share of each number's slots the bulk lane may take. @default 80 */
  readonly bulkSharePercent: number;
  readonly pairIntervalMs: number;
  readonly pairBurst: number;
  readonly maxAttempts: number;
  /** `SEND_POLICY`, the gate's policy: the sender reads its `requireOptIn` when a template changed category while queued. */
  readonly policy: PolicySettings;
}

/** `GRAPH_API_VERSION`, defaulting to `DEFAULT_GRAPH_API_VERSION`. */
const graphVersionVar = textVar(DEFAULT_GRAPH_API_VERSION).refine((version) => GRAPH_API_VERSION_PATTERN.test(version), {
  error: (issue) => `must look like ${DEFAULT_GRAPH_API_VERSION}, got "${String(issue.input)}"`,
});

export function loadSenderConfig(env: Env): SenderConfig {
  const what = 'send-message';
  const { values, ...resources } = parsePublisherEnv(env, what, {
    [SEND_ENV.priorityQueueUrl]: requiredVar,
    [SEND_ENV.bulkQueueUrl]: requiredVar,
    [SEND_ENV.priorityDlqUrl]: requiredVar,
    [SEND_ENV.bulkDlqUrl]: requiredVar,
    [SEND_ENV.graphBaseUrl]: textVar('https://graph.facebook.com'),
    [SEND_ENV.graphVersion]: graphVersionVar,
    [SEND_ENV.graphTimeoutMs]: integerVar(DEFAULT_GRAPH_TIMEOUT_MS, 100, 60_000),
    [SEND_ENV.ratePerSecond]: integerVar(DEFAULT_RATE_PER_SECOND, MIN_RATE_PER_SECOND, MAX_RATE_PER_SECOND),
    [SEND_ENV.numberRates]: jsonVar(ThroughputByNumberSchema, {}),
    [SEND_ENV.bulkSharePercent]: integerVar(DEFAULT_BULK_SHARE_PERCENT, 1, 100),
    [SEND_ENV.pairIntervalMs]: integerVar(DEFAULT_PAIR_RATE.intervalMs, 1, 60_000),
    [SEND_ENV.pairBurst]: integerVar(DEFAULT_PAIR_RATE.burst, 1, MAX_PAIR_BURST),
    [SEND_ENV.maxAttempts]: integerVar(8, 1, 50),
    [SEND_ENV.policy]: jsonVar(PolicyOverridesSchema, {}),
    ...MESSAGING_LIMIT_VARS,
  });
  const defaultRate = values[SEND_ENV.ratePerSecond];
  const rates = values[SEND_ENV.numberRates];
  return Object.freeze({
    ...resources,
    queues: [
      { queueUrl: values[SEND_ENV.priorityQueueUrl], dlqUrl: values[SEND_ENV.priorityDlqUrl] },
      { queueUrl: values[SEND_ENV.bulkQueueUrl], dlqUrl: values[SEND_ENV.bulkDlqUrl] },
    ],
    graphBaseUrl: values[SEND_ENV.graphBaseUrl],
    graphVersion: values[SEND_ENV.graphVersion],
    graphTimeoutMs: values[SEND_ENV.graphTimeoutMs],
    accessToken: secretSource(env, ENV.accessTokenArn, ENV.accessToken, what),
    ratePerSecond: (phoneNumberId: string) => (Object.hasOwn(rates, phoneNumberId) ? rates[phoneNumberId]! : defaultRate),
    bulkSharePercent: values[SEND_ENV.bulkSharePercent],
    pairIntervalMs: values[SEND_ENV.pairIntervalMs],
    pairBurst: values[SEND_ENV.pairBurst],
    maxAttempts: values[SEND_ENV.maxAttempts],
    policy: { ...DEFAULT_POLICY_SETTINGS, ...values[SEND_ENV.policy] },
    ...messagingLimitSettings(values),
  });
}
