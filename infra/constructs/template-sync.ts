import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AppFunction, type AppFunctionProps } from './app-function.js';
import type { HandlerNeeds } from '../topology.js';

/** The handler module of the scheduled sync (`functions/sync-templates.ts`). */
export const TEMPLATE_SYNC_HANDLER = 'sync-templates';

export interface TemplateSyncProps {
  /** The WhatsApp Business Accounts to sync, each on its own rule so one account's failure leaves the others alone. */
  readonly businessAccountIds: readonly string[];
  /** Time between two syncs of an account. */
  readonly interval: Duration;
  /** `HANDLERS['sync-templates']`: description, memory and timeout. */
  readonly needs: HandlerNeeds;
  readonly functionDefaults?: Pick<AppFunctionProps, 'logLevel' | 'logRetention'>;
}

/**
 * The scheduled template sync: one function (`sync-templates`), and per business account an EventBridge schedule
 * rule on the default bus (schedule rules only run there) invoking it with `{ businessAccountId }`. A failed sync is
 * not retried by Lambda (the next run starts over, and the sync already backs off inside a run): its event goes to
 * a failure queue, as does an invocation EventBridge could not deliver, and an alarm watches that queue like the
 * consumers' dead-letter queues.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-rule-schedule.html
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
 */
export class TemplateSync extends Construct {
  readonly function: AppFunction;
  readonly failures: sqs.Queue;
  readonly failureAlarm: cloudwatch.Alarm;
  readonly rules: events.Rule[] = [];

  constructor(scope: Construct, id: string, props: TemplateSyncProps) {
    super(scope, id);
    this.function = new AppFunction(this, 'SyncTemplates', {
      handlerName: TEMPLATE_SYNC_HANDLER,
      description: props.needs.description,
      memorySize: props.needs.memorySize ?? 256,
      timeout: Duration.seconds(props.needs.timeoutSeconds ?? 10),
      ...props.functionDefaults,
    });
    this.failures = new sqs.Queue(this, 'Failures', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.failures).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the sync: failed invocations and undelivered schedule events end here.',
    });
    this.function.function.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: Duration.hours(1),
      onFailure: new destinations.SqsDestination(this.failures),
    });
    this.failureAlarm = new cloudwatch.Alarm(this, 'FailureAlarm', {
      alarmDescription: 'A scheduled template sync failed: the message in its failure queue names the account and the error (README: "Deploying", templateSyncAccounts)',
      metric: this.failures.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const businessAccountId of props.businessAccountIds) {
      this.rules.push(
        new events.Rule(this, `Schedule${businessAccountId}`, {
          description: `Syncs the templates of WhatsApp Business Account ${businessAccountId} from Meta`,
          schedule: events.Schedule.rate(props.interval),
          targets: [
            new targets.LambdaFunction(this.function.function, {
              event: events.RuleTargetInput.fromObject({ businessAccountId }),
              deadLetterQueue: this.failures,
              retryAttempts: 2,
              maxEventAge: Duration.hours(1),
            }),
          ],
        }),
      );
    }
  }
}
