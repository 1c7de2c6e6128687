import { readFileSync } from 'node:fs';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AppFunction } from '#infra/constructs/app-function.js';
import { RelaisStack } from '#infra/relais-stack.js';
import { TEMPLATE_SYNC_HANDLER } from '#infra/constructs/template-sync.js';
import { STANDING_ALERTS } from '#infra/constructs/standing-alarms.js';
import { CONSUMERS, ENV, EVENT_RULES, HANDLERS, LEDGER_TABLE, OUTBOUND_BULK, OUTBOUND_PRIORITY, ROUTES, SEND_REQUESTS, STATE_TABLE, TABLES, TTL_ATTRIBUTE, type ConsumerSpec } from '#infra/topology.js';
import { loadContactActivityConfig, loadContactsApiConfig, loadContactsReadConfig, loadMessageStatusConfig, loadReceiveWebhookConfig, loadTemplateActivityConfig, loadVerifyWebhookConfig } from '#shared/config.js';
import { DetailType } from '#shared/contracts/events/catalogue.js';
import { SEND_ENV, loadRequestSendConfig, loadSenderConfig } from '#shared/sending-config.js';
import { loadLedgerReadConfig, loadMessagingLimitReadConfig, loadStateReadConfig } from '#shared/read-api-config.js';
import { loadHealthActivityConfig, loadTemplatesApiConfig, loadTemplatesReadConfig } from '#shared/templates-config.js';
import { loadBillingConfig, loadLedgerExportConfig } from '#shared/billing-config.js';
import { LEDGER_EXPORT_HANDLER } from '#infra/constructs/ledger-export.js';

/** The feature flags `cdk synth` applies (cdk.json), so the template under test is the one that deploys. */
const CDK_JSON_CONTEXT = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }).context;

/** CloudFormation's built-in template validation is slow; nag.test.ts runs it, with cdk-nag, on the same app. */
function synth(context: Record<string, unknown> = {}): { stack: RelaisStack; template: Template } {
  const app = new App({ autoSynth: false, context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context }, builtinCloudFormationValidation: false });
  const stack = new RelaisStack(app, 'Relais');
  return { stack, template: Template.fromStack(stack) };
}

function logicalId(element: { node: { defaultChild?: unknown } }): string {
  return Stack.of(element as never).getLogicalId(element.node.defaultChild as CfnElement);
}

const ref = (element: { node: { defaultChild?: unknown } }) => ({ Ref: logicalId(element) });
const arnOf = (element: { node: { defaultChild?: unknown } }) => ({ 'Fn::GetAtt': [logicalId(element), 'Arn'] });

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Principal?: unknown; Condition?: unknown };
type PolicyResource = { Properties: { Roles: Array<{ Ref: string }>; PolicyDocument: { Statement: Statement[] } } };
type QueuePolicyResource = { Properties: { Queues: Array<{ Ref: string }>; PolicyDocument: { Statement: Statement[] } } };

function statementsOf(template: Template, fn: AppFunction): Statement[] {
  const roleId = logicalId(fn.role);
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as PolicyResource[];
  return policies.filter((p) => p.Properties.Roles.some((r) => r.Ref === roleId)).flatMap((p) => p.Properties.PolicyDocument.Statement);
}

const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: Statement): unknown[] => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);
const HANDLER_NAMES = Object.keys(HANDLERS);
const WEBHOOK_HANDLERS = ['verify-webhook', 'receive-webhook'];

/** Every handler the stack deploys, whether an HTTP route or a queue serves it. */
function functionOf(stack: RelaisStack, name: string): AppFunction {
  const fn =
    stack.ingress.functions.get(name) ??
    stack.consumers.functions.get(name) ??
    (name === TEMPLATE_SYNC_HANDLER ? stack.templateSync.function : name === LEDGER_EXPORT_HANDLER ? stack.ledgerExport.function : undefined);
  if (fn === undefined) throw new Error(`no function for handler ${name}`);
  return fn;
}

