import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { logger } from '../../shared/logger.js';
import { HANDLER_VARIABLES, SETTING_VARIABLES, handlerEnvironment, type DeploymentResources } from '../handler-environment.js';
import { CONSUMERS, EVENT_RULES, HANDLERS, LEDGER_TABLE, ROUTES, STATE_TABLE, TABLES, type ConsumerSpec, type RouteSpec } from '../topology.js';
import { importLocalRateCards } from './local-rate-cards.js';
import {
  LOCAL_ACCOUNT_ID,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localClientConfig,
  provisionBucket,
  provisionFifoQueue,
  provisionTables,
  startDynamoDbLocal,
  startFauxqsEmulator,
  type RunningEmulator,
} from './emulators.js';
import { deadLettersPathFor, serialiseBusEvent, startLocalEventBus, type DeliveryRetryOptions, type LocalEventBus } from './event-bus/server.js';
import { watchDeadLetterQueues, type DeadLetterNotice } from './dead-letter-notices.js';
import { archivePreviousRunLogs, DEFAULT_KEPT_RUNS, type ArchivedLog } from './run-logs.js';
import { LOCAL_SECRET_DEFAULTS } from './secrets.js';
import { startLocalHttpApi, type LambdaHttpHandler, type LocalHttpApi } from './http-api.js';
import { startQueuePoller, type QueuePoller, type SqsHandler } from './queue-poller.js';
import { sandboxTemplates, syncLocalTemplates } from './local-templates.js';
import { startSandbox, type Sandbox } from './sandbox/server.js';
import { installHandlerEnvironments, runInHandlerEnvironment } from './handler-env-scope.js';
import { SEND_ENV } from '../../shared/sending-config.js';
import { DEFAULT_BULK_SHARE_PERCENT, DEFAULT_RATE_PER_SECOND } from '../../shared/domain/sending/rate-slots.js';

export { LOCAL_SECRET_DEFAULTS } from './secrets.js';

export interface LocalStackOptions {
  /** HTTP API port (`PORT`). 0 picks a free one. @default 3000 */
  readonly port?: number;
  /** Cloud API sandbox port (`SANDBOX_PORT`). 0 picks a free one. @default 3001 */
  readonly sandboxPort?: number;
  /** Messages per second the sandbox allows each number, and Relais paces to. @default 80 */
  readonly throughputPerSecond?: number;
  /**
   * The messaging-limit tier enforced until a capability webhook states one (`MESSAGING_LIMIT_TIER`).
   * @default 'TIER_2K', the sandbox account's tier (its `whatsapp_business_manager_messaging_limit`)
   */
  readonly messagingLimitTier?: string;
  /** Relais's pace for particular numbers (`THROUGHPUT_BY_NUMBER`), e.g. `{ "106540352242922": 1000 }`. @default {} */
  readonly throughputByNumber?: Readonly<Record<string, number>>;
  /** Share of each number's throughput the bulk lane may take (`BULK_SHARE_PERCENT`). @default 80 */
  readonly bulkSharePercent?: number;
  /** Routes to serve. @default ROUTES from infra/topology.ts */
  readonly routes?: readonly RouteSpec[];
  /**
   * Extra environment for the handlers, applied last: a setting variable (`SETTING_VARIABLES`, e.g.
   * `SEND_MAX_ATTEMPTS`) goes to the handlers whose needs name its group, any other variable to every handler.
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Where every accepted event is appended (`LOCAL_EVENTS_LOG`); dead letters go to `dead-letters.ndjson`
   * beside it. Both start empty: an earlier run's files are moved aside under a dated name first.
   * @default .local/events.ndjson
   */
  readonly eventsLogPath?: string;
  /** Earlier runs' logs kept under their dated names. @default 5 */
  readonly keepPreviousRuns?: number;
  /**
   * Told when the bus dead-letters a delivery or a queue's DLQ gains messages (`npm start` prints a line for
   * each). Without it, the DLQs are not watched.
   */
  readonly onDeadLetter?: (notice: DeadLetterNotice) => void;
  /** The local bus's retry of rule targets. @default the deployed policy (`RULE_TARGET_RETRY`), local backoff */
  readonly deliveryRetry?: DeliveryRetryOptions;
  readonly appSecret?: string;
  readonly verifyToken?: string;
  readonly accessToken?: string;
}

