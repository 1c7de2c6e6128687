/**
 * What the send-time checks of issue 9 add to each send: DynamoDB requests (by command) and wall time per
 * `sendMessage`, on DynamoDB Local, with the real adapters the sender is composed of in `senderFromEnvironment`
 * (message, pacing, template, health, messaging-limit and contact stores) and a fake Graph client that accepts every
 * message at once (no network). A benchmark: it prints figures and asserts nothing.
 *
 *   BENCH_SENDS=5000 BENCH_USERS=2000 npx tsx test/bench/send-path-requests.ts
 *
 * One plan of sends (seeded by `BENCH_SEED`: recipients drawn from `BENCH_USERS`, `BENCH_SERVICE_PERCENT` service
 * replies inside the customer service window, `BENCH_IN_WINDOW_PERCENT` templates inside it, the rest templates
 * outside it) is sent once per configuration, each on its own fresh table seeded alike (one approved template, the
 * account's health with `BENCH_TIER` and no restriction, the number's health with Meta's 80 msg/s), so the figures
 * compare as ratios within one run:
 *
 * | configuration       | templateCheck (registry TTL 0) | standing (health reader + messaging limit) |
 * |---------------------|--------------------------------|--------------------------------------------|
 * | baseline            | –                              | –                                          |
 * | template            | yes                            | –                                          |
 * | standing            | –                              | health cached 30 s                         |
 * | all                 | yes                            | health cached 30 s (production)            |
 * | all, health uncached| yes                            | health cached 0 ms                         |
 *
 * The outbox records are written first through the message store (the gate's cost, not counted). Then the sends run
 * one after another (`BENCH_CONCURRENCY` senders) on a simulated clock moving `BENCH_INTERVAL_MS` per send (50 ms:
 * 20 sends/s, under the number's 80 msg/s and far under the pair rate), so the caches expire as they would in one
 * busy container. Every request is attributed to its send (AsyncLocalStorage) and to the part of the sender that made
 * it: the template re-read, the health reads (under the cache: only real requests), the messaging-limit admission,
 * or the sender's own outbox and pacing work.
 *
 * Sends are split by kind: a template outside the window to a user not counted yet (`template_first`), to a user
 * already counted (`template_repeat`), a template inside the window (`template_in_window`) and a service reply
 * (`service`, no limit request). Also printed: the gate's template lookups with its 30 s cache over the same sends.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';

import { quietAwsSdkNodeSupportWarning } from '../../infra/local/aws-sdk-node-support.js';
import { localClientConfig, provisionTables, startDynamoDbLocal } from '../../infra/local/emulators.js';
import { STATE_TABLE } from '../../infra/topology.js';
import { createContactStore } from '../../shared/adapters/contact-store.js';
import { createCachedHealthReader } from '../../shared/adapters/health-reader.js';
import { createHealthStore } from '../../shared/adapters/health-store.js';
import { createMessageStore, type MessageRecord } from '../../shared/adapters/message-store.js';
import { createMessagingLimitStore } from '../../shared/adapters/messaging-limit-store.js';
import { createPacingStore } from '../../shared/adapters/pacing-store.js';
import { createStoreTemplateRegistry, DEFAULT_TEMPLATE_CACHE_TTL_MS } from '../../shared/adapters/template-registry.js';
import { createTemplateStore } from '../../shared/adapters/template-store.js';
import type { SendRequestData } from '../../shared/contracts/events/outbound/send-request.js';
import type { DomainEvent } from '../../shared/contracts/events/registry.js';
import { parseMessagingLimitTier } from '../../shared/domain/sending/messaging-limit.js';
import { DEFAULT_HEALTH_CACHE_TTL_MS } from '../../shared/sending-config.js';
import { sendMessage, type SendMessageDeps, type SendOutcome } from '../../shared/usecases/send-message.js';

quietAwsSdkNodeSupportWarning();

const sends = Number(process.env['BENCH_SENDS'] ?? '5000');
const users = Number(process.env['BENCH_USERS'] ?? '2000');
const intervalMs = Number(process.env['BENCH_INTERVAL_MS'] ?? '50');
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? '1');
const servicePercent = Number(process.env['BENCH_SERVICE_PERCENT'] ?? '30');
const inWindowPercent = Number(process.env['BENCH_IN_WINDOW_PERCENT'] ?? '10');
const seed = Number(process.env['BENCH_SEED'] ?? '2026');
const tierParse = parseMessagingLimitTier(process.env['BENCH_TIER'] ?? 'TIER_10K');
if (!tierParse.ok) throw new Error(tierParse.problem);
const tier = tierParse.tier;
for (const [name, value] of Object.entries({ sends, users, intervalMs, concurrency, servicePercent, inWindowPercent, seed })) {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`BENCH setting ${name} must be a non-negative integer, got ${value}`);
}
if (sends === 0 || users === 0 || concurrency === 0) throw new Error('BENCH_SENDS, BENCH_USERS and BENCH_CONCURRENCY must be at least 1');
if (servicePercent + inWindowPercent > 100) throw new Error('BENCH_SERVICE_PERCENT + BENCH_IN_WINDOW_PERCENT must be at most 100');

const WABA = '102290129340398';
const NUMBER = '106540352242922';
// A business portfolio id above 2^53, kept as a string.
const PORTFOLIO = '9007199254740993';
const TEMPLATE = { name: 'entrega_pedido', language: 'es' } as const;
const START = Date.parse('2026-12-04T03:00:00.000Z');
const HOUR = 3_600_000;

type Kind = 'template_first' | 'template_repeat' | 'template_in_window' | 'service';
const KINDS: readonly Kind[] = ['template_first', 'template_repeat', 'template_in_window', 'service'];
/** Who made a request: the sender's own outbox and pacing work, or one of the send-time checks. */
type Part = 'sender' | 'template' | 'health' | 'limit';
const PARTS: readonly Part[] = ['sender', 'template', 'health', 'limit'];
const COMMANDS = ['GetItem', 'BatchGetItem', 'Query', 'TransactWriteItems', 'UpdateItem', 'PutItem', 'DeleteItem'] as const;
const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

