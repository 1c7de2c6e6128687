import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

import { DetailType, RELAIS_EVENT_SOURCE } from '../../shared/contracts/events/catalogue.js';

/**
 * One event of the business's standing with Meta that a person must act on: what matches it on the Relais bus and
 * what to do, which becomes the alarm's description (the first thing on-call reads).
 */
export interface StandingAlert {
  /** Construct id and the alarm's name suffix. */
  readonly id: string;
  readonly detailType: DetailType;
  /** An extra pattern on `detail.data`, e.g. only a RED rating. @default - every event of that detail-type */
  readonly data?: Readonly<Record<string, readonly string[]>>;
  /** What happened and what to do, in one or two sentences. */
  readonly runbook: string;
}

/**
 * The events Relais alarms on. Each is published once per change, so an alarm fires on the first event within five
 * minutes and clears when five minutes pass without one. Left out: `MessagingLimitApproaching` (a heads-up the 80 %
 * mark gives every busy day; subscribe to it on the bus), quality rises and restrictions lifted (good news).
 * Meta's pages: https://developers.facebook.com/documentation/business-messaging/whatsapp/messaging-limits,
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-pausing,
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/policy-enforcement
 */
export const STANDING_ALERTS: readonly StandingAlert[] = [
  {
    id: 'AccountRestricted',
    detailType: DetailType.AccountRestricted,
    runbook:
      'Meta restricted a WhatsApp Business Account (restrictionType, expiresAt in the event): Relais holds its business-initiated sends until the restriction ends, then fails them account_restricted. Read Business Support Home for the violation and appeal there.',
  },
  {
    id: 'QualityRed',
    detailType: DetailType.PhoneNumberQualityDowngraded,
    data: { quality: ['RED'] },
    runbook:
      "A business number's quality rating fell to RED: users block or report its messages. Stop campaigns from it and review the templates it sent recently (their quality scores, GET /accounts/{businessAccountId}/templates); Meta may restrict the account next.",
  },
  {
    id: 'QualityYellow',
    detailType: DetailType.PhoneNumberQualityDowngraded,
    data: { quality: ['YELLOW'] },
    runbook:
      "A business number's quality rating fell to YELLOW: slow its marketing and check which templates users react badly to before it reaches RED (GET /phone-numbers/{phoneNumberId}/health).",
  },
  {
    id: 'MessagingLimitReached',
    detailType: DetailType.MessagingLimitReached,
    runbook:
      'A business portfolio reached its messaging limit (unique users in 24 h): Relais defers further business-initiated sends until the window moves. Check the tier (GET /accounts/{businessAccountId}/messaging-limit) and spread campaigns out.',
  },
  {
    id: 'TemplatePaused',
    detailType: DetailType.TemplatePaused,
    runbook:
      'Meta paused a template for low quality (3 h the first time, 6 h the second): Relais holds or fails its sends as template_paused. Review its content and audience; a third pause disables it.',
  },
  {
    id: 'TemplateDisabled',
    detailType: DetailType.TemplateDisabled,
    runbook:
      'Meta disabled a template for low quality: its sends fail template_disabled. Point producers at another approved template, or create a new one (POST /accounts/{businessAccountId}/templates).',
  },
];

export interface StandingAlarmsProps {
  /** The Relais bus, where the health, limit and template events are published. */
  readonly bus: events.IEventBus;
  /** Days the log of matched events is kept. */
  readonly logRetention: logs.RetentionDays;
  /** @default STANDING_ALERTS */
  readonly alerts?: readonly StandingAlert[];
}

/**
 * CloudWatch alarms on the events of the business's standing that a person must act on. Per alert, a rule on the
 * Relais bus matches Relais's own events (`source` `relais.whatsapp`) and writes each to one log group, which holds
 * what happened (which number, template or account, and since when); an alarm on the rule's `MatchedEvents`
 * (dimensions `EventBusName` and `RuleName`, as EventBridge publishes them for a custom bus) goes off on the first.
 * The alarms are handed to {@link OperationsAlerts}, which notifies the alerts topic.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html
 */
export class StandingAlarms extends Construct {
  readonly logGroup: logs.LogGroup;
  readonly rules: events.Rule[] = [];
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: StandingAlarmsProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Events', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const target: events.IRuleTarget = { bind: () => ({ arn: this.logGroup.logGroupArn }) };

    for (const alert of props.alerts ?? STANDING_ALERTS) {
      const rule = new events.Rule(this, `${alert.id}Rule`, {
        eventBus: props.bus,
        description: `Standing alert ${alert.id}: ${alert.detailType}${alert.data === undefined ? '' : ` with ${JSON.stringify(alert.data)}`}`,
        eventPattern: {
          source: [RELAIS_EVENT_SOURCE],
          detailType: [alert.detailType],
          ...(alert.data === undefined ? {} : { detail: { data: alert.data } }),
        },
        targets: [target],
      });
      this.rules.push(rule);
      this.alarms.push(
        new cloudwatch.Alarm(this, `${alert.id}Alarm`, {
          alarmDescription: `${alert.runbook} The events are in log group ${this.logGroup.logGroupName} (README: "Standing alarms").`,
          metric: new cloudwatch.Metric({
            namespace: 'AWS/Events',
            metricName: 'MatchedEvents',
            dimensionsMap: { EventBusName: props.bus.eventBusName, RuleName: rule.ruleName },
            statistic: cloudwatch.Stats.SUM,
            period: Duration.minutes(5),
          }),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          // EventBridge publishes MatchedEvents only when a rule matched: no data is a quiet period.
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    // EventBridge writes to a log group under its resource policy (a native AWS::Logs::ResourcePolicy, not the
    // custom resource of the CDK's CloudWatchLogGroup target), limited to these rules.
    // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-cloudwatchlogs-permissions
    new logs.ResourcePolicy(this, 'DeliveryPolicy', {
      policyStatements: [
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('events.amazonaws.com'), new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [`${this.logGroup.logGroupArn}`],
          conditions: { ArnEquals: { 'aws:SourceArn': this.rules.map((rule) => rule.ruleArn) } },
        }),
      ],
    });
  }
}
