import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { createGraphPhoneNumbers, createGraphTemplates, PHONE_NUMBER_FIELDS, retryHint, TEMPLATE_LIST_FIELDS } from '#shared/adapters/graph-templates.js';
import type { GraphApiClientOptions } from '#shared/adapters/graph-api.js';

// A real HTTP server on 127.0.0.1 plays Meta, so the client runs over Node's own fetch as in Lambda.

const TOKEN = 'EAAJB-templates-token-93b1';
const WABA = '102290129340398';
/** Above 2^53 (9007199254740992): a JSON number this size would be rounded by JSON.parse. */
const BIG_ID = '9007199254740993123';

interface Received {
  readonly method: string | undefined;
  readonly url: URL;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

let server: Server;
let baseUrl: string;
let handler: (req: IncomingMessage, res: ServerResponse) => void;
let received: Received[];

function send(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ method: req.method, url: new URL(req.url ?? '/', 'http://x'), headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      handler(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received = [];
  handler = (_req, res) => send(res, 500, '{"unexpected":true}');
});

function client(overrides: Partial<GraphApiClientOptions> = {}) {
  return createGraphTemplates({ baseUrl, version: 'v25.0', accessToken: async () => TOKEN, ...overrides });
}

/** A listing page as Meta's reference shows it, with text a real account holds (accents, RTL, emoji). */
const PAGE_TEXT = `{"data":[
  {"name":"order_delivery_update","components":[{"type":"HEADER","format":"LOCATION"},
    {"type":"BODY","text":"Bonne nouvelle {{1}} ! Votre commande n°{{2}} est en route 🚚","example":{"body_text":[["Zoë","566701"]]}},
    {"type":"FOOTER","text":"شكرا لك"},{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Stop 🛑"}]}],
   "language":"fr","status":"APPROVED","category":"UTILITY","parameter_format":"positional",
   "quality_score":{"score":"GREEN","date":1730000000},"rejected_reason":"NONE","id":"1667192013751005"},
  {"name":"seasonal_promo","components":[{"type":"BODY","text":"Hi {{first_name}}","example":{"body_text_named_params":[{"param_name":"first_name","example":"Ana"}]}}],
   "language":"en_US","status":"PAUSED","category":"MARKETING","parameter_format":"NAMED","id":${BIG_ID}}
 ],"paging":{"cursors":{"before":"MAZDZD","after":"MjQZD"},"next":"https://graph.facebook.com/v25.0/${WABA}/message_templates?limit=2&after=MjQZD"}}`;

describe('createGraphTemplates: listing', () => {
  it('asks for one page with the fields the registry keeps, the limit, the cursor and the bearer token', async () => {
    handler = (_req, res) => send(res, 200, '{"data":[],"paging":{"cursors":{"before":"QVFI","after":"QVFI"}}}');

    await client().listTemplates(WABA, { limit: 50, after: 'QVFIUmx1WTZA' });

    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.method).toBe('GET');
    expect(request?.url.pathname).toBe(`/v25.0/${WABA}/message_templates`);
    expect(request?.url.searchParams.get('fields')?.split(',')).toEqual([...TEMPLATE_LIST_FIELDS]);
    expect(request?.url.searchParams.get('limit')).toBe('50');
    expect(request?.url.searchParams.get('after')).toBe('QVFIUmx1WTZA');
    expect(request?.headers['authorization']).toBe(`Bearer ${TOKEN}`);
  });

  it('returns each template with its id as exact digits, even one Meta wrote as a JSON number above 2^53', async () => {
    handler = (_req, res) => send(res, 200, PAGE_TEXT);

    const result = await client().listTemplates(WABA, { limit: 2 });

    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const [first, second] = result.value.templates;
    expect(first).toStrictEqual({
      id: '1667192013751005',
      name: 'order_delivery_update',
      language: 'fr',
      status: 'APPROVED',
      category: 'UTILITY',
      parameterFormat: 'POSITIONAL',
      components: [
        { type: 'HEADER', format: 'LOCATION' },
        { type: 'BODY', text: 'Bonne nouvelle {{1}} ! Votre commande n°{{2}} est en route 🚚', example: { body_text: [['Zoë', '566701']] } },
        { type: 'FOOTER', text: 'شكرا لك' },
        { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Stop 🛑' }] },
      ],
      qualityScore: 'GREEN',
      rejectedReason: 'NONE',
    });
    expect(second?.id).toBe(BIG_ID);
    expect(second?.parameterFormat).toBe('NAMED');
    expect(second).not.toHaveProperty('qualityScore');
    expect(result.value.after).toBe('MjQZD');
    expect(result.value.unreadable).toEqual([]);
  });

  it('has no next cursor on the last page, where Meta still sends cursors.after but no paging.next', async () => {
    handler = (_req, res) => send(res, 200, '{"data":[],"paging":{"cursors":{"before":"MAZDZD","after":"MjQZD"}}}');

    const result = await client().listTemplates(WABA, { limit: 100 });

    expect(result).toStrictEqual({ ok: true, value: { templates: [], unreadable: [] } });
  });

  it('takes the cursor from paging.next when cursors are missing', async () => {
    handler = (_req, res) => send(res, 200, `{"data":[],"paging":{"next":"https://graph.facebook.com/v25.0/${WABA}/message_templates?after=TkVYVA%3D%3D"}}`);

    const result = await client().listTemplates(WABA, { limit: 100 });

    expect(result.ok && result.value.after).toBe('TkVYVA==');
  });

  it('keeps the readable templates of a page and names, by position, the entries it cannot read', async () => {
    handler = (_req, res) =>
      send(
        res,
        200,
        '{"data":[{"id":"1","language":"en_US","status":"APPROVED","category":"UTILITY","components":[]},{"id":"2","name":"ok_one","language":"en_US","status":"APPROVED","category":"UTILITY"},42]}',
      );

    const result = await client().listTemplates(WABA, { limit: 100 });

    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.templates.map((t) => [t.id, t.name, t.components])).toEqual([['2', 'ok_one', []]]);
    expect(result.value.unreadable.map((u) => u.index)).toEqual([0, 2]);
    expect(result.value.unreadable[0]?.problem).toMatch(/^name: /);
  });

  it('refuses a page size outside 1..100 and an account id that is not digits before calling Meta', async () => {
    await expect(client().listTemplates(WABA, { limit: 0 })).rejects.toThrow(/limit must be an integer from 1 to 100/);
    await expect(client().listTemplates('../me', { limit: 10 })).rejects.toThrow(/wabaId must be a Graph API id/);
    expect(received).toHaveLength(0);
  });
});

