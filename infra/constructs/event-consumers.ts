import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambdaEventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RULE_TARGET_RETRY, type ConsumerSpec, type EventRuleSpec, type HandlerNeeds } from '../topology.js';
import { AppFunction, type AppFunctionProps } from './app-function.js';
import { eventPatternFromJson, type EventBusConstruct } from './event-bus.js';

/** Function timeout when HANDLERS names none (the AppFunction default). */
const DEFAULT_TIMEOUT_SECONDS = 10;

/** Minimum ratio of a queue's visibility timeout to its consumer function's timeout (AWS's guidance). */
export const VISIBILITY_TO_TIMEOUT_RATIO = 6;

export interface EventConsumersProps {
  readonly consumers: readonly ConsumerSpec[];
  readonly rules: readonly EventRuleSpec[];
  readonly handlers: Readonly<Record<string, HandlerNeeds>>;
  readonly events: EventBusConstruct;
  readonly functionDefaults?: Pick<AppFunctionProps, 'logLevel' | 'logRetention'>;
}

export interface ConsumerQueues {
  readonly queue: sqs.Queue;
  readonly dlq: sqs.Queue;
}

/**
 * Queue-fed Lambdas, from `CONSUMERS` and `EVENT_RULES` in infra/topology.ts: for each consumer a queue
 * (FIFO for the outbound lanes) with its DLQ and an alarm on it, an event source mapping with partial batch
 * failures and a maximum concurrency, and the rules that feed it. Consumers sharing a handler share one
 * function (the two outbound lanes).
 */
export class EventConsumers extends Construct {
  readonly queues = new Map<string, ConsumerQueues>();
  readonly functions = new Map<string, AppFunction>();
  readonly dlqAlarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: EventConsumersProps) {
    super(scope, id);
    for (const spec of props.consumers) {
      const needs = props.handlers[spec.handler];
      if (needs === undefined) throw new Error(`EventConsumers: consumer ${spec.id} uses handler "${spec.handler}", which has no entry in HANDLERS`);
      // AWS: "set the source queue's visibility timeout to at least six times the timeout that you configure
      // on your function", so a batch retried after throttling is not handed out again while still running.
      // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
      const functionTimeout = needs.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
      if (spec.visibilityTimeoutSeconds < VISIBILITY_TO_TIMEOUT_RATIO * functionTimeout) {
        throw new Error(
          `EventConsumers: ${spec.id}'s visibility timeout (${spec.visibilityTimeoutSeconds} s) must be at least ${VISIBILITY_TO_TIMEOUT_RATIO}× ${spec.handler}'s timeout (${functionTimeout} s), i.e. ≥ ${VISIBILITY_TO_TIMEOUT_RATIO * functionTimeout} s`,
        );
      }
      if (this.queues.has(spec.id)) throw new Error(`EventConsumers: duplicate consumer id "${spec.id}"`);
      const fifo = spec.fifo ? { fifo: true, contentBasedDeduplication: false } : {};
      const dlq = new sqs.Queue(this, `${spec.id}Dlq`, {
        ...fifo,
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
        removalPolicy: RemovalPolicy.RETAIN,
      });
      const queue = new sqs.Queue(this, `${spec.id}Queue`, {
        ...fifo,
        ...(spec.fifo ? { deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP, fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID } : {}),
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        visibilityTimeout: Duration.seconds(spec.visibilityTimeoutSeconds),
        retentionPeriod: Duration.days(14),
        deadLetterQueue: { queue: dlq, maxReceiveCount: spec.maxReceiveCount },
        removalPolicy: RemovalPolicy.RETAIN,
      });
      this.queues.set(spec.id, { queue, dlq });
      this.dlqAlarms.push(
        new cloudwatch.Alarm(this, `${spec.id}DlqAlarm`, {
          alarmDescription: `Messages are waiting in the ${spec.id} dead-letter queue: inspect them, then redrive (README: "Dead letters")`,
          metric: dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );

      let fn = this.functions.get(spec.handler);
      if (fn === undefined) {
        fn = new AppFunction(this, pascalCase(spec.handler), {
          handlerName: spec.handler,
          description: needs.description,
          memorySize: needs.memorySize ?? 256,
          timeout: Duration.seconds(functionTimeout),
          ...props.functionDefaults,
        });
        this.functions.set(spec.handler, fn);
      }
      fn.function.addEventSource(
        new lambdaEventSources.SqsEventSource(queue, {
          batchSize: spec.batchSize,
          maxConcurrency: spec.maxConcurrency,
          reportBatchItemFailures: true,
        }),
      );
    }

    for (const rule of props.rules) {
      const target = this.queues.get(rule.target);
      if (target === undefined) throw new Error(`EventConsumers: rule ${rule.id} targets unknown consumer ${rule.target}`);
      props.events.addRule(rule.id, {
        description: rule.description,
        eventPattern: eventPatternFromJson(rule.pattern),
        targets: [new targets.SqsQueue(target.queue, { deadLetterQueue: target.dlq, retryAttempts: RULE_TARGET_RETRY.retryAttempts, maxEventAge: Duration.seconds(RULE_TARGET_RETRY.maxEventAgeSeconds) })],
      });
    }
  }

  /** The queues of a consumer; throws naming it when unknown. */
  consumer(id: string): ConsumerQueues {
    const queues = this.queues.get(id);
    if (queues === undefined) throw new Error(`EventConsumers: no consumer ${id}`);
    return queues;
  }
}

function pascalCase(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, _dash: string, c: string) => c.toUpperCase());
}

export type { events };