// ---------------------------------------------------------------------------------------------------------------
// The plan: the same sends, in the same order, for every configuration.
// ---------------------------------------------------------------------------------------------------------------

interface PlannedSend {
  readonly index: number;
  readonly recipient: string;
  readonly kind: Kind;
}

const draws = fc.sample(fc.tuple(fc.integer({ min: 0, max: users - 1 }), fc.integer({ min: 0, max: 99 })), { seed, numRuns: sends });
const counted = new Set<number>();
const plan: PlannedSend[] = draws.map(([user, roll], index) => {
  // Spanish mobile numbers, E.164.
  const recipient = `+346${String(user).padStart(8, '0')}`;
  if (roll < servicePercent) return { index, recipient, kind: 'service' };
  if (roll < servicePercent + inWindowPercent) return { index, recipient, kind: 'template_in_window' };
  // A user counts once in a moving 24 h: the plan spans minutes, so only the first template outside the window counts.
  const first = !counted.has(user);
  counted.add(user);
  return { index, recipient, kind: first ? 'template_first' : 'template_repeat' };
});

function recordOf(send: PlannedSend): MessageRecord {
  const createdAt = START - 60_000 + send.index;
  const template = send.kind !== 'service';
  const request: SendRequestData = {
    phoneNumberId: NUMBER,
    to: send.recipient,
    message: template
      ? { type: 'template', name: TEMPLATE.name, language: TEMPLATE.language, components: { body: [{ type: 'text', text: 'Zoë 🌸' }, { type: 'text', text: 'Nº 9007199254740993' }] } }
      : { type: 'text', body: 'Su pedido llega mañana 🚚 — شكراً لك' },
  } as SendRequestData;
  return {
    messageId: `m_bench_${String(send.index).padStart(6, '0')}`,
    idempotencyKey: `bench-${send.index}`,
    requestHash: randomBytes(16).toString('hex'),
    requestedBy: 'bench.send-path',
    phoneNumberId: NUMBER,
    businessAccountId: WABA,
    contactId: `c_${send.recipient.slice(-8)}`,
    recipient: { to: send.recipient },
    messageType: template ? 'template' : 'text',
    category: template ? 'utility' : 'service',
    lane: 'priority',
    status: 'queued',
    request,
    attempts: 0,
    createdAt,
    updatedAt: createdAt,
    // The window the gate saw: open for service replies and in-window templates, closed for the rest.
    ...(send.kind === 'service' || send.kind === 'template_in_window' ? { windowClosesAt: START + 12 * HOUR } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Counting: every request of the document client, attributed to its send and to the part of the sender.
// ---------------------------------------------------------------------------------------------------------------

interface SendTally {
  readonly byCommand: Map<string, number>;
  readonly byPart: Map<Part, number>;
}
const perSend = new AsyncLocalStorage<SendTally>();
const perPart = new AsyncLocalStorage<Part>();

const commandName = (command: object) => command.constructor.name.replace(/Command$/, '').replace(/^(Get|Put|Update|Delete)$/, '$1Item').replace(/^(BatchGet|BatchWrite)$/, '$1Item').replace(/^Transact(Write|Get)$/, 'Transact$1Items');

function counting(client: DynamoDBDocumentClient): DynamoDBDocumentClient {
  const send = client.send.bind(client) as (command: object, ...rest: unknown[]) => Promise<unknown>;
  client.send = ((command: object, ...rest: unknown[]) => {
    const tally = perSend.getStore();
    if (tally !== undefined) {
      const name = commandName(command);
      tally.byCommand.set(name, (tally.byCommand.get(name) ?? 0) + 1);
      const part = perPart.getStore() ?? 'sender';
      tally.byPart.set(part, (tally.byPart.get(part) ?? 0) + 1);
    }
    return send(command, ...rest);
  }) as unknown as DynamoDBDocumentClient['send'];
  return client;
}

/** Runs `fn` with its requests attributed to `part`. */
const as = <T>(part: Part, fn: () => Promise<T>): Promise<T> => perPart.run(part, fn);

// ---------------------------------------------------------------------------------------------------------------
// Configurations
// ---------------------------------------------------------------------------------------------------------------

interface Configuration {
  readonly name: string;
  readonly templateCheck: boolean;
  /** Health cache TTL; undefined: no standing check. */
  readonly healthTtlMs: number | undefined;
}

const CONFIGURATIONS: readonly Configuration[] = [
  { name: 'baseline', templateCheck: false, healthTtlMs: undefined },
  { name: 'template', templateCheck: true, healthTtlMs: undefined },
  { name: 'standing', templateCheck: false, healthTtlMs: DEFAULT_HEALTH_CACHE_TTL_MS },
  { name: 'all', templateCheck: true, healthTtlMs: DEFAULT_HEALTH_CACHE_TTL_MS },
  { name: 'all, health uncached', templateCheck: true, healthTtlMs: 0 },
];

interface KindResult {
  sends: number;
  requests: number;
  reads: number;
  writes: number;
  byCommand: Record<string, number>;
  byPart: Record<Part, number>;
  ms: number[];
  outcomes: Record<string, number>;
  limitDecisions: { counted: number; uncounted: number; deferred: number };
}

const emptyKind = (): KindResult => ({
  sends: 0,
  requests: 0,
  reads: 0,
  writes: 0,
  byCommand: {},
  byPart: { sender: 0, template: 0, health: 0, limit: 0 },
  ms: [],
  outcomes: {},
  limitDecisions: { counted: 0, uncounted: 0, deferred: 0 },
});

interface ConfigurationResult {
  readonly configuration: Configuration;
  readonly kinds: Record<Kind, KindResult>;
  readonly wallMs: number;
  readonly events: Record<string, number>;
}

const dynamo = await startDynamoDbLocal();
const raw = new DynamoDBClient(localClientConfig(dynamo.endpoint));
const client = counting(DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } }));

