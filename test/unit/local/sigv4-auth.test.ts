import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#infra/local/emulators.js';
import { startLocalHttpApi, type LocalHttpApi } from '#infra/local/http-api.js';
import { createSigV4Verifier, LOCAL_CHECK, localPrincipal, SIGV4_MESSAGES, type ReceivedRequest, type SigV4Verdict } from '#infra/local/sigv4-auth.js';
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

function signer(
  secretAccessKey: string = LOCAL_CREDENTIALS.secretAccessKey,
  service = 'execute-api',
  accessKeyId: string = LOCAL_CREDENTIALS.accessKeyId,
  options: { region?: string; uriEscapePath?: boolean; applyChecksum?: boolean } = {},
) {
  return new SignatureV4({
    service,
    region: options.region ?? 'eu-west-1',
    credentials: { accessKeyId, secretAccessKey },
    sha256: ClientSha256,
    uriEscapePath: options.uriEscapePath ?? true,
    applyChecksum: options.applyChecksum ?? true,
  });
}

/** A refusal split into API Gateway's sentence and the local hint after it. */
function refusal(verdict: SigV4Verdict): { aws: string; hint: string | undefined } {
  if (verdict.ok) throw new Error('expected a refusal, the request was accepted');
  const at = verdict.message.indexOf(` ${LOCAL_CHECK} `);
  return at === -1 ? { aws: verdict.message, hint: undefined } : { aws: verdict.message.slice(0, at), hint: verdict.message.slice(at + LOCAL_CHECK.length + 2) };
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
      const verdict = refusal(await verify({ method: 'GET', url: '/x', headers: { host: HOST }, body: new Uint8Array() }));
      expect(verdict.aws).toBe('Forbidden.');
      expect(verdict.hint).toMatch(/^the request has no Authorization header; .*--aws-sigv4 "aws:amz:<region>:execute-api"/);
    });

    it('the body was changed after signing', async () => {
      const request = await signed(consentPost);
      const tampered = { ...request, body: Buffer.from(consentPost.body.replace('opted_in', 'opted_out')) };
      expect(refusal(await verify(tampered)).aws).toBe(SIGV4_MESSAGES.mismatch);
    });

    it('the path was changed after signing', async () => {
      const request = await signed(consentPost);
      expect(refusal(await verify({ ...request, url: request.url.replace('+33612345678', '+33698765432') })).aws).toBe(SIGV4_MESSAGES.mismatch);
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
      expect(refusal(await verify(request)).aws).toBe(SIGV4_MESSAGES.mismatch);
    });

    it('the secret is wrong', async () => {
      expect(refusal(await verify(await signed(consentPost, { signer: signer('not-the-secret') }))).aws).toBe(SIGV4_MESSAGES.mismatch);
    });

    it('the access key is unknown', async () => {
      expect(refusal(await verify(await signed(consentPost, { signer: signer('local', 'execute-api', 'AKIASOMEONEELSE') }))).aws).toBe(SIGV4_MESSAGES.unknownKey);
    });

    it('the signature is scoped to another service', async () => {
      expect(refusal(await verify(await signed(consentPost, { signer: signer('local', 's3') }))).aws).toBe("Credential should be scoped to correct service: 'execute-api'.");
    });

    it('X-Amz-Date is more than 15 minutes old', async () => {
      const verdict = await verify(await signed(consentPost, { at: NOW - 15 * 60_000 - 1000 }));
      expect(refusal(verdict).aws).toBe('Signature expired: 20261121T114459Z is now earlier than 20261121T114500Z (20261121T120000Z - 15 min.)');
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

  describe('adds a local check naming the part that differs when', () => {
    const phonePath = '/accounts/102290129340398/contacts/+33612345678/consent';

    it.each([
      ['a raw +', phonePath],
      ['a %2B typed by hand', '/accounts/102290129340398/contacts/%2B33612345678/consent'],
    ])('the path (with %s) was signed as typed, as curl does, instead of encoded once more', async (_, path) => {
      const request = await signed({ ...consentPost, path }, { signer: signer('local', 'execute-api', 'local', { uriEscapePath: false }) });

      const verdict = refusal(await verify(request));

      expect(verdict.aws).toBe(SIGV4_MESSAGES.mismatch);
      expect(verdict.hint).toMatch(/^path encoding: the signature matches the path as sent, not encoded again, but SigV4 for execute-api signs the path encoded once more/);
      expect(verdict.hint).toContain('curl signs the path as typed: with curl, name a contact by its contact id or BSUID');
    });

    it('the query parameters were signed in the order typed, as curl 7.x does, instead of sorted by name', async () => {
      // A client following the canonical-request steps of the SigV4 guide except the sorting of the query, written
      // here apart from the verifier: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
      const amzDate = '20261121T120000Z';
      const query = 'status=APPROVED&limit=2&category=UTILITY';
      const path = '/accounts/102290129340398/templates';
      const canonical = ['GET', path, query, `host:${HOST}`, `x-amz-date:${amzDate}`, '', 'host;x-amz-date', createHash('sha256').update('').digest('hex')].join('\n');
      const scope = `20261121/eu-west-1/execute-api/aws4_request`;
      const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
      const key = ['20261121', 'eu-west-1', 'execute-api', 'aws4_request'].reduce<Buffer>((k, part) => createHmac('sha256', k).update(part).digest(), Buffer.from('AWS4local'));
      const signature = createHmac('sha256', key).update(toSign).digest('hex');
      const request: ReceivedRequest = {
        method: 'GET',
        url: `${path}?${query}`,
        headers: { host: HOST, 'x-amz-date': amzDate, authorization: `AWS4-HMAC-SHA256 Credential=local/${scope}, SignedHeaders=host;x-amz-date, Signature=${signature}` },
        body: new Uint8Array(),
      };

      const verdict = refusal(await verify(request));
      const sorted = refusal(await verify({ ...request, url: `${path}?category=UTILITY&limit=2&status=APPROVED` }));

      expect(verdict.aws).toBe(SIGV4_MESSAGES.mismatch);
      expect(verdict.hint).toBe(
        'query order: the signature covers the query parameters in the order sent (status, limit, category), but SigV4 signs them sorted by name (category, limit, status); write them in that order (curl before 8.x signs them as typed) or use a signer that sorts them, such as an AWS SDK\'s SignatureV4.',
      );
      // Sent in the order SigV4 sorts them, the same signature no longer matches as typed: the hint does not apply.
      expect(sorted.hint).toMatch(/^access key 'local' is known, but the signature does not match its secret/);
    });

    it('the path still holds a placeholder copied from the README, signed as curl signs it', async () => {
      const request = await signed({ method: 'GET', path: '/accounts/102290129340398/contacts/<contactId>' }, { signer: signer('local', 'execute-api', 'local', { uriEscapePath: false }) });

      const verdict = refusal(await verify(request));

      expect(verdict.aws).toBe(SIGV4_MESSAGES.mismatch);
      expect(verdict.hint).toBe("path: it still holds the placeholder '<contactId>'; put the real value in its place (a contact id from a previous answer, say).");
    });

    it('the path was signed percent-decoded while it was sent encoded', async () => {
      const request = await signed({ ...consentPost, path: phonePath }, { signer: signer('local', 'execute-api', 'local', { uriEscapePath: false }) });

      const verdict = refusal(await verify({ ...request, url: request.url.replace('/+', '/%2B') }));

      expect(verdict.hint).toMatch(/^path encoding: the signature matches the path percent-decoded,/);
    });

    it('the credential scope names another day than X-Amz-Date', async () => {
      const request = await signed(consentPost);

      const verdict = refusal(await verify({ ...request, headers: { ...request.headers, 'x-amz-date': '20261122T000500Z' } }));

      expect(verdict.aws).toBe("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261121' != '20261122', from '20261122T000500Z'.");
      expect(verdict.hint).toBe('the date in the credential scope and the day of X-Amz-Date must be the same UTC day: take both from one signing time.');
    });

    it('X-Amz-Date is stale, saying by how much against which clock', async () => {
      const verdict = refusal(await verify(await signed(consentPost, { at: NOW - 15 * 60_000 - 1000 })));
      expect(verdict.hint).toMatch(/^X-Amz-Date is 15 min 1 s behind this machine's clock \(20261121T120000Z\); a signature is good for 15 minutes either way/);
    });

    it('X-Amz-Date is ahead, saying by how much', async () => {
      const verdict = refusal(await verify(await signed(consentPost, { at: NOW + 2 * 3600_000 + 16 * 60_000 })));
      expect(verdict.hint).toMatch(/^X-Amz-Date is 2 h 16 min ahead of this machine's clock/);
    });

    it('the access key is not a local one, listing the keys that are', async () => {
      const verdict = refusal(await verify(await signed(consentPost, { signer: signer('local', 'execute-api', 'AKIASOMEONEELSE') })));
      expect(verdict.aws).toBe(SIGV4_MESSAGES.unknownKey);
      expect(verdict.hint).toBe("access key 'AKIASOMEONEELSE' is not one this local API knows (it knows 'local'); sign with the local key pair, not AWS credentials an SDK found in the environment or ~/.aws.");
    });

    it('the access key is known and the secret is wrong', async () => {
      const verdict = refusal(await verify(await signed(consentPost, { signer: signer('not-the-secret') })));
      expect(verdict.hint).toBe(
        "access key 'local' is known, but the signature does not match its secret for this request as received: either the secret differs, or the request changed after signing (method, path, query, the signed headers content-type;host;x-amz-content-sha256;x-amz-date, or the body).",
      );
    });

    it('the scope names another region than the API is in', async () => {
      const inIreland = createSigV4Verifier({ principals: [localPrincipal(LOCAL_CREDENTIALS)], region: 'eu-west-1', now: () => NOW });

      const verdict = refusal(await inIreland(await signed(consentPost, { signer: signer('local', 'execute-api', 'local', { region: 'me-central-1' }) })));

      expect(verdict.aws).toBe("Credential should be scoped to a valid region, not 'me-central-1'.");
      expect(verdict.hint).toMatch(/^signed for region 'me-central-1', this API is in 'eu-west-1': sign for 'eu-west-1' \(curl: --aws-sigv4 "aws:amz:eu-west-1:execute-api"/);
      expect((await inIreland(await signed(consentPost))).ok).toBe(true);
    });

    it('the scope names another service', async () => {
      const verdict = refusal(await verify(await signed(consentPost, { signer: signer('local', 's3') })));
      expect(verdict.hint).toBe(`the credential scope names service 's3'; sign for 'execute-api' (curl: --aws-sigv4 "aws:amz:<region>:execute-api").`);
    });

    it('x-amz-content-sha256 is UNSIGNED-PAYLOAD', async () => {
      const request = await signed({ ...consentPost, headers: { ...consentPost.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
      expect(refusal(await verify(request)).hint).toMatch(/^payload hash: x-amz-content-sha256 is UNSIGNED-PAYLOAD, but this API hashes the body it receives/);
    });

    it('x-amz-content-sha256 is the hash of a body other than the one received, counting its bytes', async () => {
      const original = '{"category":"marketing","status":"opted_in","evidence":"Formulaire signé ✍🏽 — موافقة"}';
      const hash = createHash('sha256').update(original).digest('hex');
      const request = await signed({ ...consentPost, body: original, headers: { ...consentPost.headers, 'x-amz-content-sha256': hash } });
      const swapped = Buffer.from(original.replace('opted_in', 'opted_out'));

      const verdict = refusal(await verify({ ...request, body: swapped }));

      expect(verdict.hint).toBe(
        `payload hash: x-amz-content-sha256 is not the SHA-256 of the ${swapped.length} bytes of body received; the body changed after it was hashed (mind re-encoding and line endings), or the hash is of other bytes.`,
      );
    });

    it.each([
      ['with x-amz-content-sha256 (an SDK)', true],
      ['without x-amz-content-sha256 (curl)', false],
    ])('the request was signed %s without the body it carries', async (_, applyChecksum) => {
      const request = await signed({ ...consentPost, body: '' }, { signer: signer('local', 'execute-api', 'local', { applyChecksum }) });
      expect('x-amz-content-sha256' in request.headers).toBe(applyChecksum);
      const body = Buffer.from('{"category":"marketing","status":"opted_in","evidence":"🎉 Zoë"}');

      const verdict = refusal(await verify({ ...request, body }));

      expect(verdict.aws).toBe(SIGV4_MESSAGES.mismatch);
      expect(verdict.hint).toBe(`payload hash: the signature covers an empty body, but the request carries ${body.length} bytes; sign the request with its body.`);
    });

    it('the Host header was signed without the port it was sent with', async () => {
      const request = await signed({ ...consentPost, headers: { ...consentPost.headers, host: '127.0.0.1' } });

      const verdict = refusal(await verify({ ...request, headers: { ...request.headers, host: HOST } }));

      expect(verdict.hint).toBe(`signed headers: the signature covers Host '127.0.0.1' without the port, the request came with Host '${HOST}'; sign the Host header as sent, port included.`);
    });

    it('a signed header did not arrive', async () => {
      const request = await signed(consentPost);
      const { 'content-type': _dropped, ...headers } = request.headers;

      const verdict = refusal(await verify({ ...request, headers }));

      expect(verdict.aws).toBe("Signed header 'content-type' is missing from the request.");
      expect(verdict.hint).toMatch(/^SignedHeaders names 'content-type' but the request arrived without it/);
    });

    it('host is not among the signed headers', async () => {
      const request = await signed(consentPost);
      const authorization = String(request.headers['authorization']).replace(';host;', ';');

      const verdict = refusal(await verify({ ...request, headers: { ...request.headers, authorization } }));

      expect(verdict).toEqual({ aws: "'host' must be a signed header.", hint: "add 'host' to SignedHeaders (it has content-type;x-amz-content-sha256;x-amz-date)." });
    });
  });

  it('never shows the expected signature or the secret in a refusal', async () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG+sécret🔑';
    const principal = { accessKeyId: 'relais-dev', secretAccessKey: secret, accountId: '111122223333', userArn: 'arn:aws:iam::111122223333:user/dev', userId: 'AIDADEV' };
    const strict = createSigV4Verifier({ principals: [principal], now: () => NOW });
    const right = signer(secret, 'execute-api', 'relais-dev');
    const good = await signed(consentPost, { signer: right });
    const expectedSignature = /Signature=([0-9a-f]{64})/.exec(String(good.headers['authorization']))![1]!;
    const curlStyle = await signed(consentPost, { signer: signer(secret, 'execute-api', 'relais-dev', { uriEscapePath: false }) });
    const refused = [
      await signed(consentPost, { signer: signer('not-the-secret', 'execute-api', 'relais-dev') }),
      curlStyle,
      { ...good, body: Buffer.from('{"category":"marketing","status":"opted_out","evidence":"form"}') },
      { ...good, headers: { ...good.headers, 'content-type': 'text/csv' } },
      await signed(consentPost, { signer: signer(secret, 'execute-api', 'AKIASOMEONEELSE') }),
    ];

    for (const request of refused) {
      const verdict = await strict(request);
      expect(verdict.ok).toBe(false);
      const message = verdict.ok ? '' : verdict.message;
      expect(message).toContain(LOCAL_CHECK);
      expect(message).not.toContain(expectedSignature);
      expect(message).not.toContain(secret);
      expect(message).not.toContain('sécret');
    }
    expect((await strict(good)).ok).toBe(true);
  });

  it('accepts any region when the verifier is given none', async () => {
    expect((await verify(await signed(consentPost, { signer: signer('local', 'execute-api', 'local', { region: 'ap-southeast-2' }) }))).ok).toBe(true);
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
    const unsignedBody = (await unsigned.json()) as { message: string };
    expect(Object.keys(unsignedBody)).toEqual(['message']);
    expect(unsignedBody.message).toMatch(/^Forbidden\. Local check: the request has no Authorization header/);
    expect(tampered.status).toBe(403);
    expect((JSON.parse(tampered.text) as { message: string }).message).toMatch(new RegExp(`^${escapeRegExp(SIGV4_MESSAGES.mismatch)} Local check: payload hash: x-amz-content-sha256 is not the SHA-256 of the \\d+ bytes of body received`));
    expect(handler).not.toHaveBeenCalled();
  });

  it('refuses a signature scoped to another region than the local one, naming both', async () => {
    const { api, handler } = await start();
    const request = await signedFor(api.url, consentPost, signer(LOCAL_CREDENTIALS.secretAccessKey, 'execute-api', LOCAL_CREDENTIALS.accessKeyId, { region: 'us-east-1' }));

    const res = await send(api.url, request);

    expect(res.status).toBe(403);
    expect(JSON.parse(res.text)).toEqual({
      message: `Credential should be scoped to a valid region, not 'us-east-1'. Local check: signed for region 'us-east-1', this API is in '${LOCAL_REGION}': sign for '${LOCAL_REGION}' (curl: --aws-sigv4 "aws:amz:${LOCAL_REGION}:execute-api"; an SDK client: region '${LOCAL_REGION}').`,
    });
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
async function signedFor(base: string, request: typeof consentPost, by: SignatureV4 = signer()): Promise<ReceivedRequest> {
  const url = new URL(base);
  const out = await by.sign({
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

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
