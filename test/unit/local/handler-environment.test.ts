/**
 * The environment registry: `handlerEnvironment` derives each handler's variables from its needs in
 * `HANDLERS`, for the CDK app (tokens) and the local stack (emulator names and URLs) alike. Each handler's own
 * start-up loader must accept what it gets locally, and must read no variable its needs do not name.
 */
import { describe, expect, it } from 'vitest';

import { HANDLER_VARIABLES, SETTING_VARIABLES, handlerEnvironment, variablesOf, type DeploymentResources } from '#infra/handler-environment.js';
import { CONSUMERS, ENV, HANDLERS, LEDGER_TABLE, STATE_TABLE } from '#infra/topology.js';
import { loadContactActivityConfig, loadContactsApiConfig, loadContactsReadConfig, loadMessageStatusConfig, loadReceiveWebhookConfig, loadTemplateActivityConfig, loadVerifyWebhookConfig } from '#shared/config.js';
import { SEND_ENV, loadRequestSendConfig, loadSenderConfig } from '#shared/sending-config.js';
import { loadLedgerReadConfig, loadMessagingLimitReadConfig, loadStateReadConfig } from '#shared/read-api-config.js';
import { loadHealthActivityConfig, loadTemplatesApiConfig, loadTemplatesReadConfig } from '#shared/templates-config.js';
import { loadBillingConfig, loadLedgerExportConfig } from '#shared/billing-config.js';
import { isStackVariable } from '#test/support/hermetic-env.js';

/** The start-up loader each handler module calls (functions/*.ts, shared/composition.ts). */
const LOADERS: Record<string, (env: Readonly<Record<string, string | undefined>>) => unknown> = {
  'verify-webhook': loadVerifyWebhookConfig,
  'receive-webhook': loadReceiveWebhookConfig,
  'get-contact': loadContactsReadConfig,
  'erase-contact': loadContactsApiConfig,
  'record-consent': loadContactsApiConfig,
  'acknowledge-identity-change': loadContactsApiConfig,
  'import-contacts': loadContactsApiConfig,
  'post-message': loadRequestSendConfig,
  'request-send': loadRequestSendConfig,
  'send-message': loadSenderConfig,
  'track-contact-activity': loadContactActivityConfig,
  'track-message-status': loadMessageStatusConfig,
  'track-template-changes': loadTemplateActivityConfig,
  'track-health': loadHealthActivityConfig,
  'record-charges': loadBillingConfig,
  'get-billing-report': loadLedgerReadConfig,
  'export-ledger': loadLedgerExportConfig,
  'get-message': loadStateReadConfig,
  'get-number-health': loadStateReadConfig,
  'get-messaging-limit': loadMessagingLimitReadConfig,
  'create-template': loadTemplatesApiConfig,
  'list-templates': loadTemplatesReadConfig,
  'get-template': loadTemplatesReadConfig,
  'delete-template': loadTemplatesApiConfig,
  'sync-templates': loadTemplatesApiConfig,
};

/** Resources shaped like the local stack's (names and URLs of the emulators; secrets as plain values). */
const LOCAL: DeploymentResources = {
  tableNames: { [STATE_TABLE.id]: 'relais-local-StateTable', [LEDGER_TABLE.id]: 'relais-local-LedgerTable' },
  eventBusName: 'relais-local-bus',
  payloadBucketName: 'relais-local-payloads',
  queueUrls: Object.fromEntries(CONSUMERS.map((c) => [c.id, `http://127.0.0.1:4566/000000000000/relais-local-${c.id}${c.fifo ? '.fifo' : ''}`])),
  dlqUrls: Object.fromEntries(CONSUMERS.map((c) => [c.id, `http://127.0.0.1:4566/000000000000/relais-local-${c.id}-dlq${c.fifo ? '.fifo' : ''}`])),
  secrets: { appSecret: { value: 'relais-local-app-secret' }, verifyToken: { value: 'vérify-🔐' }, accessToken: { value: 'EAAG…' } },
  settings: {
    [SEND_ENV.graphBaseUrl]: 'http://127.0.0.1:3001',
    [SEND_ENV.graphVersion]: 'v25.0',
    [SEND_ENV.ratePerSecond]: '80',
    [SEND_ENV.templateCacheTtlMs]: '0',
    [SEND_ENV.maxAttempts]: '3',
    LEDGER_EXPORT_BUCKET: 'relais-local-ledger-export',
  },
};

/** Calls `load` with `env`, recording every variable name it reads. */
function recordReads(load: (env: Readonly<Record<string, string | undefined>>) => unknown, env: Record<string, string>): { reads: Set<string>; error: unknown } {
  const reads = new Set<string>();
  const recording = new Proxy(env, {
    get(target, key) {
      if (typeof key === 'string') reads.add(key);
      return Reflect.get(target, key);
    },
    has(target, key) {
      if (typeof key === 'string') reads.add(key);
      return Reflect.has(target, key);
    },
  });
  try {
    load(recording);
    return { reads, error: undefined };
  } catch (error) {
    return { reads, error };
  }
}

