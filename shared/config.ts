import { z } from 'zod';
import type { SecretSource } from './adapters/secrets.js';
import { CONSENT_CATEGORIES } from './domain/consent/consent.js';
import { DEFAULT_CONTACT_SETTINGS, type ContactSettings } from './usecases/track-contact-activity.js';

/** Environment variable names shared by the handlers, the CDK app and the local stack. */
export const ENV = {
  eventBusName: 'EVENT_BUS_NAME',
  payloadBucketName: 'PAYLOAD_BUCKET_NAME',
  stateTableName: 'STATE_TABLE_NAME',
  /** The billing ledger (charges, rate cards, month counters). */
  ledgerTableName: 'LEDGER_TABLE_NAME',
  appSecretArn: 'WHATSAPP_APP_SECRET_ARN',
  verifyTokenArn: 'WHATSAPP_VERIFY_TOKEN_ARN',
  accessTokenArn: 'WHATSAPP_ACCESS_TOKEN_ARN',
  appSecret: 'WHATSAPP_APP_SECRET',
  verifyToken: 'WHATSAPP_VERIFY_TOKEN',
  accessToken: 'WHATSAPP_ACCESS_TOKEN',
  /** track-contact-activity's keyword lists and confirmation texts (JSON, see `ContactSettingsEnvSchema`). */
  contactSettings: 'CONTACT_SETTINGS',
} as const;

/** The process environment, or the variables a test hands a loader. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A configuration problem found at start-up: the function refuses to run rather than run half-configured. */
export class ConfigError extends Error {
  /** Each problem on its own, as `VARIABLE: problem`, without the loader's name. */
  readonly problems: readonly string[];

  constructor(message: string, problems: readonly string[] = [message]) {
    super(message);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Parses the variables `schema` names out of `env` (and no others), or throws one `ConfigError` listing every
 * problem as `VARIABLE: problem` (`VARIABLE: key: problem` inside a JSON value). Every loader goes through here.
 */
export function parseEnv<T extends z.ZodType>(schema: T, env: Env, what: string): z.infer<T> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const [variable, ...inside] = issue.path.map(String);
      const where = inside.length === 0 ? '' : `${inside.join('.')}: `;
      return `${variable ?? '(env)'}: ${where}${issue.message}`;
    });
    throw new ConfigError(`invalid ${what} configuration: ${problems.join('; ')}`, problems);
  }
  return result.data;
}

/**
 * A secret is read from Secrets Manager when its `*_ARN` variable is set (deployed), else from the plain
 * variable (the local stack sets it, with documented defaults). Neither set is a configuration error.
 */
export function secretSource(env: Env, arnVar: string, valueVar: string, what: string): SecretSource {
  const arn = env[arnVar];
  if (arn !== undefined && arn !== '') return { kind: 'secretsManager', secretId: arn };
  const value = env[valueVar];
  if (value !== undefined && value !== '') return { kind: 'value', value };
  throw new ConfigError(`invalid ${what} configuration: set ${arnVar} (Secrets Manager) or ${valueVar}`, [`set ${arnVar} (Secrets Manager) or ${valueVar}`]);
}

/** A variable that must be set and not empty (a resource name or URL). */
export const requiredVar = z.string({ error: 'is required' }).min(1, 'is required');

/** An optional text variable; unset and empty both mean `fallback`. */
export function textVar(fallback: string): z.ZodType<string, string | undefined> {
  return z
    .string()
    .optional()
    .transform((raw) => (raw === undefined || raw === '' ? fallback : raw));
}

/** An optional whole-number variable from `min` to `max`; unset and empty both mean `fallback`. */
export function integerVar(fallback: number, min: number, max: number): z.ZodType<number, string | undefined> {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return fallback;
      const value = Number(raw);
      if (Number.isInteger(value) && value >= min && value <= max) return value;
      ctx.addIssue({ code: 'custom', message: `must be an integer from ${min} to ${max}, got "${raw}"` });
      return z.NEVER;
    });
}

/**
 * An optional variable holding JSON that `schema` accepts; unset and empty both mean `fallback`. Problems inside
 * the value are reported at their path within it.
 */
export function jsonVar<T extends z.ZodType>(schema: T, fallback: z.infer<T>): z.ZodType<z.infer<T>, string | undefined> {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return fallback;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not JSON' });
        return z.NEVER;
      }
      const parsed = schema.safeParse(value);
      if (parsed.success) return parsed.data as z.infer<T>;
      for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
      return z.NEVER;
    });
}

export interface ReceiveWebhookConfig {
  readonly eventBusName: string;
  readonly payloadBucketName: string;
  /** The current app secret, and during a rotation the previous one (comma-separated plain values locally). */
  readonly appSecret: SecretSource;
}

export function loadReceiveWebhookConfig(env: Env): ReceiveWebhookConfig {
  const parsed = parseEnv(z.object({ [ENV.eventBusName]: requiredVar, [ENV.payloadBucketName]: requiredVar }), env, 'receive-webhook');
  return Object.freeze({
    eventBusName: parsed[ENV.eventBusName] as string,
    payloadBucketName: parsed[ENV.payloadBucketName] as string,
    appSecret: secretSource(env, ENV.appSecretArn, ENV.appSecret, 'receive-webhook'),
  });
}