async function freshTable(): Promise<string> {
  const tables = await provisionTables(dynamo.endpoint, [STATE_TABLE], (spec) => `bench-${randomBytes(3).toString('hex')}-${spec.id}`);
  return tables[STATE_TABLE.id]!;
}

/** One approved template, the account with its tier and no restriction, the number at Meta's 80 msg/s. */
async function seedTable(tableName: string): Promise<void> {
  const at = new Date(START - HOUR).toISOString();
  await createTemplateStore({ client, tableName }).apply(
    {
      kind: 'snapshot',
      source: 'sync',
      at,
      businessAccountId: WABA,
      name: TEMPLATE.name,
      language: TEMPLATE.language,
      templateId: '9007199254740995',
      category: 'UTILITY',
      status: 'APPROVED',
      components: [{ type: 'BODY', text: 'Hola {{1}}, tu pedido {{2}} 📦 está en camino', example: { body_text: [['Zoë', 'Nº 42']] } }],
    },
    at,
  );
  const health = createHealthStore({ client, tableName });
  await health.applyAccountFact({ at, businessAccountId: WABA, restrictions: [], messagingLimitTier: tier.name }, at);
  await health.applyNumberFact({ at, phoneNumberId: NUMBER, businessAccountId: WABA, quality: 'GREEN', throughputMps: 80, status: 'CONNECTED' }, at);
}

