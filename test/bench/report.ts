import type { AwsUsageSnapshot } from './aws-usage.js';
import type { CpuUse } from './cpu.js';
import { fmt, type CostModel } from './cost-model.js';
import type { Inversions } from './findings.js';
import type { SendRunResult } from './send-scenario.js';
import type { WebhookLoadResult } from './webhook-load.js';

/** The benchmark's report: what `run.ts` writes as JSON and prints as text. */

export interface MachineFacts {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly totalMemoryGiB: number;
  readonly node: string;
  readonly platform: string;
  readonly loadAverageAtStart: readonly number[];
}

export interface WebhookPhase {
  readonly stackStartMs: number;
  readonly runs: ReadonlyArray<{
    readonly load: WebhookLoadResult;
    readonly backlogAtEnd: Readonly<Record<string, number>>;
    /** receive-webhook's own AWS calls per request during the window. */
    readonly awsPerRequest: Readonly<Record<string, number>>;
    readonly usage: AwsUsageSnapshot;
    /** CPU during the measured window. */
    readonly cpu?: CpuUse;
  }>;
  readonly cpu?: CpuUse;
}

export interface SendPhase {
  readonly label: string;
  readonly stackStartMs: number;
  readonly result: SendRunResult;
  /** Absent when the run did not count AWS requests (`--no-count`). */
  readonly cost?: CostModel;
  readonly cpu?: CpuUse;
}

export interface BenchReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly totalSeconds: number;
  readonly command: string;
  readonly machine: MachineFacts;
  readonly webhook?: WebhookPhase;
  readonly send: readonly SendPhase[];
  /** Outcomes Relais does not promise: each one is worth looking into (see findings.ts). */
  readonly findings: readonly string[];
  /** What the figures need read with them: expected, documented behaviour seen in this run, then general notes. */
  readonly caveats: readonly string[];
}

function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const READ_COMMANDS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const ms = (v: number | undefined) => (v === undefined ? 'n/a' : `${fmt(v, v < 10 ? 1 : 0)}`);
const pct = (v: number | undefined) => (v === undefined ? 'n/a' : `${(v * 100).toFixed(1)} %`);
const yes = (b: boolean) => (b ? 'yes' : 'NO');

