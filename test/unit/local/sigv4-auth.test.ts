import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOCAL_CREDENTIALS } from '#infra/local/emulators.js';
import { startLocalHttpApi, type LocalHttpApi } from '#infra/local/http-api.js';
import { createSigV4Verifier, localPrincipal, SIGV4_MESSAGES, type ReceivedRequest } from '#infra/local/sigv4-auth.js';
import type { RouteSpec } from '#infra/topology.js';

/** The client side's SHA-256, written independently of the verifier's. */
class ClientSha256 implements Checksum {
  private chunks: Buffer[] = [];
  constructor(private readonly secret?: SourceData) {}
  update(data: Uint8Array): void {
    this.chunks.push(Buffer.from(data));
  }
  async digest(): Promise<Uint8Array> {
    const data = Buffer.concat(this.chunks);
    if (this.secret === undefined) return createHash('sha256').update(data).digest();
    const key = typeof this.secret === 'string' ? this.secret : Buffer.from(this.secret as Uint8Array);
    return createHmac('sha256', key).update(data).digest();
  }
  reset(): void {
    this.chunks = [];
  }
}

const NOW = Date.parse('2026-11-21T12:00:00Z');
const HOST = '127.0.0.1:3000';

function signer(secretAccessKey: string = LOCAL_CREDENTIALS.secretAccessKey, service = 'execute-api', accessKeyId: string = LOCAL_CREDENTIALS.accessKeyId) {
  return new SignatureV4({ service, region: 'eu-west-1', credentials: { accessKeyId, secretAccessKey }, sha256: ClientSha256 });
}

