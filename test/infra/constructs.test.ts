import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { AppFunction, bindTable } from '#infra/constructs/app-function.js';
import { EventBusConstruct, eventPatternFromJson } from '#infra/constructs/event-bus.js';
import { PayloadStore } from '#infra/constructs/payload-store.js';
import { StateTables } from '#infra/constructs/state-tables.js';
import { WebhookIngress } from '#infra/constructs/webhook-ingress.js';
import { ROUTES, STATE_TABLE } from '#infra/topology.js';

// CloudFormation's built-in template validation is slow and runs in nag.test.ts on the full app.
const newStack = () => new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false }), 'Test');

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

describe('bindTable', () => {
  type Statement = { Action: string | string[]; Resource: unknown };
  const statements = (template: Template): Statement[] =>
    Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement);
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
});