const HANDLER_NAMES = Object.keys(HANDLERS);


describe('handler environments', () => {
  it('knows the start-up loader of every handler in HANDLERS', () => {
    expect(Object.keys(LOADERS).sort()).toEqual([...HANDLER_NAMES].sort());
  });

  it.each(HANDLER_NAMES)('gives %s locally an environment its own loader accepts, reading nothing its needs do not name', (name) => {
    const env = handlerEnvironment(name, HANDLERS[name], LOCAL);

    const { reads, error } = recordReads(LOADERS[name]!, env);

    expect(error).toBeUndefined();
    const foreign = [...reads].filter((variable) => HANDLER_VARIABLES.has(variable) && !variablesOf(HANDLERS[name]!).has(variable));
    expect(foreign).toEqual([]);
    expect(Object.keys(env).every((variable) => variablesOf(HANDLERS[name]!).has(variable))).toBe(true);
  });

  it('hands a secret to a handler as its value locally and as its ARN when deployed, never both', () => {
    const deployed = { ...LOCAL, secrets: { appSecret: { arn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-AbCdEf' }, verifyToken: { value: 'v' }, accessToken: { value: 'a' } } };

    expect(handlerEnvironment('receive-webhook', HANDLERS['receive-webhook'], LOCAL)).toMatchObject({ [ENV.appSecret]: 'relais-local-app-secret' });
    const withArn = handlerEnvironment('receive-webhook', HANDLERS['receive-webhook'], deployed);
    expect(withArn[ENV.appSecretArn]).toBe(deployed.secrets.appSecret.arn);
    expect(withArn[ENV.appSecret]).toBeUndefined();
  });

  it('gives a setting only to the handlers whose needs name its group', () => {
    const holders = HANDLER_NAMES.filter((name) => handlerEnvironment(name, HANDLERS[name], LOCAL)[SEND_ENV.maxAttempts] !== undefined);
    const templateHolders = HANDLER_NAMES.filter((name) => handlerEnvironment(name, HANDLERS[name], LOCAL)[SEND_ENV.templateCacheTtlMs] !== undefined);

    expect(holders).toEqual(['send-message']);
    expect(templateHolders.sort()).toEqual(['post-message', 'request-send']);
  });

  it('refuses a setting of no group, a handler missing from HANDLERS, and a missing resource, naming each', () => {
    expect(() => handlerEnvironment('send-message', HANDLERS['send-message'], { ...LOCAL, settings: { SEND_MAX_ATTEMTPS: '3' } })).toThrow(/SEND_MAX_ATTEMTPS belong to no setting group/);
    expect(() => handlerEnvironment('send-sms', undefined, LOCAL)).toThrow(/"send-sms" has no entry in HANDLERS/);
    expect(() => handlerEnvironment('send-message', HANDLERS['send-message'], { ...LOCAL, dlqUrls: {} })).toThrow(/no dead-letter queue URL for OutboundPriority/);
  });

  it('gives the table name of each table a handler names (several are possible), and refuses a table the topology lacks', () => {
    const reader = { description: 'reads the state table only', tables: { [STATE_TABLE.id]: 'read' } } as const;
    expect(handlerEnvironment('reader', reader, LOCAL)).toEqual({ [STATE_TABLE.envVar]: 'relais-local-StateTable' });
    expect(handlerEnvironment('reader', { description: 'no table' }, LOCAL)).toEqual({});
    const biller = { description: 'bills', tables: { [STATE_TABLE.id]: 'read', [LEDGER_TABLE.id]: 'readWrite' } } as const;
    expect(handlerEnvironment('biller', biller, LOCAL)).toEqual({ [STATE_TABLE.envVar]: 'relais-local-StateTable', [LEDGER_TABLE.envVar]: 'relais-local-LedgerTable' });
    expect(() => handlerEnvironment('archiver', { description: 'archives', tables: { [STATE_TABLE.id]: 'read', ArchiveTable: 'readWrite' } }, LOCAL)).toThrow(
      /"archiver" needs table ArchiveTable, which is not a table of infra\/topology\.ts/,
    );
  });

  it('lists both forms of a secret among the variables a handler may receive, and sets only the form the deployment binds', () => {
    const needs = HANDLERS['verify-webhook']!;
    expect([...variablesOf(needs)].sort()).toEqual([ENV.verifyToken, ENV.verifyTokenArn].sort());
    expect(Object.keys(handlerEnvironment('verify-webhook', needs, LOCAL))).toEqual([ENV.verifyToken]);
  });

  it('enumerates every variable the loaders read as one the test setup scrubs from the caller environment', () => {
    const read = new Set<string>();
    for (const name of HANDLER_NAMES) for (const variable of recordReads(LOADERS[name]!, handlerEnvironment(name, HANDLERS[name], LOCAL)).reads) read.add(variable);
    for (const variable of Object.values(SETTING_VARIABLES).flat()) read.add(variable);

    expect([...read].filter((variable) => !isStackVariable(variable))).toEqual([]);
  });
});