export interface LocalStack {
  readonly apiUrl: string;
  readonly sandboxUrl: string;
  readonly sandbox: Sandbox;
  readonly busUrl: string;
  readonly dynamoEndpoint: string;
  readonly sqsEndpoint: string;
  readonly eventsLogPath: string;
  /** The bus's dead-letter log, beside the events log. */
  readonly deadLettersPath: string;
  /** The local bus's name, which `EVENT_BUS_NAME` must name. */
  readonly busName: string;
  /** The logs an earlier run left, moved aside before this run began. */
  readonly archivedLogs: readonly ArchivedLog[];
  readonly tableNames: Readonly<Record<string, string>>;
  readonly queueUrls: Readonly<Record<string, { queueUrl: string; dlqUrl: string }>>;
  readonly bus: LocalEventBus;
  /**
   * Resolves when the sandbox has sent its webhooks, the bus has delivered everything, no queue holds a
   * message (visible, in flight or delayed) and every consumer is idle.
   */
  whenIdle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const ROOT = resolve(import.meta.dirname, '..', '..');
const PREFIX = 'relais-local';
/** Variables a handler never inherits from this process: any handler's (it gets its own) and the platform's. */
const HIDDEN_FROM_HANDLERS: ReadonlySet<string> = new Set([...HANDLER_VARIABLES, 'S3_FORCE_PATH_STYLE']);

/**
 * The whole system on one machine, wired as the CDK app wires it: DynamoDB Local and fauxqs (SQS, S3),
 * the local EventBridge bus with the app's rules, queue consumers polled like Lambda event source
 * mappings, and the HTTP API routes, all running the same handler modules as the deployed Lambdas.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const stoppers: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) await s().catch(() => undefined);
  };
  try {
    // Each handler sees only its own environment (see handler-env-scope.ts); restored last on stop.
    const uninstallEnvironments = installHandlerEnvironments();
    stoppers.push(async () => uninstallEnvironments());
    let environmentOf: ((handlerName: string) => Record<string, string>) | undefined;
    const inOwnEnvironment = <A extends unknown[], R>(handlerName: string, handler: (...args: A) => R): ((...args: A) => R) => {
      let env: Record<string, string> | undefined;
      return (...args) => {
        if (environmentOf === undefined) throw new Error(`handler ${handlerName} invoked before the local stack finished starting`);
        env ??= environmentOf(handlerName);
        return runInHandlerEnvironment(env, HIDDEN_FROM_HANDLERS, () => handler(...args));
      };
    };

    const [dynamo, fauxqs] = await Promise.all([startDynamoDbLocal(), startFauxqsEmulator()]);
    stoppers.push(() => dynamo.stop(), () => fauxqs.stop());

    const tableNames = await provisionTables(dynamo.endpoint, TABLES, (spec) => `${PREFIX}-${spec.id}`);
    const bucket = await provisionBucket(fauxqs.endpoint, `${PREFIX}-payloads`);
    const sqs = new SQSClient(localClientConfig(fauxqs.endpoint));
    const queues = Object.fromEntries(await Promise.all(CONSUMERS.map(async (c) => [c.id, await provisionConsumerQueue(sqs, fauxqs, c)] as const)));

    const eventsLogPath = resolve(options.eventsLogPath ?? resolve(ROOT, '.local', 'events.ndjson'));
    const archivedLogs = await archivePreviousRunLogs([eventsLogPath, deadLettersPathFor(eventsLogPath)], options.keepPreviousRuns ?? DEFAULT_KEPT_RUNS);
    const busName = `${PREFIX}-bus`;
    const onDeadLetter = options.onDeadLetter;
    const bus = await startLocalEventBus({
      busName,
      eventsLogPath,
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      // Relais publishes within the 256 KB limit every Region has; the local bus holds it to that.
      maxEntriesBytesPerRequest: 256 * 1024,
      ...(options.deliveryRetry === undefined ? {} : { deliveryRetry: options.deliveryRetry }),
      ...(onDeadLetter === undefined ? {} : { onDeadLetter: (letter) => onDeadLetter({ source: 'bus', letter }) }),
      rules: EVENT_RULES.map((rule) => {
        const queue = queues[rule.target];
        if (queue === undefined) throw new Error(`rule ${rule.id} targets unknown consumer ${rule.target}`);
        return {
          name: rule.id,
          pattern: rule.pattern as never,
          deliver: async (event) => {
            await sqs.send(new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: serialiseBusEvent(event) }));
          },
        };
      }),
    });
    stoppers.push(() => bus.close());

    const api: LocalHttpApi = await startLocalHttpApi({
      routes: options.routes ?? ROUTES,
      loadHandler: async (name) => inOwnEnvironment(name, await loadHandler<LambdaHttpHandler>(name)),
      port: options.port ?? 3000,
    });
    stoppers.push(() => api.close());

    const secrets = {
      appSecret: options.appSecret ?? LOCAL_SECRET_DEFAULTS.appSecret,
      verifyToken: options.verifyToken ?? LOCAL_SECRET_DEFAULTS.verifyToken,
      accessToken: options.accessToken ?? LOCAL_SECRET_DEFAULTS.accessToken,
    };
    const throughput = options.throughputPerSecond ?? DEFAULT_RATE_PER_SECOND;
    const sandbox = await startSandbox({
      port: options.sandboxPort ?? 3001,
      webhookUrl: `${api.url}/webhook`,
      appSecret: secrets.appSecret.split(',')[0]!.trim(),
      accessToken: secrets.accessToken,
      templates: sandboxTemplates(),
      throughputPerSecond: throughput,
    });
    stoppers.push(() => sandbox.close());
    // Relais's template registry holds the sandbox's templates as a synced deployment's holds Meta's.
    await syncLocalTemplates({
      graphBaseUrl: sandbox.url,
      graphVersion: sandbox.graphVersion,
      accessToken: secrets.accessToken,
      businessAccountId: sandbox.businessAccountId,
      dynamoEndpoint: dynamo.endpoint,
      tableName: tableNames[STATE_TABLE.id]!,
    });
    await importLocalRateCards({ dynamoEndpoint: dynamo.endpoint, tableName: tableNames[LEDGER_TABLE.id]! });
    // The start-up listing is part of starting: the request log shows what happens once the stack is up.
    sandbox.clearRequests();

    // What Lambda and the deployment's wiring give every function, here pointing at the emulators.
    const platform: Record<string, string> = {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SQS: fauxqs.endpoint,
      AWS_ENDPOINT_URL_S3: fauxqs.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: bus.url,
      S3_FORCE_PATH_STYLE: 'true',
    };
    const settingNames = new Set<string>(Object.values(SETTING_VARIABLES).flat());
    const overrides = Object.entries(options.env ?? {});
    const resources: DeploymentResources = {
      tableNames,
      eventBusName: busName,
      payloadBucketName: bucket.bucketName,
      queueUrls: Object.fromEntries(Object.entries(queues).map(([id, q]) => [id, q.queueUrl])),
      dlqUrls: Object.fromEntries(Object.entries(queues).map(([id, q]) => [id, q.dlqUrl])),
      secrets: { appSecret: { value: secrets.appSecret }, verifyToken: { value: secrets.verifyToken }, accessToken: { value: secrets.accessToken } },
      settings: {
        [SEND_ENV.graphBaseUrl]: sandbox.url,
        [SEND_ENV.graphVersion]: sandbox.graphVersion,
        [SEND_ENV.ratePerSecond]: String(throughput),
        [SEND_ENV.numberRates]: JSON.stringify(options.throughputByNumber ?? {}),
        [SEND_ENV.bulkSharePercent]: String(options.bulkSharePercent ?? DEFAULT_BULK_SHARE_PERCENT),
        [SEND_ENV.messagingLimitTier]: options.messagingLimitTier ?? 'TIER_2K',
        // The registry is per business account: the policy gate knows each sandbox number's account before any webhook names it.
        [SEND_ENV.businessAccounts]: JSON.stringify(Object.fromEntries(sandbox.phoneNumbers.map((n) => [n.id, sandbox.businessAccountId]))),
        ...Object.fromEntries(overrides.filter(([name]) => settingNames.has(name))),
      },
    };
    const forEveryHandler = Object.fromEntries(overrides.filter(([name]) => !settingNames.has(name)));
    environmentOf = (handlerName) => ({ ...platform, ...handlerEnvironment(handlerName, HANDLERS[handlerName], resources), ...forEveryHandler });

    const pollers: QueuePoller[] = [];
    for (const consumer of CONSUMERS) {
      const queue = queues[consumer.id]!;
      const poller = startQueuePoller({
        client: sqs,
        queueUrl: queue.queueUrl,
        queueArn: queue.queueArn,
        handler: inOwnEnvironment(consumer.handler, await loadHandler<SqsHandler>(consumer.handler)),
        functionName: consumer.handler,
        batchSize: consumer.batchSize,
        maxConcurrency: Math.min(consumer.maxConcurrency, 4),
        region: LOCAL_REGION,
        onError: (error) => logger.error('local consumer poll failed', { consumer: consumer.id, errorMessage: error instanceof Error ? error.message : String(error) }),
      });
      pollers.push(poller);
      stoppers.push(() => poller.stop());
    }
    if (onDeadLetter !== undefined) {
      const watcher = watchDeadLetterQueues({
        sqs,
        queues: CONSUMERS.map((c) => ({ consumer: c.id, handler: c.handler, dlqUrl: queues[c.id]!.dlqUrl })),
        onNotice: onDeadLetter,
        onError: (error) => logger.warn('local dead-letter queue watch failed', { errorMessage: error instanceof Error ? error.message : String(error) }),
      });
      stoppers.push(() => watcher.stop());
    }


    return {
      apiUrl: api.url,
      sandboxUrl: sandbox.url,
      sandbox,
      busUrl: bus.url,
      dynamoEndpoint: dynamo.endpoint,
      sqsEndpoint: fauxqs.endpoint,
      eventsLogPath,
      deadLettersPath: bus.deadLettersPath,
      busName,
      archivedLogs,
      tableNames,
      queueUrls: Object.fromEntries(Object.entries(queues).map(([id, q]) => [id, { queueUrl: q.queueUrl, dlqUrl: q.dlqUrl }])),
      bus,
      async whenIdle(timeoutMs = 60_000) {
        const deadline = Date.now() + timeoutMs;
        // Quiet twice in a row: a delivery in flight may enqueue work that another consumer then takes.
        for (let quiet = 0; quiet < 2; ) {
          if (Date.now() > deadline) throw new Error(`local stack still busy after ${timeoutMs} ms`);
          await sandbox.idle();
          await bus.whenIdle();
          await Promise.all(pollers.map((p) => p.whenIdle()));
          const depth = await queuedMessages(sqs, Object.values(queues).map((q) => q.queueUrl));
          quiet = depth === 0 ? quiet + 1 : 0;
          await new Promise((r) => setTimeout(r, depth === 0 ? 50 : 100));
        }
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function queuedMessages(sqs: SQSClient, queueUrls: readonly string[]): Promise<number> {
  const counts = await Promise.all(
    queueUrls.map(async (QueueUrl) => {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
        }),
      );
      return (
        Number(Attributes['ApproximateNumberOfMessages'] ?? 0) +
        Number(Attributes['ApproximateNumberOfMessagesNotVisible'] ?? 0) +
        Number(Attributes['ApproximateNumberOfMessagesDelayed'] ?? 0)
      );
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

async function loadHandler<T>(name: string): Promise<T> {
  const module = (await import(pathToFileURL(resolve(ROOT, 'functions', `${name}.ts`)).href)) as { handler?: T };
  if (module.handler === undefined) throw new Error(`functions/${name}.ts does not export a handler`);
  return module.handler;
}

async function provisionConsumerQueue(sqs: SQSClient, fauxqs: RunningEmulator, consumer: ConsumerSpec) {
  const base = `${PREFIX}-${consumer.id}`;
  if (consumer.fifo) {
    const q = await provisionFifoQueue(fauxqs.endpoint, `${base}.fifo`, {
      dlqName: `${base}-dlq.fifo`,
      maxReceiveCount: consumer.maxReceiveCount,
      visibilityTimeout: consumer.visibilityTimeoutSeconds,
    });
    return { queueUrl: q.queueUrl, queueArn: q.queueArn, dlqUrl: q.dlq!.queueUrl };
  }
  const dlq = await createStandardQueue(sqs, `${base}-dlq`, { MessageRetentionPeriod: '1209600' });
  const queue = await createStandardQueue(sqs, base, {
    VisibilityTimeout: String(consumer.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: consumer.maxReceiveCount }),
  });
  return { ...queue, dlqUrl: dlq.queueUrl };
}

async function createStandardQueue(sqs: SQSClient, name: string, attributes: Record<string, string>) {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { queueUrl: QueueUrl!, queueArn: Attributes!['QueueArn']! };
}