/** The outbox records, written as the gate writes them (not counted: the gate's cost). */
async function createRecords(tableName: string): Promise<void> {
  const messages = createMessageStore({ client, tableName });
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < plan.length) {
        const send = plan[next++]!;
        const created = await messages.create(recordOf(send));
        if (created !== 'created') throw new Error(`outbox record ${send.index} not created: ${created}`);
      }
    }),
  );
}

async function runConfiguration(configuration: Configuration): Promise<ConfigurationResult> {
  const tableName = await freshTable();
  await seedTable(tableName);
  await createRecords(tableName);

  const clock = { now: START };
  const events: Record<string, number> = {};
  const templateStore = createTemplateStore({ client, tableName });
  const registry = createStoreTemplateRegistry({ store: templateStore, ttlMs: 0, now: () => clock.now });
  const contacts = createContactStore({ client, tableName });
  const healthStore = createHealthStore({ client, tableName });
  const limits = createMessagingLimitStore({ client, tableName });
  const lastDecision = new AsyncLocalStorage<{ decision?: 'counted' | 'uncounted' | 'deferred' }>();

  const deps: SendMessageDeps = {
    messages: createMessageStore({ client, tableName }),
    pacing: createPacingStore({ client, tableName }),
    graph: {
      // Meta accepting at once: the figures are Relais's own requests.
      sendMessage: async (_number, body) => ({ outcome: 'accepted', wamid: `wamid.HBgL${(body as { biz_opaque_callback_data?: string }).biz_opaque_callback_data ?? randomBytes(6).toString('hex')}`, httpStatus: 200 }),
    },
    publish: async (published: readonly DomainEvent[]) => {
      for (const event of published) events[event.detailType] = (events[event.detailType] ?? 0) + 1;
    },
    freeEntryPoints: contacts,
    settings: { ratePerSecond: () => 80, bulkSharePercent: 80, pairRate: { intervalMs: 6000, burst: 10 }, maxAttempts: 8, inlineWaitMs: 1000 },
    now: () => clock.now,
    // A wait moves the simulated clock, as time would pass.
    sleep: async (ms) => {
      clock.now += ms;
    },
    random: () => 0.5,
    ...(configuration.templateCheck
      ? {
          templateCheck: {
            templates: { find: (waba, name, language) => as('template', () => registry.find(waba, name, language)) },
            contacts: { sendContextFor: (...args) => as('template', () => contacts.sendContextFor(...args)) },
            requireOptIn: ['marketing'],
          },
        }
      : {}),
    ...(configuration.healthTtlMs === undefined
      ? {}
      : {
          standing: {
            // Attributed under the cache: only the reads that reach DynamoDB count.
            health: createCachedHealthReader({
              store: { getAccount: (id) => as('health', () => healthStore.getAccount(id)), getNumber: (id) => as('health', () => healthStore.getNumber(id)) },
              ttlMs: configuration.healthTtlMs,
              now: () => clock.now,
            }),
            limits: {
              admit: async (admission) => {
                const decision = await as('limit', () => limits.admit(admission));
                const mine = lastDecision.getStore();
                if (mine !== undefined) mine.decision = decision.action === 'defer' ? 'deferred' : decision.addsUniqueUser ? 'counted' : 'uncounted';
                return decision;
              },
            },
            portfolios: { [WABA]: PORTFOLIO },
            configuredTier: tier,
          },
        }),
  };

  const kinds = Object.fromEntries(KINDS.map((kind) => [kind, emptyKind()])) as Record<Kind, KindResult>;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < plan.length) {
        const send = plan[next++]!;
        clock.now = Math.max(clock.now, START + send.index * intervalMs);
        const tally: SendTally = { byCommand: new Map(), byPart: new Map() };
        const decision: { decision?: 'counted' | 'uncounted' | 'deferred' } = {};
        const t = performance.now();
        const outcome: SendOutcome = await lastDecision.run(decision, () => perSend.run(tally, () => sendMessage(recordOf(send).messageId, deps)));
        const ms = performance.now() - t;
        const k = kinds[send.kind];
        k.sends++;
        k.ms.push(ms);
        k.outcomes[outcome.kind] = (k.outcomes[outcome.kind] ?? 0) + 1;
        if (decision.decision !== undefined) k.limitDecisions[decision.decision]++;
        for (const [name, n] of tally.byCommand) {
          k.byCommand[name] = (k.byCommand[name] ?? 0) + n;
          k.requests += n;
          if (READS.has(name)) k.reads += n;
          else k.writes += n;
        }
        for (const [part, n] of tally.byPart) k.byPart[part] += n;
      }
    }),
  );
  return { configuration, kinds, wallMs: performance.now() - started, events };
}