describe("createGraphTemplates: Meta's errors as values", () => {
  it('returns code, subcode and message of a BUC rate limit (HTTP 400) with the wait X-Business-Use-Case-Usage announces', async () => {
    handler = (_req, res) =>
      send(
        res,
        400,
        JSON.stringify({
          error: { message: '(#80007) There have been too many calls to this WhatsApp Business account.', type: 'OAuthException', code: 80007, error_subcode: 2494055, fbtrace_id: 'Az8or2yhqkZfEZ' },
        }),
        { 'x-business-use-case-usage': JSON.stringify({ [WABA]: [{ type: 'whatsapp_business_management', call_count: 100, total_cputime: 1, total_time: 1, estimated_time_to_regain_access: 3 }] }) },
      );

    const result = await client().listTemplates(WABA, { limit: 100 });

    expect(result).toStrictEqual({
      ok: false,
      error: {
        kind: 'meta',
        httpStatus: 400,
        code: 80007,
        subcode: 2494055,
        message: '(#80007) There have been too many calls to this WhatsApp Business account.',
        title: 'There have been too many calls to this WhatsApp Business account.',
        fbtraceId: 'Az8or2yhqkZfEZ',
        retryAfterMs: 180_000,
      },
    });
  });

  it('answers an HTML error page from a proxy with its status alone', async () => {
    handler = (_req, res) => send(res, 502, '<html><body>Bad gateway</body></html>', { 'content-type': 'text/html' });

    expect(await client().listTemplates(WABA, { limit: 100 })).toStrictEqual({ ok: false, error: { kind: 'meta', httpStatus: 502 } });
  });

  it('never returns the access token, even when Meta echoes it in an error', async () => {
    handler = (_req, res) => send(res, 401, JSON.stringify({ error: { message: `Invalid OAuth access token - Cannot parse access token ${TOKEN}`, code: 190 } }));

    const result = await client().listTemplates(WABA, { limit: 100 });

    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain(TOKEN);
    expect(!result.ok && result.error.code).toBe(190);
  });

  it('reports a refused connection as not sent and a slow answer as unknown', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = await client({ baseUrl: `http://127.0.0.1:${port}` }).listTemplates(WABA, { limit: 1 });
    expect(refused.ok === false && refused.error.kind).toBe('not_sent');

    handler = () => undefined;
    const slow = await client({ timeoutMs: 150 }).listTemplates(WABA, { limit: 1 });
    expect(slow).toStrictEqual({ ok: false, error: { kind: 'unknown', httpStatus: 0, message: 'no complete answer within the time limit' } });
  });

  it('reports a token provider that fails as not sent, naming no token', async () => {
    const result = await client({ accessToken: () => Promise.reject(new Error('secrets manager down')) }).listTemplates(WABA, { limit: 1 });

    expect(result).toStrictEqual({ ok: false, error: { kind: 'not_sent', httpStatus: 0, message: 'the access token could not be obtained' } });
    expect(received).toHaveLength(0);
  });
});

