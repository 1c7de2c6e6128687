/**
 * The local stack as a newcomer runs it: `npm start`'s command in a child process, on ports and an events log
 * chosen through its environment. Everything goes through what a person or another service would use — the
 * HTTP API, the local EventBridge bus, the Cloud API sandbox's control endpoints, DynamoDB Local — and the
 * outcome is read where they would read it: the NDJSON events log, the sandbox's request log, the outbox.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { localClientConfig } from '#infra/local/emulators.js';
import { LOCAL_SECRET_DEFAULTS } from '#infra/local/stack.js';
import { STATE_TABLE } from '#infra/topology.js';
import { loadFixtureText } from '#test/fixtures/meta/index.js';
import { hermeticEnv } from '#test/support/hermetic-env.js';
import {
  acceptedRequests,
  busClient,
  callbackDataOf,
  dataOf,
  eventsMatching,
  eventually,
  freePort,
  isRunning,
  postWebhook,
  processesInGroup,
  readEventsLog,
  sandboxControl,
  sendRequest,
  spawnLocalStack,
  text,
  waitForEvent,
  type BusClient,
  type LocalStackProcess,
} from '#test/support/stack-harness.js';

const CUSTOMER = '+16505551234';
const CUSTOMER_WA_ID = '16505551234';
/** `startLocalStack` names tables `relais-local-<TableSpec.id>`. */
const STATE_TABLE_NAME = `relais-local-${STATE_TABLE.id}`;

let stack: LocalStackProcess;
let ports: { api: number; sandbox: number };
let eventsLogPath: string;
let bus: BusClient;
let dynamo: DynamoDBDocumentClient;
let standaloneSandbox: ChildProcess | undefined;
/** What an earlier run left in the logs' directory, last written at EARLIER_RUN_AT. */
const EARLIER_RUN = { event: '{"id":"from-an-earlier-run"}\n', deadLetter: '{"rule":"earlier-run-rule"}\n' };
const EARLIER_RUN_AT = new Date('2026-11-30T22:05:09Z');

beforeAll(async () => {
  ports = { api: await freePort(), sandbox: await freePort() };
  const logsDir = join(inject('e2eWorkDir'), `run-${Date.now()}`);
  eventsLogPath = join(logsDir, 'events.ndjson');
  mkdirSync(logsDir, { recursive: true });
  writeFileSync(eventsLogPath, EARLIER_RUN.event);
  writeFileSync(join(logsDir, 'dead-letters.ndjson'), EARLIER_RUN.deadLetter);
  for (const name of ['events.ndjson', 'dead-letters.ndjson']) utimesSync(join(logsDir, name), EARLIER_RUN_AT, EARLIER_RUN_AT);
  stack = await spawnLocalStack({
    cwd: inject('repoRoot'),
    env: { PORT: String(ports.api), SANDBOX_PORT: String(ports.sandbox), LOCAL_EVENTS_LOG: eventsLogPath, POWERTOOLS_LOG_LEVEL: 'WARN' },
  });
  bus = busClient(stack.banner.busUrl);
  dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(stack.banner.dynamoEndpoint)));
});

afterAll(() => {
  standaloneSandbox?.kill('SIGKILL');
  bus?.destroy();
  dynamo?.destroy();
  // Only if the SIGINT test did not stop it (or failed): nothing of this run may outlive it.
  stack?.killGroup();
});