/** The gate's template lookups over the same template sends, through its 30 s cache (request-send's registry). */
async function gateLookups(): Promise<{ templateSends: number; requests: number; requestsPerTemplateSend: number }> {
  const tableName = await freshTable();
  await seedTable(tableName);
  let now = START;
  const registry = createStoreTemplateRegistry({ store: createTemplateStore({ client, tableName }), ttlMs: DEFAULT_TEMPLATE_CACHE_TTL_MS, now: () => now });
  const tally: SendTally = { byCommand: new Map(), byPart: new Map() };
  const templateSends = plan.filter((s) => s.kind !== 'service');
  await perSend.run(tally, async () => {
    for (const send of templateSends) {
      now = START + send.index * intervalMs;
      await registry.find(WABA, TEMPLATE.name, TEMPLATE.language);
    }
  });
  const requests = [...tally.byCommand.values()].reduce((a, b) => a + b, 0);
  return { templateSends: templateSends.length, requests, requestsPerTemplateSend: round(requests / Math.max(1, templateSends.length), 4) };
}

// ---------------------------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------------------------

const round = (n: number, digits = 3) => Number(n.toFixed(digits));
const percentile = (sorted: readonly number[], p: number) => (sorted.length === 0 ? null : round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!, 2));

function merge(kinds: readonly KindResult[]): KindResult {
  const all = emptyKind();
  for (const k of kinds) {
    all.sends += k.sends;
    all.requests += k.requests;
    all.reads += k.reads;
    all.writes += k.writes;
    all.ms.push(...k.ms);
    for (const [name, n] of Object.entries(k.byCommand)) all.byCommand[name] = (all.byCommand[name] ?? 0) + n;
    for (const part of PARTS) all.byPart[part] += k.byPart[part];
    for (const [name, n] of Object.entries(k.outcomes)) all.outcomes[name] = (all.outcomes[name] ?? 0) + n;
    all.limitDecisions.counted += k.limitDecisions.counted;
    all.limitDecisions.uncounted += k.limitDecisions.uncounted;
    all.limitDecisions.deferred += k.limitDecisions.deferred;
  }
  return all;
}

function perSendFigures(k: KindResult, baseline: KindResult | undefined) {
  const per = (n: number) => (k.sends === 0 ? null : round(n / k.sends));
  const basePer = (n: number) => (baseline === undefined || baseline.sends === 0 ? 0 : n / baseline.sends);
  const sorted = [...k.ms].sort((a, b) => a - b);
  return {
    sends: k.sends,
    requestsPerSend: per(k.requests),
    byCommand: Object.fromEntries(COMMANDS.map((name) => [name, per(k.byCommand[name] ?? 0)])),
    byPart: Object.fromEntries(PARTS.map((part) => [part, per(k.byPart[part])])),
    extraVsBaseline:
      baseline === undefined || k.sends === 0
        ? null
        : { reads: round(k.reads / k.sends - basePer(baseline.reads)), writes: round(k.writes / k.sends - basePer(baseline.writes)) },
    msPerSend: { mean: k.sends === 0 ? null : round(k.ms.reduce((a, b) => a + b, 0) / k.sends, 2), p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99) },
    outcomes: k.outcomes,
    limitDecisions: k.limitDecisions,
  };
}

