import { CfnOutput, Duration, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { z } from 'zod';
import { LOG_LEVELS, type AppFunction } from './constructs/app-function.js';
import { EventBusConstruct } from './constructs/event-bus.js';
import { PayloadStore } from './constructs/payload-store.js';
import { StateTables } from './constructs/state-tables.js';
import { WebhookIngress, type HandlerFunctionProps } from './constructs/webhook-ingress.js';
import { WhatsAppSecrets } from './constructs/whatsapp-secrets.js';
import { EventConsumers } from './constructs/event-consumers.js';
import { OperationsAlerts } from './constructs/operations-alerts.js';
import { StandingAlarms } from './constructs/standing-alarms.js';
import { TEMPLATE_SYNC_HANDLER, TemplateSync } from './constructs/template-sync.js';
import { HealthRefreshSchedule } from './constructs/health-refresh.js';
import { LEDGER_EXPORT_HANDLER, LedgerExport } from './constructs/ledger-export.js';
import { handlerEnvironment, type DeploymentResources } from './handler-environment.js';
import { CONSUMERS, ENV, EVENT_RULES, HANDLERS, HEALTH_ACTIVITY, ROUTES, TABLES, type HandlerNeeds } from './topology.js';
import { ConfigError, loadContactActivityConfig } from '../shared/config.js';
import { BILLING_ENV, loadBillingConfig } from '../shared/billing-config.js';
import {
  DEFAULT_GRAPH_API_VERSION,
  DEFAULT_HEALTH_CACHE_TTL_MS,
  DEFAULT_MESSAGING_LIMIT_TIER,
  GRAPH_API_VERSION_PATTERN,
  MAX_RESTRICTION_HOLD_LIMIT_MS,
  MessagingLimitPortfoliosSchema,
  SEND_ENV,
  ThroughputByNumberSchema,
  loadRequestSendConfig,
} from '../shared/sending-config.js';
import { DEFAULT_MAX_RESTRICTION_HOLD_MS } from '../shared/domain/sending/send-standing.js';
import { parseMessagingLimitTier } from '../shared/domain/sending/messaging-limit.js';
import { DEFAULT_BULK_SHARE_PERCENT, DEFAULT_RATE_PER_SECOND, MAX_RATE_PER_SECOND } from '../shared/domain/sending/rate-slots.js';
import { DEFAULT_TEMPLATE_CACHE_TTL_MS } from '../shared/adapters/template-registry.js';

/** Retention values CloudWatch Logs accepts (RetentionDays without INFINITE). */
const LOG_RETENTION_DAYS: readonly number[] = Object.values(logs.RetentionDays).filter(
  (value): value is number => typeof value === 'number' && value !== logs.RetentionDays.INFINITE,
);

/** A whole number from CDK context, which holds numbers from cdk.json and strings from `-c key=value`. */
function wholeNumber(min: number) {
  return z.preprocess(
    (value) => (typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value),
    z.int({ error: `must be a whole number ≥ ${min}` }).min(min, { error: `must be a whole number ≥ ${min}` }),
  );
}

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+-[A-Za-z0-9]{6}$/;
const secretArn = z
  .string({ error: 'must be a string' })
  .regex(SECRET_ARN, { error: 'must be the complete ARN of a Secrets Manager secret (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>)' })
  .optional();

/**
 * Lambda allows 4 KB of environment per function (names and values). The settings passed as JSON get what
 * the other variables leave: about 1 KB covers them, queue URLs and generated resource names included.
 */
const SETTINGS_ENV_BUDGET_BYTES = 3072;

/** Why synth refuses the old `templates` context. */
export const TEMPLATES_GONE =
  'templates are no longer configured: the policy gate reads them from the template registry, filled by `npm run templates -- sync --account <wabaId>` (and the scheduled sync, templateSyncAccounts) and kept current by Meta\'s template webhooks; remove the templates setting';

/**
 * Stand-ins for the resource variables the handlers' loaders require, so that a setting can be checked at
 * synth by the very parser its handler runs at start-up (a value that synthesises is one the handler accepts).
 */
const PROBE_ENV: Readonly<Record<string, string>> = {
  [ENV.stateTableName]: 'synth-check',
  [ENV.eventBusName]: 'synth-check',
  [ENV.payloadBucketName]: 'synth-check',
  [SEND_ENV.priorityQueueUrl]: 'synth-check',
  [SEND_ENV.bulkQueueUrl]: 'synth-check',
};

/** A structured context value, which `-c key=value` passes as JSON text and cdk.json as JSON itself. */
function jsonContext<T extends z.ZodType>(schema: T) {
  return z.preprocess((value, ctx) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `is not valid JSON (${(error as Error).message})` });
      return z.NEVER;
    }
  }, schema);
}

