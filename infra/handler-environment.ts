/**
 * The environment of each handler, derived once from what it needs (`HANDLERS` in `infra/topology.ts`). The CDK
 * app sets exactly this on each Lambda function (with CloudFormation tokens as values), and the local stack gives
 * each in-process handler exactly this (with the emulators' names and URLs), so a handler that reads a variable
 * its needs do not name fails locally as it would once deployed.
 */
import { CONSUMERS, ENV, TABLES, type HandlerNeeds, type SecretName } from './topology.js';
import { BILLING_ENV } from '../shared/billing-config.js';
import { SEND_ENV } from '../shared/sending-config.js';

/** Setting groups of `HandlerNeeds.settings`, and the variables each passes (values per deployment). */
export const SETTING_VARIABLES = {
  graphApi: [
    SEND_ENV.graphBaseUrl,
    SEND_ENV.graphVersion,
    SEND_ENV.graphTimeoutMs,
    SEND_ENV.ratePerSecond,
    SEND_ENV.numberRates,
    SEND_ENV.bulkSharePercent,
    SEND_ENV.pairIntervalMs,
    SEND_ENV.pairBurst,
    SEND_ENV.maxAttempts,
  ],
  /** Only where Meta's Graph API is (the template management routes), without the sender's pacing. */
  graphEndpoint: [SEND_ENV.graphBaseUrl, SEND_ENV.graphVersion, SEND_ENV.graphTimeoutMs],
  sendPolicy: [SEND_ENV.templateCacheTtlMs, SEND_ENV.policy, SEND_ENV.businessAccounts],
  contactSettings: [ENV.contactSettings],
  /** The send policy alone, for the sender's consent check when a template changed category while queued. */
  consentPolicy: [SEND_ENV.policy],
  /** The messaging limit (tier until Meta states one, portfolios), account-restriction hold and health cache. */
  messagingLimits: [SEND_ENV.messagingLimitTier, SEND_ENV.messagingLimitPortfolios, SEND_ENV.maxRestrictionHoldMs, SEND_ENV.healthCacheTtlMs],
  /** Each account's billing currency, timezone, fee and budget; portfolios (volume tiers count per portfolio, as the limit does). */
  billing: [BILLING_ENV.settings, SEND_ENV.messagingLimitPortfolios],
  /** Where the ledger's export goes (the export bucket of infra/constructs/ledger-export.ts). */
  ledgerExport: [BILLING_ENV.exportBucket],
} as const satisfies Record<NonNullable<HandlerNeeds['settings']>[number], readonly string[]>;

export type SettingGroup = keyof typeof SETTING_VARIABLES;

/** How a secret reaches a handler: deployed, the ARN of its Secrets Manager secret; locally, its value. */
export type SecretBinding = { readonly arn: string } | { readonly value: string };

const SECRET_VARIABLES: Readonly<Record<SecretName, { readonly arn: string; readonly value: string }>> = {
  appSecret: { arn: ENV.appSecretArn, value: ENV.appSecret },
  verifyToken: { arn: ENV.verifyTokenArn, value: ENV.verifyToken },
  accessToken: { arn: ENV.accessTokenArn, value: ENV.accessToken },
};

/** Where the resources of one deployment are: CDK tokens, or the local stack's names and URLs. */
export interface DeploymentResources {
  /** Table names by `TableSpec.id`. */
  readonly tableNames: Readonly<Record<string, string>>;
  readonly eventBusName: string;
  readonly payloadBucketName: string;
  /** Queue URLs by consumer id. */
  readonly queueUrls: Readonly<Record<string, string>>;
  /** Dead-letter queue URLs by consumer id. */
  readonly dlqUrls: Readonly<Record<string, string>>;
  readonly secrets: Readonly<Record<SecretName, SecretBinding>>;
  /**
   * Values of setting variables (`SETTING_VARIABLES`); a handler gets those of its groups. A variable of no
   * group is refused, so a misspelt setting fails instead of being ignored.
   */
  readonly settings: Readonly<Record<string, string>>;
}

/** Every variable some handler may receive: resource names and URLs, secrets (ARN and value), settings. */
export const HANDLER_VARIABLES: ReadonlySet<string> = new Set([
  ENV.eventBusName,
  ENV.payloadBucketName,
  ...TABLES.map((table) => table.envVar),
  ...CONSUMERS.flatMap((consumer) => [consumer.urlEnvVar, consumer.dlqUrlEnvVar].filter((name): name is string => name !== undefined)),
  ...Object.values(SECRET_VARIABLES).flatMap((names) => [names.arn, names.value]),
  ...Object.values(SETTING_VARIABLES).flat(),
]);

/** One variable of a handler's environment and where its value comes from in a deployment (absent: not set). */
interface Binding {
  readonly variable: string;
  readonly value: (resources: DeploymentResources) => string | undefined;
}

