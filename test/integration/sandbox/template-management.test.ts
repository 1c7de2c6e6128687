/**
 * The sandbox's `/{version}/{waba-id}/message_templates` over real HTTP, as Relais' template sync and authoring
 * API call it: creation (PENDING, ids above 2^53, Meta's refusals), Graph paging with cursors, fields and
 * filters, the 4/80007 rate-limit faults, deletion, and a created template becoming sendable once approved.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { startSandbox, type Sandbox, type SandboxOptions } from '../../../infra/local/sandbox/server.js';
import { startWebhookReceiver } from '../../../infra/local/sandbox/webhook-receiver.js';

const APP_SECRET = 'sandbox-test-secret';
const TOKEN = 'sandbox-test-token';
const WABA_ID = '102290129340398';
const NUMBER_ID = '106540352242922';
const CUSTOMER = '447700900123';
const JUNE_2026 = Date.UTC(2026, 5, 1, 12);
const HOUR = 3_600_000;

interface Answer {
  readonly status: number;
  readonly json: Record<string, unknown>;
}

interface Harness {
  readonly sandbox: Sandbox;
  readonly clock: { now: number };
  templates(method: 'GET' | 'POST' | 'DELETE', query?: string, body?: unknown, token?: string): Promise<Answer>;
  url(url: string): Promise<Answer>;
  control(path: string, body: unknown): Promise<Answer>;
  send(body: unknown): Promise<Answer>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function start(overrides: Partial<SandboxOptions> = {}): Promise<Harness> {
  const receiver = await startWebhookReceiver({ appSecret: APP_SECRET });
  cleanups.push(() => receiver.close());
  const clock = { now: JUNE_2026 };
  const sandbox = await startSandbox({
    webhookUrl: receiver.url,
    appSecret: APP_SECRET,
    accessToken: TOKEN,
    statusDelaysMs: { sent: 1, delivered: 2, read: 3 },
    webhookRetry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 5 },
    clock: () => clock.now,
    ...overrides,
  });
  cleanups.push(() => sandbox.close());
  const call = async (url: string, init: RequestInit): Promise<Answer> => {
    const response = await fetch(url, init);
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
  return {
    sandbox,
    clock,
    templates: (method, query = '', body, token = TOKEN) =>
      call(`${sandbox.url}/v25.0/${WABA_ID}/message_templates${query}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    url: (url) => call(url, { headers: { authorization: `Bearer ${TOKEN}` } }),
    control: (path, body) => call(`${sandbox.url}${path}`, { method: 'POST', body: JSON.stringify(body) }),
    send: (body) =>
      call(`${sandbox.url}/v25.0/${NUMBER_ID}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
  };
}

/** A creation body as Meta documents it, with real-world text. */
function creation(name: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    language: 'en_US',
    category: 'UTILITY',
    components: [
      { type: 'HEADER', format: 'TEXT', text: 'Commande {{1}} 📦', example: { header_text: ['A-1'] } },
      { type: 'BODY', text: 'Bonjour {{1}}, votre commande {{2}} part aujourd’hui 🚚 — شكرا', example: { body_text: [['Zoë', '9007199254740993']] } },
      { type: 'FOOTER', text: 'Relais' },
      { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Suivre', url: 'https://example.com/track/{{1}}', example: ['https://example.com/track/A-1'] }, { type: 'QUICK_REPLY', text: 'Stop' }] },
    ],
    ...overrides,
  };
}

function errorOf(answer: Answer): Record<string, unknown> {
  return answer.json['error'] as Record<string, unknown>;
}

