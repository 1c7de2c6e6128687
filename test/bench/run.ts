/**
 * `npm run bench`: measured figures for webhook ingestion (issue 2) and the outbound send pipeline (issue 4)
 * on the local stack. See test/bench/README.md for what each figure means and its caveats.
 *
 * Each phase runs a fresh local stack in a child process (`stack-host.ts`); webhook load is generated from
 * this process with autocannon. The report is printed and written to `.local/bench/<timestamp>.json`.
 *
 * Options: `--quick` (a short smoke run, figures not meaningful), `--only=webhook` or `--only=send`,
 * `--no-count` (no AWS request counting: no async-context tracking in the stack, and no cost figures).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { join, resolve } from 'node:path';
import { quietAwsSdkNodeSupportWarning } from '../../infra/local/aws-sdk-node-support.js';
import { costModel } from './cost-model.js';
import { cpuBetween, sampleCpu, type CpuSample } from './cpu.js';
import { concludeRun, type Conclusions } from './findings.js';
import { renderReport, type BenchReport, type MachineFacts, type SendPhase, type WebhookPhase } from './report.js';
import type { SendRunOptions } from './send-scenario.js';
import type { ChildMessage, HostRequest, ParentMessage } from './stack-host.js';
import { runWebhookLoad } from './webhook-load.js';
import { webhookBodyFactory, type WebhookScenario } from './webhook-payloads.js';

// Before the stack hosts are forked: they inherit it (see the module's TSDoc).
quietAwsSdkNodeSupportWarning();

const ROOT = resolve(import.meta.dirname, '..', '..');
const HOST = resolve(import.meta.dirname, 'stack-host.ts');

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
if (only !== undefined && only !== 'webhook' && only !== 'send') throw new Error(`--only must be "webhook" or "send", got "${only}"`);
const countAws = !args.includes('--no-count');
const unknown = args.filter((a) => a !== '--quick' && a !== '--no-count' && !a.startsWith('--only='));
if (unknown.length > 0) throw new Error(`unknown argument(s): ${unknown.join(' ')} (known: --quick, --no-count, --only=webhook|send)`);

/**
 * Webhook load: a fixed number of connections per scenario. A 100-update body carries 100 events, so two
 * connections already keep 200 events in flight (twenty times the single-update scenario's ten).
 */
const WEBHOOK = {
  warmupSeconds: quick ? 1 : 2,
  durationSeconds: quick ? 3 : 10,
  scenarios: [
    { scenario: 'single', connections: 10 },
    { scenario: 'batch100', connections: 2 },
  ] as Array<{ scenario: WebhookScenario; connections: number }>,
};

/**
 * The send runs, sized for this 2-core machine's capacity (about 15 sends/s through the whole local pipeline)
 * and the ~6 minute budget: at most PAIR_BURST (10) messages per recipient, so the number's limit is what
 * binds, not the pair rate. The third run is configured below the machine's capacity, so that the pacer —
 * not the machine — sets the rate and its accuracy can be read.
 */
const SEND_RUNS: Array<{ label: string; throughputPerSecond: number; recipients: number; perRecipient: number }> = [
  { label: '80 msg/s', throughputPerSecond: 80, recipients: quick ? 20 : 80, perRecipient: quick ? 5 : 10 },
  { label: 'max (1000 configured)', throughputPerSecond: 1000, recipients: quick ? 20 : 80, perRecipient: quick ? 5 : 10 },
  { label: 'pacing-bound (5 msg/s)', throughputPerSecond: 5, recipients: quick ? 10 : 15, perRecipient: quick ? 3 : 10 },
];

function sendOptions(run: (typeof SEND_RUNS)[number], runId: string): SendRunOptions {
  return {
    throughputPerSecond: run.throughputPerSecond,
    recipients: run.recipients,
    perRecipient: run.perRecipient,
    putConcurrency: 4,
    probeMessages: quick ? 5 : 10,
    probeIntervalMs: 250,
    acceptDeadlineMs: 120_000,
    idleDeadlineMs: 90_000,
    runId,
  };
}

/** Hard limits per child process: the whole bench stops by itself. */
const PHASE_DEADLINE_MS = { webhook: 120_000, send: 240_000 };

function machineFacts(): MachineFacts {
  let cpuModel = 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown';
  } catch {
    // Not Linux: the model stays unknown.
  }
  return {
    nproc: availableParallelism(),
    cpuModel,
    totalMemoryGiB: totalmem() / 2 ** 30,
    node: process.version,
    platform: `${type()} ${release()}`,
    loadAverageAtStart: loadavg(),
  };
}