function consumerSpec(handlerName: string, id: string, role: string) {
  const spec = CONSUMERS.find((consumer) => consumer.id === id);
  if (spec === undefined) throw new Error(`handler "${handlerName}" ${role} ${id}, which is not a consumer of infra/topology.ts`);
  return spec;
}

function tableSpec(handlerName: string, id: string) {
  const spec = TABLES.find((table) => table.id === id);
  if (spec === undefined) throw new Error(`handler "${handlerName}" needs table ${id}, which is not a table of infra/topology.ts`);
  return spec;
}

function lookup(values: Readonly<Record<string, string>>, key: string, what: string): string {
  const value = values[key];
  if (value === undefined) throw new Error(`no ${what} for ${key} in the deployment's resources`);
  return value;
}

function urlOf(handlerName: string, id: string, role: string): string {
  const spec = consumerSpec(handlerName, id, role);
  if (spec.urlEnvVar === undefined) throw new Error(`handler "${handlerName}" ${role} ${id}, which has no urlEnvVar`);
  return spec.urlEnvVar;
}

/**
 * The one reading of `HandlerNeeds` as environment: every variable a handler with these needs may receive (both
 * forms of each secret, every variable of its setting groups), each with where its value comes from.
 */
function bindingsOf(handlerName: string, needs: HandlerNeeds): Binding[] {
  const bindings: Binding[] = [];
  for (const id of Object.keys(needs.tables ?? {})) {
    bindings.push({ variable: tableSpec(handlerName, id).envVar, value: (r) => lookup(r.tableNames, id, 'table name') });
  }
  if (needs.publishesEvents) bindings.push({ variable: ENV.eventBusName, value: (r) => r.eventBusName });
  if (needs.publishesEvents || needs.readsPayloads) bindings.push({ variable: ENV.payloadBucketName, value: (r) => r.payloadBucketName });
  for (const name of needs.secrets ?? []) {
    bindings.push(
      { variable: SECRET_VARIABLES[name].arn, value: (r) => ('arn' in r.secrets[name] ? r.secrets[name].arn : undefined) },
      { variable: SECRET_VARIABLES[name].value, value: (r) => ('value' in r.secrets[name] ? r.secrets[name].value : undefined) },
    );
  }
  for (const id of needs.sendsTo ?? []) bindings.push({ variable: urlOf(handlerName, id, 'sends to'), value: (r) => lookup(r.queueUrls, id, 'queue URL') });
  if (needs.knowsQueueOf !== undefined) {
    const id = needs.knowsQueueOf;
    bindings.push({ variable: urlOf(handlerName, id, 'needs the queue URL of'), value: (r) => lookup(r.queueUrls, id, 'queue URL') });
  }
  for (const id of needs.deadLettersTo ?? []) {
    const spec = consumerSpec(handlerName, id, 'dead-letters to');
    if (spec.urlEnvVar === undefined || spec.dlqUrlEnvVar === undefined) throw new Error(`handler "${handlerName}" dead-letters to ${id}, which lacks urlEnvVar/dlqUrlEnvVar`);
    bindings.push(
      { variable: spec.urlEnvVar, value: (r) => lookup(r.queueUrls, id, 'queue URL') },
      { variable: spec.dlqUrlEnvVar, value: (r) => lookup(r.dlqUrls, id, 'dead-letter queue URL') },
    );
  }
  for (const group of needs.settings ?? []) for (const name of SETTING_VARIABLES[group]) bindings.push({ variable: name, value: (r) => r.settings[name] });
  return bindings;
}

/**
 * Every variable a handler with these needs may receive, whether or not a deployment sets it: both forms of
 * each secret (ARN and value) and every variable of its setting groups. A handler reads nothing else of
 * `HANDLER_VARIABLES`.
 */
export function variablesOf(needs: HandlerNeeds, handlerName = '(handler)'): ReadonlySet<string> {
  return new Set(bindingsOf(handlerName, needs).map((binding) => binding.variable));
}

/**
 * The environment `handlerName` runs with: the variable of each resource, secret and setting its needs name,
 * and nothing else. Throws naming the handler when it has no entry in `HANDLERS`, names an unknown consumer or
 * table, or a resource is missing from `resources`.
 */
export function handlerEnvironment(handlerName: string, needs: HandlerNeeds | undefined, resources: DeploymentResources): Record<string, string> {
  if (needs === undefined) throw new Error(`handler "${handlerName}" has no entry in HANDLERS (infra/topology.ts), so its environment is unknown`);
  const unknownSettings = Object.keys(resources.settings).filter((name) => !Object.values(SETTING_VARIABLES).some((group) => (group as readonly string[]).includes(name)));
  if (unknownSettings.length > 0) throw new Error(`settings ${unknownSettings.join(', ')} belong to no setting group (SETTING_VARIABLES in infra/handler-environment.ts)`);
  const env: Record<string, string> = {};
  for (const binding of bindingsOf(handlerName, needs)) {
    const value = binding.value(resources);
    if (value !== undefined) env[binding.variable] = value;
  }
  return env;
}