const machine = { nproc: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', node: process.version, loadavg1mAtStart: round(loadavg()[0]!, 2) };
process.stderr.write(`[bench] ${machine.nproc} × ${machine.cpu}, Node ${machine.node}; ${sends} sends to ${users} users, ${concurrency} sender(s), one every ${intervalMs} ms simulated\n`);

try {
  const results: ConfigurationResult[] = [];
  for (const configuration of CONFIGURATIONS) {
    const t = performance.now();
    results.push(await runConfiguration(configuration));
    process.stderr.write(`[bench] ${configuration.name}: ${round((performance.now() - t) / 1000, 1)} s (sends ${round(results.at(-1)!.wallMs / 1000, 1)} s)\n`);
  }
  const gate = await gateLookups();

  const baseline = results[0]!;
  const report = {
    command: 'npx tsx test/bench/send-path-requests.ts',
    machine,
    settings: { sends, users, intervalMs, concurrency, servicePercent, inWindowPercent, seed, tier: tier.name, healthCacheTtlMs: DEFAULT_HEALTH_CACHE_TTL_MS, sendTimeTemplateTtlMs: 0 },
    plan: Object.fromEntries(KINDS.map((kind) => [kind, plan.filter((s) => s.kind === kind).length])),
    configurations: results.map((r) => ({
      name: r.configuration.name,
      templateCheck: r.configuration.templateCheck,
      healthCacheTtlMs: r.configuration.healthTtlMs ?? null,
      wallMsPerSend: round(r.wallMs / sends, 2),
      events: r.events,
      all: perSendFigures(merge(KINDS.map((kind) => r.kinds[kind])), merge(KINDS.map((kind) => baseline.kinds[kind]))),
      byKind: Object.fromEntries(KINDS.map((kind) => [kind, perSendFigures(r.kinds[kind], baseline.kinds[kind])])),
    })),
    gateTemplateLookups: { cacheTtlMs: DEFAULT_TEMPLATE_CACHE_TTL_MS, ...gate },
  };
  console.log(JSON.stringify(report, null, 2));

  // A short table: per configuration, requests and extra reads/writes per send, overall and by kind.
  const rows: string[][] = [['configuration', 'kind', 'sends', 'req/send', 'Get', 'BatchGet', 'Query', 'TxWrite', 'Update', 'Put', 'extra reads', 'extra writes', 'limit req', 'ms mean', 'ms p99']];
  for (const c of report.configurations) {
    for (const [kind, f] of [['all', c.all], ...Object.entries(c.byKind)] as [string, ReturnType<typeof perSendFigures>][]) {
      if (f.sends === 0) continue;
      rows.push([
        c.name,
        kind,
        String(f.sends),
        String(f.requestsPerSend),
        String(f.byCommand['GetItem']),
        String(f.byCommand['BatchGetItem']),
        String(f.byCommand['Query']),
        String(f.byCommand['TransactWriteItems']),
        String(f.byCommand['UpdateItem']),
        String(f.byCommand['PutItem']),
        String(f.extraVsBaseline?.reads ?? ''),
        String(f.extraVsBaseline?.writes ?? ''),
        String(f.byPart['limit']),
        String(f.msPerSend.mean),
        String(f.msPerSend.p99),
      ]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log(`\n${machine.nproc} × ${machine.cpu}, Node ${machine.node}; ${sends} sends to ${users} users (${Object.entries(report.plan).map(([k, n]) => `${k} ${n}`).join(', ')})`);
  for (const row of rows) console.log(row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
  console.log(`gate template lookups (30 s cache): ${gate.requests} GetItem over ${gate.templateSends} template sends = ${gate.requestsPerTemplateSend} per template send`);
} finally {
  raw.destroy();
  await dynamo.stop();
}
