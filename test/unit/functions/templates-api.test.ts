/**
 * The Templates API's handlers with the error middleware, over an in-memory registry that applies facts with the
 * real domain rule and keeps history, and Meta played by a fetch stub behind the real Graph templates client, so
 * each case is judged by what a caller receives (status, body, Retry-After) and what the registry and Meta saw.
 */
import { beforeEach, describe, expect, it } from 'vitest';

import { createCreateTemplate } from '#functions/create-template.js';
import { createDeleteTemplate } from '#functions/delete-template.js';
import { createGetTemplate } from '#functions/get-template.js';
import { createListTemplates } from '#functions/list-templates.js';
import { createGraphTemplates } from '#shared/adapters/graph-templates.js';
import { CreateTemplateResponseSchema, DeleteTemplateResponseSchema, GetTemplateResponseSchema, ListTemplatesResponseSchema } from '#shared/contracts/http/templates/responses.js';
import { applyTemplateFact } from '#shared/domain/templates/apply-fact.js';
import type { TemplateFact, TemplateHistoryEntry, TemplateRecord } from '#shared/domain/templates/records.js';
import { BadRequestError } from '#shared/errors.js';
import type { TemplateStore } from '#shared/ports/template-store.js';
import type { ManageTemplatesDeps } from '#shared/usecases/manage-templates.js';
import { apiEvent, withErrors } from './contacts-fake-store.js';

const WABA = '102290129340398';
/** Above 2^53: written as raw digits in Meta's JSON, it must reach the caller digit for digit. */
const BIG_ID = '31339566287400365';
const NOW = Date.parse('2026-12-04T02:30:15.250Z');
const TOKEN = 'EAAJB-unit-templates-token';

const ROUTES = {
  create: 'POST /accounts/{businessAccountId}/templates',
  list: 'GET /accounts/{businessAccountId}/templates',
  get: 'GET /accounts/{businessAccountId}/templates/{name}',
  delete: 'DELETE /accounts/{businessAccountId}/templates/{name}',
};

/** Meta's own example body, with accents, RTL and emoji in the texts. */
function creationBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'livraison_colis',
    language: 'fr',
    category: 'UTILITY',
    parameter_format: 'positional',
    components: [
      { type: 'HEADER', format: 'TEXT', text: 'Colis {{1}} 📦', example: { header_text: ['A-1'] } },
      { type: 'BODY', text: 'Bonjour {{1}}, votre colis {{2}} arrive aujourd’hui (שלום).', example: { body_text: [['Zoë', 'A-1']] } },
      { type: 'FOOTER', text: 'Relais ✨' },
      { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Suivre', url: 'https://example.com/suivi/{{1}}', example: ['https://example.com/suivi/A-1'] }] },
    ],
    ...overrides,
  };
}

