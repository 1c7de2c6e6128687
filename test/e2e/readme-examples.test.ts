/**
 * Every curl example of both READMEs works as printed: each file's runnable blocks (see
 * `test/support/readme-examples.ts`) run in order in one bash session against a fresh `npm start` of their own,
 * on free ports, so neither file depends on the other's run. Each curl must answer 2xx, or the status its
 * `# → HTTP NNN` comment documents; every curl command of the file must have run; and the run must leave no
 * dead letter, no `MessageDeadLettered` event and no webhook that Relais refused.
 *
 * The runner itself is checked first, against a throwaway HTTP server, so a green README run means something.
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { deadLettersPathFor } from '#infra/local/event-bus/server.js';
import type { WebhookDelivery } from '#infra/local/sandbox/types.js';
import { readmeExamples, runExampleBlocks, type ExampleTargets, type FencedBlock } from '#test/support/readme-examples.js';
import { eventually, freePort, readEventsLog, spawnLocalStack, type LocalStackProcess } from '#test/support/stack-harness.js';

const README_FILES = ['README.md', 'infra/local/sandbox/README.md'];

const block = (code: string): FencedBlock => ({ file: 'T.md', line: 1, lang: 'bash', code });

describe('the README runner', () => {
  let server: Server;
  let targets: ExampleTargets;
  let cwd: string;

  beforeAll(async () => {
    // Answers the status named by the path, `/status/404` → 404, with a JSON body naming it.
    server = createServer((request, response) => {
      const status = Number(/^\/status\/(\d{3})/.exec(request.url ?? '')?.[1] ?? 200);
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ status, note: 'réponse ✓ 🚚' }));
    });
    await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', () => resolveListen()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    cwd = await mkdtemp(join(inject('e2eWorkDir'), 'runner-'));
    targets = { apiUrl: url, sandboxUrl: url, eventsLogPath: join(cwd, 'events.ndjson'), deadLettersPath: join(cwd, 'dead-letters.ndjson') };
  });

  afterAll(async () => {
    await new Promise((resolveClose) => server?.close(resolveClose));
  });

  it('passes 2xx answers through as curl prints them, and records each call', async () => {
    const run = await runExampleBlocks(
      [block(`ANSWER=$(curl -s http://127.0.0.1:3000/status/201)\nnode -pe 'JSON.parse(process.argv[1]).note' "$ANSWER"`), block('curl http://127.0.0.1:3001/status/204')],
      { cwd, targets },
    );
    expect(run.exitCode, run.output).toBe(0);
    expect(run.output).toContain('réponse ✓ 🚚');
    expect(run.calls.map((c) => [c.status, c.expected])).toEqual([
      ['201', '2xx'],
      ['204', '2xx'],
    ]);
  });

  it('stops at the first answer that is not 2xx, naming the status and the block, and shows the answer even when captured', async () => {
    const second: FencedBlock = { ...block('ANSWER=$(curl -s http://127.0.0.1:3000/status/403)\ncurl http://127.0.0.1:3000/status/200'), line: 9 };
    const run = await runExampleBlocks([block('curl http://127.0.0.1:3000/status/200'), second], { cwd, targets });
    expect(run.exitCode).not.toBe(0);
    expect(run.output).toContain('HTTP 403 where 2xx was expected');
    expect(run.output).toContain('answer: {"status":403,"note":"réponse ✓ 🚚"}');
    expect(run.lastBlock).toBe('T.md:9');
    expect(run.calls.map((c) => c.status)).toEqual(['200', '403']);
  });

  it('accepts exactly the status a "# → HTTP NNN" comment documents, and nothing else there', async () => {
    const documented = await runExampleBlocks([block('# → HTTP 422 window_closed\ncurl -X POST http://127.0.0.1:3000/status/422')], { cwd, targets });
    expect(documented.exitCode, documented.output).toBe(0);
    const other = await runExampleBlocks([block('# → HTTP 422 window_closed\ncurl -X POST http://127.0.0.1:3000/status/200')], { cwd, targets });
    expect(other.exitCode).not.toBe(0);
    expect(other.output).toContain('HTTP 200 where 422 was expected');
  });

  it('fails a block whose server does not answer, and one that uses a variable no earlier block set', async () => {
    const closedPort = await freePort();
    const refused = await runExampleBlocks([block('curl http://127.0.0.1:3000/x')], { cwd, targets: { ...targets, apiUrl: `http://127.0.0.1:${closedPort}` } });
    expect(refused.exitCode).not.toBe(0);
    expect(refused.output).toContain('HTTP 000 where 2xx was expected');
    const unset = await runExampleBlocks([block('curl "http://127.0.0.1:3000/contacts/$CONTACT_ID"')], { cwd, targets });
    expect(unset.exitCode).not.toBe(0);
    expect(unset.output).toMatch(/CONTACT_ID: unbound variable/);
  });

  it("runs with none of the caller's shell: no WHATSAPP_*, PORT or curl configuration reaches the blocks", async () => {
    process.env['WHATSAPP_APP_SECRET'] = 'from-the-shell';
    process.env['PORT'] = '3000';
    process.env['CURL_HOME'] = '/nonexistent';
    try {
      const run = await runExampleBlocks([block('echo "[${WHATSAPP_APP_SECRET:-}|${PORT:-}|${CURL_HOME:-}]"\ncurl -s http://127.0.0.1:3000/status/200')], { cwd, targets });
      expect(run.exitCode, run.output).toBe(0);
      expect(run.output).toContain('[||]');
    } finally {
      delete process.env['WHATSAPP_APP_SECRET'];
      delete process.env['PORT'];
      delete process.env['CURL_HOME'];
    }
  });
});

describe.each(README_FILES)('the curl examples of %s, against npm start', (file) => {
  const examples = readmeExamples(file, readFileSync(join(inject('repoRoot'), file), 'utf8'));
  let stack: LocalStackProcess;
  let targets: ExampleTargets;

  beforeAll(async () => {
    const dir = join(inject('e2eWorkDir'), `readme-${file.replaceAll('/', '-')}`);
    await mkdir(dir, { recursive: true });
    const eventsLogPath = join(dir, 'events.ndjson');
    const [api, sandbox] = [await freePort(), await freePort()];
    stack = await spawnLocalStack({
      cwd: inject('repoRoot'),
      env: { PORT: String(api), SANDBOX_PORT: String(sandbox), LOCAL_EVENTS_LOG: eventsLogPath, POWERTOOLS_LOG_LEVEL: 'WARN' },
    });
    targets = { apiUrl: stack.banner.apiUrl, sandboxUrl: stack.banner.sandboxUrl, eventsLogPath, deadLettersPath: deadLettersPathFor(eventsLogPath) };
  });

  afterAll(async () => {
    if (stack === undefined) return;
    process.kill(-stack.child.pid!, 'SIGINT');
    await Promise.race([stack.exited, new Promise((resolveWait) => setTimeout(resolveWait, 20_000))]);
    stack.killGroup();
    await rm(targets.eventsLogPath, { force: true });
  });

  it('runs every one as printed: each answered 2xx or its documented status, all of them run, nothing dead-lettered', async () => {
    const run = await runExampleBlocks(examples.runnable, { cwd: inject('repoRoot'), targets });
    expect(run.exitCode, `stopped in ${run.lastBlock ?? '(no block)'}:\n${run.output}`).toBe(0);
    expect(run.calls.filter((call) => call.status !== call.expected && !(call.expected === '2xx' && /^2\d\d$/.test(call.status)))).toEqual([]);
    expect(run.calls, 'every curl command of the runnable blocks ran once').toHaveLength(examples.curlCommands);

    // Webhooks the examples set off (the reply's statuses) go out after the last curl: read the sandbox's
    // delivery log once it stops growing (each entry is written when its delivery, retries included, ends).
    const deliveries = async () => ((await (await fetch(`${targets.sandboxUrl}/_sandbox/webhooks`)).json()) as { deliveries: WebhookDelivery[] }).deliveries;
    let seen = -1;
    const webhooks = await eventually(
      async () => {
        const all = await deliveries();
        if (all.length === seen) return all;
        seen = all.length;
        return undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: "the sandbox's webhook deliveries to settle", seen: () => `${seen} deliveries` },
    );
    expect(webhooks.length).toBeGreaterThan(0);
    expect(webhooks.filter((w) => !w.ok), 'webhooks Relais did not answer 200').toEqual([]);

    const deadLetters = await readFile(targets.deadLettersPath, 'utf8').catch(() => '');
    expect(deadLetters, `dead letters in ${targets.deadLettersPath}`).toBe('');
    expect(readEventsLog(targets.eventsLogPath).filter((e) => e['detail-type'] === 'MessageDeadLettered')).toEqual([]);
    // npm start prints a line starting `DEAD LETTER` for each dead letter (a rule's or a queue's).
    expect(stack.output().split('\n').filter((line) => line.startsWith('DEAD LETTER'))).toEqual([]);
  }, 180_000);
});
