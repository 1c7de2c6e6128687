/**
 * The environment of each handler, derived once from what it needs (`HANDLERS` in `infra/topology.ts`). The CDK
 * app sets exactly this on each Lambda function (with CloudFormation tokens as values), and the local stack gives
 * each in-process handler exactly this (with the emulators' names and URLs), so a handler that reads a variable
 * its needs do not name fails locally as it would once deployed.
 */
import { CONSUMERS, ENV, STATE_TABLE, TABLES, type HandlerNeeds, type SecretName } from './topology.js';
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
  sendPolicy: [SEND_ENV.templates, SEND_ENV.policy, SEND_ENV.businessAccounts],
  contactSettings: ['CONTACT_SETTINGS'],
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

/**
 * Every variable a handler with these needs may receive, whether or not a deployment sets it: both forms of
 * each secret (ARN and value) and every variable of its setting groups. A handler reads nothing else of
 * `HANDLER_VARIABLES`.
 */
export function variablesOf(needs: HandlerNeeds): ReadonlySet<string> {
  const names = new Set<string>();
  if (needs.stateTable !== undefined) names.add(STATE_TABLE.envVar);
  if (needs.publishesEvents) names.add(ENV.eventBusName).add(ENV.payloadBucketName);
  if (needs.readsPayloads) names.add(ENV.payloadBucketName);
  for (const name of needs.secrets ?? []) names.add(SECRET_VARIABLES[name].arn).add(SECRET_VARIABLES[name].value);
  const queueIds = [...(needs.sendsTo ?? []), ...(needs.knowsQueueOf === undefined ? [] : [needs.knowsQueueOf])];
  for (const id of queueIds) {
    const url = CONSUMERS.find((consumer) => consumer.id === id)?.urlEnvVar;
    if (url !== undefined) names.add(url);
  }
  for (const id of needs.deadLettersTo ?? []) {
    const spec = CONSUMERS.find((consumer) => consumer.id === id);
    for (const name of [spec?.urlEnvVar, spec?.dlqUrlEnvVar]) if (name !== undefined) names.add(name);
  }
  for (const group of needs.settings ?? []) for (const name of SETTING_VARIABLES[group]) names.add(name);
  return names;
}

function consumerSpec(handlerName: string, id: string, role: string) {
  const spec = CONSUMERS.find((consumer) => consumer.id === id);
  if (spec === undefined) throw new Error(`handler "${handlerName}" ${role} ${id}, which is not a consumer of infra/topology.ts`);
  return spec;
}

function lookup(values: Readonly<Record<string, string>>, key: string, what: string): string {
  const value = values[key];
  if (value === undefined) throw new Error(`no ${what} for ${key} in the deployment's resources`);
  return value;
}

/**
 * The environment `handlerName` runs with: the variable of each resource, secret and setting its needs name,
 * and nothing else. Throws naming the handler when it has no entry in `HANDLERS`, names an unknown consumer,
 * or a resource is missing from `resources`.
 */
export function handlerEnvironment(handlerName: string, needs: HandlerNeeds | undefined, resources: DeploymentResources): Record<string, string> {
  if (needs === undefined) throw new Error(`handler "${handlerName}" has no entry in HANDLERS (infra/topology.ts), so its environment is unknown`);
  const unknownSettings = Object.keys(resources.settings).filter((name) => !Object.values(SETTING_VARIABLES).some((group) => (group as readonly string[]).includes(name)));
  if (unknownSettings.length > 0) throw new Error(`settings ${unknownSettings.join(', ')} belong to no setting group (SETTING_VARIABLES in infra/handler-environment.ts)`);

  const env: Record<string, string> = {};
  if (needs.stateTable !== undefined) env[STATE_TABLE.envVar] = lookup(resources.tableNames, STATE_TABLE.id, 'table name');
  if (needs.publishesEvents) {
    env[ENV.eventBusName] = resources.eventBusName;
    env[ENV.payloadBucketName] = resources.payloadBucketName;
  }
  if (needs.readsPayloads) env[ENV.payloadBucketName] = resources.payloadBucketName;
  for (const name of needs.secrets ?? []) {
    const binding = resources.secrets[name];
    if ('arn' in binding) env[SECRET_VARIABLES[name].arn] = binding.arn;
    else env[SECRET_VARIABLES[name].value] = binding.value;
  }
  for (const id of needs.sendsTo ?? []) {
    const spec = consumerSpec(handlerName, id, 'sends to');
    if (spec.urlEnvVar === undefined) throw new Error(`handler "${handlerName}" sends to ${id}, which has no urlEnvVar`);
    env[spec.urlEnvVar] = lookup(resources.queueUrls, id, 'queue URL');
  }
  if (needs.knowsQueueOf !== undefined) {
    const spec = consumerSpec(handlerName, needs.knowsQueueOf, 'needs the queue URL of');
    if (spec.urlEnvVar === undefined) throw new Error(`handler "${handlerName}" needs the URL of ${needs.knowsQueueOf}, which has no urlEnvVar`);
    env[spec.urlEnvVar] = lookup(resources.queueUrls, needs.knowsQueueOf, 'queue URL');
  }
  for (const id of needs.deadLettersTo ?? []) {
    const spec = consumerSpec(handlerName, id, 'dead-letters to');
    if (spec.urlEnvVar === undefined || spec.dlqUrlEnvVar === undefined) throw new Error(`handler "${handlerName}" dead-letters to ${id}, which lacks urlEnvVar/dlqUrlEnvVar`);
    env[spec.urlEnvVar] = lookup(resources.queueUrls, id, 'queue URL');
    env[spec.dlqUrlEnvVar] = lookup(resources.dlqUrls, id, 'dead-letter queue URL');
  }
  for (const group of needs.settings ?? []) {
    for (const name of SETTING_VARIABLES[group]) {
      const value = resources.settings[name];
      if (value !== undefined) env[name] = value;
    }
  }
  return env;
}
