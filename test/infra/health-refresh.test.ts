import { readFileSync } from 'node:fs';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';

import { RelaisStack, readRelaisConfig } from '#infra/relais-stack.js';
import { HEALTH_ACTIVITY } from '#infra/topology.js';
import type { PayloadStore } from '#shared/adapters/payload-store.js';
import { parseBusEvent } from '#shared/middleware/bus-events.js';

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

interface Target {
  Arn: unknown;
  DeadLetterConfig?: { Arn: unknown };
  RetryPolicy?: unknown;
  InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string };
}
type RuleResource = { Properties: { ScheduleExpression?: string; EventBusName?: unknown; Targets: Target[] } };

/**
 * What EventBridge puts on the queue for a scheduled event: the template with each path of the event filled in, a
 * placeholder inside a JSON string as the bare text, one standing as a JSON value as the value with its quotes
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html).
 */
function delivered(target: Target, scheduled: Record<string, string>): string {
  let body = target.InputTransformer.InputTemplate;
  for (const [name, path] of Object.entries(target.InputTransformer.InputPathsMap)) {
    const value = scheduled[path.replace(/^\$\./, '')];
    if (value === undefined) throw new Error(`the template reads ${path}, which a scheduled event does not have`);
    body = body.replace(new RegExp(`(":\\s*|[\\[,]\\s*)<${name}>(?=\\s*[,}\\]])`, 'g'), (_m, lead: string) => `${lead}${JSON.stringify(value)}`).split(`<${name}>`).join(value);
  }
  return body;
}

describe('scheduled health readings', () => {
  it("puts a HealthRefreshRequested for each account on the HealthActivity queue every 15 minutes, which the consumer reads as a bus event", async () => {
    const { stack, template } = synth({ templateSyncAccounts: [WABA, BIG_WABA] });
    const queues = stack.consumers.consumer(HEALTH_ACTIVITY.id);
    const queueArn = { 'Fn::GetAtt': [logicalId(queues.queue), 'Arn'] };
    const rules = (Object.values(template.findResources('AWS::Events::Rule')) as RuleResource[]).filter(
      (r) => r.Properties.ScheduleExpression !== undefined && JSON.stringify(r.Properties.Targets[0]?.Arn) === JSON.stringify(queueArn),
    );

    expect(rules.map((r) => [r.Properties.ScheduleExpression, r.Properties.EventBusName])).toEqual([
      ['rate(15 minutes)', undefined],
      ['rate(15 minutes)', undefined],
    ]);
    const payloads = { get: async () => ({}) } as unknown as PayloadStore;
    const events = await Promise.all(
      rules.map((r) => parseBusEvent(delivered(r.Properties.Targets[0]!, { id: '7bf73129-1428-4cd3-a780-95db273d1602', time: '2026-12-04T15:00:00Z' }), payloads)),
    );
    expect(events.map((e) => [e.detailType, e.data, e.metadata.eventId, e.metadata.occurredAt])).toEqual([
      ['HealthRefreshRequested', { businessAccountId: WABA }, `HealthRefreshRequested:${WABA}:7bf73129-1428-4cd3-a780-95db273d1602`, '2026-12-04T15:00:00Z'],
      ['HealthRefreshRequested', { businessAccountId: BIG_WABA }, `HealthRefreshRequested:${BIG_WABA}:7bf73129-1428-4cd3-a780-95db273d1602`, '2026-12-04T15:00:00Z'],
    ]);
    for (const rule of rules) {
      expect(rule.Properties.Targets[0]).toMatchObject({ DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(queues.dlq), 'Arn'] } }, RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 } });
    }
  });

  it('takes the interval from healthRefreshIntervalMinutes, 5 to 1440, and schedules nothing without accounts', () => {
    const { template } = synth({ templateSyncAccounts: [WABA], healthRefreshIntervalMinutes: '60' });
    // rate(…) schedules: the ledger export's daily cron(…) is not a reading.
    const schedules = (Object.values(template.findResources('AWS::Events::Rule')) as RuleResource[]).map((r) => r.Properties.ScheduleExpression).filter((e) => e?.startsWith('rate(') === true);
    expect(schedules.sort()).toEqual(['rate(1 hour)', 'rate(1 hour)']);
    expect(() => read({ healthRefreshIntervalMinutes: 4 })).toThrow(/healthRefreshIntervalMinutes: must be a whole number ≥ 5 \(got 4\)/);
    expect(() => read({ healthRefreshIntervalMinutes: 1441 })).toThrow(/healthRefreshIntervalMinutes: must be at most 1440 \(a day\)/);
    const none = synth().template;
    expect((Object.values(none.findResources('AWS::Events::Rule')) as RuleResource[]).filter((r) => r.Properties.ScheduleExpression?.startsWith('rate(') === true)).toEqual([]);
  });
});
