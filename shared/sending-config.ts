import { z } from 'zod';
import { ConfigError, ENV } from './config.js';
import type { SecretSource } from './adapters/secrets.js';
import { DEFAULT_POLICY_SETTINGS, type PolicySettings } from './domain/sending/policy.js';
import { parseTemplateRegistryConfig } from './domain/templates/template-registry.js';
import type { TemplateInfo } from './domain/templates/template-registry.js';
import { MESSAGE_CATEGORIES } from './contracts/events/outbound.js';
import { DEFAULT_PAIR_RATE, MAX_PAIR_BURST } from './domain/sending/pacing.js';
import { DEFAULT_BULK_SHARE_PERCENT, DEFAULT_RATE_PER_SECOND, MAX_RATE_PER_SECOND, MIN_RATE_PER_SECOND } from './domain/sending/rate-slots.js';

/** The Graph API version Relais calls unless told otherwise (CDK context `graphApiVersion`). */
export const DEFAULT_GRAPH_API_VERSION = 'v25.0';
/** `v<major>.<minor>`, as Graph API versions are written. */
export const GRAPH_API_VERSION_PATTERN = /^v\d+\.\d+$/;

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

type Env = Readonly<Record<string, string | undefined>>;

/** Environment variables of the send pipeline (set by the CDK app and the local stack alike). */
export const SEND_ENV = {
  priorityQueueUrl: 'OUTBOUND_PRIORITY_QUEUE_URL',
  bulkQueueUrl: 'OUTBOUND_BULK_QUEUE_URL',
  priorityDlqUrl: 'OUTBOUND_PRIORITY_DLQ_URL',
  bulkDlqUrl: 'OUTBOUND_BULK_DLQ_URL',
  /** request-send's own queue, to defer a request by changing its visibility. */
  sendRequestsQueueUrl: 'SEND_REQUESTS_QUEUE_URL',
  templates: 'TEMPLATES',
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
} as const;

function required(env: Env, name: string, what: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new ConfigError(`invalid ${what} configuration: ${name} is required`);
  return value;
}

function json<T extends z.ZodType>(env: Env, name: string, schema: T, fallback: z.infer<T>): z.infer<T> {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigError(`${name} is not JSON`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ConfigError(`${name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return value;
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
  readonly templates: readonly TemplateInfo[];
  readonly policy: PolicySettings;
  readonly businessAccounts: Readonly<Record<string, string>>;
}

export function loadRequestSendConfig(env: Env): RequestSendConfig {
  const what = 'request-send';
  const overrides = json(env, SEND_ENV.policy, PolicyOverridesSchema, {});
  const templatesRaw = env[SEND_ENV.templates];
  return Object.freeze({
    stateTableName: required(env, ENV.stateTableName, what),
    eventBusName: required(env, ENV.eventBusName, what),
    payloadBucketName: required(env, ENV.payloadBucketName, what),
    priorityQueueUrl: required(env, SEND_ENV.priorityQueueUrl, what),
    bulkQueueUrl: required(env, SEND_ENV.bulkQueueUrl, what),
    templates: templatesRaw === undefined || templatesRaw === '' ? [] : parseTemplateRegistryConfig(templatesRaw),
    policy: { ...DEFAULT_POLICY_SETTINGS, ...overrides },
    businessAccounts: json(env, SEND_ENV.businessAccounts, BusinessAccountsSchema, {}),
  });
}

export interface SenderConfig {
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
}

export function loadSenderConfig(env: Env): SenderConfig {
  const what = 'send-message';
  const defaultRate = integer(env, SEND_ENV.ratePerSecond, DEFAULT_RATE_PER_SECOND, MIN_RATE_PER_SECOND, MAX_RATE_PER_SECOND);
  const rates = json(env, SEND_ENV.numberRates, ThroughputByNumberSchema, {});
  const arn = env[ENV.accessTokenArn];
  const plain = env[ENV.accessToken];
  if ((arn === undefined || arn === '') && (plain === undefined || plain === '')) {
    throw new ConfigError(`invalid ${what} configuration: set ${ENV.accessTokenArn} (Secrets Manager) or ${ENV.accessToken}`);
  }
  const version = env[SEND_ENV.graphVersion] ?? DEFAULT_GRAPH_API_VERSION;
  if (!GRAPH_API_VERSION_PATTERN.test(version)) throw new ConfigError(`${SEND_ENV.graphVersion} must look like ${DEFAULT_GRAPH_API_VERSION}, got "${version}"`);
  const accessToken: SecretSource = arn !== undefined && arn !== '' ? { kind: 'secretsManager', secretId: arn } : { kind: 'value', value: plain! };
  return Object.freeze({
    stateTableName: required(env, ENV.stateTableName, what),
    eventBusName: required(env, ENV.eventBusName, what),
    payloadBucketName: required(env, ENV.payloadBucketName, what),
    queues: [
      { queueUrl: required(env, SEND_ENV.priorityQueueUrl, what), dlqUrl: required(env, SEND_ENV.priorityDlqUrl, what) },
      { queueUrl: required(env, SEND_ENV.bulkQueueUrl, what), dlqUrl: required(env, SEND_ENV.bulkDlqUrl, what) },
    ],
    graphBaseUrl: env[SEND_ENV.graphBaseUrl] ?? 'https://graph.facebook.com',
    graphVersion: version,
    graphTimeoutMs: integer(env, SEND_ENV.graphTimeoutMs, 10_000, 100, 60_000),
    accessToken,
    ratePerSecond: (phoneNumberId: string) => (Object.hasOwn(rates, phoneNumberId) ? rates[phoneNumberId]! : defaultRate),
    bulkSharePercent: integer(env, SEND_ENV.bulkSharePercent, DEFAULT_BULK_SHARE_PERCENT, 1, 100),
    pairIntervalMs: integer(env, SEND_ENV.pairIntervalMs, DEFAULT_PAIR_RATE.intervalMs, 1, 60_000),
    pairBurst: integer(env, SEND_ENV.pairBurst, DEFAULT_PAIR_RATE.burst, 1, MAX_PAIR_BURST),
    maxAttempts: integer(env, SEND_ENV.maxAttempts, 8, 1, 50),
  });
}
