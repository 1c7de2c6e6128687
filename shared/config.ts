import { z } from 'zod';
import type { SecretSource } from './adapters/secrets.js';
import { CONSENT_CATEGORIES } from './domain/consent/consent.js';
import { DEFAULT_CONTACT_SETTINGS, type ContactSettings } from './usecases/track-contact-activity.js';

/** Environment variable names shared by the handlers, the CDK app and the local stack. */
export const ENV = {
  eventBusName: 'EVENT_BUS_NAME',
  payloadBucketName: 'PAYLOAD_BUCKET_NAME',
  stateTableName: 'STATE_TABLE_NAME',
  appSecretArn: 'WHATSAPP_APP_SECRET_ARN',
  verifyTokenArn: 'WHATSAPP_VERIFY_TOKEN_ARN',
  accessTokenArn: 'WHATSAPP_ACCESS_TOKEN_ARN',
  appSecret: 'WHATSAPP_APP_SECRET',
  verifyToken: 'WHATSAPP_VERIFY_TOKEN',
  accessToken: 'WHATSAPP_ACCESS_TOKEN',
} as const;

type Env = Readonly<Record<string, string | undefined>>;

/** A configuration problem found at start-up: the function refuses to run rather than run half-configured. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function parse<T extends z.ZodType>(schema: T, env: Env, what: string): z.infer<T> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid ${what} configuration: ${problems}`);
  }
  return result.data;
}

/**
 * A secret is read from Secrets Manager when its `*_ARN` variable is set (deployed), else from the plain
 * variable (the local stack sets it, with documented defaults). Neither set is a configuration error.
 */
function secretSource(env: Env, arnVar: string, valueVar: string): SecretSource {
  const arn = env[arnVar];
  if (arn !== undefined && arn !== '') return { kind: 'secretsManager', secretId: arn };
  const value = env[valueVar];
  if (value !== undefined && value !== '') return { kind: 'value', value };
  throw new ConfigError(`set ${arnVar} (Secrets Manager) or ${valueVar}`);
}

const name = z.string().min(1, 'is required');

export interface ReceiveWebhookConfig {
  readonly eventBusName: string;
  readonly payloadBucketName: string;
  /** The current app secret, and during a rotation the previous one (comma-separated plain values locally). */
  readonly appSecret: SecretSource;
}

export function loadReceiveWebhookConfig(env: Env): ReceiveWebhookConfig {
  const parsed = parse(z.object({ [ENV.eventBusName]: name, [ENV.payloadBucketName]: name }), env, 'receive-webhook');
  return Object.freeze({
    eventBusName: parsed[ENV.eventBusName] as string,
    payloadBucketName: parsed[ENV.payloadBucketName] as string,
    appSecret: secretSource(env, ENV.appSecretArn, ENV.appSecret),
  });
}

export interface VerifyWebhookConfig {
  readonly verifyToken: SecretSource;
}

export function loadVerifyWebhookConfig(env: Env): VerifyWebhookConfig {
  return Object.freeze({ verifyToken: secretSource(env, ENV.verifyTokenArn, ENV.verifyToken) });
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

export interface ContactActivityConfig {
  readonly stateTableName: string;
  readonly eventBusName: string;
  readonly payloadBucketName: string;
  readonly settingsFor: (businessAccountId: string) => ContactSettings;
}

export function loadContactActivityConfig(env: Env): ContactActivityConfig {
  const parsed = parse(
    z.object({ [ENV.stateTableName]: name, [ENV.eventBusName]: name, [ENV.payloadBucketName]: name, CONTACT_SETTINGS: z.string().optional() }),
    env,
    'track-contact-activity',
  );
  let settings: z.infer<typeof ContactSettingsEnvSchema> = {};
  if (parsed['CONTACT_SETTINGS'] !== undefined && parsed['CONTACT_SETTINGS'] !== '') {
    let json: unknown;
    try {
      json = JSON.parse(parsed['CONTACT_SETTINGS'] as string);
    } catch {
      throw new ConfigError('invalid track-contact-activity configuration: CONTACT_SETTINGS is not JSON');
    }
    settings = parse(ContactSettingsEnvSchema, json as Env, 'CONTACT_SETTINGS');
  }
  const merge = (over: z.infer<typeof ContactSettingsSchema> | undefined, base: ContactSettings): ContactSettings => ({
    keywords: { ...base.keywords, ...over?.keywords },
    confirmations: { ...base.confirmations, ...over?.confirmations },
  });
  const fallback = merge(settings.default, DEFAULT_CONTACT_SETTINGS);
  const perBusiness = new Map(Object.entries(settings.byBusinessAccount ?? {}).map(([waba, s]) => [waba, merge(s, fallback)]));
  return Object.freeze({
    stateTableName: parsed[ENV.stateTableName] as string,
    eventBusName: parsed[ENV.eventBusName] as string,
    payloadBucketName: parsed[ENV.payloadBucketName] as string,
    settingsFor: (waba: string) => perBusiness.get(waba) ?? fallback,
  });
}

export interface ContactsApiConfig {
  readonly stateTableName: string;
  readonly eventBusName: string;
  readonly payloadBucketName: string;
}

/** The Contacts API handlers (get, consent, identity acknowledgement, import, erase). */
export function loadContactsApiConfig(env: Env): ContactsApiConfig {
  const parsed = parse(z.object({ [ENV.stateTableName]: name, [ENV.eventBusName]: name, [ENV.payloadBucketName]: name }), env, 'contacts-api');
  return Object.freeze({
    stateTableName: parsed[ENV.stateTableName] as string,
    eventBusName: parsed[ENV.eventBusName] as string,
    payloadBucketName: parsed[ENV.payloadBucketName] as string,
  });
}

/** GET contact only reads the state table. */
export function loadContactsReadConfig(env: Env): Pick<ContactsApiConfig, 'stateTableName'> {
  const parsed = parse(z.object({ [ENV.stateTableName]: name }), env, 'get-contact');
  return Object.freeze({ stateTableName: parsed[ENV.stateTableName] as string });
}
