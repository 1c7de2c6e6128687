import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface OperationsAlertsProps {
  /** Alarms whose state changes notify the topic (alarm and back to OK). */
  readonly alarms: readonly cloudwatch.Alarm[];
  /** An address subscribed to the topic; confirm the subscription from the e-mail AWS sends. @default - none */
  readonly email?: string;
}

/**
 * Where operational alarms go: one encrypted SNS topic (TLS enforced) that every alarm notifies on entering
 * and leaving ALARM. Subscribe a pager, chat webhook or e-mail to it (`alertsTopicArn` output).
 */
export class OperationsAlerts extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: OperationsAlertsProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Relais operational alerts',
      masterKey: kms.Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
      enforceSSL: true,
    });
    const action = new cloudwatchActions.SnsAction(this.topic);
    for (const alarm of props.alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    if (props.email !== undefined) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
  }
}