/** Signs like an SDK client and returns the request as the server receives it. */
async function signed(
  request: { method: string; path: string; query?: Record<string, string>; body?: string; headers?: Record<string, string> },
  options: { signer?: SignatureV4; at?: number } = {},
): Promise<ReceivedRequest> {
  const out = await (options.signer ?? signer()).sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 3000,
      path: request.path,
      query: request.query ?? {},
      headers: { host: HOST, ...(request.headers ?? {}) },
      body: request.body,
    },
    { signingDate: new Date(options.at ?? NOW) },
  );
  const query = new URLSearchParams(request.query ?? {}).toString();
  return {
    method: request.method,
    url: `${request.path}${query === '' ? '' : `?${query}`}`,
    headers: Object.fromEntries(Object.entries(out.headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: Buffer.from(request.body ?? ''),
  };
}

const verify = createSigV4Verifier({ principals: [localPrincipal(LOCAL_CREDENTIALS)], now: () => NOW });
const consentPost = {
  method: 'POST',
  path: '/accounts/102290129340398/contacts/+33612345678/consent',
  body: '{"category":"marketing","status":"opted_in","evidence":"form"}',
  headers: { 'content-type': 'application/json' },
};

describe('SigV4 verification of the local HTTP API', () => {
  it('accepts a request the SDK signed and reports the local IAM user as API Gateway does', async () => {
    const verdict = await verify(await signed(consentPost));
    expect(verdict).toEqual({
      ok: true,
      iam: {
        accessKey: 'local',
        accountId: '000000000000',
        callerId: expect.stringMatching(/^AIDA/),
        cognitoIdentity: null,
        principalOrgId: null,
        userArn: 'arn:aws:iam::000000000000:user/local',
        userId: expect.stringMatching(/^AIDA/),
      },
    });
  });

  it('matches the get-vanilla case of the AWS SigV4 test suite', async () => {
    const vanilla = createSigV4Verifier({
      principals: [{ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', accountId: '1', userArn: 'arn:aws:iam::1:user/x', userId: 'AIDA1' }],
      service: 'service',
      now: () => Date.parse('2015-08-30T12:36:00Z'),
    });
    const verdict = await vanilla({
      method: 'GET',
      url: '/',
      headers: {
        host: 'example.amazonaws.com',
        'x-amz-date': '20150830T123600Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
      },
      body: new Uint8Array(),
    });
    expect(verdict.ok).toBe(true);
  });

  it('accepts a signed query string and a phone number sent percent-encoded', async () => {
    expect((await verify(await signed({ method: 'GET', path: '/accounts/1/contacts/%2B33612345678', query: { nextToken: 'MjAyNi0xMS0yMVQ' } }))).ok).toBe(true);
  });

  describe('answers what API Gateway answers when', () => {
    it('the request is not signed', async () => {
      expect(await verify({ method: 'GET', url: '/x', headers: { host: HOST }, body: new Uint8Array() })).toEqual({ ok: false, message: 'Forbidden' });
    });

    it('the body was changed after signing', async () => {
      const request = await signed(consentPost);
      const tampered = { ...request, body: Buffer.from(consentPost.body.replace('opted_in', 'opted_out')) };
      expect(await verify(tampered)).toEqual({ ok: false, message: SIGV4_MESSAGES.mismatch });
    });

    it('the path was changed after signing', async () => {
      const request = await signed(consentPost);
      expect(await verify({ ...request, url: request.url.replace('+33612345678', '+33698765432') })).toEqual({ ok: false, message: SIGV4_MESSAGES.mismatch });
    });

    it('the query was changed after signing', async () => {
      const request = await signed({ method: 'GET', path: '/accounts/1/contacts/c_1', query: { nextToken: 'a' } });
      expect((await verify({ ...request, url: request.url.replace('nextToken=a', 'nextToken=b') })).ok).toBe(false);
    });

    it('the method was changed after signing', async () => {
      const request = await signed({ method: 'GET', path: '/accounts/1/contacts/c_1' });
      expect((await verify({ ...request, method: 'DELETE' })).ok).toBe(false);
    });

    it('a signed header was changed after signing', async () => {
      const request = await signed(consentPost);
      expect((await verify({ ...request, headers: { ...request.headers, 'content-type': 'text/csv' } })).ok).toBe(false);
    });

    it('x-amz-content-sha256 claims a hash the body does not have', async () => {
      const request = await signed({ ...consentPost, headers: { ...consentPost.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
      expect(await verify(request)).toEqual({ ok: false, message: SIGV4_MESSAGES.mismatch });
    });

    it('the secret is wrong', async () => {
      expect(await verify(await signed(consentPost, { signer: signer('not-the-secret') }))).toEqual({ ok: false, message: SIGV4_MESSAGES.mismatch });
    });

    it('the access key is unknown', async () => {
      expect(await verify(await signed(consentPost, { signer: signer('local', 'execute-api', 'AKIASOMEONEELSE') }))).toEqual({
        ok: false,
        message: SIGV4_MESSAGES.unknownKey,
      });
    });

    it('the signature is scoped to another service', async () => {
      expect(await verify(await signed(consentPost, { signer: signer('local', 's3') }))).toEqual({
        ok: false,
        message: "Credential should be scoped to correct service: 'execute-api'.",
      });
    });

    it('X-Amz-Date is more than 15 minutes old', async () => {
      const verdict = await verify(await signed(consentPost, { at: NOW - 15 * 60_000 - 1000 }));
      expect(verdict).toEqual({ ok: false, message: 'Signature expired: 20261121T114459Z is now earlier than 20261121T114500Z (20261121T120000Z - 15 min.)' });
    });

    it('X-Amz-Date is more than 15 minutes ahead', async () => {
      const verdict = await verify(await signed(consentPost, { at: NOW + 16 * 60_000 }));
      expect(verdict).toMatchObject({ ok: false, message: expect.stringMatching(/^Signature not yet current: 20261121T121600Z/) });
    });

    it('X-Amz-Date is missing', async () => {
      const request = await signed(consentPost);
      const { 'x-amz-date': _dropped, ...headers } = request.headers;
      expect((await verify({ ...request, headers })).ok).toBe(false);
    });
  });

  it('accepts X-Amz-Date 14 minutes old', async () => {
    expect((await verify(await signed(consentPost, { at: NOW - 14 * 60_000 }))).ok).toBe(true);
  });
});

describe('local HTTP API with IAM routes', () => {
  let api: LocalHttpApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  const routes: RouteSpec[] = [
    { method: 'POST', path: '/accounts/{businessAccountId}/contacts/{contactRef}/consent', handler: 'record-consent', auth: 'iam' },
    { method: 'GET', path: '/webhook', handler: 'verify-webhook', auth: 'none' },
  ];

  async function start() {
    const seen: APIGatewayProxyEventV2[] = [];
    const handler = vi.fn(async (event: APIGatewayProxyEventV2) => {
      seen.push(event);
      return { statusCode: 200, body: 'handled' };
    });
    api = await startLocalHttpApi({ routes, loadHandler: async () => handler, port: 0 });
    return { api, seen, handler };
  }

  async function send(base: string, request: ReceivedRequest) {
    const headers = Object.fromEntries(Object.entries(request.headers).filter(([k]) => k !== 'host')) as Record<string, string>;
    const res = await fetch(`${base}${request.url}`, { method: request.method, headers, ...(request.body.length > 0 ? { body: request.body } : {}) });
    return { status: res.status, text: await res.text() };
  }

  it('hands a signed request to the handler with requestContext.authorizer.iam filled', async () => {
    const { api, seen } = await start();
    const request = await signedFor(api.url, consentPost);

    const res = await send(api.url, request);

    expect(res).toEqual({ status: 200, text: 'handled' });
    const context = seen[0]!.requestContext as unknown as { authorizer: { iam: { userArn: string; accessKey: string } } };
    expect(context.authorizer.iam).toMatchObject({ userArn: 'arn:aws:iam::000000000000:user/local', accessKey: 'local' });
    expect(seen[0]!.pathParameters).toEqual({ businessAccountId: '102290129340398', contactRef: '+33612345678' });
  });

  it('answers 403 {message} without calling the handler for an unsigned or tampered request', async () => {
    const { api, handler } = await start();
    const request = await signedFor(api.url, consentPost);

    const unsigned = await fetch(`${api.url}${request.url}`, { method: 'POST', body: consentPost.body });
    const tampered = await send(api.url, { ...request, body: Buffer.from(consentPost.body.replace('form', 'forged')) });

    expect(unsigned.status).toBe(403);
    expect(await unsigned.json()).toEqual({ message: 'Forbidden' });
    expect(tampered).toEqual({ status: 403, text: JSON.stringify({ message: SIGV4_MESSAGES.mismatch }) });
    expect(handler).not.toHaveBeenCalled();
  });

  it('leaves routes without IAM auth open and without an authorizer context', async () => {
    const { api, seen } = await start();
    const res = await fetch(`${api.url}/webhook`);
    expect(res.status).toBe(200);
    expect((seen[0]!.requestContext as unknown as { authorizer?: unknown }).authorizer).toBeUndefined();
  });
});

/** Signs for the real server: its host header and the current time. */
async function signedFor(base: string, request: typeof consentPost): Promise<ReceivedRequest> {
  const url = new URL(base);
  const out = await signer().sign({
    method: request.method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: request.path,
    query: {},
    headers: { host: url.host, ...request.headers },
    body: request.body,
  });
  return { method: request.method, url: request.path, headers: out.headers, body: Buffer.from(request.body) };
}