/** A stack-host child with a message queue, a deadline and its output in a log file. */
class Host {
  private readonly child: ChildProcess;
  private readonly queue: ChildMessage[] = [];
  private waiters: Array<(m: ChildMessage) => void> = [];
  private exited: Promise<number | null>;
  private readonly timer: NodeJS.Timeout;
  private timedOut = false;

  constructor(
    request: HostRequest,
    readonly logPath: string,
    deadlineMs: number,
  ) {
    const log = openSync(logPath, 'a');
    this.child = fork(HOST, [JSON.stringify(request)], { cwd: ROOT, stdio: ['ignore', log, log, 'ipc'] });
    closeSync(log);
    this.child.on('message', (m: ChildMessage) => {
      const waiter = this.waiters.shift();
      if (waiter !== undefined) waiter(m);
      else this.queue.push(m);
    });
    this.exited = new Promise((resolveExit) => this.child.once('exit', (code) => resolveExit(code)));
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.kill();
    }, deadlineMs);
  }

  /** The next message, or an error naming the log when the child dies or sends an error first. */
  async next<T extends ChildMessage['type']>(expected: T): Promise<Extract<ChildMessage, { type: T }>> {
    const message = await Promise.race([
      this.queue.length > 0 ? Promise.resolve(this.queue.shift()!) : new Promise<ChildMessage>((r) => this.waiters.push(r)),
      this.exited.then((code): never => {
        throw new Error(`stack host exited (code ${code}${this.timedOut ? ', killed at its deadline' : ''}) before "${expected}"; its output: ${this.logPath}\n${tail(this.logPath)}`);
      }),
    ]);
    if (message.type === 'error') throw new Error(`stack host failed: ${message.message}\n${message.stack ?? ''}\noutput: ${this.logPath}`);
    if (message.type !== expected) throw new Error(`stack host answered "${message.type}" where "${expected}" was expected`);
    return message as Extract<ChildMessage, { type: T }>;
  }

  send(message: ParentMessage): void {
    this.child.send(message);
  }

  async finish(): Promise<void> {
    const stopped = await Promise.race([this.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000).unref())]);
    if (!stopped) this.kill();
    await this.exited;
    clearTimeout(this.timer);
  }

  kill(): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    // SIGTERM lets the child stop DynamoDB Local; SIGKILL if it does not go.
    this.child.kill('SIGTERM');
    setTimeout(() => {
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    }, 10_000).unref();
  }
}

function tail(path: string, lines = 20): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

async function webhookPhase(workDir: string, runId: string): Promise<WebhookPhase> {
  const eventsLogPath = join(workDir, 'webhook-events.ndjson');
  const cpuBefore = sampleCpu();
  const host = new Host({ role: 'webhook', eventsLogPath, countAws }, join(workDir, 'webhook-stack.log'), PHASE_DEADLINE_MS.webhook);
  try {
    const ready = await host.next('ready');
    const runs: Array<WebhookPhase['runs'][number]> = [];
    for (const { scenario, connections } of WEBHOOK.scenarios) {
      process.stdout.write(`[bench] webhook ingestion: ${scenario}, ${connections} connections (${WEBHOOK.warmupSeconds} s warm-up + ${WEBHOOK.durationSeconds} s)\n`);
      const windowCpu: { before?: CpuSample | undefined } = {};
      const load = await runWebhookLoad({
        apiUrl: ready.apiUrl,
        eventsLogPath,
        factory: webhookBodyFactory(scenario, ready.appSecret, `${runId}-${scenario}`),
        connections,
        warmupSeconds: WEBHOOK.warmupSeconds,
        durationSeconds: WEBHOOK.durationSeconds,
        beforeWindow: async () => {
          host.send({ type: 'reset' });
          await host.next('reset-done');
          windowCpu.before = sampleCpu();
        },
      });
      const cpu = cpuBetween(windowCpu.before, sampleCpu());
      host.send({ type: 'snapshot' });
      const snapshot = await host.next('snapshot');
      const awsPerRequest: Record<string, number> = {};
      for (const c of snapshot.usage.commands.filter((c) => c.actor === 'api:receive-webhook')) {
        awsPerRequest[`${c.service}.${c.command}`] = c.calls / Math.max(1, load.requests);
        if (c.service === 'EventBridge' && c.command === 'PutEvents') awsPerRequest['EventBridge entries'] = c.acceptedEntries / Math.max(1, load.requests);
      }
      runs.push({ load, backlogAtEnd: snapshot.backlog, awsPerRequest, usage: snapshot.usage, ...(cpu !== undefined ? { cpu } : {}) });
    }
    host.send({ type: 'stop' });
    await host.finish();
    const cpu = cpuBetween(cpuBefore, sampleCpu());
    return { stackStartMs: ready.startMs, runs, ...(cpu !== undefined ? { cpu } : {}) };
  } finally {
    await host.finish();
  }
}

