import { readFileSync } from 'node:fs';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { RelaisStack, readRelaisConfig } from '#infra/relais-stack.js';
import { ENV, HANDLERS } from '#infra/topology.js';
import { SEND_ENV } from '#shared/sending-config.js';

const CDK_JSON_CONTEXT = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }).context;
const WABA = '102290129340398';
/** Above 2^53: an id that only survives as a string. */
const BIG_WABA = '18014398509481985123';

function synth(context: Record<string, unknown> = {}): { stack: RelaisStack; template: Template } {
  const app = new App({ autoSynth: false, context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context }, builtinCloudFormationValidation: false });
  const stack = new RelaisStack(app, 'Relais');
  return { stack, template: Template.fromStack(stack) };
}

const logicalId = (element: { node: { defaultChild?: unknown } }) => Stack.of(element as never).getLogicalId(element.node.defaultChild as CfnElement);
const read = (context: Record<string, unknown>) => readRelaisConfig(new App({ autoSynth: false, context }));
type RuleResource = { Properties: { ScheduleExpression?: string; EventBusName?: unknown; State: string; Targets: Array<Record<string, unknown>> } };

describe('scheduled template sync', () => {
  it('runs every hour for each configured account, on its own rule, passing the account id as the event', () => {
    const { stack, template } = synth({ templateSyncAccounts: [WABA, BIG_WABA] });

    const fnArn = { 'Fn::GetAtt': [logicalId(stack.templateSync.function.function), 'Arn'] };
    // The schedules that invoke the sync (the health readings have their own: test/infra/health-refresh.test.ts).
    const rules = Object.values(template.findResources('AWS::Events::Rule')).filter(
      (r) => (r as RuleResource).Properties.ScheduleExpression !== undefined && JSON.stringify((r as RuleResource).Properties.Targets[0]?.['Arn']) === JSON.stringify(fnArn),
    ) as RuleResource[];
    expect(rules).toHaveLength(2);
    const dlqArn = { 'Fn::GetAtt': [logicalId(stack.templateSync.failures), 'Arn'] };
    expect(rules.map((r) => [r.Properties.ScheduleExpression, r.Properties.State, r.Properties.EventBusName, r.Properties.Targets.map((t) => JSON.parse(t['Input'] as string))])).toEqual([
      ['rate(1 hour)', 'ENABLED', undefined, [{ businessAccountId: WABA }]],
      ['rate(1 hour)', 'ENABLED', undefined, [{ businessAccountId: BIG_WABA }]],
    ]);
    for (const rule of rules) {
      expect(rule.Properties.Targets[0]).toMatchObject({ Arn: fnArn, DeadLetterConfig: { Arn: dlqArn }, RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 } });
    }
    template.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', FunctionName: fnArn, Principal: 'events.amazonaws.com' });
  });

  it('takes the interval from templateSyncIntervalMinutes', () => {
    const { template } = synth({ templateSyncAccounts: JSON.stringify([WABA]), templateSyncIntervalMinutes: '90' });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(90 minutes)', Targets: [Match.objectLike({ Input: JSON.stringify({ businessAccountId: WABA }) })] });
  });

  it('creates no schedule without accounts, the function still there for an operator to invoke', () => {
    const { stack, template } = synth();
    // The ledger export's daily cron(…) rule is the only schedule left.
    const scheduled = Object.values(template.findResources('AWS::Events::Rule')).filter((r) => (r as RuleResource).Properties.ScheduleExpression?.startsWith('rate(') === true);
    expect(scheduled).toEqual([]);
    expect(template.findResources('AWS::Lambda::Function')[logicalId(stack.templateSync.function.function)]).toBeDefined();
  });

  it("gives the function Lambda's longest timeout, no Lambda retry, and its failures to an encrypted, retained queue with an alarm to the alerts topic", () => {
    const { stack, template } = synth({ templateSyncAccounts: [WABA] });
    const fnId = logicalId(stack.templateSync.function.function);
    const failuresId = logicalId(stack.templateSync.failures);

    expect(template.findResources('AWS::Lambda::Function')[fnId]?.['Properties']).toMatchObject({ Timeout: 900, MemorySize: HANDLERS['sync-templates']!.memorySize, Description: HANDLERS['sync-templates']!.description });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fnId },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [failuresId, 'Arn'] } } },
    });
    expect(template.findResources('AWS::SQS::Queue')[failuresId]).toMatchObject({ DeletionPolicy: 'Retain', Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86400 } });
    const topicId = logicalId(stack.alerts.topic);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [failuresId, 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: topicId }],
      OKActions: [{ Ref: topicId }],
    });
  });

  it('grants the function read and write on the state table, the access token, and the Graph target, nothing to publish', () => {
    const { stack, template } = synth({ templateSyncAccounts: [WABA] });
    const fn = template.findResources('AWS::Lambda::Function')[logicalId(stack.templateSync.function.function)]?.['Properties'] as { Environment: { Variables: Record<string, unknown> } };
    expect(Object.keys(fn.Environment.Variables).sort()).toEqual(
      [ENV.accessTokenArn, SEND_ENV.graphBaseUrl, SEND_ENV.graphVersion, 'LOG_LEVEL', 'NODE_OPTIONS', 'POWERTOOLS_SERVICE_NAME', ENV.stateTableName].sort(),
    );
    const roleId = logicalId(stack.templateSync.function.role);
    const actions = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => (p['Properties'].Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId))
      .flatMap((p) => p['Properties'].PolicyDocument.Statement as Array<{ Action: string | string[] }>)
      .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:PutItem', 'secretsmanager:GetSecretValue', 'sqs:SendMessage']));
    expect(actions.filter((a) => a.startsWith('events:') || a.startsWith('s3:'))).toEqual([]);
  });
});

describe('template sync configuration', () => {
  it('refuses a bad interval or account list at synth, naming the key and the value', () => {
    expect(() => read({ templateSyncIntervalMinutes: 5 })).toThrow(/templateSyncIntervalMinutes: must be a whole number ≥ 15 \(got 5\)/);
    expect(() => read({ templateSyncIntervalMinutes: 1441 })).toThrow(/templateSyncIntervalMinutes: must be at most 1440 \(a day\)/);
    expect(() => read({ templateSyncIntervalMinutes: 'hourly' })).toThrow(/templateSyncIntervalMinutes: must be a whole number ≥ 15 \(got "hourly"\)/);
    expect(() => read({ templateSyncAccounts: ['waba-١٢٣'] })).toThrow(/templateSyncAccounts: must be a WhatsApp Business Account id \(digits only\)/);
    expect(() => read({ templateSyncAccounts: [Number(WABA)] })).toThrow(/templateSyncAccounts: must be a string of digits/);
    expect(() => read({ templateSyncAccounts: [WABA, WABA] })).toThrow(/templateSyncAccounts: must not name an account twice/);
    expect(() => read({ templateSyncAccounts: '[1,' })).toThrow(/templateSyncAccounts: is not valid JSON/);
  });

  it('reads the accounts from JSON text as -c passes them, ids above 2^53 kept digit for digit', () => {
    expect(read({ templateSyncAccounts: `["${BIG_WABA}"]`, templateSyncIntervalMinutes: 1440 })).toMatchObject({ templateSyncAccounts: [BIG_WABA], templateSyncIntervalMinutes: 1440 });
  });
});