export function renderReport(report: BenchReport): string {
  const out: string[] = [];
  const m = report.machine;
  out.push(`Relais benchmark — ${report.startedAt} (${report.totalSeconds.toFixed(0)} s)`);
  out.push(`Command: ${report.command}`);
  out.push(`Machine: ${m.nproc} × ${m.cpuModel}, ${m.totalMemoryGiB.toFixed(1)} GiB RAM, Node ${m.node}, ${m.platform}; load average at start ${m.loadAverageAtStart.map((l) => l.toFixed(2)).join(' / ')}`);
  out.push('');

  if (report.webhook !== undefined) {
    const w = report.webhook;
    out.push('1. Webhook ingestion — POST /webhook with signed, unique bodies (autocannon, separate process)');
    const first = w.runs[0]?.load;
    if (first !== undefined) {
      out.push(`   ${first.warmupSeconds} s warm-up then ${first.durationSeconds} s measured per scenario; the background consumers (contacts, statuses) keep running, as in the real system.`);
    }
    out.push(
      indent(
        table(
          ['scenario', 'conns', 'requests', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', '>1 s', 'non-2xx', 'errors', 'ingested ev/s', 'all bus ev/s'],
          w.runs.map(({ load: r }) => [
            `${r.scenario} (${r.updatesPerRequest} upd)`,
            String(r.connections),
            String(r.requests),
            fmt(r.requestsPerSecond, 1),
            ms(r.latencyMs.p50),
            ms(r.latencyMs.p90),
            ms(r.latencyMs.p99),
            ms(r.latencyMs.max),
            pct(r.shareOver1s),
            String(r.non2xx),
            String(r.errors),
            fmt(r.ingestedEventsPerSecond, 0),
            fmt(r.busEventsPerSecond, 0),
          ]),
        ),
      ),
    );
    for (const { load: r, backlogAtEnd, awsPerRequest, cpu } of w.runs) {
      out.push(
        `   ${r.scenario}: Meta's target — median ≤ 250 ms: ${yes(r.meta.medianWithin250ms)}, < 1 % over 1 s: ${yes(r.meta.under1PercentOver1s)}; status codes ${JSON.stringify(r.statusCodes)}; ${r.busEvents} events logged by the bus (${fmtCounts(r.busEventsByType)})`,
      );
      if (cpu !== undefined) out.push(`     CPU during the window: ${cpuText(cpu)}`);
      out.push(`     receive-webhook AWS calls per request: ${Object.entries(awsPerRequest).map(([k, v]) => `${k} ${fmt(v)}`).join(', ') || 'none'}`);
      out.push(`     consumer backlog left when the window closed: ${Object.entries(backlogAtEnd).filter(([, n]) => n > 0).map(([q, n]) => `${q} ${n}`).join(', ') || 'none'}`);
    }
    out.push('');
  }

  if (report.send.length > 0) {
    out.push('2. Send pipeline — numbered service texts put as SendRequested events on the bus, read back from the sandbox request log');
    const cols = report.send;
    const row = (label: string, f: (p: SendPhase) => string) => [label, ...cols.map(f)];
    out.push(
      indent(
        table(
          ['', ...cols.map((c) => c.label)],
          [
            row('configured msg/s (Relais and sandbox)', (p) => String(p.result.options.throughputPerSecond)),
            row('messages (recipients × per recipient)', (p) => `${p.result.requested} (${p.result.options.recipients} × ${p.result.options.perRecipient})`),
            row('windows opened first (failed)', (p) => `${p.result.windows.opened} (${p.result.windows.failed})`),
            row('time to put all (PutEvents ×10)', (p) => `${(p.result.putMs / 1000).toFixed(1)} s`),
            row('gap between puts to one recipient p50 ms', (p) => ms(p.result.samePairPutGapMs.p50)),
            row('first put → last acceptance', (p) => (p.result.deliveryMs === undefined ? 'n/a' : `${(p.result.deliveryMs / 1000).toFixed(1)} s`)),
            row('sustained sends/s (middle 80 %)', (p) => fmt(p.result.rate.steadyPerSecond, 1)),
            row('overall sends/s (first → last)', (p) => fmt(p.result.rate.overallPerSecond, 1)),
            row('peak in any 1 s window', (p) => String(p.result.rate.peakOneSecond)),
            row('pacing accuracy (sustained ÷ configured)', (p) => pct(p.result.pacingAccuracy)),
            row('accepted / missing', (p) => `${p.result.accepted} / ${p.result.missing}`),
            row('errors 130429 (throughput)', (p) => String(p.result.errorsByCode['130429'] ?? 0)),
            row('errors 131056 (pair rate)', (p) => String(p.result.errorsByCode['131056'] ?? 0)),
            row('other sandbox errors', (p) => otherErrors(p.result.errorsByCode)),
            row('out of order at the sandbox (recipients)', (p) => inversionsText(p.result.order.requestedToSent)),
            row('  already when Relais accepted them', (p) => inversionsText(p.result.order.requestedToAccepted)),
            row('  by Relais, after accepting them', (p) => inversionsText(p.result.order.acceptedToSent)),
            row('duplicates at the sandbox', (p) => String(p.result.duplicates)),
            row('put → accepted p50 / p90 / p99 ms', (p) => `${ms(p.result.latencyMs.p50)} / ${ms(p.result.latencyMs.p90)} / ${ms(p.result.latencyMs.p99)}`),
            row('unloaded probe p50 / p99 ms (n)', (p) => `${ms(p.result.probe.latencyMs.p50)} / ${ms(p.result.probe.latencyMs.p99)} (${p.result.probe.accepted}/${p.result.probe.sent})`),
            row('SendRejected / MessageFailed', (p) => `${fmtCounts(p.result.rejections)} / ${fmtCounts(p.result.failures)}`),
            row('status webhooks (attempts, failed)', (p) => `${p.result.webhooks.deliveries} (${p.result.webhooks.attempts}, ${p.result.webhooks.failed})`),
            row('idle after the last acceptance', (p) => `${p.result.idle.reached ? '' : 'NOT '}reached in ${(p.result.idle.afterMs / 1000).toFixed(1)} s`),
            row('CPU cores busy: all / bench / other', (p) => (p.cpu === undefined ? 'n/a' : `${fmt(p.cpu.machineBusyCores)} / ${fmt(p.cpu.benchCores)} / ${fmt(p.cpu.otherCores)}`)),
          ],
        ),
      ),
    );
    const pair = cols[0]!.result.pairRate;
    out.push(
      `   Pair rate: Relais PAIR_INTERVAL_MS=${pair.relais.intervalMs}, PAIR_BURST=${pair.relais.burst} (≤ ${pair.relais.burst} messages per recipient go at once); sandbox 1 per ${pair.sandbox.perSeconds} s, burst ${pair.sandbox.burst}. Each recipient gets ≤ PAIR_BURST messages, so the per-number limit is what is measured.`,
    );
    out.push('   Latency "put → accepted" includes waiting for the number\'s pacing: the whole batch is put in a few seconds and drained at the configured rate.');
    out.push('');

    const costed = cols.filter((c): c is SendPhase & { cost: CostModel } => c.cost !== undefined);
    if (costed.length === 0) out.push('3. AWS requests per message: not counted (--no-count).');
    else renderCosts(out, costed);
  }

  if (report.findings.length === 0) out.push('Findings: none (nothing lost, doubled, refused, rate-limited or reordered by Relais).');
  else {
    out.push('Findings (outcomes Relais does not promise):');
    for (const f of report.findings) out.push(`  - ${f}`);
  }
  out.push('');
  out.push('Caveats (expected or documented behaviour, and how to read the figures):');
  for (const c of report.caveats) out.push(`  - ${c}`);
  return out.join('\n');
}

function inversionsText(i: Inversions | undefined): string {
  return i === undefined ? 'n/a (--no-count)' : `${i.count} (${i.recipients})`;
}

function cpuText(cpu: CpuUse): string {
  return `${fmt(cpu.machineBusyCores)} of ${cpu.cores} cores busy, ${fmt(cpu.benchCores)} by the bench's processes, ${fmt(cpu.otherCores)} by other work on the machine`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `   ${l}`)
    .join('\n');
}

