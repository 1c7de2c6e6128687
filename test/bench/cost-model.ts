import type { AwsUsageSnapshot } from './aws-usage.js';

/**
 * AWS requests per message, counted over a send run, and what they cost per million messages at us-east-1
 * list prices (AWS pricing pages for Lambda, SQS, EventBridge, DynamoDB on-demand, S3 and API Gateway; free tiers ignored).
 */

export const PRICES = {
  /** Lambda: $0.20 per 1M requests. */
  lambdaPerMillionRequests: 0.2,
  /** Lambda arm64: $0.0000133334 per GB-s (first 7.5B GB-s). */
  lambdaArmPerGbSecond: 0.0000133334,
  /** SQS FIFO: $0.50 per 1M requests (64 KB chunks). */
  sqsFifoPerMillion: 0.5,
  /** SQS standard: $0.40 per 1M requests. */
  sqsStandardPerMillion: 0.4,
  /** EventBridge custom events: $1.00 per 1M (64 KB chunks). */
  eventBridgePerMillionEvents: 1.0,
  /** DynamoDB on-demand: $0.625 per 1M write request units, $0.125 per 1M read request units. */
  dynamoPerMillionWru: 0.625,
  dynamoPerMillionRru: 0.125,
  /** API Gateway HTTP API: $1.00 per 1M requests (first 300M; 512 KB chunks). */
  apiGatewayPerMillion: 1.0,
  /** S3 Standard (https://aws.amazon.com/s3/pricing/): PUT $0.005 per 1,000, GET $0.0004 per 1,000. */
  s3PutPerMillion: 5.0,
  s3GetPerMillion: 0.4,
  /** Secrets Manager (AWS list price): $0.05 per 10,000 API calls. */
  secretsManagerPerMillion: 5.0,
} as const;

/** What Lambda is assumed to be given and to take per invocation, for the GB-s line. */
export const LAMBDA_ASSUMPTION = { memoryMb: 256, durationMs: 150 } as const;

export interface CostLine {
  readonly service: string;
  readonly item: string;
  /** Billed units per message. */
  readonly perMessage: number;
  /** Price of one million units, USD. */
  readonly pricePerMillion: number;
  /** USD per million messages. */
  readonly costPerMillionMessages: number;
  readonly arithmetic: string;
}

export interface RequestsPerMessage {
  readonly messages: number;
  /** `Service.Command` → calls per message (all callers). */
  readonly byCommand: Readonly<Record<string, number>>;
  /** Caller → `Service.Command` → calls per message. */
  readonly byActor: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** `DynamoDB.Command` → capacity units per message (RRU for reads, WRU for writes). */
  readonly dynamoUnitsByCommand: Readonly<Record<string, number>>;
  readonly eventBridgeEntries: number;
  readonly sqsRequests: { readonly fifo: number; readonly standard: number; readonly emptyReceivesExcluded: number };
  readonly dynamo: { readonly rru: number; readonly wru: number; readonly readCalls: number; readonly writeCalls: number };
  /** Handler → invocations per message, and the mean local wall time of one invocation. */
  readonly lambda: Readonly<Record<string, { readonly perMessage: number; readonly meanLocalMs: number | undefined }>>;
  readonly apiGatewayRequests: number;
  readonly s3: { readonly put: number; readonly get: number };
  readonly secretsManager: number;
}

export interface CostModel {
  readonly requests: RequestsPerMessage;
  readonly lines: readonly CostLine[];
  readonly totalPerMillion: number;
  /** The same total with Lambda's GB-s at the durations measured locally (an upper bound: 2 shared cores). */
  readonly totalPerMillionWithLocalDurations: number;
  readonly assumptions: readonly string[];
}

const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

/**
 * @param webhookRequests status webhooks POSTed to Relais during the run (attempts): each is one API Gateway
 *        request and one invocation of `receive-webhook`.
 */
