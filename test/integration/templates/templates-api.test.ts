/**
 * The Templates API end to end on the local stack: SigV4-signed requests to the local HTTP API, DynamoDB Local
 * holding the registry, and the Cloud API sandbox playing Meta's `message_templates` (creation PENDING with a
 * 17-digit id above 2^53, 2388024 for a repeat, review, listing, deletion by name and by `hsm_id`).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LOCAL_SECRET_DEFAULTS } from '#infra/local/stack.js';
import { localClientConfig } from '#infra/local/emulators.js';
import { createGraphTemplates } from '#shared/adapters/graph-templates.js';
import { createTemplateStore } from '#shared/adapters/template-store.js';
import { CreateTemplateResponseSchema, DeleteTemplateResponseSchema, GetTemplateResponseSchema, ListTemplatesResponseSchema } from '#shared/contracts/http/templates/responses.js';
import { syncTemplates } from '#shared/usecases/sync-templates.js';
import { BUSINESS_ACCOUNT_ID, eventually, signedRequest, startSendingStack, type HttpAnswer, type SendingStack } from '#test/support/stack-harness.js';

const WABA = BUSINESS_ACCOUNT_ID;
const base = `/accounts/${WABA}/templates`;

function body(name: string, language: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    language,
    category: 'UTILITY',
    parameter_format: 'named',
    components: [
      { type: 'HEADER', format: 'TEXT', text: 'Colis {{parcel}} 📦', example: { header_text_named_params: [{ param_name: 'parcel', example: 'A-1' }] } },
      { type: 'BODY', text: 'Bonjour {{first_name}}, votre colis {{parcel}} arrive aujourd’hui. مرحبا', example: { body_text_named_params: [{ param_name: 'first_name', example: 'Zoë' }, { param_name: 'parcel', example: 'A-1' }] } },
      { type: 'FOOTER', text: 'Relais ✨' },
    ],
    ...overrides,
  };
}

let s: SendingStack;
let raw: DynamoDBClient;

const api = (method: 'GET' | 'POST' | 'DELETE', path: string, json?: unknown): Promise<HttpAnswer> =>
  signedRequest(s.stack.apiUrl, { method, path, ...(json === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) }) });

/** What the sandbox ("Meta") lists for a name, over its Graph endpoint. */
async function metaLists(name: string): Promise<Array<{ id: string; language: string; status: string }>> {
  const response = await fetch(`${s.stack.sandboxUrl}/v25.0/${WABA}/message_templates?name=${name}&fields=id,name,language,status`, { headers: { authorization: `Bearer ${LOCAL_SECRET_DEFAULTS.accessToken}` } });
  const text = await response.text();
  // Ids above 2^53 are compared as digits, so read them before JSON.parse can round them.
  const listed = JSON.parse(text.replace(/"id":(\d+)/g, '"id":"$1"')) as { data: Array<{ id: string; name: string; language: string; status: string }> };
  return listed.data.filter((t) => t.name === name).map(({ id, language, status }) => ({ id: String(id), language, status }));
}

beforeAll(async () => {
  s = await startSendingStack();
  raw = new DynamoDBClient(localClientConfig(s.stack.dynamoEndpoint));
}, 120_000);

afterAll(async () => {
  raw?.destroy();
  await s?.stop();
});