describe('POST /{version}/{waba-id}/message_templates', () => {
  it('creates a PENDING template with a numeric id above 2^53 and answers {id, status, category}', async () => {
    const h = await start();

    const created = await h.templates('POST', '', creation('order_update'));

    expect(created.status).toBe(200);
    expect(created.json).toEqual({ id: expect.stringMatching(/^\d{17}$/), status: 'PENDING', category: 'UTILITY' });
    expect(BigInt(created.json['id'] as string) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    const [record] = h.sandbox.templates();
    expect(record).toMatchObject({ id: created.json['id'], name: 'order_update', language: 'en_US', status: 'PENDING', components: { header: 1, body: 2, buttons: [{ type: 'url', parameters: 1 }, { type: 'quick_reply' }] } });
  });

  it('refuses the same name and language twice with 100 / 2388024, and accepts the name in another language', async () => {
    const h = await start();
    await h.templates('POST', '', creation('order_update'));

    const duplicate = await h.templates('POST', '', creation('order_update'));
    const french = await h.templates('POST', '', creation('order_update', { language: 'fr' }));

    expect(duplicate.status).toBe(400);
    expect(errorOf(duplicate)).toMatchObject({ code: 100, error_subcode: 2388024, message: 'Invalid parameter', error_user_title: 'Content in This Language Already Exists' });
    expect(french.status).toBe(200);
  });

  it('refuses a body that starts or ends with a parameter with 2388299, and one with more parameters than words with 2388293', async () => {
    const h = await start();
    const body = (text: string) => creation('shipping', { components: [{ type: 'BODY', text, example: { body_text: [['a', 'b', 'c']] } }] });

    const leading = await h.templates('POST', '', body('{{1}} votre colis est arrivé.'));
    const trailing = await h.templates('POST', '', body('Votre code est {{1}}'));
    const crowded = await h.templates('POST', '', body('Hi {{1}} {{2}} {{3}} ok'));

    expect([leading.status, errorOf(leading)['code'], errorOf(leading)['error_subcode']]).toEqual([400, 100, 2388299]);
    expect(errorOf(trailing)['error_subcode']).toBe(2388299);
    expect([crowded.status, errorOf(crowded)['error_subcode']]).toEqual([400, 2388293]);
    expect(h.sandbox.templates()).toEqual([]);
  });

  it.each([
    ['no name', { name: undefined }, '(#100) The parameter name is required.'],
    ['an upper-case name', { name: 'Order_Update' }, '(#100) Param name must be at most 512 characters of lowercase letters, digits and underscores.'],
    ['no language', { language: undefined }, '(#100) The parameter language is required.'],
    ['an unknown category', { category: 'PROMO' }, '(#100) Param category must be one of {AUTHENTICATION, MARKETING, UTILITY} - got "PROMO".'],
    ['no components', { components: undefined }, '(#100) The parameter components is required.'],
    ['no body', { components: [{ type: 'FOOTER', text: 'Relais' }] }, '(#100) Param components must contain a BODY component.'],
    ['an unknown component type', { components: [{ type: 'BANNER' }] }, '(#100) Param components[0][type] must be one of {BODY, BUTTONS, FOOTER, HEADER} - got "BANNER".'],
    ['a named parameter in a positional template', { components: [{ type: 'BODY', text: 'Hello {{first_name}}, welcome.' }] }, '(#100) Param components[0][text] uses {{first_name}}, but parameter_format is POSITIONAL: use {{1}}, {{2}}, … or set parameter_format to NAMED.'],
  ])('refuses a creation with %s as Graph does, naming the parameter', async (_case, overrides, message) => {
    const h = await start();

    const answer = await h.templates('POST', '', creation('order_update', overrides));

    expect(answer.status).toBe(400);
    expect(errorOf(answer)).toEqual({ message, type: 'OAuthException', code: 100, fbtrace_id: expect.any(String) });
  });

  it('answers an unknown WABA with 100 / 33 and a wrong token with 190', async () => {
    const h = await start();

    const unknown = await fetch(`${h.sandbox.url}/v25.0/999999999999999/message_templates`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const badToken = await h.templates('GET', '', undefined, 'not-the-token');

    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: unknown }).error).toMatchObject({ code: 100, error_subcode: 33, type: 'GraphMethodException' });
    expect([badToken.status, errorOf(badToken)['code']]).toEqual([401, 190]);
  });

  it('accepts 100 creations an hour, refuses the 101st with the WABA rate limit (80007), and accepts again an hour later', async () => {
    const h = await start();
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) {
      statuses.push((await h.templates('POST', '', creation(`batch_${i}`))).status);
      h.clock.now += 1000;
    }

    const refused = await h.templates('POST', '', creation('batch_100'));
    h.clock.now = JUNE_2026 + HOUR;
    const later = await h.templates('POST', '', creation('batch_100'));

    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(refused.status).toBe(400);
    expect(errorOf(refused)).toMatchObject({ code: 80007, is_transient: true });
    expect(later.status).toBe(200);
    expect(h.sandbox.templates()).toHaveLength(101);
  }, 30_000);
});

