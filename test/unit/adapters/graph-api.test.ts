import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGraphApiClient, isSafeConnectionFailure, type GraphApiClientOptions } from '#shared/adapters/graph-api.js';

// A real HTTP server on 127.0.0.1 plays Meta, so the client runs over Node's own fetch (undici) as in Lambda.

const TOKEN = 'EAAJB-test-token-7f3a9c';
const PHONE_NUMBER_ID = '106540352242922';
const WAMID = 'wamid.HBgLMTY1MDUxMjM0NTY3FQIAERgSNzY4RjA2NkQ1NkI1ODZEOEY1AA==';
const SECRET_TEXT = 'the order code is 4711';
const SEND_BODY = {
  messaging_product: 'whatsapp',
  recipient_type: 'individual',
  to: '+16505551234',
  biz_opaque_callback_data: 'msg_01',
  type: 'text',
  text: { preview_url: false, body: SECRET_TEXT },
};

interface Received {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let baseUrl: string;
let handler: Handler;
let received: Received[];

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
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
  handler = (_req, res) => json(res, 500, { unexpected: true });
});

afterEach(() => {
  // Drop sockets a test left hanging (slow answers) so each test starts on fresh connections.
  server.closeAllConnections();
});

function client(overrides: Partial<GraphApiClientOptions> = {}) {
  return createGraphApiClient({ baseUrl, version: 'v25.0', accessToken: async () => TOKEN, ...overrides });
}

/** Nothing secret leaks into a result: not the token, not the message text. */
function expectNoSecrets(result: unknown): void {
  const text = JSON.stringify(result);
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain(SECRET_TEXT);
}