describe('createGraphTemplates: create and delete', () => {
  const CREATION = {
    name: 'order_shipped',
    language: 'pt_BR',
    category: 'UTILITY',
    components: [{ type: 'BODY', text: 'Olá {{1}}, seu pedido foi enviado 📦', example: { body_text: [['João']] } }],
  };

  it("posts Meta's creation body as given and returns id (exact, above 2^53), status and category", async () => {
    handler = (_req, res) => send(res, 200, `{"id":${BIG_ID},"status":"PENDING","category":"UTILITY"}`);

    const result = await client().createTemplate(WABA, CREATION);

    expect(result).toStrictEqual({ ok: true, value: { id: BIG_ID, status: 'PENDING', category: 'UTILITY' } });
    expect(received[0]?.method).toBe('POST');
    expect(received[0]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(received[0]?.body ?? '')).toStrictEqual(CREATION);
  });

  it('returns the subcode of an invalid template (100 / 2388299, a parameter at the end of the body)', async () => {
    handler = (_req, res) =>
      send(
        res,
        400,
        JSON.stringify({
          error: { message: 'Invalid parameter', code: 100, error_subcode: 2388299, error_user_title: 'Variables can’t be at the start or end of the template', error_user_msg: 'Move the variable.' },
        }),
      );

    const result = await client().createTemplate(WABA, CREATION);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect([result.error.code, result.error.subcode, result.error.title, result.error.details]).toEqual([
      100,
      2388299,
      'Variables can’t be at the start or end of the template',
      'Move the variable.',
    ]);
  });

  it('deletes one language with name and hsm_id, or every language with the name alone', async () => {
    handler = (_req, res) => send(res, 200, '{"success":true}');

    expect(await client().deleteTemplate(WABA, { name: 'order_shipped', templateId: BIG_ID })).toStrictEqual({ ok: true, value: { deleted: true } });
    expect(await client().deleteTemplate(WABA, { name: 'order_shipped' })).toStrictEqual({ ok: true, value: { deleted: true } });

    expect(received.map((r) => [r.method, r.url.searchParams.get('name'), r.url.searchParams.get('hsm_id')])).toEqual([
      ['DELETE', 'order_shipped', BIG_ID],
      ['DELETE', 'order_shipped', null],
    ]);
  });

  it('treats a 2xx deletion answer without success: true as unknown', async () => {
    handler = (_req, res) => send(res, 200, '{"success":false}');

    const result = await client().deleteTemplate(WABA, { name: 'order_shipped' });

    expect(result.ok === false && result.error.kind).toBe('unknown');
  });
});

describe('createGraphTemplates: configuration', () => {
  it('names the option that is wrong', () => {
    expect(() => createGraphTemplates({ baseUrl: 'ftp://x', version: 'v25.0', accessToken: async () => TOKEN })).toThrow(/createGraphTemplates: baseUrl must use http or https/);
    expect(() => createGraphTemplates({ baseUrl, version: '25', accessToken: async () => TOKEN })).toThrow(/createGraphTemplates: version must look like/);
    expect(() => createGraphTemplates({ baseUrl, version: 'v25.0', timeoutMs: 0, accessToken: async () => TOKEN })).toThrow(/timeoutMs must be a positive integer/);
  });
});