/** Refinement that runs a handler-side parser on the value's JSON and reports its error message. */
function acceptedBy(parse: (json: string) => unknown) {
  return (value: unknown, ctx: z.RefinementCtx): void => {
    try {
      parse(JSON.stringify(value));
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: error instanceof ConfigError ? error.problems.join('; ') : (error as Error).message });
    }
  };
}

/**
 * Stack configuration, read from CDK context (`cdk.json` "context" or `cdk synth -c key=value`).
 * Every key is optional; the defaults are the documented ones below.
 */
export const RelaisConfigSchema = z.object({
  /** Graph API origin for outbound calls. @default 'https://graph.facebook.com' */
  graphApiBaseUrl: z
    .url({ protocol: /^https$/, error: 'must be an https URL' })
    .transform((url) => url.replace(/\/+$/, ''))
    .default('https://graph.facebook.com'),
  /** Graph API version segment. @default 'v25.0' */
  graphApiVersion: z
    .string({ error: 'must be a string' })
    .regex(GRAPH_API_VERSION_PATTERN, { error: `must look like ${DEFAULT_GRAPH_API_VERSION}` })
    .default(DEFAULT_GRAPH_API_VERSION),
  /** Level for Powertools and Lambda's log filter. @default 'INFO' */
  logLevel: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('INFO'),
  /** Retention of function and access log groups, in days (a value CloudWatch Logs accepts). @default 30 */
  logRetentionDays: wholeNumber(1)
    .refine((days) => LOG_RETENTION_DAYS.includes(days), { error: `must be one of ${LOG_RETENTION_DAYS.join(', ')}` })
    .default(30),
  /** Days the EventBridge archive keeps every event. @default 90 */
  archiveRetentionDays: wholeNumber(1).default(90),
  /** Days a claim-check payload is kept in S3. @default 400 */
  payloadRetentionDays: wholeNumber(1).default(400),
  /**
   * Default-stage steady rate limit of the HTTP API (requests per second). @default 1000
   *
   * Meta sends status webhooks for ~3× the outbound volume plus inbound ones, concurrently and sometimes
   * unbatched: one number at its default 80 msg/s can produce ~320 POSTs/s. 1,000/s covers three such numbers,
   * or one upgraded number whose webhooks Meta batches, while capping a flood well below the account's regional
   * API Gateway quota (10,000/s shared by every API). A throttled webhook gets 429 and Meta retries it for up to
   * 7 days, so throttling delays deliveries but loses none.
   */
  apiThrottleRateLimit: wholeNumber(1).default(1000),
  /** Default-stage burst limit of the HTTP API (requests): absorbs Meta's retry bursts after an outage. @default 2000 */
  apiThrottleBurstLimit: wholeNumber(1).default(2000),
  /** Messages per second each business number may send (Meta: 80, up to 1,000 after an upgrade). @default 80 */
  throughputPerSecond: wholeNumber(1)
    .refine((n) => n <= MAX_RATE_PER_SECOND, { error: `must be at most ${MAX_RATE_PER_SECOND} (Meta's highest throughput)` })
    .default(DEFAULT_RATE_PER_SECOND),
  /**
   * Throughput of particular business numbers, `{ "<phoneNumberId>": 1000 }` (an upgraded number, or 20 for a
   * coexistence number), as an object or its JSON text; other numbers get `throughputPerSecond`. @default {}
   */
  throughputByNumber: jsonContext(ThroughputByNumberSchema).default({}),
  /** Share of each number's throughput the bulk lane may take, in percent; priority may take all of it. @default 80 */
  bulkSharePercent: wholeNumber(1)
    .refine((n) => n <= 100, { error: 'must be at most 100 (percent)' })
    .default(DEFAULT_BULK_SHARE_PERCENT),
  /**
   * No longer a setting: the policy gate reads templates from the template registry (DynamoDB), which the template
   * sync (`npm run templates -- sync`, and on a schedule) and Meta's template webhooks keep. Any value fails synth
   * saying so, rather than being ignored.
   */
  templates: z.unknown().optional().superRefine((value, ctx) => {
    if (value !== undefined) ctx.addIssue({ code: 'custom', message: TEMPLATES_GONE });
  }),
  /**
   * How long post-message and request-send reuse a template read from the registry, in ms (0: read it for every
   * send), at most an hour. Safe because Meta refuses a paused or disabled template (132015, 132016) at no charge
   * and the sender checks again before it sends. @default 30000
   */
  templateCacheTtlMs: wholeNumber(0)
    .refine((ms) => ms <= 3_600_000, { error: 'must be at most 3600000 (an hour)' })
    .default(DEFAULT_TEMPLATE_CACHE_TTL_MS),
  /**
   * Overrides of the send policy (`marketingCap`, `requireOptIn`, `noMarketingCountryCallingCodes`), as an
   * object or its JSON text, checked by the parser post-message and request-send run. @default {}
   */
  sendPolicy: jsonContext(
    z
      .record(z.string(), z.unknown(), { error: 'must be an object' })
      .superRefine(acceptedBy((json) => loadRequestSendConfig({ ...PROBE_ENV, [SEND_ENV.policy]: json }))),
  ).default({}),
  /**
   * Consent keyword and confirmation settings (`{ default?, byBusinessAccount? }`), as an object or its JSON
   * text, checked by the parser track-contact-activity runs. @default {}
   */
  contactSettings: jsonContext(
    z
      .record(z.string(), z.unknown(), { error: 'must be an object' })
      .superRefine(acceptedBy((json) => loadContactActivityConfig({ ...PROBE_ENV, [ENV.contactSettings]: json }))),
  ).default({}),
  /**
   * WhatsApp Business Accounts whose templates the scheduled sync reads from Meta, as an array of ids or its JSON
   * text. An explicit list rather than the accounts of the numbers Relais knows: an account has templates before
   * any of its numbers sends, and the sync needs no number. Empty: no schedule (`npm run templates -- sync` still
   * works). @default []
   */
  templateSyncAccounts: jsonContext(
    z
      .array(z.string({ error: 'must be a string of digits' }).regex(/^\d{1,32}$/, { error: 'must be a WhatsApp Business Account id (digits only)' }), {
        error: 'must be an array of WhatsApp Business Account ids',
      })
      .refine((ids) => new Set(ids).size === ids.length, { error: 'must not name an account twice' }),
  ).default([]),
  /**
   * Minutes between two scheduled syncs of an account, 15 (the sync function's longest run, so two runs never
   * overlap) to 1440 (a day). @default 60
   */
  templateSyncIntervalMinutes: wholeNumber(15)
    .refine((minutes) => minutes <= 1440, { error: 'must be at most 1440 (a day)' })
    .default(60),
  /**
   * Minutes between two readings of the phone numbers of each account of `templateSyncAccounts` (quality rating,
   * throughput, status: Meta sends no webhook when a rating changes), 5 to 1440. Each reading is one Graph API call
   * per 100 numbers. @default 15
   */
  healthRefreshIntervalMinutes: wholeNumber(5)
    .refine((minutes) => minutes <= 1440, { error: 'must be at most 1440 (a day)' })
    .default(15),
  /**
   * The messaging-limit tier Relais enforces for an account until Meta states one by webhook
   * (`business_capability_update`): `TIER_250`, `TIER_2K`, `TIER_10K`, `TIER_100K` or `TIER_UNLIMITED` (or 250, 2000…).
   * Set it to your portfolio's tier (WhatsApp Manager shows it): below it, Relais holds sends Meta would take.
   * @default 'TIER_250' (where Meta starts a business)
   */
  messagingLimitTier: z
    .union([z.string(), z.number()])
    .transform((value) => String(value))
    .superRefine((tier, ctx) => {
      const parsed = parseMessagingLimitTier(tier);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.problem });
    })
    .default(DEFAULT_MESSAGING_LIMIT_TIER),
  /**
   * Accounts that share a business portfolio, `{ "<wabaId>": "<portfolioId>" }`, as an object or its JSON text: Meta
   * counts the messaging limit per portfolio, so their sends share one count. Others count alone. @default {}
   */
  messagingLimitPortfolios: jsonContext(MessagingLimitPortfoliosSchema).default({}),
  /**
   * Billing per WhatsApp Business Account: `{ "default": {…}, "accounts": { "<wabaId>": {…} } }`, each with `currency`
   * (ISO 4217, as on Meta's invoice), `timeZone` (IANA, the account's), `platformFee` (Relais's fee per delivered
   * message), `monthlyBudget` and `serviceAllowancePerNumber` (unverified at Meta: 0). @default {} (USD, UTC)
   */
  billing: jsonContext(
    z
      .record(z.string(), z.unknown(), { error: 'must be an object' })
      .superRefine(acceptedBy((json) => loadBillingConfig({ ...PROBE_ENV, [ENV.ledgerTableName]: 'synth-check', [BILLING_ENV.settings]: json }))),
  ).default({}),
  /**
   * How long a business-initiated message may wait for an account restriction to end before it fails with
   * `account_restricted`, in ms, 60000 to 72000000 (20 h: the outbound queues' receive budget). @default 43200000 (12 h)
   */
  maxRestrictionHoldMs: wholeNumber(60_000)
    .refine((ms) => ms <= MAX_RESTRICTION_HOLD_LIMIT_MS, { error: `must be at most ${MAX_RESTRICTION_HOLD_LIMIT_MS} (20 h)` })
    .default(DEFAULT_MAX_RESTRICTION_HOLD_MS),
  /** How long the sender reuses a number's or account's health record, in ms, at most 300000. @default 30000 */
  healthCacheTtlMs: wholeNumber(0)
    .refine((ms) => ms <= 300_000, { error: 'must be at most 300000 (5 min)' })
    .default(DEFAULT_HEALTH_CACHE_TTL_MS),
  /** An e-mail address subscribed to the operational alerts topic. @default - none */
  alertEmail: z.email({ error: 'must be an e-mail address' }).optional(),
  /** Use this existing app-secret secret instead of creating one. @default - created */
  appSecretArn: secretArn,
  /** Use this existing verify-token secret instead of creating one. @default - created */
  verifyTokenArn: secretArn,
  /** Use this existing access-token secret instead of creating one. @default - created */
  accessTokenArn: secretArn,
}).superRefine((config, ctx) => {
  const bytes = Buffer.byteLength(JSON.stringify(config.sendPolicy));
  if (bytes > SETTINGS_ENV_BUDGET_BYTES) {
    ctx.addIssue({
      code: 'custom',
      path: ['sendPolicy'],
      message: `takes ${bytes} bytes as JSON, over the ${SETTINGS_ENV_BUDGET_BYTES} bytes Lambda's 4 KB environment leaves it on post-message and request-send`,
    });
  }
  const rateBytes = Buffer.byteLength(JSON.stringify(config.throughputByNumber));
  if (rateBytes > SETTINGS_ENV_BUDGET_BYTES) {
    ctx.addIssue({
      code: 'custom',
      path: ['throughputByNumber'],
      message: `takes ${rateBytes} bytes as JSON, over the ${SETTINGS_ENV_BUDGET_BYTES} bytes Lambda's 4 KB environment leaves it on send-message`,
    });
  }
  const contactBytes = Buffer.byteLength(JSON.stringify(config.contactSettings));
  if (contactBytes > SETTINGS_ENV_BUDGET_BYTES) {
    ctx.addIssue({
      code: 'custom',
      path: ['contactSettings'],
      message: `takes ${contactBytes} bytes as JSON, over the ${SETTINGS_ENV_BUDGET_BYTES} bytes Lambda's 4 KB environment leaves it on track-contact-activity`,
    });
  }
});

