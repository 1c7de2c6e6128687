import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { AppFunction, bindTable } from '#infra/constructs/app-function.js';
import { EventBusConstruct, eventPatternFromJson } from '#infra/constructs/event-bus.js';
import { EventConsumers } from '#infra/constructs/event-consumers.js';
import { PayloadStore } from '#infra/constructs/payload-store.js';
import { StateTables } from '#infra/constructs/state-tables.js';
import { WebhookIngress } from '#infra/constructs/webhook-ingress.js';
import { HANDLERS, OUTBOUND_BULK, OUTBOUND_PRIORITY, ROUTES, STATE_TABLE, type ConsumerSpec } from '#infra/topology.js';

/** The feature flags of cdk.json (the payload bucket's access logging relies on serverAccessLogsUseBucketPolicy). */
const CDK_JSON_CONTEXT = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }).context;

// CloudFormation's built-in template validation is slow and runs in nag.test.ts on the full app.
const newStack = () => new Stack(new App({ autoSynth: false, context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false }), 'Test');

describe('AppFunction', () => {
  it('names the missing module when a handler file does not exist', () => {
    expect(() => new AppFunction(newStack(), 'Missing', { handlerName: 'no-such-handler' })).toThrow(/functions\/no-such-handler\.ts/);
  });

  it('merges the caller environment over the defaults and applies memory, timeout and retention defaults', () => {
    const stack = newStack();
    new AppFunction(stack, 'Fn', { handlerName: 'verify-webhook', environment: { EXTRA: 'x', LOG_LEVEL: 'WARN' } });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 256,
      Timeout: 10,
      Environment: { Variables: { LOG_LEVEL: 'WARN', POWERTOOLS_SERVICE_NAME: 'relais', NODE_OPTIONS: '--enable-source-maps', EXTRA: 'x' } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });
});

type Statement = { Action: string | string[]; Resource: unknown };
const statements = (template: Template): Statement[] =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement);

describe('bindTable', () => {
  const dynamoActions = (template: Template) => statements(template).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).filter((a) => a.startsWith('dynamodb:'));

  it('grants read access to the table and its indexes and sets the table name variable', () => {
    const stack = newStack();
    const table = new StateTables(stack, 'State', { specs: [STATE_TABLE] }).table(STATE_TABLE);
    const fn = new AppFunction(stack, 'Fn', { handlerName: 'verify-webhook' });
    bindTable(fn, table, STATE_TABLE.envVar, 'read');
    const template = Template.fromStack(stack);
    const tableId = stack.getLogicalId(table.node.defaultChild as never);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [STATE_TABLE.envVar]: { Ref: tableId } }) },
    });
    const query = statements(template).find((s) => ([] as string[]).concat(s.Action).includes('dynamodb:Query'));
    expect(query?.Resource).toEqual([{ 'Fn::GetAtt': [tableId, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, '/index/*']] }]);
    expect(dynamoActions(template)).toContain('dynamodb:GetItem');
    expect(dynamoActions(template).filter((a) => /Put|Update|Delete|Write/.test(a))).toEqual([]);
  });

  it('grants write access by default', () => {
    const stack = newStack();
    const tables = new StateTables(stack, 'State', { specs: [STATE_TABLE] });
    tables.bind(new AppFunction(stack, 'Fn', { handlerName: 'verify-webhook' }), STATE_TABLE);
    expect(dynamoActions(Template.fromStack(stack))).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query']));
  });
});

describe('StateTables', () => {
  it('names the unknown table when asked for one it does not hold', () => {
    const tables = new StateTables(newStack(), 'State', { specs: [STATE_TABLE] });
    expect(() => tables.table({ id: 'Billing' })).toThrow(/no table "Billing"; known: StateTable/);
  });
});

describe('EventBusConstruct', () => {
  it('adds rules on the Relais bus', () => {
    const stack = newStack();
    const events = new EventBusConstruct(stack, 'Events');
    events.addRule('Received', { eventPattern: { source: ['relais.whatsapp'], detailType: ['MessageReceived'] }, description: 'test rule' });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: stack.getLogicalId(events.bus.node.defaultChild as never) },
      EventPattern: { source: ['relais.whatsapp'], 'detail-type': ['MessageReceived'] },
    });
  });

  it('reads rule patterns written in EventBridge JSON form, as the topology holds them', () => {
    const stack = newStack();
    const events = new EventBusConstruct(stack, 'Events');
    const json = { source: ['relais.whatsapp'], 'detail-type': ['MessageStatusUpdated'], detail: { data: { status: ['failed'] } } };
    events.addRule('Failed', { eventPattern: eventPatternFromJson(json) });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', { EventPattern: json });
  });

  it('rejects a non-positive archive retention', () => {
    expect(() => new EventBusConstruct(newStack(), 'Events', { archiveRetentionDays: 0 })).toThrow(/archiveRetentionDays must be a positive integer/);
  });
});