/** In-memory registry over the real domain rule, with history newest first and numeric cursors. */
function memoryStore(): TemplateStore & { records: Map<string, TemplateRecord>; facts: TemplateFact[]; failApply: boolean } {
  const records = new Map<string, TemplateRecord>();
  const history = new Map<string, TemplateHistoryEntry[]>();
  const facts: TemplateFact[] = [];
  const key = (waba: string, name: string, language: string) => `${waba}/${name}/${language.replace(/-/g, '_').toLowerCase()}`;
  const store = {
    records,
    facts,
    failApply: false,
    get: async (waba: string, name: string, language: string) => records.get(key(waba, name, language)),
    languagesOf: async (waba: string, name: string) =>
      [...records.values()].filter((r) => r.businessAccountId === waba && r.name === name).sort((a, b) => a.language.localeCompare(b.language)),
    async list(waba: string, query: Parameters<TemplateStore['list']>[1]) {
      if (query.cursor !== undefined && !/^\d+$/.test(query.cursor)) throw new BadRequestError('invalid_cursor', 'cursor is not a template list cursor this API returned; start again without one');
      const all = [...records.values()]
        .filter((r) => r.businessAccountId === waba)
        .filter((r) => query.status === undefined || r.status === query.status)
        .filter((r) => query.category === undefined || r.category === query.category)
        .filter((r) => query.namePrefix === undefined || r.name.startsWith(query.namePrefix))
        .sort((a, b) => (key(waba, a.name, a.language) < key(waba, b.name, b.language) ? -1 : 1));
      const start = query.cursor === undefined ? 0 : Number(query.cursor);
      const items = all.slice(start, start + query.limit);
      return start + query.limit < all.length ? { items, nextCursor: String(start + query.limit) } : { items };
    },
    async history(waba: string, name: string, language: string, page: { limit: number; cursor?: string }) {
      const lines = [...(history.get(key(waba, name, language)) ?? [])].reverse();
      const start = page.cursor === undefined ? 0 : Number(page.cursor);
      const items = lines.slice(start, start + page.limit);
      return start + page.limit < lines.length ? { items, nextCursor: String(start + page.limit) } : { items };
    },
    async apply(fact: TemplateFact, recordedAt: string) {
      if (store.failApply) throw new Error('ProvisionedThroughputExceededException: internal table name relais-state');
      facts.push(fact);
      const k = key(fact.businessAccountId, fact.name, fact.language);
      const result = applyTemplateFact(records.get(k), fact, recordedAt);
      if (result.outcome === 'changed') {
        records.set(k, result.record);
        history.set(k, [...(history.get(k) ?? []), result.entry]);
      }
      return result;
    },
  };
  return store;
}

interface MetaCall {
  readonly method: string;
  readonly url: URL;
  readonly body: unknown;
}

/** Meta's answers in turn (the last one repeats); a function answer may throw as fetch does. */
type MetaAnswer = { status: number; body: string; headers?: Record<string, string> } | (() => never);

function metaStub() {
  const calls: MetaCall[] = [];
  let answers: MetaAnswer[] = [];
  const fetchStub = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ method: init?.method ?? 'GET', url: new URL(String(input)), body: init?.body === undefined ? undefined : JSON.parse(String(init.body)) });
    const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
    if (typeof answer === 'function') answer();
    const a = answer as { status: number; body: string; headers?: Record<string, string> };
    return new Response(a.body, { status: a.status, headers: { 'content-type': 'application/json', ...a.headers } });
  }) as typeof fetch;
  return {
    calls,
    answer: (...next: MetaAnswer[]) => {
      answers = next;
    },
    graph: createGraphTemplates({ baseUrl: 'https://graph.example.test', version: 'v25.0', accessToken: async () => TOKEN, fetch: fetchStub }),
  };
}

const created = (category = 'UTILITY') => ({ status: 200, body: `{"id":${BIG_ID},"status":"PENDING","category":"${category}"}` });
const graphError = (status: number, error: Record<string, unknown>, headers?: Record<string, string>) => ({ status, body: JSON.stringify({ error: { type: 'OAuthException', fbtrace_id: 'AbC123', ...error } }), ...(headers === undefined ? {} : { headers }) });

