/**
 * What a newcomer's terminal shows is what matters: the bootstrap `npm start` and `npm test` run first, a test
 * run, and the local stack print no warning on a machine where everything is in place (issue 8, item 4).
 * Each check starts the real process from an environment like a fresh shell's (no AWS SDK switch set) and reads
 * its stderr and stdout.
 */
import { spawn } from 'node:child_process';

import { describe, expect, inject, it } from 'vitest';

import { AWS_SDK_NODE_WARNING_SWITCH } from '#infra/local/aws-sdk-node-support.js';
import { hermeticEnv } from '#test/support/hermetic-env.js';

interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A fresh shell's environment: the caller's machine settings, none of Relais's, and no SDK switch. */
function freshShellEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = { ...hermeticEnv(), ...extra };
  delete env[AWS_SDK_NODE_WARNING_SWITCH];
  return env;
}

/**
 * Runs `command` in the repository root and collects its output. `until`, when given, is called with the output so
 * far; once it returns true the process group gets SIGINT (as Ctrl-C sends it). SIGKILL after `timeoutMs`.
 */
function run(command: string, args: readonly string[], options: { env: Record<string, string>; until?: (stdout: string) => boolean; timeoutMs: number }): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: inject('repoRoot'), env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // The group has already exited.
      }
    };
    const killTimer = setTimeout(() => signalGroup('SIGKILL'), options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (!interrupted && options.until?.(stdout) === true) {
        interrupted = true;
        signalGroup('SIGINT');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(killTimer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Lines a person would read as a warning: Node's `(node:123) Warning: …`, npm's `npm warn …`, any `WARN`. */
function warningLines(output: string): string[] {
  return output.split('\n').filter((line) => /\bwarn(ing)?\b/i.test(line));
}

const SDK_CLIENTS_SCRIPT = [
  "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
  "import { SQSClient } from '@aws-sdk/client-sqs';",
  "import { localClientConfig } from './infra/local/emulators.ts';",
  "if (process.env.QUIET_CHECK === 'quiet') (await import('./infra/local/aws-sdk-node-support.ts')).quietAwsSdkNodeSupportWarning();",
  "new DynamoDBClient(localClientConfig('http://127.0.0.1:1'));",
  "new SQSClient(localClientConfig('http://127.0.0.1:2'));",
  "console.log('clients built');",
].join('\n');

describe('quiet output on a machine where everything is in place', () => {
  it('infra/local/ensure-deps.mjs, run first by npm start, npm test and npm run bench, prints nothing and exits 0', async () => {
    // The e2e global setup has just run it once, so node_modules, DynamoDB Local and Java are in place.
    const result = await run(process.execPath, ['infra/local/ensure-deps.mjs'], { env: freshShellEnv(), timeoutMs: 60_000 });

    expect(result).toEqual({ code: 0, signal: null, stdout: '', stderr: '' });
  });

  it('a vitest run of a suite that builds AWS SDK clients prints no warning (no NodeVersionSupportWarning per worker)', async () => {
    const result = await run('npx', ['vitest', 'run', '--project', 'unit', 'test/unit/adapters/outbound-queue.test.ts'], {
      env: freshShellEnv({ CI: 'true' }),
      timeoutMs: 90_000,
    });

    expect(result.code, result.stderr).toBe(0);
    expect(warningLines(result.stderr)).toEqual([]);
    expect(warningLines(result.stdout)).toEqual([]);
  });

  it('a script that builds SDK clients the way the local stack does is quiet after quietAwsSdkNodeSupportWarning, and warns without it on Node < 22', async () => {
    const nodeMajor = Number(process.versions.node.split('.')[0]);

    const clients = (mode: 'quiet' | 'bare') =>
      run('npx', ['tsx', '--input-type=module', '-e', SDK_CLIENTS_SCRIPT], { env: freshShellEnv({ QUIET_CHECK: mode }), timeoutMs: 60_000 });
    const [quiet, bare] = await Promise.all([clients('quiet'), clients('bare')]);

    expect(quiet).toMatchObject({ code: 0, stdout: 'clients built\n', stderr: '' });
    expect(bare).toMatchObject({ code: 0, stdout: 'clients built\n' });
    // The control shows the check can see the warning: the SDK prints it on Node 20 and 21 only.
    expect(bare.stderr.includes('NodeVersionSupportWarning')).toBe(nodeMajor < 22);
  });

  it('the local stack, started from a fresh shell with PORT=0, prints its banner and no warning until Ctrl-C stops it', async () => {
    const result = await run('npx', ['tsx', 'infra/local/start.ts'], {
      env: freshShellEnv({ PORT: '0', SANDBOX_PORT: '0', LOCAL_EVENTS_LOG: `${inject('e2eWorkDir')}/quiet-output/events.ndjson` }),
      until: (stdout) => stdout.includes('Press Ctrl-C to stop.'),
      timeoutMs: 90_000,
    });

    expect(result.stdout).toContain('Relais local stack ready');
    expect(result.stdout).toContain('stopping the local stack');
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('Relais local stack stopped.');
    expect(warningLines(result.stderr)).toEqual([]);
    expect(result.stderr.trim()).toBe('');
  });
});
