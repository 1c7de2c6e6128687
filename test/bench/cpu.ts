import { readFileSync, readdirSync } from 'node:fs';

/**
 * How busy the machine was during a phase, and how much of it was the benchmark's own process tree (this
 * process, the stack host, DynamoDB Local), from /proc (Linux only). On a shared machine this says how
 * much of the CPU other work took while the figures were measured.
 */

export interface CpuSample {
  /** Jiffies summed over all CPUs (/proc/stat). */
  readonly total: number;
  readonly busy: number;
  /** utime + stime + cutime + cstime of every live process descending from the root (itself included). */
  readonly tree: number;
  readonly cpus: number;
}

export interface CpuUse {
  /** Average number of cores busy, all processes. */
  readonly machineBusyCores: number;
  /** Average number of cores the benchmark's processes used. */
  readonly benchCores: number;
  readonly otherCores: number;
  readonly cores: number;
}

export function sampleCpu(rootPid: number = process.pid): CpuSample | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    const cpus = readFileSync('/proc/stat', 'utf8').split('\n').filter((l) => /^cpu\d+\s/.test(l)).length;
    return { total, busy: total - idle, tree: treeTicks(rootPid), cpus };
  } catch {
    return undefined;
  }
}

function treeTicks(rootPid: number): number {
  const processes = new Map<number, { ppid: number; ticks: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: the fields start after the last ')'.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]);
      processes.set(Number(name), { ppid: Number(rest[1]), ticks });
    } catch {
      // The process ended while /proc was read.
    }
  }
  let sum = 0;
  for (const [pid, p] of processes) {
    for (let cursor: number | undefined = pid, hops = 0; cursor !== undefined && cursor > 0 && hops < 64; hops++) {
      if (cursor === rootPid) {
        sum += p.ticks;
        break;
      }
      cursor = processes.get(cursor)?.ppid;
    }
  }
  return sum;
}

export function cpuBetween(before: CpuSample | undefined, after: CpuSample | undefined): CpuUse | undefined {
  if (before === undefined || after === undefined) return undefined;
  const elapsedPerCpu = (after.total - before.total) / after.cpus;
  if (elapsedPerCpu <= 0) return undefined;
  const machineBusyCores = (after.busy - before.busy) / elapsedPerCpu;
  const benchCores = Math.max(0, (after.tree - before.tree) / elapsedPerCpu);
  return { machineBusyCores, benchCores, otherCores: Math.max(0, machineBusyCores - benchCores), cores: after.cpus };
}