describe('GET /{version}/{waba-id}/message_templates', () => {
  const NAMES = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf'];

  async function withSeven(): Promise<Harness> {
    const h = await start();
    for (const name of NAMES) expect((await h.templates('POST', '', creation(name))).status).toBe(200);
    return h;
  }

  it('pages with opaque cursors: following next visits every template once, and previous goes back', async () => {
    const h = await withSeven();

    const pages: Array<Record<string, unknown>> = [];
    let answer = await h.templates('GET', '?limit=3');
    pages.push(answer.json);
    while ((answer.json['paging'] as { next?: string }).next !== undefined) {
      answer = await h.url((answer.json['paging'] as { next: string }).next);
      pages.push(answer.json);
    }
    const back = await h.url((pages[2]!['paging'] as { previous: string }).previous);

    const names = (page: Record<string, unknown>) => (page['data'] as Array<{ name: string }>).map((t) => t.name);
    expect(pages.map(names)).toEqual([NAMES.slice(0, 3), NAMES.slice(3, 6), NAMES.slice(6)]);
    expect(pages[0]!['paging']).toEqual({ cursors: { before: expect.any(String), after: expect.any(String) }, next: expect.stringContaining('after=') });
    expect(Object.keys(pages[2]!['paging'] as object).sort()).toEqual(['cursors', 'previous']);
    expect(names(back.json)).toEqual(NAMES.slice(3, 6));
    const cursor = (pages[0]!['paging'] as { cursors: { after: string } }).cursors.after;
    expect(cursor).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  it('returns each template as Meta does, and only the fields asked for (plus id)', async () => {
    const h = await start();
    const created = await h.templates('POST', '', creation('order_update', { language: 'pt_BR' }));

    const full = await h.templates('GET');
    const some = await h.templates('GET', '?fields=name,status,rejected_reason');

    expect((full.json['data'] as unknown[])[0]).toEqual({
      id: created.json['id'],
      name: 'order_update',
      language: 'pt_BR',
      status: 'PENDING',
      category: 'UTILITY',
      parameter_format: 'POSITIONAL',
      components: creation('order_update')['components'],
      quality_score: { score: 'UNKNOWN', date: Math.floor(JUNE_2026 / 1000) },
    });
    expect((some.json['data'] as unknown[])[0]).toEqual({ name: 'order_update', status: 'PENDING', rejected_reason: 'NONE', id: created.json['id'] });
  });

  it('filters by name, status, category and language', async () => {
    const h = await withSeven();
    await h.templates('POST', '', creation('alpha', { language: 'ar', category: 'MARKETING' }));
    await h.control('/_sandbox/templates/review', { name: 'bravo', language: 'en_US', status: 'APPROVED' });

    const listed = async (query: string) => ((await h.templates('GET', query)).json['data'] as Array<{ name: string; language: string }>).map((t) => `${t.name}/${t.language}`);

    expect(await listed('?name=alpha')).toEqual(['alpha/ar', 'alpha/en_US']);
    expect(await listed('?status=APPROVED')).toEqual(['bravo/en_US']);
    expect(await listed('?category=MARKETING')).toEqual(['alpha/ar']);
    expect(await listed('?language=ar')).toEqual(['alpha/ar']);
    expect(await listed('?status=PENDING&category=UTILITY&limit=2')).toEqual(['alpha/en_US', 'charlie/en_US']);
    expect(await listed('?name=zulu')).toEqual([]);
  });

  it.each([
    ['limit=0', '(#100) Param limit must be an integer between 1 and 1000 - got "0".'],
    ['fields=name,colour', '(#100) Tried accessing nonexisting field (colour) on node type (WhatsAppBusinessHSM)'],
    ['status=LIVE', '(#100) Param status must be one of {APPROVED, ARCHIVED, DELETED, DISABLED, FLAGGED, IN_APPEAL, LIMIT_EXCEEDED, LOCKED, PAUSED, PENDING, PENDING_DELETION, REINSTATED, REJECTED} - got "LIVE".'],
    ['after=%F0%9F%98%80', '(#100) Param after is not a valid cursor.'],
  ])('refuses %s with a 100 naming the parameter', async (query, message) => {
    const h = await start();

    const answer = await h.templates('GET', `?${query}`);

    expect([answer.status, errorOf(answer)['code'], errorOf(answer)['message']]).toEqual([400, 100, message]);
  });

  it('answers code 4 and then 80007 for the next listings a fault names, then lists again; sends are not affected', async () => {
    const h = await withSeven();
    h.sandbox.setFaults([
      { kind: 'app_rate_limit', count: 1 },
      { kind: 'waba_rate_limit', count: 2 },
    ]);
    await h.control('/_sandbox/templates/review', { name: 'alpha', language: 'en_US', status: 'APPROVED' });

    const sent = await h.send({ messaging_product: 'whatsapp', to: CUSTOMER, type: 'template', template: { name: 'alpha', language: { code: 'en_US' }, components: [
      { type: 'header', parameters: [{ type: 'text', text: 'A-1' }] },
      { type: 'body', parameters: [{ type: 'text', text: 'Zoë' }, { type: 'text', text: '42' }] },
      { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'A-1' }] },
    ] } });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await h.templates('GET', '?limit=2'));

    expect(sent.status).toBe(200);
    expect(answers.map((a) => [a.status, a.status === 200 ? 'ok' : errorOf(a)['code']])).toEqual([
      [400, 4],
      [400, 80007],
      [400, 80007],
      [200, 'ok'],
    ]);
    expect(errorOf(answers[0]!)).toEqual({ message: '(#4) Application request limit reached', type: 'OAuthException', code: 4, is_transient: true, fbtrace_id: expect.any(String) });
    expect(h.sandbox.requests().filter((r) => r.fault !== undefined).map((r) => r.fault)).toEqual(['app_rate_limit', 'waba_rate_limit', 'waba_rate_limit']);
  });
});

