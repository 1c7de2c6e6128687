/**
 * What a template sync costs: wall time and DynamoDB requests per template for an account of N templates, read
 * from the Cloud API sandbox (pages of 100) into DynamoDB Local. Three runs over the same listing: the first
 * (every template new), a later one (Meta unchanged, only the listing time moves) and one after Meta changed 1 %.
 * Items written are counted by entity (record, history line) and whether a transaction wrote them.
 * A benchmark: it prints figures and asserts nothing.
 *
 *   BENCH_TEMPLATES=1000 npx tsx test/bench/template-sync.ts
 */
import { randomBytes } from 'node:crypto';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

import { quietAwsSdkNodeSupportWarning } from '../../infra/local/aws-sdk-node-support.js';
import { localClientConfig, provisionTables, startDynamoDbLocal } from '../../infra/local/emulators.js';
import { startSandbox, type TemplateDef } from '../../infra/local/sandbox/server.js';
import { startWebhookReceiver } from '../../infra/local/sandbox/webhook-receiver.js';
import { STATE_TABLE } from '../../infra/topology.js';
import { createGraphTemplates } from '../../shared/adapters/graph-templates.js';
import { createTemplateStore } from '../../shared/adapters/template-store.js';
import { syncTemplates } from '../../shared/usecases/sync-templates.js';

quietAwsSdkNodeSupportWarning();

const count = Number(process.env['BENCH_TEMPLATES'] ?? '1000');
const WABA = '102290129340398';
const TOKEN = 'bench-token';

const dynamo = await startDynamoDbLocal();
const receiver = await startWebhookReceiver({ appSecret: 'bench-secret' });
const languages = ['en_US', 'pt_BR', 'ar', 'fr'];
const templates: TemplateDef[] = Array.from({ length: count }, (_, i) => ({
  name: `bench_template_${String(Math.floor(i / languages.length)).padStart(5, '0')}`,
  language: languages[i % languages.length]!,
  category: i % 3 === 0 ? 'MARKETING' : 'UTILITY',
  components: { body: 2 },
}));
const sandbox = await startSandbox({ webhookUrl: receiver.url, appSecret: 'bench-secret', accessToken: TOKEN, businessAccountId: WABA, templates });
try {
  const tables = await provisionTables(dynamo.endpoint, [STATE_TABLE], (spec) => `bench-${randomBytes(3).toString('hex')}-${spec.id}`);
  const raw = new DynamoDBClient(localClientConfig(dynamo.endpoint));
  const client = DynamoDBDocumentClient.from(raw);
  const sent = new Map<string, number>();
  // Items written, split by entity: a transaction's items each cost twice a plain write's capacity.
  const written = new Map<string, number>();
  const send = client.send.bind(client) as (command: object, ...rest: unknown[]) => Promise<unknown>;
  client.send = ((command: object, ...rest: unknown[]) => {
    sent.set(command.constructor.name, (sent.get(command.constructor.name) ?? 0) + 1);
    const input = (command as { input?: { TransactItems?: Array<{ Put?: { Item?: { entity?: string } } }>; Item?: { entity?: string } } }).input;
    const items = input?.TransactItems?.map((t) => t.Put?.Item) ?? (input?.Item === undefined ? [] : [input.Item]);
    for (const item of items) {
      const kind = `${item?.entity ?? 'other'}${input?.TransactItems === undefined ? '' : ' (in a transaction)'}`;
      written.set(kind, (written.get(kind) ?? 0) + 1);
    }
    return send(command, ...rest);
  }) as unknown as DynamoDBDocumentClient['send'];
  const store = createTemplateStore({ client, tableName: tables[STATE_TABLE.id]! });
  const graph = createGraphTemplates({ baseUrl: sandbox.url, version: sandbox.graphVersion, accessToken: async () => TOKEN });

  const runs: Record<string, unknown>[] = [];
  for (const label of ['first sync (all new)', 'second sync (Meta unchanged)', 'third sync (1 % paused at Meta)']) {
    if (label.startsWith('third')) {
      for (const t of sandbox.templates().slice(0, Math.max(1, Math.floor(count / 100)))) {
        await fetch(`${sandbox.url}/_sandbox/templates/review`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: t.name, language: t.language, status: 'PAUSED' }),
        });
      }
    }
    sent.clear();
    written.clear();
    const started = performance.now();
    const report = await syncTemplates(WABA, { graph, store, now: Date.now, sleep: async () => undefined }, { pageSize: 100 });
    const ms = performance.now() - started;
    const requests = Object.fromEntries(sent);
    const total = [...sent.values()].reduce((a, b) => a + b, 0);
    runs.push({
      run: label,
      templates: report.seen,
      pages: report.pages,
      changed: report.changed,
      refreshed: report.refreshed,
      unchanged: report.unchanged,
      wallMs: Math.round(ms),
      msPerTemplate: Number((ms / report.seen).toFixed(2)),
      dynamoRequests: requests,
      dynamoRequestsPerTemplate: Number((total / report.seen).toFixed(2)),
      itemsWritten: Object.fromEntries(written),
    });
  }
  console.log(JSON.stringify({ node: process.version, templates: count, runs }, null, 2));
  raw.destroy();
} finally {
  await sandbox.close();
  await receiver.close();
  await dynamo.stop();
}