export type RelaisConfig = z.output<typeof RelaisConfigSchema>;
export type RelaisConfigInput = z.input<typeof RelaisConfigSchema>;

/** Reads and validates the Relais keys of the CDK context; throws one error naming every bad key. */
export function readRelaisConfig(scope: Construct): RelaisConfig {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(RelaisConfigSchema.shape)) {
    const value: unknown = scope.node.tryGetContext(key);
    if (value !== undefined) raw[key] = value;
  }
  const parsed = RelaisConfigSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '(root)');
    const got = JSON.stringify(raw[key]) ?? 'nothing';
    return `  - ${key}: ${issue.message} (got ${got.length > 200 ? `${got.slice(0, 200)}…` : got})`;
  });
  throw new Error(`Invalid Relais configuration in CDK context:\n${lines.join('\n')}`);
}

export interface RelaisStackProps extends StackProps {
  /** @default - read from CDK context with `readRelaisConfig` */
  readonly config?: RelaisConfig;
}

/**
 * Relais: the HTTP API (webhooks, contacts, messages), the event bus and its rules, the queue-fed consumers
 * (outbound FIFO lanes included), state tables, claim-check storage and the WhatsApp secrets.
 */
export class RelaisStack extends Stack {
  readonly config: RelaisConfig;
  readonly tables: StateTables;
  readonly payloads: PayloadStore;
  readonly events: EventBusConstruct;
  readonly secrets: WhatsAppSecrets;
  readonly ingress: WebhookIngress;
  readonly consumers: EventConsumers;
  readonly alerts: OperationsAlerts;
  readonly templateSync: TemplateSync;
  readonly healthRefresh: HealthRefreshSchedule;
  readonly standing: StandingAlarms;
  readonly ledgerExport: LedgerExport;