describe('createGraphApiClient: answers from Meta', () => {
  it('posts the JSON body to /{version}/{phoneNumberId}/messages with the bearer token, and returns the wamid', async () => {
    handler = (_req, res) =>
      json(res, 200, { messaging_product: 'whatsapp', contacts: [{ input: '+16505551234', wa_id: '16505551234' }], messages: [{ id: WAMID }] });

    const result = await client().sendMessage(PHONE_NUMBER_ID, SEND_BODY);

    expect(result).toStrictEqual({ outcome: 'accepted', wamid: WAMID, waId: '16505551234', httpStatus: 200 });
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/v25.0/106540352242922/messages');
    expect(request?.headers['authorization']).toBe(`Bearer ${TOKEN}`);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.body ?? '')).toStrictEqual(SEND_BODY);
  });

  it('reads message_status and the BSUID Meta returns for a template sent to a user id', async () => {
    handler = (_req, res) =>
      json(res, 200, {
        messaging_product: 'whatsapp',
        contacts: [{ input: 'US.13491208655302741918', user_id: 'US.13491208655302741918' }],
        messages: [{ id: WAMID, message_status: 'held_for_quality_assessment' }],
      });

    const result = await client().sendMessage(PHONE_NUMBER_ID, { ...SEND_BODY, to: undefined, recipient: 'US.13491208655302741918' });

    expect(result).toStrictEqual({
      outcome: 'accepted',
      wamid: WAMID,
      messageStatus: 'held_for_quality_assessment',
      userId: 'US.13491208655302741918',
      httpStatus: 200,
    });
  });

  it('keeps the path prefix of baseUrl and ignores its trailing slash', async () => {
    handler = (_req, res) => json(res, 200, { messaging_product: 'whatsapp', messages: [{ id: WAMID, message_status: 'accepted' }] });

    const result = await client({ baseUrl: `${baseUrl}/graph/`, version: 'v26.0' }).sendMessage(PHONE_NUMBER_ID, SEND_BODY);

    expect(result).toStrictEqual({ outcome: 'accepted', wamid: WAMID, messageStatus: 'accepted', httpStatus: 200 });
    expect(received[0]?.url).toBe('/graph/v26.0/106540352242922/messages');
  });

  it('reports a read receipt Meta confirmed with success: true as marked_read', async () => {
    handler = (_req, res) => json(res, 200, { success: true });

    const result = await client().sendMessage(PHONE_NUMBER_ID, { messaging_product: 'whatsapp', status: 'read', message_id: WAMID });

    expect(result).toStrictEqual({ outcome: 'marked_read', httpStatus: 200 });
  });

  it("parses Meta's 131047 error: code, title, message, details and trace id", async () => {
    handler = (_req, res) =>
      json(res, 400, {
        error: {
          message: '(#131047) Re-engagement message',
          type: 'OAuthException',
          code: 131047,
          error_data: {
            messaging_product: 'whatsapp',
            details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
          },
          fbtrace_id: 'AbCdEf123456',
        },
      });

    const result = await client().sendMessage(PHONE_NUMBER_ID, SEND_BODY);

    expect(result).toStrictEqual({
      outcome: 'error',
      httpStatus: 400,
      error: {
        code: 131047,
        title: 'Re-engagement message',
        message: '(#131047) Re-engagement message',
        details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
        fbtraceId: 'AbCdEf123456',
      },
    });
  });

  it('returns the throughput error 130429 as Meta sends it, with HTTP 400', async () => {
    handler = (_req, res) =>
      json(res, 400, {
        error: {
          message: '(#130429) Rate limit hit',
          type: 'OAuthException',
          code: 130429,
          error_data: { messaging_product: 'whatsapp', details: 'Cloud API message throughput has been reached.' },
          error_subcode: 2494055,
          fbtrace_id: 'Az8or2yhqkZfEZ-_4Qn_Bam',
        },
      });

    const result = await client().sendMessage(PHONE_NUMBER_ID, SEND_BODY);

    expect(result).toStrictEqual({
      outcome: 'error',
      httpStatus: 400,
      error: {
        code: 130429,
        title: 'Rate limit hit',
        message: '(#130429) Rate limit hit',
        details: 'Cloud API message throughput has been reached.',
        fbtraceId: 'Az8or2yhqkZfEZ-_4Qn_Bam',
      },
    });
  });

  it('returns only the status for an error body that is not Graph JSON', async () => {
    handler = (_req, res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end('<html><body>Internal Server Error</body></html>');
    };

    expect(await client().sendMessage(PHONE_NUMBER_ID, SEND_BODY)).toStrictEqual({ outcome: 'error', httpStatus: 500, error: {} });
  });

  it('does not follow a redirect: the POST is answered by the redirect status', async () => {
    handler = (_req, res) => {
      res.writeHead(302, { location: '/elsewhere' });
      res.end();
    };

    expect(await client().sendMessage(PHONE_NUMBER_ID, SEND_BODY)).toStrictEqual({ outcome: 'error', httpStatus: 302, error: {} });
    expect(received.map((r) => r.url)).toStrictEqual(['/v25.0/106540352242922/messages']);
  });
});

