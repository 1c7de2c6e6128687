import { z } from 'zod';
import type { SecretSource } from './adapters/secrets.js';

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