  constructor(scope: Construct, id: string, props: RelaisStackProps = {}) {
    const { config: givenConfig, ...stackProps } = props;
    super(scope, id, { description: 'Relais: WhatsApp Business Platform backend', ...stackProps });
    this.config = givenConfig ?? readRelaisConfig(this);
    const config = this.config;
    Tags.of(this).add('project', 'relais');
    const logRetention = config.logRetentionDays as logs.RetentionDays;

    this.tables = new StateTables(this, 'State', { specs: TABLES });
    this.payloads = new PayloadStore(this, 'Payloads', { retentionDays: config.payloadRetentionDays });
    this.events = new EventBusConstruct(this, 'Events', { archiveRetentionDays: config.archiveRetentionDays });
    this.secrets = new WhatsAppSecrets(this, 'WhatsAppSecrets', {
      ...(config.appSecretArn ? { appSecretArn: config.appSecretArn } : {}),
      ...(config.verifyTokenArn ? { verifyTokenArn: config.verifyTokenArn } : {}),
      ...(config.accessTokenArn ? { accessTokenArn: config.accessTokenArn } : {}),
    });

    this.ingress = new WebhookIngress(this, 'Ingress', {
      routes: ROUTES,
      functionDefaults: { logLevel: config.logLevel, logRetention },
      handlerProps: Object.fromEntries(
        [...new Set(ROUTES.map((r) => r.handler))].map((name) => [name, handlerProps(name, HANDLERS[name])]),
      ),
      throttle: { rateLimit: config.apiThrottleRateLimit, burstLimit: config.apiThrottleBurstLimit },
      accessLogRetention: logRetention,
    });

    this.consumers = new EventConsumers(this, 'Consumers', {
      consumers: CONSUMERS,
      rules: EVENT_RULES,
      handlers: HANDLERS,
      events: this.events,
      functionDefaults: { logLevel: config.logLevel, logRetention },
    });

    const syncNeeds = HANDLERS[TEMPLATE_SYNC_HANDLER];
    if (syncNeeds === undefined) throw new Error(`RelaisStack: handler "${TEMPLATE_SYNC_HANDLER}" has no entry in HANDLERS (infra/topology.ts)`);
    this.templateSync = new TemplateSync(this, 'TemplateSync', {
      businessAccountIds: config.templateSyncAccounts,
      interval: Duration.minutes(config.templateSyncIntervalMinutes),
      needs: syncNeeds,
      functionDefaults: { logLevel: config.logLevel, logRetention },
    });

    const healthQueues = this.consumers.consumer(HEALTH_ACTIVITY.id);
    this.healthRefresh = new HealthRefreshSchedule(this, 'HealthRefresh', {
      businessAccountIds: config.templateSyncAccounts,
      interval: Duration.minutes(config.healthRefreshIntervalMinutes),
      queue: healthQueues.queue,
      deadLetterQueue: healthQueues.dlq,
    });

    const exportNeeds = HANDLERS[LEDGER_EXPORT_HANDLER];
    if (exportNeeds === undefined) throw new Error(`RelaisStack: handler "${LEDGER_EXPORT_HANDLER}" has no entry in HANDLERS (infra/topology.ts)`);
    this.ledgerExport = new LedgerExport(this, 'LedgerExport', {
      needs: exportNeeds,
      accessLogsBucket: this.payloads.accessLogsBucket,
      functionDefaults: { logLevel: config.logLevel, logRetention },
    });

    // What each handler may touch comes from HANDLERS in infra/topology.ts, applied the same way to all.
    for (const [handlerName, fn] of [
      ...this.ingress.functions,
      ...this.consumers.functions,
      [TEMPLATE_SYNC_HANDLER, this.templateSync.function] as const,
      [LEDGER_EXPORT_HANDLER, this.ledgerExport.function] as const,
    ]) {
      this.grantNeeds(fn, handlerName, HANDLERS[handlerName]);
    }

    const webhookPath = ROUTES.find((route) => route.handler === 'receive-webhook')?.path;
    if (webhookPath) {
      new CfnOutput(this, 'WebhookCallbackUrl', {
        description: 'Callback URL to register in the Meta App Dashboard',
        value: `${this.ingress.url}${webhookPath.replace(/^\//, '')}`,
      });
    }
    this.standing = new StandingAlarms(this, 'Standing', { bus: this.events.bus, logRetention });
    this.alerts = new OperationsAlerts(this, 'Alerts', {
      alarms: [...this.consumers.dlqAlarms, this.templateSync.failureAlarm, ...this.standing.alarms],
      ...(config.alertEmail !== undefined ? { email: config.alertEmail } : {}),
    });
    new CfnOutput(this, 'AlertsTopicArn', { description: 'Subscribe on-call here: DLQ, template sync and standing alarms notify this topic', value: this.alerts.topic.topicArn });
    new CfnOutput(this, 'StandingEventsLogGroup', { description: 'The events that set a standing alarm off', value: this.standing.logGroup.logGroupName });
    new CfnOutput(this, 'LedgerExportBucket', { description: 'The billing ledger exported for Athena (JSON lines by month)', value: this.ledgerExport.bucket.bucketName });
    new CfnOutput(this, 'LedgerGlueDatabase', { description: 'Glue database of the ledger table (Athena: SELECT … FROM "<database>".ledger)', value: this.ledgerExport.database.ref });
    new CfnOutput(this, 'EventBusName', { description: 'Relais EventBridge bus', value: this.events.bus.eventBusName });
    new CfnOutput(this, 'EventBusArn', { description: 'Relais EventBridge bus ARN', value: this.events.bus.eventBusArn });
    new CfnOutput(this, 'PayloadBucketName', { description: 'Claim-check payload bucket', value: this.payloads.bucket.bucketName });
    for (const spec of TABLES) {
      new CfnOutput(this, `${spec.id}Name`, { description: `DynamoDB table ${spec.id}`, value: this.tables.table(spec).tableName });
    }
    new CfnOutput(this, 'AppSecretArn', { description: 'Set the Meta app secret here (put-secret-value)', value: this.secrets.appSecret.secretArn });
    new CfnOutput(this, 'VerifyTokenArn', { description: 'Set the webhook verify token here (put-secret-value)', value: this.secrets.verifyToken.secretArn });
    new CfnOutput(this, 'AccessTokenArn', { description: 'Set the system-user access token here (put-secret-value)', value: this.secrets.accessToken.secretArn });
  }