export function costModel(usage: AwsUsageSnapshot, messages: number, webhookRequests: number): CostModel {
  if (messages <= 0) throw new RangeError(`cost model needs a positive number of messages, got ${messages}`);
  const per = (n: number) => n / messages;
  const byCommand: Record<string, number> = {};
  const byActor: Record<string, Record<string, number>> = {};
  const unitsByCommand: Record<string, number> = {};
  let ebEntries = 0;
  let sqsFifo = 0;
  let sqsStandard = 0;
  let emptyReceives = 0;
  let rru = 0;
  let wru = 0;
  let readCalls = 0;
  let writeCalls = 0;
  let s3Put = 0;
  let s3Get = 0;
  let secrets = 0;
  for (const c of usage.commands) {
    const key = `${c.service}.${c.command}`;
    const actor = (byActor[c.actor] ??= {});
    if (c.emptyReceives > 0) {
      const empty = `${key} (empty)`;
      byCommand[empty] = (byCommand[empty] ?? 0) + c.emptyReceives;
      actor[empty] = (actor[empty] ?? 0) + c.emptyReceives;
    }
    const billed = c.calls - c.emptyReceives;
    if (billed > 0) {
      byCommand[key] = (byCommand[key] ?? 0) + billed;
      actor[key] = (actor[key] ?? 0) + billed;
    }
    if (c.service === 'EventBridge' && c.command === 'PutEvents') ebEntries += c.acceptedEntries;
    if (c.service === 'SQS') {
      emptyReceives += c.emptyReceives;
      sqsFifo += c.fifoCalls - c.emptyFifoReceives;
      sqsStandard += c.calls - c.fifoCalls - (c.emptyReceives - c.emptyFifoReceives);
    }
    if (c.service === 'DynamoDB') {
      rru += c.readUnits;
      wru += c.writeUnits;
      unitsByCommand[key] = (unitsByCommand[key] ?? 0) + c.readUnits + c.writeUnits;
      if (READS.has(c.command)) readCalls += c.calls;
      if (WRITES.has(c.command)) writeCalls += c.calls;
    }
    if (c.service === 'S3') {
      if (c.command === 'PutObject') s3Put += c.calls;
      else if (c.command === 'GetObject' || c.command === 'HeadObject') s3Get += c.calls;
    }
    if (c.service === 'SecretsManager') secrets += c.calls;
  }
  const lambda: Record<string, { perMessage: number; meanLocalMs: number | undefined }> = {};
  let consumerInvocations = 0;
  let localGbSeconds = 0;
  for (const [handler, inv] of Object.entries(usage.invocations)) {
    consumerInvocations += inv.count;
    const mean = inv.count > 0 ? inv.totalMs / inv.count : undefined;
    lambda[handler] = { perMessage: per(inv.count), meanLocalMs: mean };
    localGbSeconds += (LAMBDA_ASSUMPTION.memoryMb / 1024) * (inv.totalMs / 1000);
  }
  lambda['receive-webhook'] = { perMessage: per(webhookRequests), meanLocalMs: undefined };
  const invocations = consumerInvocations + webhookRequests;

  const requests: RequestsPerMessage = {
    messages,
    byCommand: Object.fromEntries(Object.entries(byCommand).map(([k, v]) => [k, per(v)])),
    byActor: Object.fromEntries(Object.entries(byActor).map(([a, m]) => [a, Object.fromEntries(Object.entries(m).map(([k, v]) => [k, per(v)]))])),
    dynamoUnitsByCommand: Object.fromEntries(Object.entries(unitsByCommand).map(([k, v]) => [k, per(v)])),
    eventBridgeEntries: per(ebEntries),
    sqsRequests: { fifo: per(sqsFifo), standard: per(sqsStandard), emptyReceivesExcluded: per(emptyReceives) },
    dynamo: { rru: per(rru), wru: per(wru), readCalls: per(readCalls), writeCalls: per(writeCalls) },
    lambda,
    apiGatewayRequests: per(webhookRequests),
    s3: { put: per(s3Put), get: per(s3Get) },
    secretsManager: per(secrets),
  };

  const line = (service: string, item: string, perMessage: number, pricePerMillion: number, unit: string): CostLine => ({
    service,
    item,
    perMessage,
    pricePerMillion,
    costPerMillionMessages: perMessage * pricePerMillion,
    arithmetic: `${fmt(perMessage)} ${unit}/msg × $${pricePerMillion}/M = $${fmt(perMessage * pricePerMillion, 3)} per M msgs`,
  });
  const gbSecondsPerInvocation = (LAMBDA_ASSUMPTION.memoryMb / 1024) * (LAMBDA_ASSUMPTION.durationMs / 1000);
  const gbSecondsPerMessage = per(invocations) * gbSecondsPerInvocation;
  const lines: CostLine[] = [
    line('EventBridge', 'PutEvents entries (custom events)', per(ebEntries), PRICES.eventBridgePerMillionEvents, 'events'),
    line('SQS', 'FIFO requests', per(sqsFifo), PRICES.sqsFifoPerMillion, 'requests'),
    line('SQS', 'standard requests', per(sqsStandard), PRICES.sqsStandardPerMillion, 'requests'),
    line('DynamoDB', 'write request units', per(wru), PRICES.dynamoPerMillionWru, 'WRU'),
    line('DynamoDB', 'read request units', per(rru), PRICES.dynamoPerMillionRru, 'RRU'),
    line('Lambda', 'requests (invocations)', per(invocations), PRICES.lambdaPerMillionRequests, 'invocations'),
    {
      service: 'Lambda',
      item: `arm64 compute (${LAMBDA_ASSUMPTION.memoryMb} MB × ${LAMBDA_ASSUMPTION.durationMs} ms assumed)`,
      perMessage: gbSecondsPerMessage,
      pricePerMillion: PRICES.lambdaArmPerGbSecond * 1e6,
      costPerMillionMessages: gbSecondsPerMessage * PRICES.lambdaArmPerGbSecond * 1e6,
      arithmetic: `${fmt(per(invocations))} invocations/msg × ${fmt(gbSecondsPerInvocation, 4)} GB-s × $${PRICES.lambdaArmPerGbSecond}/GB-s × 1M = $${fmt(gbSecondsPerMessage * PRICES.lambdaArmPerGbSecond * 1e6, 3)} per M msgs`,
    },
    line('API Gateway', 'HTTP API requests (status webhooks)', per(webhookRequests), PRICES.apiGatewayPerMillion, 'requests'),
  ];
  if (s3Put + s3Get > 0) {
    lines.push(line('S3', 'PUT (large event payloads)', per(s3Put), PRICES.s3PutPerMillion, 'requests'));
    lines.push(line('S3', 'GET', per(s3Get), PRICES.s3GetPerMillion, 'requests'));
  }
  if (secrets > 0) lines.push(line('Secrets Manager', 'API calls', per(secrets), PRICES.secretsManagerPerMillion, 'calls'));
  const totalPerMillion = lines.reduce((sum, l) => sum + l.costPerMillionMessages, 0);
  const assumedLambdaCompute = gbSecondsPerMessage * PRICES.lambdaArmPerGbSecond * 1e6;
  // Local durations exist for the queue consumers only; receive-webhook keeps the assumed duration.
  const localLambdaCompute = (per(localGbSeconds) + per(webhookRequests) * gbSecondsPerInvocation) * PRICES.lambdaArmPerGbSecond * 1e6;
  return {
    requests,
    lines,
    totalPerMillion,
    totalPerMillionWithLocalDurations: totalPerMillion - assumedLambdaCompute + localLambdaCompute,
    assumptions: [
      'us-east-1 list prices from the AWS pricing pages; free tiers ignored; CloudWatch Logs not counted.',
      'Every event and SQS message is under 64 KB and every webhook under 512 KB, so one request = one billed unit.',
      'SQS: every request billed (rule-target SendMessage, enqueue, the event source mapping\'s non-empty ReceiveMessage and DeleteMessageBatch, ChangeMessageVisibility); empty receives (idle long polling, a local artefact of 1 s polls) are reported but not charged per message. FIFO lanes at the FIFO price, the other queues at the standard price.',
      'DynamoDB: units as DynamoDB Local reports them with ReturnConsumedCapacity=TOTAL (transactional writes count 2 WRU per item), raised to AWS minimums (0.5/1 RRU per key read, 1 WRU per refused conditional write, 2 WRU per item of a cancelled transaction).',
      `Lambda: one invocation per non-empty batch of a queue consumer and one per status webhook; arm64 at ${LAMBDA_ASSUMPTION.memoryMb} MB × ${LAMBDA_ASSUMPTION.durationMs} ms each (a lean handler).`,
      'API Gateway: every status webhook attempt the sandbox ("Meta") made is one HTTP API request.',
    ],
  };
}

export function fmt(value: number | undefined, digits = 2): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return value.toFixed(digits);
}