function unionKeys(maps: ReadonlyArray<Readonly<Record<string, unknown>>>): string[] {
  return [...new Set(maps.flatMap((m) => Object.keys(m)))].sort();
}

function otherErrors(codes: Readonly<Record<string, number>>): string {
  const other = Object.entries(codes).filter(([code]) => code !== '130429' && code !== '131056');
  return other.length === 0 ? '0' : other.map(([c, n]) => `${c}×${n}`).join(', ');
}

function fmtCounts(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? '0' : entries.map(([k, n]) => `${k}×${n}`).join(', ');
}

function renderCosts(out: string[], costed: ReadonlyArray<SendPhase & { cost: CostModel }>): void {
  out.push('3. AWS requests per message over the send run (from the SendRequested put until the status webhooks were processed)');
  out.push(
    indent(
      table(
        ['Service.Command', ...costed.map((c) => c.label)],
        unionKeys(costed.map((c) => c.cost.requests.byCommand)).map((k) => [
          k.startsWith('DynamoDB.') ? `${k} (units)` : k,
          ...costed.map((c) => {
            const calls = fmt(c.cost.requests.byCommand[k] ?? 0);
            const units = c.cost.requests.dynamoUnitsByCommand[k];
            return units === undefined ? calls : `${calls} (${fmt(units)} ${READ_COMMANDS.has(k.slice('DynamoDB.'.length)) ? 'RRU' : 'WRU'})`;
          }),
        ]),
      ),
    ),
  );
  out.push('');
  out.push(
    indent(
      table(
        ['per message', ...costed.map((c) => c.label)],
        [
          ['EventBridge PutEvents calls / entries', ...costed.map((c) => `${fmt(c.cost.requests.byCommand['EventBridge.PutEvents'] ?? 0)} / ${fmt(c.cost.requests.eventBridgeEntries)}`)],
          [
            'SQS Send / Receive / Delete / ChangeVisibility',
            ...costed.map((c) => {
              const b = c.cost.requests.byCommand;
              const n = (k: string) => b[`SQS.${k}`] ?? 0;
              return [n('SendMessage') + n('SendMessageBatch'), n('ReceiveMessage'), n('DeleteMessage') + n('DeleteMessageBatch'), n('ChangeMessageVisibility') + n('ChangeMessageVisibilityBatch')].map((v) => fmt(v)).join(' / ');
            }),
          ],
          ['SQS requests FIFO / standard', ...costed.map((c) => `${fmt(c.cost.requests.sqsRequests.fifo)} / ${fmt(c.cost.requests.sqsRequests.standard)}`)],
          ['SQS empty receives (not charged here)', ...costed.map((c) => fmt(c.cost.requests.sqsRequests.emptyReceivesExcluded))],
          ['DynamoDB read calls / RRU', ...costed.map((c) => `${fmt(c.cost.requests.dynamo.readCalls)} / ${fmt(c.cost.requests.dynamo.rru)}`)],
          ['DynamoDB write calls / WRU', ...costed.map((c) => `${fmt(c.cost.requests.dynamo.writeCalls)} / ${fmt(c.cost.requests.dynamo.wru)}`)],
          ...unionKeys(costed.map((c) => c.cost.requests.lambda)).map((h) => [
            `Lambda ${h} invocations (local ms)`,
            ...costed.map((c) => {
              const l = c.cost.requests.lambda[h];
              return l === undefined ? '0' : `${fmt(l.perMessage, 3)} (${ms(l.meanLocalMs)})`;
            }),
          ]),
          ['API Gateway requests', ...costed.map((c) => fmt(c.cost.requests.apiGatewayRequests))],
          ['S3 PUT / GET', ...costed.map((c) => `${fmt(c.cost.requests.s3.put)} / ${fmt(c.cost.requests.s3.get)}`)],
          ['Secrets Manager calls', ...costed.map((c) => fmt(c.cost.requests.secretsManager))],
        ],
      ),
    ),
  );
  out.push('');
  out.push('   By caller (calls per message):');
  for (const c of costed) {
    out.push(`   ${c.label}:`);
    for (const [actor, commands] of Object.entries(c.cost.requests.byActor).sort()) {
      out.push(`     ${actor}: ${Object.entries(commands).sort().map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`);
    }
  }
  out.push('');
  for (const c of costed) {
    out.push(`   Cost per million messages, ${c.label} (us-east-1 list prices):`);
    for (const l of c.cost.lines) out.push(`     ${`${l.service} — ${l.item}`.padEnd(58)} ${l.arithmetic}`);
    out.push(`     ${'Total'.padEnd(58)} $${fmt(c.cost.totalPerMillion)} per million messages ($${(c.cost.totalPerMillion / 1e6).toExponential(2)} per message)`);
    out.push(`     ${'Total with Lambda GB-s at the local durations'.padEnd(58)} $${fmt(c.cost.totalPerMillionWithLocalDurations)} per million (upper bound)`);
  }
  out.push('   Assumptions:');
  for (const a of costed[0]!.cost.assumptions) out.push(`     - ${a}`);
  out.push('');
}
