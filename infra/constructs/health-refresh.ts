import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

import { DetailType } from '../../shared/contracts/events/catalogue.js';
import { EVENT_SCHEMA_VERSION } from '../../shared/contracts/events/catalogue.js';

/** `source` and `metadata.producer` of the scheduled refresh requests. */
export const HEALTH_REFRESH_SCHEDULE_SOURCE = 'relais.schedule';

export interface HealthRefreshScheduleProps {
  /** The WhatsApp Business Accounts whose numbers are read, each on its own rule. */
  readonly businessAccountIds: readonly string[];
  /** Time between two readings of an account. */
  readonly interval: Duration;
  /** The HealthActivity consumer's queue (`infra/topology.ts`), which takes `HealthRefreshRequested`. */
  readonly queue: sqs.IQueue;
  /** The queue's dead-letter queue: where a request EventBridge could not deliver goes. */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * The scheduled reading of each account's phone numbers: since October 2025 Meta sends no webhook when a number's
 * quality rating changes (https://developers.facebook.com/documentation/business-messaging/whatsapp/messaging-limits),
 * so Relais reads `GET /{waba-id}/phone_numbers` on a schedule to see a downgrade. Per account an EventBridge schedule
 * rule on the default bus (schedule rules only run there) puts a `HealthRefreshRequested` event, shaped as the Relais
 * bus would deliver it, on the HealthActivity queue; the consumer reads the listing and publishes what changed. A
 * request that cannot be delivered goes to the queue's DLQ, whose alarm already exists.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-rule-schedule.html
 */
export class HealthRefreshSchedule extends Construct {
  readonly rules: events.Rule[] = [];

  constructor(scope: Construct, id: string, props: HealthRefreshScheduleProps) {
    super(scope, id);
    for (const businessAccountId of props.businessAccountIds) {
      this.rules.push(
        new events.Rule(this, `Schedule${businessAccountId}`, {
          description: `Reads the phone numbers' health of WhatsApp Business Account ${businessAccountId} from Meta`,
          schedule: events.Schedule.rate(props.interval),
          targets: [
            new targets.SqsQueue(props.queue, {
              message: events.RuleTargetInput.fromObject({
                'detail-type': DetailType.HealthRefreshRequested,
                source: HEALTH_REFRESH_SCHEDULE_SOURCE,
                detail: {
                  metadata: {
                    schemaVersion: EVENT_SCHEMA_VERSION,
                    eventId: `HealthRefreshRequested:${businessAccountId}:${events.EventField.eventId}`,
                    occurredAt: events.EventField.time,
                    producer: HEALTH_REFRESH_SCHEDULE_SOURCE,
                    businessAccountId,
                  },
                  data: { businessAccountId },
                },
              }),
              deadLetterQueue: props.deadLetterQueue,
              retryAttempts: 2,
              maxEventAge: Duration.hours(1),
            }),
          ],
        }),
      );
    }
  }
}