describe('createGraphApiClient: outcomes that may or may not have reached Meta', () => {
  it('reports unknown/timeout when the answer does not come within timeoutMs', async () => {
    handler = () => {
      // Never answers; afterEach closes the socket.
    };

    const result = await client({ timeoutMs: 150 }).sendMessage(PHONE_NUMBER_ID, SEND_BODY);

    expect(result).toMatchObject({ outcome: 'unknown', cause: 'timeout' });
    expect(received).toHaveLength(1);
  });

  it('reports unknown/network when the connection is destroyed after the request was written', async () => {
    handler = (req) => req.socket.destroy();

    const result = await client().sendMessage(PHONE_NUMBER_ID, SEND_BODY);

    expect(result).toMatchObject({ outcome: 'unknown', cause: 'network' });
    expect((result as { detail: string }).detail).toContain('UND_ERR_SOCKET');
    expectNoSecrets(result);
  });

  it('reports unknown/network when a 200 answer is cut off mid-body', async () => {
    handler = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '200' });
      res.write('{"messaging_product":"whatsapp","messages":[{"id":"wamid.');
      setImmediate(() => req.socket.destroy());
    };

    const result = await client().sendMessage(PHONE_NUMBER_ID, SEND_BODY);

    expect(result).toMatchObject({ outcome: 'unknown', cause: 'network' });
    expectNoSecrets(result);
  });

  it('reports unknown/unreadable_response for a 200 whose body is not JSON', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('garbage');
    };

    const result = await client().sendMessage(PHONE_NUMBER_ID, SEND_BODY);

    expect(result).toStrictEqual({ outcome: 'unknown', cause: 'unreadable_response', detail: 'HTTP 200 answer is not JSON' });
  });

  it('reports unknown/unreadable_response for 200 JSON without a wamid', async () => {
    handler = (_req, res) => json(res, 200, { messaging_product: 'whatsapp', contacts: [{ input: '+16505551234', wa_id: '16505551234' }], messages: [{ id: 'not-a-wamid' }] });

    const result = await client().sendMessage(PHONE_NUMBER_ID, SEND_BODY);

    expect(result).toStrictEqual({ outcome: 'unknown', cause: 'unreadable_response', detail: 'HTTP 200 answer has no messages[0].id holding a wamid' });
    // The body held the recipient's number: it is described, not echoed.
    expect(JSON.stringify(result)).not.toContain('16505551234');
  });

  it('reports unknown/unreadable_response for a read receipt answered without success: true', async () => {
    handler = (_req, res) => json(res, 200, { success: false });

    const result = await client().sendMessage(PHONE_NUMBER_ID, { messaging_product: 'whatsapp', status: 'read', message_id: WAMID });

    expect(result).toMatchObject({ outcome: 'unknown', cause: 'unreadable_response' });
  });

  it("reports undici's response timeouts as unknown/timeout", async () => {
    const headersTimeout = Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' });
    const fakeFetch = (async () => {
      throw new TypeError('fetch failed', { cause: headersTimeout });
    }) as typeof fetch;

    const result = await client({ fetch: fakeFetch }).sendMessage(PHONE_NUMBER_ID, SEND_BODY);

    expect(result).toStrictEqual({ outcome: 'unknown', cause: 'timeout', detail: 'UND_ERR_HEADERS_TIMEOUT (Headers Timeout Error)' });
  });
});

describe('createGraphApiClient: failures where nothing was sent', () => {
  it('returns a retryable error with httpStatus 0 when nothing listens on the port (ECONNREFUSED)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const result = await client({ baseUrl: `http://127.0.0.1:${port}` }).sendMessage(PHONE_NUMBER_ID, SEND_BODY);

    if (result.outcome !== 'error') throw new Error(`expected an error outcome, got ${result.outcome}`);
    expect(result.httpStatus).toBe(0);
    expect(result.error).not.toHaveProperty('code');
    expect(result.error.message).toMatch(/^the request was not sent: ECONNREFUSED/);
    expectNoSecrets(result);
  });

  it('returns a retryable error with httpStatus 0 and sends nothing when the token provider fails', async () => {
    const result = await client({
      accessToken: async () => {
        throw new Error('SecretsManager unavailable');
      },
    }).sendMessage(PHONE_NUMBER_ID, SEND_BODY);

    expect(result).toStrictEqual({ outcome: 'error', httpStatus: 0, error: { message: 'the access token could not be obtained' } });
    expect(received).toHaveLength(0);
  });

  it('refuses a token that cannot travel in a header, without echoing it', async () => {
    const badToken = `${TOKEN}\nX-Injected: 1`;
    const result = await client({ accessToken: async () => badToken }).sendMessage(PHONE_NUMBER_ID, SEND_BODY);

    expect(result).toMatchObject({ outcome: 'error', httpStatus: 0 });
    expectNoSecrets(result);
    expect(received).toHaveLength(0);
    expect(await client({ accessToken: async () => '' }).sendMessage(PHONE_NUMBER_ID, SEND_BODY)).toMatchObject({ outcome: 'error', httpStatus: 0 });
  });

  it('rejects a phone number id that is not a Graph id before sending anything', async () => {
    await expect(client().sendMessage('../../me', SEND_BODY)).rejects.toThrow(/phoneNumberId must be a Graph API id/);
    expect(received).toHaveLength(0);
  });
});