  /** Where this stack's resources are, for `handlerEnvironment` (CloudFormation tokens). */
  private deploymentResources(): DeploymentResources {
    const config = this.config;
    return {
      tableNames: Object.fromEntries(TABLES.map((spec) => [spec.id, this.tables.table(spec).tableName])),
      eventBusName: this.events.bus.eventBusName,
      payloadBucketName: this.payloads.bucket.bucketName,
      queueUrls: Object.fromEntries(CONSUMERS.map((spec) => [spec.id, this.consumers.consumer(spec.id).queue.queueUrl])),
      dlqUrls: Object.fromEntries(CONSUMERS.map((spec) => [spec.id, this.consumers.consumer(spec.id).dlq.queueUrl])),
      secrets: {
        appSecret: { arn: this.secrets.appSecret.secretArn },
        verifyToken: { arn: this.secrets.verifyToken.secretArn },
        accessToken: { arn: this.secrets.accessToken.secretArn },
      },
      settings: {
        [SEND_ENV.graphBaseUrl]: config.graphApiBaseUrl,
        [SEND_ENV.graphVersion]: config.graphApiVersion,
        [SEND_ENV.ratePerSecond]: String(config.throughputPerSecond),
        [SEND_ENV.numberRates]: JSON.stringify(config.throughputByNumber),
        [SEND_ENV.bulkSharePercent]: String(config.bulkSharePercent),
        [SEND_ENV.templateCacheTtlMs]: String(config.templateCacheTtlMs),
        [SEND_ENV.policy]: JSON.stringify(config.sendPolicy),
        [ENV.contactSettings]: JSON.stringify(config.contactSettings),
        [SEND_ENV.messagingLimitTier]: config.messagingLimitTier,
        [SEND_ENV.messagingLimitPortfolios]: JSON.stringify(config.messagingLimitPortfolios),
        [BILLING_ENV.settings]: JSON.stringify(config.billing),
        [BILLING_ENV.exportBucket]: this.ledgerExport.bucket.bucketName,
        [SEND_ENV.maxRestrictionHoldMs]: String(config.maxRestrictionHoldMs),
        [SEND_ENV.healthCacheTtlMs]: String(config.healthCacheTtlMs),
      },
    };
  }