describe('RelaisStack with default configuration', () => {
  let stack: RelaisStack;
  let template: Template;
  beforeAll(() => {
    ({ stack, template } = synth());
  });

  const fnProps = (name: string) => template.findResources('AWS::Lambda::Function')[logicalId(functionOf(stack, name).function)]?.['Properties'];
  const envOf = (name: string): Record<string, unknown> => fnProps(name).Environment.Variables;
  const queueOf = (id: string) => stack.consumers.consumer(id).queue;
  const dlqOf = (id: string) => stack.consumers.consumer(id).dlq;

  describe('HTTP API', () => {
    it.each(ROUTES)('routes $method $path to the $handler function, unauthenticated only for Meta\'s webhook', (route) => {
      const fnId = logicalId(stack.ingress.handler(route.handler).function);
      const integrations = template.findResources('AWS::ApiGatewayV2::Integration', {
        Properties: { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0', IntegrationUri: { 'Fn::GetAtt': [fnId, 'Arn'] } },
      });
      const integrationIds = Object.keys(integrations);
      expect(integrationIds).toHaveLength(1);
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${route.method} ${route.path}`,
        AuthorizationType: route.path === '/webhook' ? 'NONE' : 'AWS_IAM',
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrationIds[0] }]] },
      });
    });

    it("leaves only Meta's two webhook routes without IAM authorisation", () => {
      const routeKeys = (auth: string) =>
        Object.values(template.findResources('AWS::ApiGatewayV2::Route', { Properties: { AuthorizationType: auth } }))
          .map((r) => (r as { Properties: { RouteKey: string } }).Properties.RouteKey)
          .sort();
      expect(routeKeys('NONE')).toEqual(['GET /webhook', 'POST /webhook']);
      expect(routeKeys('AWS_IAM')).toHaveLength(ROUTES.length - 2);
      expect(routeKeys('AWS_IAM')).toContain('POST /messages');
    });

    it('exposes exactly the routes of the topology', () => {
      const routeKeys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => (r as { Properties: { RouteKey: string } }).Properties.RouteKey);
      expect(routeKeys.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    });

    it('throttles the default stage and writes JSON access logs without the query string to a retained log group', () => {
      const logGroupId = logicalId(stack.ingress.accessLogGroup);
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
        AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [logGroupId, 'Arn'] }, Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
      });
      const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0] as { Properties: { AccessLogSettings: { Format: string } } };
      expect(stage.Properties.AccessLogSettings.Format).not.toMatch(/querystring|queryString|verify_token/i);
      expect(template.findResources('AWS::Logs::LogGroup')[logGroupId]).toMatchObject({ Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Retain' });
    });

    it('outputs the API URL and the webhook callback URL', () => {
      template.hasOutput('*', { Description: 'Base URL of the Relais HTTP API' });
      template.hasOutput('WebhookCallbackUrl', {
        Value: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/webhook$')])] },
      });
    });
  });

  describe('Lambda functions', () => {
    it('creates one function per distinct handler across routes and consumers, for every HANDLERS entry', () => {
      const handlers = new Set([...ROUTES.map((r) => r.handler), ...CONSUMERS.map((c) => c.handler), TEMPLATE_SYNC_HANDLER, LEDGER_EXPORT_HANDLER]);
      expect(handlers.size).toBe(25);
      template.resourceCountIs('AWS::Lambda::Function', handlers.size);
      expect([...handlers].sort()).toEqual([...HANDLER_NAMES].sort());
      expect([...stack.ingress.functions.keys()].filter((name) => stack.consumers.functions.has(name))).toEqual([]);
    });

    it('runs every function on Node.js 24, arm64, with JSON logs to its own retained log group and active tracing', () => {
      for (const name of HANDLER_NAMES) {
        const fn = functionOf(stack, name);
        const logGroupId = logicalId(fn.logGroup);
        expect(fnProps(name)).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', LogGroup: { Ref: logGroupId } },
          Role: { 'Fn::GetAtt': [logicalId(fn.role), 'Arn'] },
        });
        expect(fnProps(name).FunctionName).toBeUndefined();
        expect(template.findResources('AWS::Logs::LogGroup')[logGroupId]).toMatchObject({ Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Retain' });
      }
    });

    it.each(HANDLER_NAMES)('sizes %s as HANDLERS says (256 MB and 10 s unless stated)', (name) => {
      const needs = HANDLERS[name]!;
      expect(fnProps(name)).toMatchObject({ Description: needs.description, MemorySize: needs.memorySize ?? 256, Timeout: needs.timeoutSeconds ?? 10 });
    });

    it("keeps every route handler's timeout under API Gateway's 30 s and gives receive-webhook 1 GB for 3 MB bodies", () => {
      for (const name of new Set(ROUTES.map((r) => r.handler))) expect(fnProps(name).Timeout).toBeLessThan(30);
      expect(fnProps('receive-webhook')).toMatchObject({ MemorySize: 1024, Timeout: 20 });
      expect(fnProps('verify-webhook')).toMatchObject({ MemorySize: 256, Timeout: 5 });
    });
  });

  describe('environment', () => {
    const common = { LOG_LEVEL: 'INFO', POWERTOOLS_SERVICE_NAME: 'relais', NODE_OPTIONS: '--enable-source-maps' };
    // What each handler reads (shared/config.ts, shared/sending-config.ts, functions/request-send.ts), written out
    // rather than derived from HANDLERS, so a need dropped from HANDLERS or an extra variable fails here.
    const expected = (name: string): Record<string, unknown> => {
      const table = { [ENV.stateTableName]: ref(stack.tables.table(TABLES[0]!)) };
      const publisher = { ...table, [ENV.eventBusName]: ref(stack.events.bus), [ENV.payloadBucketName]: ref(stack.payloads.bucket) };
      const lanes = { [SEND_ENV.priorityQueueUrl]: ref(queueOf('OutboundPriority')), [SEND_ENV.bulkQueueUrl]: ref(queueOf('OutboundBulk')) };
      const sendSettings = { [SEND_ENV.templateCacheTtlMs]: '30000', [SEND_ENV.policy]: '{}' };
      const templatesGraph = { ...table, [ENV.accessTokenArn]: ref(stack.secrets.accessToken as never), [SEND_ENV.graphBaseUrl]: 'https://graph.facebook.com', [SEND_ENV.graphVersion]: 'v25.0' };
      const byHandler: Record<string, Record<string, unknown>> = {
        'verify-webhook': { [ENV.verifyTokenArn]: ref(stack.secrets.verifyToken as never) },
        'receive-webhook': { [ENV.appSecretArn]: ref(stack.secrets.appSecret as never), [ENV.eventBusName]: ref(stack.events.bus), [ENV.payloadBucketName]: ref(stack.payloads.bucket) },
        'get-contact': table,
        'erase-contact': publisher,
        'record-consent': publisher,
        'acknowledge-identity-change': publisher,
        'import-contacts': publisher,
        'post-message': { ...publisher, ...lanes, ...sendSettings },
        'request-send': { ...publisher, ...lanes, ...sendSettings, [SEND_REQUESTS.urlEnvVar!]: ref(queueOf('SendRequests')) },
        'send-message': {
          ...publisher,
          ...lanes,
          [SEND_ENV.priorityDlqUrl]: ref(dlqOf('OutboundPriority')),
          [SEND_ENV.bulkDlqUrl]: ref(dlqOf('OutboundBulk')),
          [ENV.accessTokenArn]: ref(stack.secrets.accessToken as never),
          [SEND_ENV.graphBaseUrl]: 'https://graph.facebook.com',
          [SEND_ENV.graphVersion]: 'v25.0',
          [SEND_ENV.ratePerSecond]: '80',
          [SEND_ENV.numberRates]: '{}',
          [SEND_ENV.bulkSharePercent]: '80',
          [SEND_ENV.policy]: '{}',
          [SEND_ENV.messagingLimitTier]: 'TIER_250',
          [SEND_ENV.messagingLimitPortfolios]: '{}',
          [SEND_ENV.maxRestrictionHoldMs]: '43200000',
          [SEND_ENV.healthCacheTtlMs]: '30000',
        },
        'track-contact-activity': { ...publisher, CONTACT_SETTINGS: '{}' },
        'track-message-status': publisher,
        'track-template-changes': publisher,
        'track-health': { ...publisher, ...templatesGraph },
        'get-billing-report': { [ENV.ledgerTableName]: ref(stack.tables.table(LEDGER_TABLE)) },
        'export-ledger': { [ENV.ledgerTableName]: ref(stack.tables.table(LEDGER_TABLE)), LEDGER_EXPORT_BUCKET: ref(stack.ledgerExport.bucket) },
        'record-charges': {
          ...publisher,
          [ENV.ledgerTableName]: ref(stack.tables.table(LEDGER_TABLE)),
          BILLING_SETTINGS: '{}',
          [SEND_ENV.messagingLimitPortfolios]: '{}',
        },
        'get-message': table,
        'get-number-health': table,
        'get-messaging-limit': {
          ...table,
          [SEND_ENV.messagingLimitTier]: 'TIER_250',
          [SEND_ENV.messagingLimitPortfolios]: '{}',
          [SEND_ENV.maxRestrictionHoldMs]: '43200000',
          [SEND_ENV.healthCacheTtlMs]: '30000',
        },
        'create-template': templatesGraph,
        'list-templates': table,
        'get-template': table,
        'delete-template': templatesGraph,
        'sync-templates': templatesGraph,
      };
      return { ...common, ...byHandler[name] };
    };

    it.each(HANDLER_NAMES)('sets exactly the variables %s reads', (name) => {
      expect(envOf(name)).toEqual(expected(name));
    });

    // Deployed values are CloudFormation references; a stand-in string per reference is enough for the loaders.
    const resolved = (env: Record<string, unknown>): Record<string, string> =>
      Object.fromEntries(Object.entries(env).map(([key, value]) => [key, typeof value === 'string' ? value : `resolved-${JSON.stringify(value)}`]));
    const loaders: Record<string, (env: Record<string, string>) => unknown> = {
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
      'sync-templates': loadTemplatesApiConfig,
      'list-templates': loadTemplatesReadConfig,
      'get-template': loadTemplatesReadConfig,
      'delete-template': loadTemplatesApiConfig,
    };

    it.each(HANDLER_NAMES)("gives %s an environment its own start-up loader accepts", (name) => {
      expect(Object.keys(loaders).sort()).toEqual([...HANDLER_NAMES].sort());
      expect(() => loaders[name]!(resolved(envOf(name)))).not.toThrow();
    });

    it('points deployed handlers at Secrets Manager for every secret, never at a plain value', () => {
      expect(loadVerifyWebhookConfig(resolved(envOf('verify-webhook'))).verifyToken.kind).toBe('secretsManager');
      expect(loadReceiveWebhookConfig(resolved(envOf('receive-webhook'))).appSecret.kind).toBe('secretsManager');
      expect(loadSenderConfig(resolved(envOf('send-message'))).accessToken.kind).toBe('secretsManager');
      for (const name of HANDLER_NAMES) {
        expect(Object.keys(envOf(name)).filter((key) => [ENV.appSecret, ENV.verifyToken, ENV.accessToken].includes(key as never))).toEqual([]);
      }
    });
  });

  describe('grants', () => {
    const dynamoActions = (name: string) => statementsOf(template, functionOf(stack, name)).flatMap(actionsOf).filter((a) => a.startsWith('dynamodb:'));
    const WRITES = /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem)$/;

    it.each(HANDLER_NAMES.flatMap((name) => TABLES.map((spec) => [name, spec.id] as const)))('gives %s exactly the %s access HANDLERS declares', (name, tableId) => {
      const access = HANDLERS[name]!.tables?.[tableId];
      const tableArn = arnOf(stack.tables.table({ id: tableId }));
      const onTable = statementsOf(template, functionOf(stack, name)).filter(
        (s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')) && resourcesOf(s).some((r) => JSON.stringify(r) === JSON.stringify(tableArn)),
      );
      const actions = onTable.flatMap(actionsOf);
      if (access === undefined) {
        expect(actions).toEqual([]);
        return;
      }
      expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem']));
      expect(actions.filter((a) => WRITES.test(a)).sort()).toEqual(access === 'read' ? [] : ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
      expect(onTable.flatMap(resourcesOf)).toEqual([tableArn, { 'Fn::Join': ['', [tableArn, '/index/*']] }]);
    });

    it.each(HANDLER_NAMES)('gives %s no DynamoDB access beyond the tables HANDLERS names', (name) => {
      const named = TABLES.filter((spec) => HANDLERS[name]!.tables?.[spec.id] !== undefined).flatMap((spec) => {
        const arn = arnOf(stack.tables.table(spec));
        return [JSON.stringify(arn), JSON.stringify({ 'Fn::Join': ['', [arn, '/index/*']] })];
      });
      const resources = statementsOf(template, functionOf(stack, name))
        .filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')))
        .flatMap(resourcesOf)
        .map((r) => JSON.stringify(r));
      expect(resources.filter((r) => !named.includes(r))).toEqual([]);
    });

    it('lets get-contact only read the table, and gives the webhook handlers no DynamoDB access', () => {
      expect(dynamoActions('get-contact')).toContain('dynamodb:GetItem');
      expect(dynamoActions('get-contact').filter((a) => WRITES.test(a))).toEqual([]);
      for (const name of WEBHOOK_HANDLERS) expect(dynamoActions(name)).toEqual([]);
    });

    it.each(HANDLER_NAMES)('lets %s put events on the Relais bus only if it publishes', (name) => {
      const puts = statementsOf(template, functionOf(stack, name)).filter((s) => actionsOf(s).includes('events:PutEvents'));
      expect(puts.map(resourcesOf)).toEqual(HANDLERS[name]!.publishesEvents ? [[arnOf(stack.events.bus)]] : []);
    });

    it.each(HANDLER_NAMES)('lets %s put payloads if it publishes and get them if it reads claim checks, on the payload objects only', (name) => {
      const payloadObjects = JSON.stringify({ 'Fn::Join': ['', [arnOf(stack.payloads.bucket), '/*']] });
      const s3 = statementsOf(template, functionOf(stack, name)).filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')) && resourcesOf(s).some((r) => JSON.stringify(r) === payloadObjects));
      const actions = s3.flatMap(actionsOf);
      expect(actions.includes('s3:PutObject')).toBe(HANDLERS[name]!.publishesEvents === true);
      expect(actions.includes('s3:GetObject')).toBe(HANDLERS[name]!.readsPayloads === true);
      expect(actions.filter((a) => /List|Delete|GetBucket|GetObject\*/.test(a))).toEqual([]);
      for (const statement of s3) expect(resourcesOf(statement).map((r) => JSON.stringify(r))).toEqual([payloadObjects]);
    });

    it.each(HANDLER_NAMES)('lets %s write to the ledger export only if it is the export, and read nothing there', (name) => {
      const exportObjects = JSON.stringify({ 'Fn::Join': ['', [arnOf(stack.ledgerExport.bucket), '/*']] });
      const onExport = statementsOf(template, functionOf(stack, name)).filter((s) => resourcesOf(s).some((r) => JSON.stringify(r).includes(logicalId(stack.ledgerExport.bucket))));
      if (name !== LEDGER_EXPORT_HANDLER) {
        expect(onExport).toEqual([]);
        return;
      }
      expect(onExport.flatMap(resourcesOf).map((r) => JSON.stringify(r))).toEqual([exportObjects]);
      expect(onExport.flatMap(actionsOf).filter((a) => /Get|List|Delete/.test(a))).toEqual([]);
    });

    it('lets each secret be read by the handlers that need it: the verify token by verify-webhook, the app secret by receive-webhook, the access token by send-message, the health consumer, the template create and delete routes and the template sync', () => {
      const readers = (secret: object) =>
        HANDLER_NAMES.filter((name) =>
          statementsOf(template, functionOf(stack, name)).some((s) => actionsOf(s).includes('secretsmanager:GetSecretValue') && resourcesOf(s).some((r) => JSON.stringify(r) === JSON.stringify(secret))),
        );
      expect(readers(ref(stack.secrets.verifyToken as never))).toEqual(['verify-webhook']);
      expect(readers(ref(stack.secrets.appSecret as never))).toEqual(['receive-webhook']);
      expect(readers(ref(stack.secrets.accessToken as never))).toEqual(['send-message', 'track-health', 'create-template', 'delete-template', 'sync-templates']);
      for (const name of HANDLER_NAMES) {
        const reads = statementsOf(template, functionOf(stack, name)).filter((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')));
        expect(reads.flatMap(resourcesOf)).toHaveLength(HANDLERS[name]!.secrets?.length ?? 0);
      }
    });

    it('lets producers send only to the queues they feed, and consumers receive only from their own', () => {
      const queueNames = new Map<string, string>();
      for (const spec of CONSUMERS) {
        queueNames.set(JSON.stringify(arnOf(queueOf(spec.id))), spec.id);
        queueNames.set(JSON.stringify(arnOf(dlqOf(spec.id))), `${spec.id}Dlq`);
      }
      queueNames.set(JSON.stringify(arnOf(stack.templateSync.failures)), 'TemplateSyncFailures');
      const targets = (name: string, action: string) =>
        statementsOf(template, functionOf(stack, name))
          .filter((s) => actionsOf(s).includes(action))
          .flatMap(resourcesOf)
          .map((r) => queueNames.get(JSON.stringify(r)) ?? JSON.stringify(r))
          .sort();
      const sends = Object.fromEntries(HANDLER_NAMES.map((name) => [name, targets(name, 'sqs:SendMessage')]));
      const receives = Object.fromEntries(HANDLER_NAMES.map((name) => [name, targets(name, 'sqs:ReceiveMessage')]));
      expect(Object.fromEntries(Object.entries(sends).filter(([, queues]) => queues.length > 0))).toEqual({
        'post-message': ['OutboundBulk', 'OutboundPriority'],
        // request-send knows its own queue's URL (to delay a request) but may not send to it.
        'request-send': ['OutboundBulk', 'OutboundPriority'],
        'send-message': ['OutboundBulkDlq', 'OutboundPriorityDlq'],
        // A failed scheduled sync's event (Lambda's on-failure destination).
        'sync-templates': ['TemplateSyncFailures'],
      });
      expect(Object.fromEntries(Object.entries(receives).filter(([, queues]) => queues.length > 0))).toEqual({
        'request-send': ['SendRequests'],
        'send-message': ['OutboundBulk', 'OutboundPriority'],
        'track-contact-activity': ['ContactActivity'],
        'track-message-status': ['MessageStatus'],
        'track-template-changes': ['TemplateActivity'],
        'track-health': ['HealthActivity'],
        'record-charges': ['Billing'],
      });
    });
  });

  describe('queues', () => {
    const queueProps = (queue: { node: { defaultChild?: unknown } }) => template.findResources('AWS::SQS::Queue')[logicalId(queue)];

    it('creates a queue and a dead-letter queue per consumer, and the template sync failure queue', () => {
      template.resourceCountIs('AWS::SQS::Queue', CONSUMERS.length * 2 + 1);
    });

    it.each(CONSUMERS)('dead-letters $id messages after $maxReceiveCount receives into an encrypted, retained DLQ of the same kind', (spec) => {
      expect(queueProps(queueOf(spec.id))).toMatchObject({
        DeletionPolicy: 'Retain',
        Properties: {
          SqsManagedSseEnabled: true,
          MessageRetentionPeriod: 1209600,
          RedrivePolicy: { deadLetterTargetArn: arnOf(dlqOf(spec.id)), maxReceiveCount: spec.maxReceiveCount },
        },
      });
      const dlq = queueProps(dlqOf(spec.id));
      expect(dlq).toMatchObject({ DeletionPolicy: 'Retain', Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 } });
      expect(dlq?.['Properties'].RedrivePolicy).toBeUndefined();
      expect(dlq?.['Properties'].FifoQueue).toBe(spec.fifo ? true : undefined);
    });

    it.each([OUTBOUND_PRIORITY, OUTBOUND_BULK])('runs the $id lane as a FIFO queue deduplicating per message group at per-group throughput', (spec) => {
      expect(queueProps(queueOf(spec.id))?.['Properties']).toMatchObject({
        FifoQueue: true,
        ContentBasedDeduplication: false,
        DeduplicationScope: 'messageGroup',
        FifoThroughputLimit: 'perMessageGroupId',
      });
    });

    it('keeps every other queue standard', () => {
      expect(CONSUMERS.filter((c) => c.fifo).map((c) => c.id)).toEqual(['OutboundPriority', 'OutboundBulk']);
      for (const spec of CONSUMERS.filter((c) => !c.fifo)) expect(queueProps(queueOf(spec.id))?.['Properties'].FifoQueue).toBeUndefined();
    });

    it.each(CONSUMERS)("gives the $id queue a visibility timeout of at least 6× its function's timeout", (spec) => {
      const visibility = queueProps(queueOf(spec.id))?.['Properties'].VisibilityTimeout as number;
      expect(visibility).toBe(spec.visibilityTimeoutSeconds);
      expect(visibility).toBeGreaterThanOrEqual(6 * (fnProps(spec.handler).Timeout as number));
    });

    it.each(CONSUMERS)('alarms as soon as one message waits in the $id DLQ', (spec) => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(dlqOf(spec.id)), 'QueueName'] } }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
        Period: 60,
        TreatMissingData: 'notBreaching',
      });
    });

    it('has one alarm per DLQ, one on the template sync failure queue and one per standing alert, no other', () => {
      template.resourceCountIs('AWS::CloudWatch::Alarm', CONSUMERS.length + 1 + STANDING_ALERTS.length);
    });
  });

  describe('event source mappings', () => {
    const mappings = () =>
      Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).map(
        (m) => (m as { Properties: { EventSourceArn: unknown; FunctionName: unknown } }).Properties,
      );

    it.each(CONSUMERS)('hands the $id queue to $handler in batches of $batchSize, at most $maxConcurrency at once, with partial batch failures', (spec: ConsumerSpec) => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: arnOf(queueOf(spec.id)),
        FunctionName: ref(functionOf(stack, spec.handler).function),
        BatchSize: spec.batchSize,
        ScalingConfig: { MaximumConcurrency: spec.maxConcurrency },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });

    it('maps each queue once, and both outbound lanes to the one send-message function', () => {
      template.resourceCountIs('AWS::Lambda::EventSourceMapping', CONSUMERS.length);
      const sender = ref(functionOf(stack, 'send-message').function);
      const lanes = mappings().filter((m) => JSON.stringify(m.FunctionName) === JSON.stringify(sender));
      expect(lanes.map((m) => m.EventSourceArn)).toEqual(expect.arrayContaining([arnOf(queueOf('OutboundPriority')), arnOf(queueOf('OutboundBulk'))]));
      expect(lanes).toHaveLength(2);
    });
  });

  describe('event rules', () => {
    const ruleProps = (id: string) => template.findResources('AWS::Events::Rule')[logicalId(stack.events.node.findChild(id) as never)]?.['Properties'];

    it('creates one rule per topology entry and one per standing alert on the Relais bus', () => {
      // The ledger export's daily schedule runs on the default bus (schedules only run there).
      const onBus = Object.values(template.findResources('AWS::Events::Rule')).filter((r) => (r as { Properties: { ScheduleExpression?: string } }).Properties.ScheduleExpression === undefined);
      expect(onBus).toHaveLength(EVENT_RULES.length + STANDING_ALERTS.length);
      for (const rule of onBus) expect((rule as { Properties: unknown }).Properties).toMatchObject({ EventBusName: ref(stack.events.bus), State: 'ENABLED' });
    });

    it.each(EVENT_RULES)('matches $id with its pattern, spelt as EventBridge reads it', (rule) => {
      const pattern = ruleProps(rule.id).EventPattern;
      expect(pattern).toEqual(rule.pattern);
      expect(Object.keys(pattern)).toContain('detail-type');
      expect(JSON.stringify(pattern)).not.toContain('detailType');
    });

    it.each(EVENT_RULES)('delivers $id to the $target queue, retrying for 24 h before dead-lettering to its DLQ', (rule) => {
      expect(ruleProps(rule.id).Targets).toEqual([
        {
          Id: 'Target0',
          Arn: arnOf(queueOf(rule.target)),
          DeadLetterConfig: { Arn: arnOf(dlqOf(rule.target)) },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
        },
      ]);
    });

    it('takes SendRequested and HealthRefreshRequested from any source, and Relais-sourced webhook events to the contact, status and health consumers', () => {
      const sendRule = EVENT_RULES.find((r) => r.target === 'SendRequests');
      expect(ruleProps(sendRule!.id).EventPattern).toEqual({ 'detail-type': [DetailType.SendRequested] });
      const byTarget = (target: string) => EVENT_RULES.filter((r) => r.target === target).flatMap((r) => (ruleProps(r.id).EventPattern as { 'detail-type': string[] })['detail-type']);
      expect(byTarget('ContactActivity').sort()).toEqual(
        [DetailType.MarketingPreferenceChanged, DetailType.MessageReceived, DetailType.MessageStatusUpdated, DetailType.UserIdChanged, DetailType.UserIdentityChanged].sort(),
      );
      expect(byTarget('MessageStatus')).toEqual([DetailType.MessageStatusUpdated]);
      expect(ruleProps('HealthActivityRefreshRequests').EventPattern).toEqual({ 'detail-type': [DetailType.HealthRefreshRequested] });
      expect(byTarget('HealthActivity').sort()).toEqual(
        [DetailType.AccountUpdated, DetailType.BusinessCapabilityChanged, DetailType.HealthRefreshRequested, DetailType.PhoneNumberQualityChanged].sort(),
      );
      const inputs = new Set(['SendRequestsFromAnySource', 'HealthActivityRefreshRequests']);
      for (const rule of EVENT_RULES.filter((r) => !inputs.has(r.id))) expect(ruleProps(rule.id).EventPattern.source).toEqual(['relais.whatsapp']);
    });

    it("lets only the bus's rules send to the queues, each rule to its target queue and that queue's DLQ", () => {
      const ruleOfArn = new Map(EVENT_RULES.map((r) => [JSON.stringify(arnOf(stack.events.node.findChild(r.id) as never)), r]));
      const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')) as QueuePolicyResource[];
      const allowed: string[] = [];
      for (const policy of policies) {
        const [queue] = policy.Properties.Queues;
        const statements = policy.Properties.PolicyDocument.Statement;
        expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
        for (const statement of statements.filter((s) => s.Effect === 'Allow')) {
          expect(statement.Principal).toEqual({ Service: 'events.amazonaws.com' });
          expect(actionsOf(statement)).toContain('sqs:SendMessage');
          const sourceArn = (statement.Condition as { ArnEquals?: { 'aws:SourceArn'?: unknown } }).ArnEquals?.['aws:SourceArn'];
          const rule = ruleOfArn.get(JSON.stringify(sourceArn));
          expect(rule, `queue policy of ${queue?.Ref} allows ${JSON.stringify(sourceArn)}`).toBeDefined();
          expect([logicalId(queueOf(rule!.target)), logicalId(dlqOf(rule!.target))]).toContain(queue?.Ref);
          allowed.push(`${rule!.id}->${queue?.Ref}`);
        }
      }
      const expected = EVENT_RULES.flatMap((r) => [`${r.id}->${logicalId(queueOf(r.target))}`, `${r.id}->${logicalId(dlqOf(r.target))}`]);
      expect(allowed.sort()).toEqual(expected.sort());
    });
  });

  describe('secrets', () => {
    it('creates the three WhatsApp secrets with generated placeholders, retained on delete', () => {
      template.resourceCountIs('AWS::SecretsManager::Secret', 3);
      template.allResources('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ GenerateSecretString: Match.anyValue() }) });
    });

  });

  describe('IAM', () => {
    it('uses Resource "*" only for the X-Ray actions, which support no resource-level permissions', () => {
      const policies = Object.values(template.findResources('AWS::IAM::Policy')) as PolicyResource[];
      const wildcard = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).filter((s) => resourcesOf(s).includes('*'));
      expect(wildcard.length).toBeGreaterThan(0);
      for (const statement of wildcard) {
        expect(actionsOf(statement).every((a) => a.startsWith('xray:'))).toBe(true);
      }
    });

    it('attaches no AWS managed policy to the function roles', () => {
      template.allResourcesProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    });
  });

  describe('state tables', () => {
    it.each(TABLES)('creates $id with its keys, indexes, TTL, on-demand billing, PITR, encryption and deletion protection', (spec) => {
      const tableId = logicalId(stack.tables.table(spec));
      const table = template.findResources('AWS::DynamoDB::GlobalTable')[tableId];
      expect(table).toMatchObject({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [
            { AttributeName: spec.partitionKey, KeyType: 'HASH' },
            { AttributeName: spec.sortKey, KeyType: 'RANGE' },
          ],
          SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
          Replicas: [{ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true }],
          ...(spec.ttlAttribute ? { TimeToLiveSpecification: { AttributeName: spec.ttlAttribute, Enabled: true } } : {}),
        },
      });
      expect(table?.['Properties'].TableName).toBeUndefined();
      expect(table?.['Properties'].GlobalSecondaryIndexes).toEqual(
        spec.globalIndexes.map((index) => ({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      );
    });

    it('creates one table per topology entry, the state table expiring items by the shared TTL attribute', () => {
      template.resourceCountIs('AWS::DynamoDB::GlobalTable', TABLES.length);
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', { TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } });
    });
  });

  describe('operational alerts', () => {
    it('sends every DLQ alarm, on alarm and back to OK, to one encrypted topic that refuses non-TLS publishers', () => {
      const topics = template.findResources('AWS::SNS::Topic');
      expect(Object.keys(topics)).toHaveLength(1);
      const topicId = Object.keys(topics)[0]!;
      expect(topics[topicId]!['Properties']['KmsMasterKeyId']).toBeDefined();
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
      const alarms = template.findResources('AWS::CloudWatch::Alarm');
      expect(Object.keys(alarms)).toHaveLength(CONSUMERS.length + 1 + STANDING_ALERTS.length);
      for (const alarm of Object.values(alarms)) {
        expect(alarm['Properties']['AlarmActions']).toEqual([{ Ref: topicId }]);
        expect(alarm['Properties']['OKActions']).toEqual([{ Ref: topicId }]);
      }
      template.hasOutput('AlertsTopicArn', { Value: { Ref: topicId } });
      template.resourceCountIs('AWS::SNS::Subscription', 0);
    });
  });

  describe('event bus', () => {
    it('creates one custom bus and archives every event on it for 90 days, retained on delete', () => {
      template.resourceCountIs('AWS::Events::EventBus', 1);
      template.hasResource('AWS::Events::Archive', {
        DeletionPolicy: 'Retain',
        Properties: {
          SourceArn: { 'Fn::GetAtt': [logicalId(stack.events.bus), 'Arn'] },
          RetentionDays: 90,
          EventPattern: { account: [{ Ref: 'AWS::AccountId' }] },
        },
      });
    });
  });

  describe('payload store', () => {
    it('blocks public access, enforces TLS, encrypts, expires objects after 400 days and logs access', () => {
      const bucketId = logicalId(stack.payloads.bucket);
      expect(template.findResources('AWS::S3::Bucket')[bucketId]).toMatchObject({
        DeletionPolicy: 'Retain',
        Properties: {
          PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
          BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
          LifecycleConfiguration: { Rules: [{ Status: 'Enabled', ExpirationInDays: 400, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }] },
          LoggingConfiguration: { DestinationBucketName: { Ref: logicalId(stack.payloads.accessLogsBucket) } },
        },
      });
      expect(template.findResources('AWS::S3::Bucket')[bucketId]?.['Properties'].VersioningConfiguration).toBeUndefined();
    });

    it('denies non-TLS requests on both buckets', () => {
      for (const bucket of [stack.payloads.bucket, stack.payloads.accessLogsBucket]) {
        template.hasResourceProperties('AWS::S3::BucketPolicy', {
          Bucket: { Ref: logicalId(bucket) },
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ]),
          },
        });
      }
    });

    it('hardens the access log bucket the same way', () => {
      expect(template.findResources('AWS::S3::Bucket')[logicalId(stack.payloads.accessLogsBucket)]).toMatchObject({
        DeletionPolicy: 'Retain',
        Properties: {
          PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
          BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
          LifecycleConfiguration: { Rules: [{ Status: 'Enabled', ExpirationInDays: 400 }] },
        },
      });
    });
  });

  it('tags resources with project=relais', () => {
    for (const type of [
      'AWS::Lambda::Function',
      'AWS::S3::Bucket',
      'AWS::Events::EventBus',
      'AWS::Events::Rule',
      'AWS::SecretsManager::Secret',
      'AWS::Logs::LogGroup',
      'AWS::SQS::Queue',
      'AWS::CloudWatch::Alarm',
      'AWS::Lambda::EventSourceMapping',
    ]) {
      template.allResourcesProperties(type, { Tags: Match.arrayWith([{ Key: 'project', Value: 'relais' }]) });
    }
    template.allResourcesProperties('AWS::ApiGatewayV2::Api', { Tags: { project: 'relais' } });
  });
});

describe('RelaisStack configured through CDK context', () => {
  it('applies the retention settings to logs, the archive and payloads', () => {
    const { template } = synth({ logRetentionDays: '90', archiveRetentionDays: 7, payloadRetentionDays: 30, logLevel: 'DEBUG' });
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    template.hasResourceProperties('AWS::Events::Archive', { RetentionDays: 7 });
    // The payloads and their access logs expire; the ledger export is finance's record and keeps current objects.
    const buckets = template.findResources('AWS::S3::Bucket');
    for (const [id, bucket] of Object.entries(buckets)) {
      const rules = (bucket as { Properties: { LifecycleConfiguration: { Rules: Record<string, unknown>[] } } }).Properties.LifecycleConfiguration.Rules;
      if (id.startsWith('LedgerExport')) expect(rules.every((rule) => rule['ExpirationInDays'] === undefined)).toBe(true);
      else expect(rules).toEqual([expect.objectContaining({ ExpirationInDays: 30 })]);
    }
    template.allResourcesProperties('AWS::Lambda::Function', {
      LoggingConfig: Match.objectLike({ ApplicationLogLevel: 'DEBUG' }),
      Environment: { Variables: Match.objectLike({ LOG_LEVEL: 'DEBUG' }) },
    });
  });

  it('applies the throttling settings to the default stage', () => {
    const { template } = synth({ apiThrottleRateLimit: 50, apiThrottleBurstLimit: '100' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 } });
  });

  it('uses existing secrets given by ARN instead of creating them, and grants read on those ARNs', () => {
    const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:relais/${name}-AbC123`;
    const { stack, template } = synth({ appSecretArn: arn('app-secret'), verifyTokenArn: arn('verify-token'), accessTokenArn: arn('access-token') });
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const envOf = (name: string) => template.findResources('AWS::Lambda::Function')[logicalId(functionOf(stack, name).function)]?.['Properties'].Environment.Variables;
    expect(envOf('receive-webhook')[ENV.appSecretArn]).toBe(arn('app-secret'));
    expect(envOf('verify-webhook')[ENV.verifyTokenArn]).toBe(arn('verify-token'));
    expect(envOf('send-message')[ENV.accessTokenArn]).toBe(arn('access-token'));
    const reads = (name: string) => statementsOf(template, functionOf(stack, name)).filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue')).flatMap(resourcesOf);
    expect(reads('receive-webhook')).toEqual([arn('app-secret')]);
    expect(reads('send-message')).toEqual([arn('access-token')]);
    template.hasOutput('AccessTokenArn', { Value: arn('access-token') });
  });

  it('passes the Graph API target, throughput, template cache, send policy and contact settings to the handlers that read them', () => {
    const { stack, template } = synth({
      graphApiBaseUrl: 'https://graph.example.test/',
      graphApiVersion: 'v24.0',
      throughputPerSecond: '250',
      throughputByNumber: JSON.stringify({ '106540352242923': 1000, '106540352242924': 20 }),
      bulkSharePercent: '65',
      templateCacheTtlMs: '0',
      sendPolicy: { requireOptIn: ['marketing', 'utility'] },
      contactSettings: { default: { keywords: { optOut: ['STOP', 'ARRET'] } } },
    });
    const envOf = (name: string): Record<string, string> => {
      const variables = template.findResources('AWS::Lambda::Function')[logicalId(functionOf(stack, name).function)]?.['Properties'].Environment.Variables as Record<string, unknown>;
      return Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : 'resolved']));
    };
    const sender = loadSenderConfig(envOf('send-message'));
    expect(sender).toMatchObject({ graphBaseUrl: 'https://graph.example.test', graphVersion: 'v24.0' });
    expect(sender.ratePerSecond('106540352242922')).toBe(250);
    expect(sender.ratePerSecond('106540352242923')).toBe(1000);
    expect(sender.ratePerSecond('106540352242924')).toBe(20);
    expect(sender.bulkSharePercent).toBe(65);
    for (const name of ['post-message', 'request-send']) {
      const config = loadRequestSendConfig(envOf(name));
      expect(config.templateCacheTtlMs).toBe(0);
      expect(config.policy.requireOptIn).toEqual(['marketing', 'utility']);
    }
    expect(loadContactActivityConfig(envOf('track-contact-activity')).settingsFor('1234').keywords.optOut).toEqual(['STOP', 'ARRET']);
    for (const name of HANDLER_NAMES.filter((n) => !['post-message', 'request-send'].includes(n))) expect(envOf(name)[SEND_ENV.templateCacheTtlMs]).toBeUndefined();
  });

  it('refuses to synthesise with invalid context, naming the key', () => {
    expect(() => synth({ logRetentionDays: 'abc' })).toThrow(/logRetentionDays: must be a whole number/);
    expect(() => synth({ throughputByNumber: { '106540352242922': 1001 } })).toThrow(/throughputByNumber/);
    expect(() => synth({ throughputByNumber: { 'my-number': 80 } })).toThrow(/throughputByNumber/);
    expect(() => synth({ bulkSharePercent: '120' })).toThrow(/bulkSharePercent: must be at most 100/);
  });
});