describe('isSafeConnectionFailure', () => {
  const sysError = (code: string, syscall?: string) => Object.assign(new Error(`${syscall ?? 'x'} ${code}`), { code, ...(syscall === undefined ? {} : { syscall }) });
  const fetchFailed = (cause: unknown) => new TypeError('fetch failed', { cause });

  it('treats failures to connect or resolve as safe: the request never left', () => {
    expect(isSafeConnectionFailure(fetchFailed(sysError('ECONNREFUSED', 'connect')))).toBe(true);
    expect(isSafeConnectionFailure(fetchFailed(sysError('ETIMEDOUT', 'connect')))).toBe(true);
    expect(isSafeConnectionFailure(fetchFailed(sysError('ENOTFOUND', 'getaddrinfo')))).toBe(true);
    expect(isSafeConnectionFailure(fetchFailed(sysError('UND_ERR_CONNECT_TIMEOUT')))).toBe(true);
    expect(isSafeConnectionFailure(fetchFailed(sysError('CERT_HAS_EXPIRED')))).toBe(true);
    const everyAddressRefused = new AggregateError([sysError('ECONNREFUSED', 'connect'), sysError('ENETUNREACH', 'connect')]);
    expect(isSafeConnectionFailure(fetchFailed(everyAddressRefused))).toBe(true);
  });

  it('treats resets, closed sockets, errors on an open socket and uncoded errors as unsafe', () => {
    expect(isSafeConnectionFailure(fetchFailed(sysError('ECONNRESET', 'read')))).toBe(false);
    expect(isSafeConnectionFailure(fetchFailed(sysError('EPIPE', 'write')))).toBe(false);
    expect(isSafeConnectionFailure(fetchFailed(sysError('UND_ERR_SOCKET')))).toBe(false);
    expect(isSafeConnectionFailure(fetchFailed(sysError('ETIMEDOUT', 'read')))).toBe(false);
    expect(isSafeConnectionFailure(fetchFailed(sysError('EHOSTUNREACH')))).toBe(false);
    expect(isSafeConnectionFailure(fetchFailed(new Error('bad port')))).toBe(false);
    expect(isSafeConnectionFailure(fetchFailed(new AggregateError([sysError('ECONNREFUSED', 'connect'), sysError('ECONNRESET', 'read')])))).toBe(false);
    expect(isSafeConnectionFailure(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))).toBe(false);
  });
});

describe('createGraphApiClient: configuration', () => {
  const valid = { baseUrl: 'https://graph.facebook.com', version: 'v25.0', accessToken: async () => TOKEN };

  it('accepts an http(s) base URL and a v<major>.<minor> version', () => {
    expect(() => createGraphApiClient(valid)).not.toThrow();
    expect(() => createGraphApiClient({ ...valid, baseUrl: 'http://127.0.0.1:3001' })).not.toThrow();
  });

  it('refuses a version that is not v<major>.<minor>', () => {
    for (const version of ['25.0', 'v25', 'v25.0/', 'latest', 'v25.0.1']) {
      expect(() => createGraphApiClient({ ...valid, version })).toThrow(/version must look like v25\.0/);
    }
  });

  it('refuses a base URL that is not http(s), is relative, or carries credentials, a query or a fragment', () => {
    expect(() => createGraphApiClient({ ...valid, baseUrl: 'ftp://graph.facebook.com' })).toThrow(/must use http or https, not ftp/);
    expect(() => createGraphApiClient({ ...valid, baseUrl: 'graph.facebook.com' })).toThrow(/absolute http\(s\) URL/);
    expect(() => createGraphApiClient({ ...valid, baseUrl: 'https://user:pw@graph.facebook.com' })).toThrow(/must not carry credentials/);
    expect(() => createGraphApiClient({ ...valid, baseUrl: 'https://graph.facebook.com?access_token=x' })).toThrow(/query string or a fragment/);
  });

  it('refuses a timeout that is not a positive integer', () => {
    for (const timeoutMs of [0, -1, 1.5, Number.POSITIVE_INFINITY]) {
      expect(() => createGraphApiClient({ ...valid, timeoutMs })).toThrow(/timeoutMs must be a positive integer/);
    }
  });
});