async function sendPhase(workDir: string, label: string, options: SendRunOptions): Promise<SendPhase> {
  process.stdout.write(
    `[bench] send pipeline: ${label} — ${options.recipients * options.perRecipient} messages to ${options.recipients} recipients at ${options.throughputPerSecond} msg/s configured\n`,
  );
  const name = `send-${options.throughputPerSecond}`;
  const cpuBefore = sampleCpu();
  const host = new Host({ role: 'send', eventsLogPath: join(workDir, `${name}-events.ndjson`), countAws, send: options }, join(workDir, `${name}-stack.log`), PHASE_DEADLINE_MS.send);
  try {
    const { result, startMs } = await host.next('result');
    await host.finish();
    const cpu = cpuBetween(cpuBefore, sampleCpu());
    return {
      label,
      stackStartMs: startMs,
      result,
      ...(countAws ? { cost: costModel(result.usage, result.requested, result.webhooks.attempts) } : {}),
      ...(cpu !== undefined ? { cpu } : {}),
    };
  } finally {
    await host.finish();
  }
}

function conclusionsOf(webhook: WebhookPhase | undefined, send: readonly SendPhase[], failed: unknown): Conclusions {
  return concludeRun({
    webhook: (webhook?.runs ?? []).map((r) => ({ scenario: r.load.scenario, non2xx: r.load.non2xx, errors: r.load.errors })),
    send: send.map(({ label, result: r }) => ({
      label,
      configuredPerSecond: r.options.throughputPerSecond,
      sustainedPerSecond: r.rate.steadyPerSecond,
      requested: r.requested,
      missing: r.missing,
      acceptDeadlineSeconds: r.options.acceptDeadlineMs / 1000,
      putFailures: r.putFailures,
      idleReached: r.idle.reached,
      idleDeadlineSeconds: r.options.idleDeadlineMs / 1000,
      windowsFailed: r.windows.failed,
      duplicates: r.duplicates,
      rateLimitErrors: (r.errorsByCode['130429'] ?? 0) + (r.errorsByCode['131056'] ?? 0),
      order: r.order,
    })),
    ...(failed === undefined ? {} : { stoppedEarly: failed instanceof Error ? failed.message : String(failed) }),
  });
}

async function main(): Promise<void> {
  const started = new Date();
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const runId = stamp.replace(/[^0-9]/g, '').slice(0, 14);
  const outDir = join(ROOT, '.local', 'bench');
  mkdirSync(outDir, { recursive: true });
  const workDir = mkdtempSync(join(tmpdir(), 'relais-bench-'));
  const machine = machineFacts();
  process.stdout.write(`[bench] ${machine.nproc} × ${machine.cpuModel}, Node ${machine.node}; work files in ${workDir}\n`);

  let webhook: WebhookPhase | undefined;
  const send: SendPhase[] = [];
  let failed: unknown;
  try {
    if (only === undefined || only === 'webhook') webhook = await webhookPhase(workDir, runId);
    if (only === undefined || only === 'send') {
      for (const [i, run] of SEND_RUNS.entries()) send.push(await sendPhase(workDir, run.label, sendOptions(run, `${runId}${String.fromCharCode(97 + i)}`)));
    }
  } catch (error) {
    failed = error;
  }

  const finished = new Date();
  const conclusions = conclusionsOf(webhook, send, failed);
  const report: BenchReport = {
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    totalSeconds: (finished.getTime() - started.getTime()) / 1000,
    command: `npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''} (node infra/local/ensure-deps.mjs && tsx test/bench/run.ts)`,
    machine,
    ...(webhook !== undefined ? { webhook } : {}),
    send,
    findings: conclusions.findings,
    caveats: [
      ...conclusions.caveats,
      `Everything (load generator, handlers, fauxqs, the local bus, the sandbox, DynamoDB Local) shares this ${machine.nproc}-core machine: compare figures within one run, not across machines or runs.`,
      'The emulators are not AWS: latencies and throughput say nothing about AWS service latency; request counts and capacity units do carry over.',
      'Queue consumers are polled in process with at most 4 concurrent batches per queue (Lambda would scale further), so the maximum send rate is this machine\'s, not the design\'s.',
      quick ? 'QUICK RUN (--quick): short windows and few messages, for checking the bench only.' : 'Full run.',
    ],
  };
  const jsonPath = join(outDir, `${stamp}.json`);
  writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\n${renderReport(report)}\n\nReport written to ${jsonPath}\n`);
  if (failed === undefined) rmSync(workDir, { recursive: true, force: true });
  else process.stdout.write(`Work files (events logs, stack output) kept in ${workDir}\n`);
  process.exitCode = failed === undefined ? 0 : 1;
}

await main();