describe('templates API on the local stack', () => {
  it('creates at Meta and records PENDING, refuses a repeat with Meta’s 409, follows Meta’s review, lists, reads with history and deletes', { timeout: 60_000 }, async () => {
    const created = await api('POST', base, body('avis_livraison', 'fr'));
    expect(created.status, created.text).toBe(201);
    const view = CreateTemplateResponseSchema.parse(created.json);
    expect(view.template).toMatchObject({ name: 'avis_livraison', language: 'fr', status: 'PENDING', category: 'UTILITY', parameterFormat: 'NAMED' });
    expect(view.template.templateId).toMatch(/^\d{17}$/);
    expect(BigInt(view.template.templateId!)).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER));
    expect(created.text).toContain(`"templateId":"${view.template.templateId}"`);
    expect(await metaLists('avis_livraison')).toEqual([{ id: view.template.templateId, language: 'fr', status: 'PENDING' }]);

    const repeat = await api('POST', base, body('avis_livraison', 'fr'));
    expect(repeat.status, repeat.text).toBe(409);
    expect(repeat.json).toMatchObject({ error: { code: 'template_exists' } });
    expect((repeat.json as { error: { message: string } }).error.message).toContain('subcode 2388024');

    const second = await api('POST', base, body('avis_livraison', 'ar'));
    expect(second.status, second.text).toBe(201);

    // Meta approves at once: its webhook, stamped in whole seconds, must not read as older than the creation.
    await s.stack.sandbox.reviewTemplate({ name: 'avis_livraison', language: 'fr', status: 'APPROVED' });
    await eventually(
      async () => {
        const read = GetTemplateResponseSchema.parse((await api('GET', `${base}/avis_livraison?language=fr`)).json);
        return read.languages[0]?.status === 'APPROVED' ? read : undefined;
      },
      { timeoutMs: 20_000, what: 'the approval webhook to reach the registry' },
    );
    // A sync afterwards changes nothing Meta did not change.
    const store = createTemplateStore({ client: DynamoDBDocumentClient.from(raw), tableName: s.stateTableName });
    const graph = createGraphTemplates({ baseUrl: s.stack.sandboxUrl, version: 'v25.0', accessToken: async () => LOCAL_SECRET_DEFAULTS.accessToken });
    await syncTemplates(WABA, { graph, store, now: Date.now, sleep: async () => {} });

    const listed = await api('GET', `${base}?name=avis_&limit=1`);
    expect(listed.status, listed.text).toBe(200);
    const page1 = ListTemplatesResponseSchema.parse(listed.json);
    expect(page1.items.map((t) => [t.language, t.status])).toEqual([['ar', 'PENDING']]);
    const page2 = ListTemplatesResponseSchema.parse((await api('GET', `${base}?name=avis_&limit=1&cursor=${page1.nextCursor}`)).json);
    expect(page2.items.map((t) => [t.language, t.status])).toEqual([['fr', 'APPROVED']]);
    const approved = ListTemplatesResponseSchema.parse((await api('GET', `${base}?status=approved&name=avis_`)).json);
    expect(approved.items.map((t) => t.language)).toEqual(['fr']);

    const read = await api('GET', `${base}/avis_livraison`);
    expect(read.status, read.text).toBe(200);
    const details = GetTemplateResponseSchema.parse(read.json);
    const fr = details.languages.find((l) => l.language === 'fr')!;
    expect(fr.status).toBe('APPROVED');
    const versions = fr.history.items.map((h) => h.version);
    expect(versions).toEqual([...versions].sort((a, b) => b - a));
    expect(fr.history.items.at(-1)).toMatchObject({ version: 1, kind: 'snapshot', source: 'api' });
    expect(fr.history.items.filter((h) => (h.changes['status'] as { to?: unknown } | undefined)?.to === 'APPROVED').map((h) => [h.kind, h.source])).toEqual([['status', 'webhook']]);
    expect(read.text).not.toMatch(/"pk"|"sk"|"document"/);

    const one = await api('DELETE', `${base}/avis_livraison?language=fr`);
    expect(one.status, one.text).toBe(200);
    expect(DeleteTemplateResponseSchema.parse(one.json).deleted).toEqual([{ language: 'fr', templateId: view.template.templateId, version: expect.any(Number) }]);
    expect((await metaLists('avis_livraison')).map((t) => t.language)).toEqual(['ar']);

    const rest = await api('DELETE', `${base}/avis_livraison`);
    expect(rest.status, rest.text).toBe(200);
    expect(await metaLists('avis_livraison')).toEqual([]);
    const after = GetTemplateResponseSchema.parse((await api('GET', `${base}/avis_livraison`)).json);
    expect(after.languages.map((l) => [l.language, l.status])).toEqual([
      ['ar', 'DELETED'],
      ['fr', 'DELETED'],
    ]);
    const gone = await api('DELETE', `${base}/avis_livraison`);
    expect(gone.status).toBe(404);
  });

  it('answers 422 naming each problem without reaching Meta', async () => {
    const res = await api('POST', base, body('Avis Livraison', 'fr-FR', { category: 'PROMO' }));
    expect(res.status, res.text).toBe(422);
    const error = (res.json as { error: { code: string; details: string[] } }).error;
    expect(error.code).toBe('invalid_template');
    expect(error.details.map((d) => d.split(':')[0])).toEqual(expect.arrayContaining(['name', 'language', 'category']));
    expect(await metaLists('avis_livraison_x')).toEqual([]);
  });

  it('answers Meta’s refusal of a body its own checks pass as a 4xx naming Meta’s code (2388293: too many parameters for the text)', async () => {
    const crowded = body('trop_de_parametres', 'fr', {
      parameter_format: 'positional',
      components: [{ type: 'BODY', text: 'Hi {{1}}, {{2}}, {{3}} ok', example: { body_text: [['Zoë', 'Ana', 'Li']] } }],
    });
    const res = await api('POST', base, crowded);
    // Relais's rules do not judge Meta's unpublished parameter ratio; the sandbox does, as Meta would.
    if (res.status === 422 && (res.json as { error: { code: string } }).error.code === 'invalid_template') throw new Error(`local checks refused it first: ${res.text}`);
    expect(res.status, res.text).toBe(422);
    expect(res.json).toMatchObject({ error: { code: 'meta_refused' } });
    expect((res.json as { error: { message: string } }).error.message).toContain('subcode 2388293');
  });

  it('answers 400 for a bad filter, limit or cursor, and 404 for an unknown template', async () => {
    for (const query of ['status=LIVE', 'category=promo', 'limit=0', 'limit=abc', 'cursor=%F0%9F%99%82', 'cursor=bm90LWEtY3Vyc29y', 'name=Bad-Name', 'colour=blue']) {
      const res = await api('GET', `${base}?${query}`);
      expect(res.status, `${query}: ${res.text}`).toBe(400);
      expect((res.json as { error: { code: string } }).error.code).toMatch(/^invalid_/);
    }
    expect((await api('GET', `${base}/inconnu`)).status).toBe(404);
    expect((await api('DELETE', `${base}/inconnu`)).status).toBe(404);
  });
});