export interface VerifyWebhookConfig {
  readonly verifyToken: SecretSource;
}

export function loadVerifyWebhookConfig(env: Env): VerifyWebhookConfig {
  return Object.freeze({ verifyToken: secretSource(env, ENV.verifyTokenArn, ENV.verifyToken, 'verify-webhook') });
}

const KeywordConfigSchema = z.strictObject({
  optOut: z.array(z.string().min(1)).min(1),
  optIn: z.array(z.string().min(1)),
  optOutButtonPayloads: z.array(z.string().min(1)),
  categories: z.array(z.enum(CONSENT_CATEGORIES)).min(1),
});

const ContactSettingsSchema = z.strictObject({
  keywords: KeywordConfigSchema.partial().optional(),
  confirmations: z.strictObject({ optOut: z.string(), optIn: z.string() }).partial().optional(),
});

/**
 * `CONTACT_SETTINGS`: JSON `{ "default"?: Settings, "byBusinessAccount"?: { "<wabaId>": Settings } }`, where
 * Settings overrides the keyword lists, the categories keywords apply to, and the confirmation texts.
 */
const ContactSettingsEnvSchema = z.strictObject({
  default: ContactSettingsSchema.optional(),
  byBusinessAccount: z.record(z.string().regex(/^\d+$/, 'must be a WhatsApp Business Account id'), ContactSettingsSchema).optional(),
});

/** The three resources every event-publishing handler names: its table, the bus, the claim-check bucket. */
export interface PublisherResources {
  readonly stateTableName: string;
  readonly eventBusName: string;
  readonly payloadBucketName: string;
}

const PublisherResourcesSchema = z.object({ [ENV.stateTableName]: requiredVar, [ENV.eventBusName]: requiredVar, [ENV.payloadBucketName]: requiredVar });

/** Reads the publisher resources (and `extra`'s variables, parsed in the same pass so every problem is reported at once). */
export function parsePublisherEnv<S extends z.ZodRawShape>(
  env: Env,
  what: string,
  extra: S,
): PublisherResources & { readonly values: z.infer<z.ZodObject<S>> } {
  const parsed = parseEnv(PublisherResourcesSchema.extend(extra), env, what) as Record<string, unknown>;
  return {
    stateTableName: parsed[ENV.stateTableName] as string,
    eventBusName: parsed[ENV.eventBusName] as string,
    payloadBucketName: parsed[ENV.payloadBucketName] as string,
    values: parsed as z.infer<z.ZodObject<S>>,
  };
}

export interface ContactActivityConfig extends PublisherResources {
  readonly settingsFor: (businessAccountId: string) => ContactSettings;
}

export function loadContactActivityConfig(env: Env): ContactActivityConfig {
  const { values, ...resources } = parsePublisherEnv(env, 'track-contact-activity', { [ENV.contactSettings]: jsonVar(ContactSettingsEnvSchema, {}) });
  const settings = values[ENV.contactSettings];
  const merge = (over: z.infer<typeof ContactSettingsSchema> | undefined, base: ContactSettings): ContactSettings => ({
    keywords: { ...base.keywords, ...over?.keywords },
    confirmations: { ...base.confirmations, ...over?.confirmations },
  });
  const fallback = merge(settings.default, DEFAULT_CONTACT_SETTINGS);
  const perBusiness = new Map(Object.entries(settings.byBusinessAccount ?? {}).map(([waba, s]) => [waba, merge(s, fallback)]));
  return Object.freeze({ ...resources, settingsFor: (waba: string) => perBusiness.get(waba) ?? fallback });
}

/** track-message-status: the message records in the state table, and the bus its outcome events go to. */
export function loadMessageStatusConfig(env: Env): PublisherResources {
  const { values: _, ...resources } = parsePublisherEnv(env, 'track-message-status', {});
  return Object.freeze(resources);
}

/** The template registry's webhook consumer (track-template-changes). */
export function loadTemplateActivityConfig(env: Env): PublisherResources {
  const { values: _, ...resources } = parsePublisherEnv(env, 'track-template-changes', {});
  return Object.freeze(resources);
}

export type ContactsApiConfig = PublisherResources;

/** The Contacts API handlers (consent, identity acknowledgement, import, erase). */
export function loadContactsApiConfig(env: Env): ContactsApiConfig {
  const { values: _, ...resources } = parsePublisherEnv(env, 'contacts-api', {});
  return Object.freeze(resources);
}

/** GET contact only reads the state table. */
export function loadContactsReadConfig(env: Env): Pick<ContactsApiConfig, 'stateTableName'> {
  const parsed = parseEnv(z.object({ [ENV.stateTableName]: requiredVar }), env, 'get-contact');
  return Object.freeze({ stateTableName: parsed[ENV.stateTableName] as string });
}