describe('npm start', () => {
  it('listens on PORT and SANDBOX_PORT and logs events to LOCAL_EVENTS_LOG', () => {
    expect(stack.banner.apiUrl).toBe(`http://127.0.0.1:${ports.api}`);
    expect(stack.banner.sandboxUrl).toBe(`http://127.0.0.1:${ports.sandbox}`);
    expect(stack.banner.eventsLogPath).toBe(eventsLogPath);
  });

  it("names the bus, its health endpoint and the dead-letter log in the banner, and says state and logs start fresh", async () => {
    expect(stack.banner.busName).toBe('relais-local-bus');
    expect(stack.banner.deadLettersPath).toBe(join(dirname(eventsLogPath), 'dead-letters.ndjson'));
    expect(stack.output()).toContain(`${stack.banner.busUrl}/_local/health`);
    expect(stack.output()).toMatch(/State starts empty each run: DynamoDB Local and the queues live in memory, and both logs start fresh/);
    const health = (await (await fetch(`${stack.banner.busUrl}/_local/health`)).json()) as { busName: string };
    expect(health.busName).toBe(stack.banner.busName);
  });

  it("moves the earlier run's events and dead-letter logs aside under their dated names, and names them in the banner", () => {
    const kept = { events: join(dirname(eventsLogPath), 'events.2026-11-30T22-05-09Z.ndjson'), deadLetters: join(dirname(eventsLogPath), 'dead-letters.2026-11-30T22-05-09Z.ndjson') };

    expect(readFileSync(kept.events, 'utf8')).toBe(EARLIER_RUN.event);
    expect(readFileSync(kept.deadLetters, 'utf8')).toBe(EARLIER_RUN.deadLetter);
    expect(readEventsLog(eventsLogPath).filter((e) => (e as { id?: string }).id === 'from-an-earlier-run')).toEqual([]);
    expect(existsSync(stack.banner.deadLettersPath) ? readFileSync(stack.banner.deadLettersPath, 'utf8') : '').not.toContain('earlier-run-rule');
    expect(stack.output()).toContain(`the earlier run's kept as ${kept.events}, ${kept.deadLetters}`);
  });

  it("answers Meta's subscription handshake with the challenge, and refuses a wrong verify token", async () => {
    const url = (token: string) =>
      `${stack.banner.apiUrl}/webhook?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(token)}&hub.challenge=1158201444`;
    const ok = await fetch(url(LOCAL_SECRET_DEFAULTS.verifyToken));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');
    expect((await fetch(url('not-the-token'))).status).toBe(403);
  });

  it("takes a webhook signed with the app secret and logs its events; refuses an unsigned or wrongly signed one and logs nothing", async () => {
    const body = loadFixtureText('messages-text');
    const wamid = (JSON.parse(body) as { entry: Array<{ changes: Array<{ value: { messages: Array<{ id: string }> } }> }> }).entry[0]!.changes[0]!.value.messages[0]!.id;

    const signed = await postWebhook(stack.banner.apiUrl, body);
    expect(signed.status).toBe(200);
    const received = dataOf(await waitForEvent(eventsLogPath, { detailType: 'MessageReceived', where: (e) => dataOf(e)['wamid'] === wamid }));
    expect(received).toMatchObject({ type: 'text', from: { waId: CUSTOMER_WA_ID } });

    const forged = body.replace(wamid, 'wamid.FORGED0000000000000000000000');
    const unsigned = await postWebhook(stack.banner.apiUrl, forged, null);
    expect(unsigned.status).toBe(401);
    const wrongKey = await postWebhook(stack.banner.apiUrl, forged, 'not-the-app-secret');
    expect(wrongKey.status).toBe(401);
    // The API answers only once a delivery's events are on the bus (and in the log): a refusal left nothing.
    expect(readEventsLog(eventsLogPath).filter((e) => JSON.stringify(e).includes('FORGED'))).toEqual([]);
  });

  it('records a customer message sent through the sandbox: MessageReceived, then CustomerServiceWindowOpened', async () => {
    const { wamid, delivered } = await sandboxControl(stack.banner.sandboxUrl).actAsCustomer(CUSTOMER_WA_ID, {
      type: 'text',
      text: { body: 'Hi, where is my order?' },
      profileName: 'Sheena',
    });
    expect(delivered).toBe(200);
    await waitForEvent(eventsLogPath, { detailType: 'MessageReceived', where: (e) => dataOf(e)['wamid'] === wamid });
    const opened = dataOf(await waitForEvent(eventsLogPath, { detailType: 'CustomerServiceWindowOpened', where: (e) => dataOf(e)['wamid'] === wamid }));
    expect(Date.parse(opened['closesAt'] as string) - Date.parse(opened['openedAt'] as string)).toBe(24 * 3600 * 1000);
  });

  it('sends three service replies requested by event, in order, and reports them sent and read, correlated by correlationId', async () => {
    const replies = ['Your order A-1042 has shipped.', 'It will arrive tomorrow before noon.', 'Reply here if anything is wrong.'];
    const messageIds: string[] = [];
    for (const [i, body] of replies.entries()) {
      const correlationId = `order-A-1042-reply-${i + 1}`;
      await bus.putSendRequested(sendRequest({ idempotencyKey: `e2e-${Date.now()}-${i}`, correlationId, to: CUSTOMER, message: text(body) }));
      const accepted = dataOf(await waitForEvent(eventsLogPath, { detailType: 'SendAccepted', correlationId }));
      expect(accepted).toMatchObject({ category: 'service', lane: 'priority', requestedBy: 'acme.orders' });
      messageIds.push(accepted['messageId'] as string);
    }
    for (const [i] of replies.entries()) await waitForEvent(eventsLogPath, { detailType: 'MessageRead', correlationId: `order-A-1042-reply-${i + 1}` });

    const sandbox = sandboxControl(stack.banner.sandboxUrl);
    const sent = acceptedRequests(await sandbox.requests()).filter((r) => messageIds.includes(callbackDataOf(r) ?? ''));
    expect(sent.map(callbackDataOf)).toEqual(messageIds);
    expect(sent.map((r) => (r.body as { text: { body: string } }).text.body)).toEqual(replies);

    const byWamid = new Map((await sandbox.messages()).map((m) => [m.wamid, m]));
    for (const [i, request] of sent.entries()) {
      const correlationId = `order-A-1042-reply-${i + 1}`;
      const statuses = byWamid.get(request.wamid!)?.statuses ?? [];
      expect(statuses.map((st) => [st.status, st.webhookStatus])).toEqual([['sent', 200], ['delivered', 200], ['read', 200]]);

      // As a consumer sees them: delivery is at least once, and a sender that republishes its last step (a queue
      // message redelivered under load) publishes the same event id again, which consumers drop.
      const outcome = (type: string) => [...new Map(eventsMatching(eventsLogPath, { detailType: type, correlationId }).map((e) => [e.detail.metadata?.eventId, e])).values()];
      expect(outcome('MessageSent').map((e) => dataOf(e)['wamid'])).toEqual([request.wamid]);
      expect(outcome('MessageRead').map((e) => dataOf(e)['messageId'])).toEqual([messageIds[i]]);
      // Statuses cross the bus and a standard queue, so a `delivered` may be applied after its `read`: the
      // record stays `read` and MessageDelivered is still published, once.
      await eventually(() => (outcome('MessageDelivered').length > 0 ? true : undefined), { what: `MessageDelivered for ${correlationId}` });
      expect(outcome('MessageDelivered').map((e) => dataOf(e)['messageId'])).toEqual([messageIds[i]]);

      const { Item } = await dynamo.send(new GetCommand({ TableName: STATE_TABLE_NAME, Key: { pk: `MSG#${messageIds[i]}`, sk: 'MSG' }, ConsistentRead: true }));
      expect(Item).toMatchObject({ status: 'read', wamid: request.wamid, correlationId, attempts: 1 });
    }
  });

  it('prints one DEAD LETTER line, with rule, detail-type, reason and log, when the bus dead-letters a delivery', async () => {
    const fault = await fetch(`${stack.banner.busUrl}/_local/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ failNextDeliveries: 1 }) });
    expect(fault.status).toBe(204);
    await sandboxControl(stack.banner.sandboxUrl).actAsCustomer(CUSTOMER_WA_ID, { type: 'text', text: { body: 'Ça marche ? 👍🏽' } });

    const line = await eventually(() => stack.output().split('\n').find((l) => l.startsWith('DEAD LETTER  rule')), { what: 'a DEAD LETTER line', seen: () => stack.output().slice(-2000) });
    const [, rule, detailType, source] = /^DEAD LETTER  rule (\S+) gave up on a (\S+) event from (\S+): the target refused it \(not retryable\) after 1 attempt/.exec(line) ?? [];
    expect(line).toContain(`kept in ${stack.banner.deadLettersPath}`);
    const written = readFileSync(stack.banner.deadLettersPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { rule: string; event: { 'detail-type': string; source: string } });
    expect(written.map((d) => [d.rule, d.event['detail-type'], d.event.source])).toEqual([[rule, detailType, source]]);
    // The line names what failed, never whom it concerned or what they wrote.
    expect(line).not.toContain(CUSTOMER_WA_ID);
    expect(line).not.toContain('Ça marche');
  });

  it("prints one DEAD LETTER line naming the queue, its consumer and the DLQ when a queue's DLQ gains a message", async () => {
    const sqs = new SQSClient(localClientConfig(stack.banner.sqsEndpoint));
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'relais-local-ContactActivity-dlq' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"moved":"by the test, as SQS moves a message after maxReceiveCount receives"}' }));

    const line = await eventually(() => stack.output().split('\n').find((l) => l.startsWith('DEAD LETTER  1 message')), { what: 'a DEAD LETTER line for the DLQ', seen: () => stack.output().slice(-2000) });
    expect(line).toBe(
      `DEAD LETTER  1 message of the ContactActivity queue (consumer functions/track-contact-activity.ts) moved to relais-local-ContactActivity-dlq, now holding 1; read them at ${QueueUrl} (README "Dead letters" for redriving)`,
    );
    sqs.destroy();
  });

  it("lets the sandbox started on its own (no secrets set) deliver to the stack and take the stack's access token", async () => {
    standaloneSandbox = spawn('npx', ['tsx', 'infra/local/sandbox/main.ts'], {
      cwd: inject('repoRoot'),
      env: { ...hermeticEnv(), SANDBOX_PORT: '0', RELAIS_WEBHOOK_URL: `${stack.banner.apiUrl}/webhook` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let printed = '';
    standaloneSandbox.stdout!.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
    standaloneSandbox.stderr!.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
    const ready = await eventually(() => printed.split('\n').map((l) => { try { return JSON.parse(l) as { url: string; graphBaseUrl: string; phoneNumbers: Array<{ id: string }> }; } catch { return undefined; } }).find((l) => l?.url !== undefined), {
      what: 'the stand-alone sandbox to print its URL',
      seen: () => printed,
    });

    const { wamid, delivered } = await sandboxControl(ready.url).actAsCustomer('16505550199', { type: 'text', text: { body: 'مرحبا، هل طلبي جاهز؟' } });
    expect(delivered).toBe(200);
    await waitForEvent(eventsLogPath, { detailType: 'MessageReceived', where: (e) => dataOf(e)['wamid'] === wamid });
    const reply = await fetch(`${ready.graphBaseUrl}/${ready.phoneNumbers[0]!.id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${LOCAL_SECRET_DEFAULTS.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messaging_product: 'whatsapp', to: '16505550199', type: 'text', text: { body: 'نعم، يُشحن اليوم' } }),
    });
    expect(reply.status).toBe(200);
    standaloneSandbox.kill('SIGINT');
  });

  it('stops on SIGINT and leaves nothing running, DynamoDB Local included', async () => {
    const group = processesInGroup(stack.child.pid!);
    const java = group.find((p) => p.command.includes('DynamoDBLocal.jar') && p.command.includes(`-port ${new URL(stack.banner.dynamoEndpoint).port}`));
    expect(java, `DynamoDB Local among ${JSON.stringify(group)}`).toBeDefined();
    // The stack itself is DynamoDB Local's parent; the signal goes to it alone (not to the group, as Ctrl-C
    // would), so the java process can only end because the stack stops it.
    process.kill(java!.ppid, 'SIGINT');

    const exit = await Promise.race([stack.exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 30_000))]);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(stack.output()).toContain('SIGINT: stopping the local stack');
    expect(stack.output().trimEnd().split('\n').at(-1)).toBe('Relais local stack stopped.');
    expect(isRunning(java!.pid)).toBe(false);
    // Helpers that end with their parent (tsx's esbuild service, the emulator watchdog) may take a moment to go.
    await eventually(() => (processesInGroup(stack.child.pid!).length === 0 ? true : undefined), {
      timeoutMs: 10_000,
      what: 'the process group to be empty',
      seen: () => JSON.stringify(processesInGroup(stack.child.pid!)),
    });
  }, 60_000);
});
