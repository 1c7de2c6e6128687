/**
 * Global setup of the `e2e` vitest project.
 *
 * Decision: the e2e files start the stack themselves, as `npm start` does — a child process running
 * `npx tsx infra/local/start.ts` with its own ports and events log — rather than sharing one stack started
 * here. Starting and stopping it is part of what they test (the ready banner, the ports and log path taken
 * from `PORT`, `SANDBOX_PORT` and `LOCAL_EVENTS_LOG`, a clean stop on SIGINT that leaves no DynamoDB Local
 * behind), and a stack of their own means no file sees another's events, sandbox faults or customers. The
 * project runs its files one at a time (`fileParallelism: false`), so two stacks never compete for the
 * machine's two cores.
 *
 * What this setup does once per run is what `npm start` does before starting: `infra/local/ensure-deps.mjs`
 * (dependencies installed, DynamoDB Local present, Java answering), so that a missing prerequisite fails the
 * run at once with that script's message instead of every file timing out. It also gives the files a private
 * working directory (`inject('e2eWorkDir')`) for their events logs, removed at the end of the run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import type { TestProject } from 'vitest/node';

import { hermeticEnv } from './hermetic-env.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

declare module 'vitest' {
  export interface ProvidedContext {
    /** A directory private to this e2e run (events logs and other files of the stacks the tests start). */
    e2eWorkDir: string;
    /** The repository root: where `npm start` runs. */
    repoRoot: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const deps = spawnSync(process.execPath, [join(ROOT, 'infra', 'local', 'ensure-deps.mjs')], {
    cwd: ROOT,
    env: hermeticEnv(),
    encoding: 'utf8',
    timeout: 10 * 60_000,
  });
  if (deps.status !== 0) {
    const output = `${deps.stdout ?? ''}${deps.stderr ?? ''}`.trim();
    throw new Error(`the local stack cannot start: infra/local/ensure-deps.mjs failed (${deps.error?.message ?? `exit ${deps.status}`})\n${output}`);
  }
  const workDir = await mkdtemp(join(tmpdir(), 'relais-e2e-'));
  project.provide('e2eWorkDir', workDir);
  project.provide('repoRoot', ROOT);
  return () => rm(workDir, { recursive: true, force: true });
}