describe('DELETE /{version}/{waba-id}/message_templates', () => {
  it('deletes every language of a name, or with hsm_id only that one; sends of a deleted template get 132001', async () => {
    const h = await start();
    const english = await h.templates('POST', '', creation('promo'));
    const french = await h.templates('POST', '', creation('promo', { language: 'fr' }));
    await h.templates('POST', '', creation('promo', { language: 'he' }));
    await h.control('/_sandbox/templates/review', { name: 'promo', language: 'fr', status: 'APPROVED' });

    const one = await h.templates('DELETE', `?name=promo&hsm_id=${english.json['id'] as string}`);
    const afterOne = h.sandbox.templates().map((t) => t.language);
    const all = await h.templates('DELETE', '?name=promo');
    const again = await h.templates('DELETE', '?name=promo');
    const sent = await h.send({ messaging_product: 'whatsapp', to: CUSTOMER, type: 'template', template: { name: 'promo', language: { code: 'fr' } } });

    expect(one.json).toEqual({ success: true });
    expect(afterOne).toEqual(['fr', 'he']);
    expect(all.json).toEqual({ success: true });
    expect(h.sandbox.templates()).toEqual([]);
    expect([again.status, errorOf(again)['error_user_title']]).toEqual([400, 'Message Template Not Found']);
    expect([sent.status, errorOf(sent)['code']]).toEqual([404, 132001]);
    expect(french.status).toBe(200);
  });

  it('requires a name', async () => {
    const h = await start();

    const answer = await h.templates('DELETE', '?hsm_id=123');

    expect([answer.status, errorOf(answer)['message']]).toEqual([400, '(#100) The parameter name is required.']);
  });
});

describe('a template created through the Graph API, once approved', () => {
  it('is sent with the parameters its components define, and refused with 132000 when they do not match', async () => {
    const h = await start();
    await h.templates('POST', '', {
      name: 'welcome',
      language: 'fr',
      category: 'MARKETING',
      parameter_format: 'named',
      components: [{ type: 'BODY', text: 'Bienvenue {{first_name}}, profitez de {{offer}} 🎉 !', example: { body_text_named_params: [{ param_name: 'first_name', example: 'Zoë' }, { param_name: 'offer', example: '-20 %' }] } }],
    });
    const pending = await h.send({ messaging_product: 'whatsapp', to: CUSTOMER, type: 'template', template: { name: 'welcome', language: { code: 'fr' } } });
    await h.control('/_sandbox/templates/review', { name: 'welcome', language: 'fr', status: 'APPROVED' });

    const named = (names: string[]) => ({
      messaging_product: 'whatsapp',
      to: CUSTOMER,
      type: 'template',
      template: { name: 'welcome', language: { code: 'fr' }, components: [{ type: 'body', parameters: names.map((n) => ({ type: 'text', parameter_name: n, text: 'Zoë 🎉' })) }] },
    });
    const ok = await h.send(named(['first_name', 'offer']));
    const short = await h.send(named(['first_name']));

    expect([pending.status, errorOf(pending)['code']]).toEqual([404, 132001]);
    expect(ok.status).toBe(200);
    expect([short.status, errorOf(short)['code']]).toEqual([400, 132000]);
  });
});
