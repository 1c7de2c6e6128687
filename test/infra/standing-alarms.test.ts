import { readFileSync } from 'node:fs';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';

import { STANDING_ALERTS } from '#infra/constructs/standing-alarms.js';
import { matchesPattern, type EventPattern } from '#infra/local/event-bus/pattern.js';
import { RelaisStack } from '#infra/relais-stack.js';
import { buildEvent } from '#shared/contracts/events/build-event.js';
import { DetailType, RELAIS_EVENT_SOURCE } from '#shared/contracts/events/catalogue.js';

const CDK_JSON_CONTEXT = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }).context;

let stack: RelaisStack;
let template: Template;

beforeAll(() => {
  const app = new App({ autoSynth: false, context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
  stack = new RelaisStack(app, 'Relais');
  template = Template.fromStack(stack);
});

const logicalId = (element: { node: { defaultChild?: unknown } }) => Stack.of(element as never).getLogicalId(element.node.defaultChild as CfnElement);

type RuleResource = { Properties: { EventBusName?: unknown; EventPattern: EventPattern; Targets: { Arn: unknown }[] } };
type AlarmResource = {
  Properties: {
    MetricName?: string;
    Namespace?: string;
    Dimensions?: { Name: string; Value: unknown }[];
    AlarmDescription?: string;
    AlarmActions?: unknown[];
    OKActions?: unknown[];
    [key: string]: unknown;
  };
};

function ruleOf(id: string): { logicalId: string; resource: RuleResource } {
  const index = STANDING_ALERTS.findIndex((alert) => alert.id === id);
  const rule = stack.standing.rules[index];
  if (rule === undefined) throw new Error(`no rule for ${id}`);
  const ruleId = logicalId(rule);
  return { logicalId: ruleId, resource: template.toJSON()['Resources'][ruleId] as RuleResource };
}

/** Events as the Relais bus delivers them: the envelope around `{metadata, data}`. */
const ORIGIN = { eventId: 'e-1', occurredAt: Date.parse('2026-12-04T08:00:00Z'), producer: 'relais.health', businessAccountId: '18014398509481985123' };
const NUMBER = { phoneNumberId: '106540352242922', businessAccountId: '18014398509481985123', version: 3, at: '2026-12-04T08:00:00.000Z' };
const TEMPLATE = { businessAccountId: '18014398509481985123', templateId: '9007199254740993', templateName: 'suivi_colis', language: 'pt_BR', category: 'MARKETING' as const, version: 7 };
const ON_BUS = {
  red: buildEvent(DetailType.PhoneNumberQualityDowngraded, ORIGIN, { ...NUMBER, previousQuality: 'YELLOW', quality: 'RED' }),
  yellow: buildEvent(DetailType.PhoneNumberQualityDowngraded, ORIGIN, { ...NUMBER, previousQuality: 'GREEN', quality: 'YELLOW' }),
  restricted: buildEvent(DetailType.AccountRestricted, ORIGIN, { businessAccountId: ORIGIN.businessAccountId, version: 2, at: NUMBER.at, restrictionType: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiresAt: '2026-12-11T00:00:00.000Z' }),
  limit: buildEvent(DetailType.MessagingLimitReached, ORIGIN, { portfolioId: '7000000000000000001', tier: 'TIER_250', limit: 250, used: 250, tierSource: 'configuration' }),
  paused: buildEvent(DetailType.TemplatePaused, ORIGIN, { ...TEMPLATE, pauseTitle: 'FIRST_PAUSE', pausedAt: NUMBER.at, pauseEndsAt: '2026-12-04T11:00:00.000Z' }),
  disabled: buildEvent(DetailType.TemplateDisabled, ORIGIN, { ...TEMPLATE, previousStatus: 'PAUSED' }),
  lifted: buildEvent(DetailType.AccountRestrictionLifted, ORIGIN, { businessAccountId: ORIGIN.businessAccountId, version: 3, at: NUMBER.at, restrictionType: 'RESTRICTED_BIZ_INITIATED_MESSAGING' }),
};
function delivered(event: { detailType: string; metadata: unknown; data: unknown }, source = RELAIS_EVENT_SOURCE) {
  return { version: '0', id: 'x', source, 'detail-type': event.detailType, account: '111111111111', time: '2026-12-04T08:00:00Z', region: 'eu-west-1', resources: [], detail: { metadata: event.metadata, data: event.data } };
}

describe('standing alarms', () => {
  it.each([
    ['AccountRestricted', ON_BUS.restricted],
    ['QualityRed', ON_BUS.red],
    ['QualityYellow', ON_BUS.yellow],
    ['MessagingLimitReached', ON_BUS.limit],
    ['TemplatePaused', ON_BUS.paused],
    ['TemplateDisabled', ON_BUS.disabled],
  ] as const)('matches the %s event Relais publishes, and no other Relais standing event', (id, event) => {
    const pattern = ruleOf(id).resource.Properties.EventPattern;
    expect(matchesPattern(pattern, delivered(event))).toBe(true);
    const others = Object.values(ON_BUS).filter((other) => other !== event);
    expect(others.filter((other) => matchesPattern(pattern, delivered(other))).map((other) => `${other.detailType} ${JSON.stringify(other.data)}`)).toEqual([]);
  });

  it('ignores the same detail-type put on the bus by another source', () => {
    for (const alert of STANDING_ALERTS) {
      const pattern = ruleOf(alert.id).resource.Properties.EventPattern;
      expect(Object.values(ON_BUS).some((event) => matchesPattern(pattern, delivered(event, 'acme.crm')))).toBe(false);
    }
  });

  it.each(STANDING_ALERTS.map((alert) => alert.id))('puts the %s rule on the Relais bus and writes what it matched to the standing log group', (id) => {
    const { resource } = ruleOf(id);
    expect(resource.Properties.EventBusName).toEqual({ Ref: logicalId(stack.events.bus) });
    expect(resource.Properties.Targets.map((t) => t.Arn)).toEqual([{ 'Fn::GetAtt': [logicalId(stack.standing.logGroup), 'Arn'] }]);
  });

  it.each(STANDING_ALERTS.map((alert) => alert.id))("alarms on the first %s within 5 minutes, from the rule's MatchedEvents on the Relais bus, and tells the alerts topic", (id) => {
    const { logicalId: ruleId } = ruleOf(id);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as AlarmResource[];
    const alarm = alarms.find((a) => JSON.stringify(a.Properties.Dimensions ?? []).includes(`"${ruleId}"`));
    expect(alarm?.Properties).toMatchObject({
      Namespace: 'AWS/Events',
      MetricName: 'MatchedEvents',
      Dimensions: expect.arrayContaining([
        { Name: 'EventBusName', Value: { Ref: logicalId(stack.events.bus) } },
        { Name: 'RuleName', Value: { Ref: ruleId } },
      ]),
      Statistic: 'Sum',
      Period: 300,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    const topic = { Ref: logicalId(stack.alerts.topic) };
    expect(alarm?.Properties.AlarmActions).toEqual([topic]);
    expect(alarm?.Properties.OKActions).toEqual([topic]);
    const runbook = STANDING_ALERTS.find((alert) => alert.id === id)!.runbook;
    expect(JSON.stringify(alarm?.Properties.AlarmDescription)).toContain(runbook.slice(0, 60));
  });

  it('lets EventBridge write to the log group only for these rules', () => {
    const policies = Object.values(template.findResources('AWS::Logs::ResourcePolicy')) as { Properties: { PolicyDocument: unknown } }[];
    expect(policies).toHaveLength(1);
    const document = JSON.parse(JSON.stringify(policies[0]!.Properties.PolicyDocument)) as unknown;
    const text = JSON.stringify(document);
    expect(text).toContain('events.amazonaws.com');
    expect(text).toContain('logs:PutLogEvents');
    expect(text).toContain(logicalId(stack.standing.logGroup));
    for (const rule of stack.standing.rules) expect(text).toContain(logicalId(rule));
  });

  it('keeps the log of standing events when the stack is deleted, for the postmortem, and names it in an output', () => {
    expect(template.toJSON()['Resources'][logicalId(stack.standing.logGroup)]).toMatchObject({ DeletionPolicy: 'Retain' });
    template.hasOutput('StandingEventsLogGroup', { Value: { Ref: logicalId(stack.standing.logGroup) } });
  });
});
