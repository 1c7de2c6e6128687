/**
 * What each Templates API call costs in DynamoDB requests (by command) and wall time, through the use cases the
 * handlers call, on DynamoDB Local with the Cloud API sandbox as Meta: create (one language), list one page, read
 * one name in L languages, delete one language, delete every language. Each figure is the median of R runs over
 * fresh names. A benchmark: it prints figures and asserts nothing.
 *
 *   BENCH_LANGUAGES=4 BENCH_RUNS=20 npx tsx test/bench/templates-api.ts
 */
import { randomBytes } from 'node:crypto';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

import { quietAwsSdkNodeSupportWarning } from '../../infra/local/aws-sdk-node-support.js';
import { localClientConfig, provisionTables, startDynamoDbLocal } from '../../infra/local/emulators.js';
import { startSandbox } from '../../infra/local/sandbox/server.js';
import { startWebhookReceiver } from '../../infra/local/sandbox/webhook-receiver.js';
import { STATE_TABLE } from '../../infra/topology.js';
import { createGraphTemplates } from '../../shared/adapters/graph-templates.js';
import { createTemplateStore } from '../../shared/adapters/template-store.js';
import { createTemplate, deleteTemplate, getTemplate, listTemplates, type ManageTemplatesDeps } from '../../shared/usecases/manage-templates.js';

quietAwsSdkNodeSupportWarning();

const languageCount = Number(process.env['BENCH_LANGUAGES'] ?? '4');
const runs = Number(process.env['BENCH_RUNS'] ?? '20');
const WABA = '102290129340398';
const TOKEN = 'bench-token';
const LANGUAGES = ['en_US', 'pt_BR', 'ar', 'fr', 'de', 'es', 'it', 'he', 'ja', 'hi'].slice(0, languageCount);

const dynamo = await startDynamoDbLocal();
const receiver = await startWebhookReceiver({ appSecret: 'bench-secret' });
const sandbox = await startSandbox({ webhookUrl: receiver.url, appSecret: 'bench-secret', accessToken: TOKEN, businessAccountId: WABA, templates: [] });
try {
  const tables = await provisionTables(dynamo.endpoint, [STATE_TABLE], (spec) => `bench-${randomBytes(3).toString('hex')}-${spec.id}`);
  const raw = new DynamoDBClient(localClientConfig(dynamo.endpoint));
  const client = DynamoDBDocumentClient.from(raw);
  let sent = new Map<string, number>();
  const send = client.send.bind(client) as (command: object, ...rest: unknown[]) => Promise<unknown>;
  client.send = ((command: object, ...rest: unknown[]) => {
    sent.set(command.constructor.name, (sent.get(command.constructor.name) ?? 0) + 1);
    return send(command, ...rest);
  }) as unknown as DynamoDBDocumentClient['send'];
  const deps: ManageTemplatesDeps = {
    templates: createTemplateStore({ client, tableName: tables[STATE_TABLE.id]! }),
    graph: createGraphTemplates({ baseUrl: sandbox.url, version: sandbox.graphVersion, accessToken: async () => TOKEN }),
    now: Date.now,
  };

  const figures = new Map<string, { requests: string[]; ms: number[] }>();
  async function measure(what: string, call: () => Promise<unknown>): Promise<void> {
    sent = new Map();
    const start = performance.now();
    await call();
    const ms = performance.now() - start;
    const entry = figures.get(what) ?? { requests: [], ms: [] };
    entry.requests.push([...sent].sort().map(([name, n]) => `${n} ${name.replace(/Command$/, '')}`).join(', '));
    entry.ms.push(ms);
    figures.set(what, entry);
  }
  const body = (name: string, language: string) => ({
    name,
    language,
    category: 'UTILITY',
    components: [{ type: 'BODY', text: 'Bonjour {{1}}, votre colis {{2}} arrive 📦.', example: { body_text: [['Zoë', 'A-1']] } }],
  });

  // The sandbox allows 100 creations an hour, as Meta does: runs × languages must stay under it.
  const perRun = Math.max(1, Math.floor(100 / runs));
  const langs = LANGUAGES.slice(0, Math.min(LANGUAGES.length, perRun));
  for (let run = 0; run < runs; run++) {
    const name = `bench_api_${run}`;
    for (const [i, language] of langs.entries()) await measure(i === 0 ? 'create (first language)' : 'create (another language)', () => createTemplate({ businessAccountId: WABA, body: body(name, language) }, deps));
    await measure('list (25 a page)', () => listTemplates({ businessAccountId: WABA, query: { limit: 25 } }, deps));
    await measure(`get (${langs.length} languages, 20 history lines each)`, () => getTemplate({ businessAccountId: WABA, name, limit: 20 }, deps));
    await measure('delete one language', () => deleteTemplate({ businessAccountId: WABA, name, language: langs[0]! }, deps));
    if (langs.length > 1) await measure(`delete by name (${langs.length - 1} languages left)`, () => deleteTemplate({ businessAccountId: WABA, name }, deps));
  }
  raw.destroy();

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const mode = (xs: string[]) => [...new Set(xs)].map((x) => [x, xs.filter((y) => y === x).length] as const).sort((a, b) => b[1] - a[1])[0]![0];
  console.log(`Templates API on DynamoDB Local and the sandbox: ${runs} runs, ${langs.length} languages a name (Node ${process.version})`);
  for (const [what, { requests, ms }] of figures) {
    console.log(`  ${what.padEnd(44)} DynamoDB: ${mode(requests).padEnd(34)} median ${median(ms).toFixed(1)} ms (n=${ms.length})`);
  }
} finally {
  await sandbox.close();
  await receiver.close();
  await dynamo.stop();
}