describe('templates API', () => {
  let store: ReturnType<typeof memoryStore>;
  let meta: ReturnType<typeof metaStub>;
  let now: number;
  let call: Record<keyof typeof ROUTES, ReturnType<typeof withErrors>>;

  beforeEach(() => {
    store = memoryStore();
    meta = metaStub();
    now = NOW;
    const deps: ManageTemplatesDeps = { templates: store, graph: meta.graph, now: () => now };
    call = {
      create: withErrors(createCreateTemplate(deps)),
      list: withErrors(createListTemplates(deps)),
      get: withErrors(createGetTemplate(deps)),
      delete: withErrors(createDeleteTemplate(deps)),
    };
  });

  const create = (body: unknown, raw?: string) => call.create(apiEvent(ROUTES.create, { path: { businessAccountId: WABA }, body: raw ?? JSON.stringify(body) }));
  const list = (query: Record<string, string> = {}) => call.list(apiEvent(ROUTES.list, { path: { businessAccountId: WABA }, query }));
  const get = (name: string, query: Record<string, string> = {}) => call.get(apiEvent(ROUTES.get, { path: { businessAccountId: WABA, name }, query }));
  const del = (name: string, query: Record<string, string> = {}) => call.delete(apiEvent(ROUTES.delete, { path: { businessAccountId: WABA, name }, query }));

  describe('POST …/templates', () => {
    it('submits the body to Meta as given and answers 201 with the stored PENDING template, Meta’s id above 2^53 as digits', async () => {
      meta.answer(created());
      const res = await create(creationBody());

      expect(res.status).toBe(201);
      const body = CreateTemplateResponseSchema.parse(res.body);
      expect(body.meta).toEqual({ id: BIG_ID, status: 'PENDING', category: 'UTILITY' });
      expect(body.template).toMatchObject({ businessAccountId: WABA, name: 'livraison_colis', language: 'fr', templateId: BIG_ID, status: 'PENDING', category: 'UTILITY', parameterFormat: 'POSITIONAL', version: 1 });
      expect(body.template.components).toEqual(creationBody()['components']);
      expect(JSON.stringify(res.body)).not.toMatch(/"pk"|"sk"|"document"/);
      expect(meta.calls).toHaveLength(1);
      expect(meta.calls[0]!.method).toBe('POST');
      expect(meta.calls[0]!.url.pathname).toBe(`/v25.0/${WABA}/message_templates`);
      expect(meta.calls[0]!.body).toEqual(creationBody());
      expect(store.facts).toMatchObject([{ kind: 'snapshot', source: 'api', templateId: BIG_ID, status: 'PENDING' }]);
    });

    it('stores the category Meta answered, not the one asked for (Meta approves marketing content as MARKETING)', async () => {
      meta.answer(created('MARKETING'));
      const res = await create(creationBody());
      expect(res.status).toBe(201);
      expect(res.body['template'].category).toBe('MARKETING');
    });

    it('dates the creation before its own second, so that Meta’s approval stamped in that second (whole seconds) still applies', async () => {
      meta.answer(created());
      await create(creationBody());
      const approval: TemplateFact = { kind: 'status', source: 'webhook', businessAccountId: WABA, name: 'livraison_colis', language: 'fr', templateId: BIG_ID, status: 'APPROVED', at: '2026-12-04T02:30:15Z' };
      const result = await store.apply(approval, new Date(NOW + 400).toISOString());
      expect(result.outcome).toBe('changed');
      expect((await get('livraison_colis')).body['languages'][0].status).toBe('APPROVED');
    });

    it('records a template made again at once after its deletion as the new PENDING one', async () => {
      meta.answer(created(), { status: 200, body: '{"success":true}' }, { status: 200, body: `{"id":"31339566287400366","status":"PENDING","category":"UTILITY"}` });
      await create(creationBody());
      expect((await del('livraison_colis')).status).toBe(200);
      const again = await create(creationBody());
      expect(again.status).toBe(201);
      expect(again.body['template']).toMatchObject({ status: 'PENDING', templateId: '31339566287400366', version: 3 });
    });

    it('answers 422 naming every problem by path, and sends nothing to Meta', async () => {
      const res = await create(
        creationBody({
          name: 'Livraison Colis',
          components: [
            { type: 'BODY', text: '{{1}} arrive' },
            { type: 'FOOTER', text: 'é'.repeat(61) },
          ],
        }),
      );
      expect(res.status).toBe(422);
      expect(res.body['error'].code).toBe('invalid_template');
      const details: string[] = res.body['error'].details;
      expect(details.some((d) => d.startsWith('name:'))).toBe(true);
      expect(details.some((d) => d.startsWith('components[0].text:'))).toBe(true);
      expect(details.some((d) => d.startsWith('components[1].text:') && d.includes('60'))).toBe(true);
      expect(res.body['error'].message).toContain(`${details.length} of Meta's rules`);
      expect(meta.calls).toHaveLength(0);
      expect(store.records.size).toBe(0);
    });

    it('answers 400 for a body that is not JSON, empty, or nested too deep, and 413 past 256 KB', async () => {
      expect((await create(undefined, 'not json')).body['error'].code).toBe('invalid_json');
      expect((await create(undefined, '')).status).toBe(400);
      expect((await create(undefined, `${'['.repeat(100)}${']'.repeat(100)}`)).body['error'].code).toBe('body_too_deep');
      const huge = await create(creationBody({ padding: '🙂'.repeat(70_000) }));
      expect(huge.status).toBe(413);
      expect(meta.calls).toHaveLength(0);
    });

    it('answers a repeat of the same name and language with Meta’s 409, naming code and subcode, and keeps the first', async () => {
      meta.answer(
        created(),
        graphError(400, { message: 'Invalid parameter', code: 100, error_subcode: 2388024, error_user_title: 'Content in This Language Already Exists', error_user_msg: 'There is already French (fr) content for this template.' }),
      );
      await create(creationBody());
      const repeat = await create(creationBody());
      expect(repeat.status).toBe(409);
      expect(repeat.body['error'].code).toBe('template_exists');
      expect(repeat.body['error'].message).toMatch(/code 100, subcode 2388024: Content in This Language Already Exists/);
      expect(store.records.size).toBe(1);
      expect([...store.records.values()][0]!.version).toBe(1);
    });

    it('answers Meta’s other refusals with 422 naming Meta’s code, subcode and words, storing nothing', async () => {
      meta.answer(graphError(400, { message: 'Invalid parameter', code: 100, error_subcode: 2388299, error_user_title: 'Variables can’t be at the start or end of the template', error_user_msg: 'Variables can’t be at the start or end.' }));
      const res = await create(creationBody());
      expect(res.status).toBe(422);
      expect(res.body['error']).toMatchObject({ code: 'meta_refused' });
      expect(res.body['error'].message).toContain('subcode 2388299');
      expect(store.records.size).toBe(0);
    });

    it('answers Meta’s rate limit with 429 and Meta’s wait as Retry-After', async () => {
      meta.answer(graphError(400, { message: '(#80007) Rate limit hit', code: 80007 }, { 'x-business-use-case-usage': JSON.stringify({ [WABA]: [{ type: 'whatsapp_business_management', estimated_time_to_regain_access: 7 }] }) }));
      const res = await create(creationBody());
      expect(res.status).toBe(429);
      expect(res.headers['retry-after']).toBe('420');
      expect(res.body['error'].code).toBe('meta_rate_limited');
    });

    it('answers Meta’s 5xx with 503 and a retry hint, its words shown but no internals', async () => {
      meta.answer(graphError(503, { message: '(#2) Service temporarily unavailable', code: 2 }));
      const res = await create(creationBody());
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('30');
      expect(res.body['error']).toMatchObject({ code: 'meta_unavailable' });
      expect(res.body['error'].message).toContain('code 2');
    });

    it('answers Meta unreachable with 503 meta_unreachable and a lost answer with 502 saying to read before repeating', async () => {
      meta.answer(() => {
        throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', syscall: 'connect' }) });
      });
      const refused = await create(creationBody());
      expect(refused.status).toBe(503);
      expect(refused.body['error'].code).toBe('meta_unreachable');

      meta.answer(() => {
        throw Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' });
      });
      const lost = await create(creationBody());
      expect(lost.status).toBe(502);
      expect(lost.body['error'].code).toBe('meta_answer_lost');
      expect(lost.body['error'].message).toMatch(/409/);
      expect(store.records.size).toBe(0);
    });

    it('answers Meta refusing Relais’s token with 502, never echoing the token', async () => {
      meta.answer(graphError(401, { message: `(#190) Error validating access token: ${TOKEN} has expired`, code: 190 }));
      const res = await create(creationBody());
      expect(res.status).toBe(502);
      expect(res.body['error'].code).toBe('meta_refused_credentials');
      expect(JSON.stringify(res.body)).not.toContain(TOKEN);
    });

    it('answers 404 when Meta knows no such account for the token (100/33)', async () => {
      meta.answer(graphError(400, { message: "(#100) Unsupported post request. Object with ID '102290129340398' does not exist", code: 100, error_subcode: 33 }));
      const res = await create(creationBody());
      expect(res.status).toBe(404);
      expect(res.body['error'].code).toBe('business_account_not_found');
    });

    it('answers 503 saying not to create again when Meta accepted but the registry write failed, without the table’s name', async () => {
      meta.answer(created());
      store.failApply = true;
      const res = await create(creationBody());
      expect(res.status).toBe(503);
      expect(res.body['error'].code).toBe('registry_write_failed');
      expect(res.body['error'].message).toContain(BIG_ID);
      expect(JSON.stringify(res.body)).not.toMatch(/relais-state|Provisioned/);
    });

    it('answers 400 for a business account id that is not digits', async () => {
      const res = await call.create(apiEvent(ROUTES.create, { path: { businessAccountId: '١٢٣' }, body: JSON.stringify(creationBody()) }));
      expect(res.status).toBe(400);
      expect(res.body['error'].message).toMatch(/businessAccountId/);
    });
  });

  describe('GET …/templates', () => {
    async function seed(names: readonly string[], status = 'APPROVED') {
      for (const [i, name] of names.entries()) {
        await store.apply(
          { kind: 'snapshot', source: 'sync', businessAccountId: WABA, name, language: i % 2 === 0 ? 'en_US' : 'ar', templateId: `9007199254740${993 + i}`, category: i % 3 === 0 ? 'MARKETING' : 'UTILITY', status, components: [{ type: 'BODY', text: 'مرحبا {{1}} 👋', example: { body_text: [['Zoë']] } }], at: '2026-12-04T01:00:00Z' },
          '2026-12-04T01:00:01Z',
        );
      }
    }

    it('pages through the account’s templates with the cursor it returns, each once', async () => {
      await seed(['alpha', 'beta', 'gamma', 'delta', 'epsilon']);
      const first = await list({ limit: '2' });
      expect(first.status).toBe(200);
      const page1 = ListTemplatesResponseSchema.parse(first.body);
      expect(page1.items.map((t) => t.name)).toEqual(['alpha', 'beta']);
      const seen = [...page1.items.map((t) => t.name)];
      let cursor = page1.nextCursor;
      while (cursor !== undefined) {
        const page = ListTemplatesResponseSchema.parse((await list({ limit: '2', cursor })).body);
        seen.push(...page.items.map((t) => t.name));
        cursor = page.nextCursor;
      }
      expect(seen).toEqual(['alpha', 'beta', 'delta', 'epsilon', 'gamma']);
    });

    it('filters by status and category in any case, and by name prefix', async () => {
      await seed(['order_shipped', 'order_paid', 'promo_noel']);
      await seed(['order_pending'], 'PENDING');
      expect((await list({ status: 'pending' })).body['items'].map((t: { name: string }) => t.name)).toEqual(['order_pending']);
      expect((await list({ category: 'Marketing' })).body['items'].map((t: { name: string }) => t.name)).toEqual(['order_pending', 'order_shipped']);
      expect((await list({ name: 'order_p' })).body['items'].map((t: { name: string }) => t.name)).toEqual(['order_paid', 'order_pending']);
    });

    it('answers 400 naming the parameter for a bad status, category, name, limit, cursor or an unknown parameter', async () => {
      const cases: Array<[Record<string, string>, RegExp]> = [
        [{ status: 'LIVE' }, /status: must be one of APPROVED/],
        [{ category: 'PROMO' }, /category: must be one of MARKETING, UTILITY, AUTHENTICATION/],
        [{ name: 'Order-Shipped' }, /name: must be 1 to 512 lowercase/],
        [{ limit: '0' }, /limit: must be a whole number from 1 to 100/],
        [{ limit: '101' }, /limit/],
        [{ limit: '1e2' }, /limit/],
        [{ cursor: '🙂' }, /cursor: is not a cursor/],
        [{ cursor: 'abc' }, /cursor/],
        [{ sort: 'name' }, /sort: is not a known field/],
      ];
      for (const [query, says] of cases) {
        const res = await list(query);
        expect(res.status, JSON.stringify(query)).toBe(400);
        expect([res.body['error'].message, ...(res.body['error'].details ?? [])].join('\n'), JSON.stringify(query)).toMatch(says);
      }
    });
  });

  describe('GET …/templates/{name}', () => {
    beforeEach(async () => {
      meta.answer(created(), { status: 200, body: `{"id":"31339566287400377","status":"PENDING","category":"UTILITY"}` });
      await create(creationBody());
      await create(creationBody({ language: 'ar' }));
      for (const [i, status] of ['APPROVED', 'PAUSED', 'APPROVED'].entries()) {
        await store.apply({ kind: 'status', source: 'webhook', businessAccountId: WABA, name: 'livraison_colis', language: 'fr', status, at: `2026-12-04T03:0${i}:00Z`, ...(status === 'PAUSED' ? { otherInfo: { title: 'FIRST_PAUSE', description: 'Low quality 🙁' } } : {}) }, `2026-12-04T03:0${i}:01Z`);
      }
    });

    it('returns every language with its status and history newest first', async () => {
      const res = await get('livraison_colis');
      expect(res.status).toBe(200);
      const body = GetTemplateResponseSchema.parse(res.body);
      expect(body.languages.map((l) => [l.language, l.status, l.templateId])).toEqual([
        ['ar', 'PENDING', '31339566287400377'],
        ['fr', 'APPROVED', BIG_ID],
      ]);
      const fr = body.languages[1]!;
      expect(fr.history.items.map((h) => [h.version, h.kind, h.source])).toEqual([
        [4, 'status', 'webhook'],
        [3, 'status', 'webhook'],
        [2, 'status', 'webhook'],
        [1, 'snapshot', 'api'],
      ]);
      expect(fr.history.items[1]!.changes['status']).toEqual({ from: 'APPROVED', to: 'PAUSED' });
    });

    it('shows a pause with Meta’s words and when it ends', async () => {
      await store.apply({ kind: 'status', source: 'webhook', businessAccountId: WABA, name: 'livraison_colis', language: 'fr', status: 'PAUSED', at: '2026-12-04T04:00:00Z', otherInfo: { title: 'SECOND_PAUSE', description: 'Qualité basse' } }, '2026-12-04T04:00:01Z');
      const fr = (await get('livraison_colis', { language: 'fr' })).body['languages'][0];
      expect(fr.pause).toEqual({ title: 'SECOND_PAUSE', description: 'Qualité basse', since: '2026-12-04T04:00:00Z', endsAt: '2026-12-04T10:00:00.000Z' });
    });

    it('pages one language’s history with ?language= and its cursor', async () => {
      const first = GetTemplateResponseSchema.parse((await get('livraison_colis', { limit: '2' })).body);
      const fr = first.languages.find((l) => l.language === 'fr')!;
      expect(fr.history.items.map((h) => h.version)).toEqual([4, 3]);
      const next = GetTemplateResponseSchema.parse((await get('livraison_colis', { language: 'fr', limit: '2', cursor: fr.history.nextCursor! })).body);
      expect(next.languages.map((l) => l.language)).toEqual(['fr']);
      expect(next.languages[0]!.history.items.map((h) => h.version)).toEqual([2, 1]);
      expect(next.languages[0]!.history.nextCursor).toBeUndefined();
    });

    it('finds a language in either of Meta’s spellings and any case (fr, FR; pt_BR, pt-BR)', async () => {
      meta.answer({ status: 200, body: `{"id":"31339566287400388","status":"PENDING","category":"UTILITY"}` });
      await create(creationBody({ language: 'pt_BR' }));
      expect((await get('livraison_colis', { language: 'FR' })).body['languages'].map((l: { language: string }) => l.language)).toEqual(['fr']);
      expect((await get('livraison_colis', { language: 'pt-BR' })).body['languages'].map((l: { language: string }) => l.language)).toEqual(['pt_BR']);
    });

    it('answers 404 for an unknown name or language, and 400 for a cursor without a language', async () => {
      expect((await get('inconnu')).body['error'].code).toBe('template_not_found');
      expect((await get('livraison_colis', { language: 'pt_BR' })).status).toBe(404);
      const res = await get('livraison_colis', { cursor: 'MQ' });
      expect(res.status).toBe(400);
      expect(res.body['error'].message).toMatch(/cursor: pages the history of one language/);
      expect((await get('Livraison')).status).toBe(400);
      expect((await get('%E0%A4%A')).body['error'].message).toMatch(/%-escape/);
    });
  });

  describe('DELETE …/templates/{name}', () => {
    beforeEach(async () => {
      meta.answer(created(), { status: 200, body: `{"id":"31339566287400377","status":"PENDING","category":"UTILITY"}` });
      await create(creationBody());
      await create(creationBody({ language: 'ar' }));
      meta.calls.length = 0;
    });

    it('deletes one language at Meta by its id and records it DELETED, leaving the other', async () => {
      meta.answer({ status: 200, body: '{"success":true}' });
      now = NOW + 60_000;
      const res = await del('livraison_colis', { language: 'fr' });
      expect(res.status).toBe(200);
      expect(DeleteTemplateResponseSchema.parse(res.body)).toEqual({ businessAccountId: WABA, name: 'livraison_colis', deleted: [{ language: 'fr', templateId: BIG_ID, version: 2 }], deletedAt: new Date(NOW + 60_000).toISOString() });
      expect(meta.calls.map((c) => [c.method, c.url.searchParams.get('name'), c.url.searchParams.get('hsm_id')])).toEqual([['DELETE', 'livraison_colis', BIG_ID]]);
      const languages = (await get('livraison_colis')).body['languages'].map((l: { language: string; status: string }) => [l.language, l.status]);
      expect(languages).toEqual([
        ['ar', 'PENDING'],
        ['fr', 'DELETED'],
      ]);
    });

    it('deletes every language by name, then answers 404 for a second delete without calling Meta', async () => {
      meta.answer({ status: 200, body: '{"success":true}' });
      const res = await del('livraison_colis');
      expect(res.body['deleted'].map((d: { language: string }) => d.language)).toEqual(['ar', 'fr']);
      expect(meta.calls.map((c) => [c.url.searchParams.get('name'), c.url.searchParams.get('hsm_id')])).toEqual([['livraison_colis', null]]);
      const again = await del('livraison_colis');
      expect(again.status).toBe(404);
      expect(meta.calls).toHaveLength(1);
    });

    it('answers 404 for an unknown template and Meta’s refusal as a 4xx naming its code, recording nothing', async () => {
      expect((await del('inconnu')).status).toBe(404);
      meta.answer(graphError(400, { message: 'Invalid parameter', code: 100, error_user_title: 'Message Template Not Found' }));
      const res = await del('livraison_colis', { language: 'ar' });
      expect(res.status).toBe(422);
      expect(res.body['error'].message).toMatch(/code 100: Message Template Not Found/);
      expect((await get('livraison_colis', { language: 'ar' })).body['languages'][0].status).toBe('PENDING');
    });

    it('answers 400 for an unknown query parameter or a malformed language', async () => {
      expect((await del('livraison_colis', { lang: 'fr' })).body['error'].message).toMatch(/lang: is not a known field/);
      expect((await del('livraison_colis', { language: 'français' })).status).toBe(400);
      expect(meta.calls).toHaveLength(0);
    });
  });
});