describe('WebhookIngress', () => {
  it('refuses per-handler settings for a handler no route uses', () => {
    expect(
      () => new WebhookIngress(newStack(), 'Ingress', { routes: ROUTES, handlerProps: { 'send-message': { memorySize: 512 } }, throttle: { rateLimit: 1, burstLimit: 1 } }),
    ).toThrow(/handlerProps names "send-message", which no route uses/);
  });

  it('protects routes declared with IAM auth by an IAM authorizer', () => {
    const stack = newStack();
    new WebhookIngress(stack, 'Ingress', {
      routes: [{ method: 'POST', path: '/messages', handler: 'receive-webhook', auth: 'iam' }],
      throttle: { rateLimit: 1, burstLimit: 1 },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /messages', AuthorizationType: 'AWS_IAM' });
  });
});

describe('PayloadStore', () => {
  it('rejects a non-positive retention', () => {
    expect(() => new PayloadStore(newStack(), 'Payloads', { retentionDays: 0 })).toThrow(/retentionDays must be a positive integer/);
  });

  it('lets a claim-check reader get objects of the payload bucket and nothing else', () => {
    const stack = newStack();
    const payloads = new PayloadStore(stack, 'Payloads');
    payloads.grantGet(new AppFunction(stack, 'Fn', { handlerName: 'track-message-status' }));
    const s3Statements = statements(Template.fromStack(stack)).filter((s) => ([] as string[]).concat(s.Action).some((a) => a.startsWith('s3:')));
    const bucketId = stack.getLogicalId(payloads.bucket.node.defaultChild as never);
    expect(s3Statements).toEqual([
      expect.objectContaining({ Action: 's3:GetObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] } }),
    ]);
  });
});

describe('EventConsumers', () => {
  const consumer = (overrides: Partial<ConsumerSpec> = {}): ConsumerSpec => ({
    id: 'Statuses',
    handler: 'track-message-status',
    fifo: false,
    batchSize: 10,
    maxConcurrency: 5,
    visibilityTimeoutSeconds: 180,
    maxReceiveCount: 5,
    ...overrides,
  });
  const build = (consumers: readonly ConsumerSpec[], rules: ConstructorParameters<typeof EventConsumers>[2]['rules'] = []) => {
    const stack = newStack();
    const events = new EventBusConstruct(stack, 'Events');
    const built = new EventConsumers(stack, 'Consumers', { consumers, rules, handlers: HANDLERS, events });
    return { stack, built };
  };

  it("refuses a visibility timeout under 6× the consumer function's timeout, naming both", () => {
    // track-message-status runs for up to 30 s, so its queue needs 180 s.
    expect(() => build([consumer({ visibilityTimeoutSeconds: 179 })])).toThrow(
      /Statuses's visibility timeout \(179 s\) must be at least 6× track-message-status's timeout \(30 s\), i\.e\. ≥ 180 s/,
    );
  });

  it('refuses a consumer whose handler has no HANDLERS entry, and a rule targeting an unknown consumer', () => {
    expect(() => build([consumer({ handler: 'no-such-handler' })])).toThrow(/consumer Statuses uses handler "no-such-handler", which has no entry in HANDLERS/);
    expect(() => build([consumer()], [{ id: 'Lost', description: 'x', pattern: { source: ['relais.whatsapp'] }, target: 'Nowhere' }])).toThrow(
      /rule Lost targets unknown consumer Nowhere/,
    );
    expect(() => build([consumer(), consumer()])).toThrow(/duplicate consumer id "Statuses"/);
  });

  it('builds one function for consumers sharing a handler, with one event source mapping per queue', () => {
    const { stack, built } = build([OUTBOUND_PRIORITY, OUTBOUND_BULK]);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    expect([...built.functions.keys()]).toEqual(['send-message']);
    expect(() => built.consumer('Statuses')).toThrow(/no consumer Statuses/);
  });
});