  /** Grants what `needs` names and sets the environment `handlerEnvironment` derives from it (the local stack uses the same function). */
  private grantNeeds(fn: AppFunction, handlerName: string, needs: HandlerNeeds | undefined): void {
    if (needs === undefined) {
      throw new Error(`RelaisStack: handler "${handlerName}" has no entry in HANDLERS (infra/topology.ts), so its permissions are unknown`);
    }
    for (const [id, access] of Object.entries(needs.tables ?? {})) {
      const spec = TABLES.find((table) => table.id === id);
      if (spec === undefined) throw new Error(`RelaisStack: handler "${handlerName}" needs table ${id}, which is not in TABLES (infra/topology.ts)`);
      this.tables.bind(fn, spec, access);
    }
    if (needs.publishesEvents) {
      this.events.bus.grantPutEventsTo(fn);
      this.payloads.grantPut(fn, ENV.payloadBucketName);
    }
    if (needs.readsPayloads) this.payloads.grantGet(fn);
    for (const name of needs.secrets ?? []) this.secrets[name].grantRead(fn);
    for (const id of needs.sendsTo ?? []) this.consumers.consumer(id).queue.grantSendMessages(fn);
    // ChangeMessageVisibility on its own queue (knowsQueueOf) comes with the event source mapping's consume grant.
    for (const id of needs.deadLettersTo ?? []) this.consumers.consumer(id).dlq.grantSendMessages(fn);
    for (const [name, value] of Object.entries(handlerEnvironment(handlerName, needs, this.deploymentResources()))) fn.addEnvironment(name, value);
  }
}

function handlerProps(name: string, needs: HandlerNeeds | undefined): HandlerFunctionProps {
  if (needs === undefined) throw new Error(`RelaisStack: route handler "${name}" has no entry in HANDLERS (infra/topology.ts)`);
  return { description: needs.description, memorySize: needs.memorySize ?? 256, timeout: Duration.seconds(needs.timeoutSeconds ?? 10) };
}
