/**
 * The template sync end to end on the local emulators: the Cloud API sandbox plays Meta's `message_templates`
 * (paging, the 4/80007 rate-limit faults, creation, review, deletion) and DynamoDB Local holds the registry;
 * `npm run templates -- sync` is run as a process the way an operator runs it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';

import { createGraphTemplates } from '#shared/adapters/graph-templates.js';
import { createTemplateStore } from '#shared/adapters/template-store.js';
import { syncTemplates, type SyncProgress } from '#shared/usecases/sync-templates.js';
import { runTemplatesCli } from '#infra/ops/templates.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localClientConfig } from '#infra/local/emulators.js';
import { startSandbox, type Sandbox, type TemplateDef } from '#infra/local/sandbox/server.js';
import { startWebhookReceiver } from '#infra/local/sandbox/webhook-receiver.js';
import { STATE_TABLE } from '#infra/topology.js';
import { uniqueWaba } from '#test/support/contacts-harness.js';

const run = promisify(execFile);
const TOKEN = 'sandbox-templates-token';
const APP_SECRET = 'sandbox-templates-secret';
const tableName = inject('tableNames')[STATE_TABLE.id]!;
const dynamoEndpoint = inject('dynamoEndpoint');
const raw = new DynamoDBClient(localClientConfig(dynamoEndpoint));
const client = DynamoDBDocumentClient.from(raw);
const store = createTemplateStore({ client, tableName });
afterAll(() => raw.destroy());

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

const SEEDED: TemplateDef[] = [
  // An id above 2^53 (9007199254740991): exact only as digits.
  { name: 'order_shipped', language: 'en_US', category: 'UTILITY', components: { body: 2 }, id: '18014398509481985123' },
  { name: 'order_shipped', language: 'ar', category: 'UTILITY', components: { body: 2 } },
  { name: 'order_shipped', language: 'pt_BR', category: 'UTILITY', components: { body: 2 } },
  { name: 'winter_sale', language: 'fr', category: 'MARKETING', components: { body: ['first_name'] }, parameterFormat: 'named' },
  { name: 'login_code', language: 'en_US', category: 'AUTHENTICATION', components: { body: 1 } },
  { name: 'appointment_reminder', language: 'de', category: 'UTILITY', status: 'PAUSED', components: { body: 1 } },
  { name: 'feedback_request', language: 'he', category: 'MARKETING', status: 'REJECTED', components: { body: 1 } },
];

async function sandboxFor(waba: string, templates: readonly TemplateDef[] = SEEDED): Promise<Sandbox> {
  const receiver = await startWebhookReceiver({ appSecret: APP_SECRET });
  cleanups.push(() => receiver.close());
  const sandbox = await startSandbox({ webhookUrl: receiver.url, appSecret: APP_SECRET, accessToken: TOKEN, businessAccountId: waba, templates });
  cleanups.push(() => sandbox.close());
  return sandbox;
}

const graphOf = (sandbox: Sandbox) => createGraphTemplates({ baseUrl: sandbox.url, version: sandbox.graphVersion, accessToken: async () => TOKEN });

async function held(waba: string) {
  const page = await store.list(waba, { limit: 100 });
  return page.items.map((r) => ({ id: r.templateId, name: r.name, language: r.language, status: r.status, category: r.category }));
}

function listed(sandbox: Sandbox) {
  return sandbox
    .templates()
    .map((t) => ({ id: t.id, name: t.name, language: t.language, status: t.status, category: t.category }))
    .sort((a, b) => (`${a.name}#${a.language.toLowerCase()}` < `${b.name}#${b.language.toLowerCase()}` ? -1 : 1));
}

describe('template sync against the sandbox', () => {
  it('reads every page into the store, riding out an 80007 and a 4 after the first page', async () => {
    const waba = uniqueWaba();
    const sandbox = await sandboxFor(waba);
    const sleeps: number[] = [];
    const progress: SyncProgress[] = [];

    const report = await syncTemplates(
      waba,
      {
        graph: graphOf(sandbox),
        store,
        now: Date.now,
        sleep: async (ms) => void sleeps.push(ms),
        onProgress: (p) => {
          progress.push(p);
          if (p.phase === 'page' && p.pages === 1) {
            sandbox.addFault({ kind: 'waba_rate_limit', count: 1 });
            sandbox.addFault({ kind: 'app_rate_limit', count: 1 });
          }
        },
      },
      { pageSize: 3 },
    );

    expect(report).toMatchObject({ pages: 3, seen: 7, changed: 7, deleted: 0, skipped: [], retries: 2, deletionsChecked: true });
    expect(progress.filter((p) => p.phase === 'backoff').map((p) => p.backoff?.code)).toEqual([80007, 4]);
    expect(sleeps).toHaveLength(2);
    expect(await held(waba)).toEqual(listed(sandbox));
    expect((await store.get(waba, 'order_shipped', 'en_US'))?.templateId).toBe('18014398509481985123');
    const named = await store.get(waba, 'winter_sale', 'fr');
    expect(named?.parameterFormat).toBe('NAMED');
  });

  it('follows a template Meta creates, approves and deletes across three syncs, history newest first', async () => {
    const waba = uniqueWaba();
    const sandbox = await sandboxFor(waba, []);
    const graph = graphOf(sandbox);
    const sync = () => syncTemplates(waba, { graph, store, now: Date.now, sleep: async () => undefined });

    const created = await graph.createTemplate(waba, {
      name: 'welcome_back',
      language: 'es',
      category: 'UTILITY',
      components: [{ type: 'BODY', text: '¡Hola {{1}}! Tu pedido está listo 🎉', example: { body_text: [['Zoë']] } }],
    });
    expect(created.ok).toBe(true);
    await sync();
    const review = await fetch(`${sandbox.url}/_sandbox/templates/review`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'welcome_back', language: 'es', status: 'APPROVED' }),
    });
    expect(review.status).toBe(200);
    await sync();
    expect(await graph.deleteTemplate(waba, { name: 'welcome_back' })).toStrictEqual({ ok: true, value: { deleted: true } });
    const last = await sync();

    expect(last).toMatchObject({ seen: 0, deleted: 1 });
    expect(await store.get(waba, 'welcome_back', 'es')).toMatchObject({ status: 'DELETED', templateId: created.ok ? created.value.id : '' });
    const history = await store.history(waba, 'welcome_back', 'es', { limit: 10 });
    expect(history.items.map((e) => [e.kind, e.changes['status']?.to])).toEqual([
      ['deleted', 'DELETED'],
      ['snapshot', 'APPROVED'],
      ['snapshot', 'PENDING'],
    ]);
  });

  it('ends with exit 1 and the reason when Meta refuses the token, marking nothing deleted', async () => {
    const waba = uniqueWaba();
    const sandbox = await sandboxFor(waba);
    await syncTemplates(waba, { graph: graphOf(sandbox), store, now: Date.now, sleep: async () => undefined });
    const stderr: string[] = [];

    const code = await runTemplatesCli(['sync', '--account', waba, '--table', tableName], {
      env: { GRAPH_API_BASE_URL: sandbox.url, WHATSAPP_ACCESS_TOKEN: 'not-the-token' },
      dynamo: client,
      stdout: () => undefined,
      stderr: (line) => stderr.push(line),
    });

    expect(code).toBe(1);
    expect(stderr.join('\n')).toMatch(new RegExp(`^templates: template sync of account ${waba} stopped at page 1: Meta answered HTTP 401 code 190 .*this error is not retried\\. Nothing was marked deleted\\.$`));
    expect(stderr.join('\n')).not.toContain('not-the-token');
    expect((await held(waba)).every((t) => t.status !== 'DELETED')).toBe(true);
  });
});

describe('npm run templates -- sync, as a process', () => {
  /** Only what the command needs: the caller's WHATSAPP_*, AWS_* or PORT never reach it. */
  function processEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
    return {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      ...extra,
    };
  }

  it('syncs the account into the table from AWS_ENDPOINT_URL_DYNAMODB, progress on stderr and the report on stdout', async () => {
    const waba = uniqueWaba();
    const sandbox = await sandboxFor(waba);

    const { stdout, stderr } = await run('npx', ['tsx', 'infra/ops/templates.ts', 'sync', '--account', waba, '--page-size', '4'], {
      env: processEnv({ STATE_TABLE_NAME: tableName, GRAPH_API_BASE_URL: sandbox.url, WHATSAPP_ACCESS_TOKEN: TOKEN }),
      timeout: 60_000,
    });

    expect(JSON.parse(stdout)).toMatchObject({ businessAccountId: waba, pages: 2, seen: 7, changed: 7, deleted: 0 });
    expect(stderr.trim().split('\n')).toEqual([
      `templates sync ${waba}: page 1 read (4 seen, 4 changed, 0 refreshed, 0 unchanged)`,
      `templates sync ${waba}: page 2 read (7 seen, 7 changed, 0 refreshed, 0 unchanged)`,
      `templates sync ${waba}: listing complete (2 pages); looking for templates Meta no longer lists`,
      `templates sync ${waba}: done: 7 seen, 7 changed, 0 refreshed, 0 unchanged, 0 marked deleted`,
    ]);
    expect(await held(waba)).toEqual(listed(sandbox));
  }, 60_000);

  it('exits 2 naming a bad argument', async () => {
    const failure = await run('npx', ['tsx', 'infra/ops/templates.ts', 'sync', '--account', 'my-account'], { env: processEnv({ STATE_TABLE_NAME: tableName }), timeout: 60_000 }).catch(
      (e: unknown) => e as { code: number; stderr: string; stdout: string },
    );

    expect(failure).toMatchObject({ code: 2, stdout: '' });
    expect((failure as { stderr: string }).stderr).toContain('templates: --account must be a WhatsApp Business Account id (digits), got "my-account"');
  }, 60_000);
});