describe('retryHint', () => {
  it('takes the longest estimated_time_to_regain_access (minutes) of X-Business-Use-Case-Usage', () => {
    const headers = new Headers({
      'x-business-use-case-usage': JSON.stringify({ '1': [{ estimated_time_to_regain_access: 0 }], '2': [{ estimated_time_to_regain_access: 7 }, { type: 'x' }] }),
      'retry-after': '5',
    });
    expect(retryHint(headers)).toBe(7 * 60_000);
  });

  it('falls back to Retry-After seconds, and gives nothing for an unreadable or zero hint', () => {
    expect(retryHint(new Headers({ 'x-business-use-case-usage': 'not json', 'retry-after': '12' }))).toBe(12_000);
    expect(retryHint(new Headers({ 'x-business-use-case-usage': '{"1":[{"estimated_time_to_regain_access":0}]}' }))).toBeUndefined();
    expect(retryHint(new Headers({ 'retry-after': 'Wed, 21 Oct 2026 07:28:00 GMT' }))).toBeUndefined();
  });
});

describe('createGraphPhoneNumbers', () => {
  const numbers = (overrides: Partial<GraphApiClientOptions> = {}) => createGraphPhoneNumbers({ baseUrl, version: 'v25.0', accessToken: async () => TOKEN, ...overrides });

  it("lists a WABA's numbers with the fields the health records keep, ids above 2^53 kept as digits", async () => {
    handler = (_req, res) =>
      send(
        res,
        200,
        `{"data":[{"id":${BIG_ID},"display_phone_number":"+1 555-078-3881","verified_name":"Café Zoë ☕","quality_rating":"YELLOW","throughput":{"level":"HIGH"},"status":"CONNECTED","whatsapp_business_manager_messaging_limit":"TIER_2K"},` +
          `{"id":"106540352242922","display_phone_number":"+971 50 123 4567","verified_name":"متجر"},{"display_phone_number":"+44 7700 900123"}],` +
          `"paging":{"cursors":{"before":"QVFI","after":"QVFIUm"},"next":"https://graph.facebook.com/v25.0/${WABA}/phone_numbers?after=QVFIUm"}}`,
      );

    const page = await numbers().listPhoneNumbers(WABA, { after: 'QVFIU0' });

    expect(page).toEqual({
      ok: true,
      value: {
        numbers: [
          { id: BIG_ID, displayPhoneNumber: '+1 555-078-3881', qualityRating: 'YELLOW', throughputLevel: 'HIGH', status: 'CONNECTED', messagingLimitTier: 'TIER_2K' },
          { id: '106540352242922', displayPhoneNumber: '+971 50 123 4567' },
        ],
        unreadable: [{ index: 2, problem: 'id: Invalid input' }],
        after: 'QVFIUm',
      },
    });
    expect(received[0]?.url.pathname).toBe(`/v25.0/${WABA}/phone_numbers`);
    expect(received[0]?.url.searchParams.get('fields')).toBe(PHONE_NUMBER_FIELDS.join(','));
    expect(received[0]?.url.searchParams.get('after')).toBe('QVFIU0');
    expect(received[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("returns Meta's throttling as a value with its code and wait, the token redacted", async () => {
    handler = (_req, res) =>
      send(res, 400, JSON.stringify({ error: { message: `(#80007) Rate limit for ${TOKEN}`, code: 80007, fbtrace_id: 'Axyz' } }), {
        'x-business-use-case-usage': JSON.stringify({ [WABA]: [{ estimated_time_to_regain_access: 2 }] }),
      });

    const page = await numbers().listPhoneNumbers(WABA);

    expect(page).toEqual({
      ok: false,
      error: { kind: 'meta', httpStatus: 400, code: 80007, message: '(#80007) Rate limit for [redacted]', title: 'Rate limit for [redacted]', fbtraceId: 'Axyz', retryAfterMs: 120_000 },
    });
  });

  it('refuses a WABA id that is not digits before any request', async () => {
    await expect(numbers().listPhoneNumbers('../me')).rejects.toThrow('listPhoneNumbers: wabaId must be a Graph API id (1 to 32 digits)');
    expect(received).toEqual([]);
  });
});
