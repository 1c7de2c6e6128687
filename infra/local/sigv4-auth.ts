/**
 * IAM authorisation for the local HTTP API, as API Gateway performs it for routes declared `auth: 'iam'`:
 * the caller signs the request with AWS Signature Version 4 for the service `execute-api`; the local API
 * recomputes the signature from the request it received and the secret of the access key named in the
 * credential scope, refuses a missing, stale or wrong signature with 403 `{ "message": … }`, and hands the
 * handler the caller's identity in `requestContext.authorizer.iam`.
 *
 * Local credentials are `local` / `local` (`LOCAL_CREDENTIALS` in `./emulators.ts`), region `eu-west-1`
 * (`LOCAL_REGION`). Each refusal keeps API Gateway's sentence first and adds a `Local check:` sentence naming
 * what differs: path encoding, date, access key or secret, region, service, payload hash or signed headers.
 *
 * ```sh
 * curl --aws-sigv4 "aws:amz:eu-west-1:execute-api" --user local:local \
 *   http://127.0.0.1:3000/accounts/102290129340398/contacts/CC.AbC123
 * curl --aws-sigv4 "aws:amz:eu-west-1:execute-api" --user local:local -X POST \
 *   -H 'content-type: application/json' -d '{"category":"marketing","status":"opted_in","evidence":"web form v3"}' \
 *   http://127.0.0.1:3000/accounts/102290129340398/contacts/CC.AbC123/consent
 * ```
 *
 * From code, sign with the SDK's `SignatureV4` (`@smithy/signature-v4`, service `execute-api`).
 *
 * Only header signatures (`Authorization: AWS4-HMAC-SHA256 …` plus `X-Amz-Date`) are accepted, not
 * presigned query strings. The payload is always hashed from the bytes received: an `x-amz-content-sha256`
 * header that does not match them (including `UNSIGNED-PAYLOAD`) fails, so a body cannot be swapped.
 * Canonical paths follow the SigV4 rules for every service but S3: the path as sent is URI-encoded once more
 * (a `+` in `/contacts/+3361…` is signed as `%2B`). curl 7.x signs the path as written instead, which only
 * agrees for paths made of unreserved characters: with it, name a contact by its contact id (`c_…`) or BSUID;
 * name it by phone number with a signer that encodes the path (the AWS SDKs, as API Gateway expects too).
 */
import { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, HttpRequest, SourceData } from '@smithy/types';

/** `requestContext.authorizer.iam` of an HTTP API payload-format-2.0 event, as API Gateway fills it. */
export interface IamAuthorizerContext {
  readonly accessKey: string;
  readonly accountId: string;
  readonly callerId: string;
  readonly cognitoIdentity: null;
  readonly principalOrgId: string | null;
  readonly userArn: string;
  readonly userId: string;
}

/** A principal the local API knows: its access key pair and the identity API Gateway would report. */
export interface LocalPrincipal {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly accountId: string;
  readonly userArn: string;
  /** IAM unique id of the user (`AIDA…`); API Gateway reports it as `callerId` and `userId`. */
  readonly userId: string;
}

/** What the verifier needs of a received request. `url` is the request target as sent (path and query, still encoded). */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: Uint8Array;
}

export type SigV4Verdict = { readonly ok: true; readonly iam: IamAuthorizerContext } | { readonly ok: false; readonly message: string };

export interface SigV4VerifierOptions {
  readonly principals: readonly LocalPrincipal[];
  /** @default 'execute-api' */
  readonly service?: string;
  /** The API's region: a credential scope naming another is refused, as AWS does. @default any region */
  readonly region?: string;
  /** How far `X-Amz-Date` may be from now, either way. @default 15 minutes */
  readonly maxSkewMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** The local stack's one principal: `local` / `local`, reported as IAM user `local` of account 000000000000. */
export function localPrincipal(credentials: { readonly accessKeyId: string; readonly secretAccessKey: string }, accountId = '000000000000'): LocalPrincipal {
  return {
    ...credentials,
    accountId,
    userArn: `arn:aws:iam::${accountId}:user/local`,
    userId: 'AIDALOCALRELAISUSER00',
  };
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const AMZ_DATE = /^(\d{8})T\d{6}Z$/;

/** API Gateway's texts for the same refusals. */
export const SIGV4_MESSAGES = {
  missing: 'Forbidden',
  mismatch:
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  unknownKey: 'The security token included in the request is invalid.',
} as const;

/**
 * What starts the local API's own diagnosis, appended to API Gateway's sentence in `message` (which stays
 * first, so a client matching AWS's text still matches): which part of the request or the signature differs.
 */
export const LOCAL_CHECK = 'Local check:';

/**
 * Builds the verifier the local HTTP API runs before a handler of an `auth: 'iam'` route. It resolves to
 * the caller's identity, or to the message of the 403 API Gateway would answer followed by a
 * {@link LOCAL_CHECK} sentence naming the part that differs. On a signature mismatch that sentence comes from
 * re-signing the request as common clients get it wrong (path not encoded again, host without its port,
 * body left out); it never shows the expected signature or a secret.
 */
export function createSigV4Verifier(options: SigV4VerifierOptions): (request: ReceivedRequest) => Promise<SigV4Verdict> {
  const service = options.service ?? 'execute-api';
  const maxSkewMs = options.maxSkewMs ?? 15 * 60 * 1000;
  const now = options.now ?? Date.now;
  const byKey = new Map(options.principals.map((p) => [p.accessKeyId, p]));
  const knownKeys = options.principals.map((p) => `'${p.accessKeyId}'`).join(', ');
  const signHere = `--aws-sigv4 "aws:amz:${options.region ?? '<region>'}:${service}"`;

  return async (request) => {
    const authorization = single(request.headers, 'authorization');
    if (authorization === undefined || authorization.trim() === '') {
      return deny(SIGV4_MESSAGES.missing, `the request has no Authorization header; this route takes IAM auth, so sign it with SigV4 for '${service}' (curl: ${signHere} --user <access key>:<secret>; the local key pair is in the README).`);
    }
    const parsed = parseAuthorization(authorization);
    if ('problem' in parsed) return deny(parsed.problem);
    const { accessKeyId, scopeDate, region, scopeService, signedHeaders, signature } = parsed;

    if (scopeService !== service) {
      return deny(`Credential should be scoped to correct service: '${service}'.`, `the credential scope names service '${scopeService}'; sign for '${service}' (curl: ${signHere}).`);
    }
    if (options.region !== undefined && region !== options.region) {
      // The sentence AWS services answer to a scope naming another region (observed; not in API Gateway's documentation).
      return deny(`Credential should be scoped to a valid region, not '${region}'.`, `signed for region '${region}', this API is in '${options.region}': sign for '${options.region}' (curl: ${signHere}; an SDK client: region '${options.region}').`);
    }
    const principal = byKey.get(accessKeyId);
    if (principal === undefined) {
      return deny(SIGV4_MESSAGES.unknownKey, `access key '${accessKeyId}' is not one this local API knows (it knows ${knownKeys}); sign with the local key pair, not AWS credentials an SDK found in the environment or ~/.aws.`);
    }

    const amzDate = single(request.headers, 'x-amz-date');
    if (amzDate === undefined) return deny("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    const signingDate = parseAmzDate(amzDate);
    if (signingDate === undefined) return deny(`X-Amz-Date '${amzDate}' must be in the ISO 8601 basic format YYYYMMDD'T'HHMMSS'Z'.`);
    if (amzDate.slice(0, 8) !== scopeDate) {
      return deny(
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
        'the date in the credential scope and the day of X-Amz-Date must be the same UTC day: take both from one signing time.',
      );
    }
    const at = now();
    const skew = `X-Amz-Date is ${duration(Math.abs(signingDate.getTime() - at))} ${signingDate.getTime() < at ? 'behind' : 'ahead of'} this machine's clock (${basic(at)}); a signature is good for ${maxSkewMs / 60_000} minutes either way, so sign just before sending and check the signing machine's clock.`;
    if (signingDate.getTime() < at - maxSkewMs) {
      return deny(`Signature expired: ${amzDate} is now earlier than ${basic(at - maxSkewMs)} (${basic(at)} - ${maxSkewMs / 60_000} min.)`, skew);
    }
    if (signingDate.getTime() > at + maxSkewMs) {
      return deny(`Signature not yet current: ${amzDate} is still later than ${basic(at + maxSkewMs)} (${basic(at)} + ${maxSkewMs / 60_000} min.)`, skew);
    }

    for (const required of ['host', 'x-amz-date']) {
      if (!signedHeaders.includes(required)) return deny(`'${required}' must be a signed header.`, `add '${required}' to SignedHeaders (it has ${signedHeaders.join(';')}).`);
    }
    const headers: Record<string, string> = {};
    for (const name of signedHeaders) {
      const value = request.headers[name];
      if (value === undefined) return deny(`Signed header '${name}' is missing from the request.`, `SignedHeaders names '${name}' but the request arrived without it: send every header you sign, or leave it out of the signature.`);
      headers[name] = Array.isArray(value) ? value.join(',') : (value as string);
    }

    // The payload hash always comes from the bytes received, never from a header the client chose.
    const payloadHash = createHash('sha256').update(request.body).digest('hex');
    const declaredHash = single(request.headers, 'x-amz-content-sha256');
    if (declaredHash !== undefined && declaredHash !== payloadHash) {
      return deny(
        SIGV4_MESSAGES.mismatch,
        declaredHash === 'UNSIGNED-PAYLOAD'
          ? 'payload hash: x-amz-content-sha256 is UNSIGNED-PAYLOAD, but this API hashes the body it receives and the signature must cover that hash; leave the header out or send the SHA-256 of the body.'
          : declaredHash === EMPTY_SHA256
            ? emptyBodyHint(request.body.length)
            : `payload hash: x-amz-content-sha256 is not the SHA-256 of the ${request.body.length} bytes of body received; the body changed after it was hashed (mind re-encoding and line endings), or the hash is of other bytes.`,
      );
    }

    const target = splitTarget(request.url);
    if (target === undefined) return deny(SIGV4_MESSAGES.mismatch, 'the query string has a malformed %-escape, so it cannot be read as it was signed.');
    const toSign: HttpRequest = {
      method: request.method.toUpperCase(),
      protocol: 'https:',
      hostname: headers['host'] ?? '',
      path: target.path,
      query: target.query,
      headers,
      body: request.body.length === 0 ? undefined : request.body,
    };
    const signatureOf = async (variant: SigningVariant = {}): Promise<string | undefined> => {
      const signer = new SignatureV4({
        service,
        region,
        credentials: { accessKeyId: principal.accessKeyId, secretAccessKey: principal.secretAccessKey },
        sha256: NodeSha256,
        applyChecksum: false,
        uriEscapePath: variant.pathAsIs === undefined,
      });
      const signed = await signer.sign(
        {
          ...toSign,
          path: variant.pathAsIs ?? toSign.path,
          headers: variant.host === undefined ? headers : { ...headers, host: variant.host },
          body: variant.emptyBody === true ? undefined : toSign.body,
        },
        { signingDate, signingRegion: region, signingService: service, signableHeaders: new Set(signedHeaders) },
      );
      return /Signature=([0-9a-f]{64})/.exec(String(signed.headers['authorization'] ?? ''))?.[1];
    };
    const expected = await signatureOf();
    if (expected === undefined || !constantTimeEqual(expected, signature)) {
      // A query string signed in the order it was typed (curl before 8.x does) rather than sorted by name: the SDK
      // signer always sorts, so this trial builds the canonical request by hand.
      const querySignedAsSent = (): string | undefined => {
        const raw = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
        if (!/^[A-Za-z0-9\-._~/]*$/.test(target.path)) return undefined;
        const canonical = [
          request.method.toUpperCase(),
          target.path,
          raw,
          ...signedHeaders.map((name) => `${name}:${(headers[name] ?? '').trim().replace(/\s+/g, ' ')}`),
          '',
          signedHeaders.join(';'),
          payloadHash,
        ].join('\n');
        const scope = `${amzDate.slice(0, 8)}/${region}/${service}/aws4_request`;
        const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
        let key: Buffer = Buffer.from(`AWS4${principal.secretAccessKey}`, 'utf8');
        for (const part of [amzDate.slice(0, 8), region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
        return createHmac('sha256', key).update(stringToSign).digest('hex');
      };
      return deny(SIGV4_MESSAGES.mismatch, await diagnoseMismatch({ request, target: target.path, headers, signedHeaders, declaredHash, signature, signatureOf, querySignedAsSent, accessKeyId }));
    }

    return {
      ok: true,
      iam: {
        accessKey: principal.accessKeyId,
        accountId: principal.accountId,
        callerId: principal.userId,
        cognitoIdentity: null,
        principalOrgId: null,
        userArn: principal.userArn,
        userId: principal.userId,
      },
    };
  };
}

/** How a trial re-signing departs from the canonical request SigV4 prescribes. */
interface SigningVariant {
  /** Sign this string as the canonical path, not encoded again. */
  readonly pathAsIs?: string;
  /** Sign this Host header value instead of the one received. */
  readonly host?: string;
  /** Sign as if the request had no body. */
  readonly emptyBody?: boolean;
}

/**
 * Why a signature made with a known key does not match, found by re-signing the request as clients commonly
 * sign it wrongly; when none of them matches, the secret or something changed after signing, and the sentence
 * lists what the signature covers.
 */
async function diagnoseMismatch(context: {
  readonly request: ReceivedRequest;
  readonly target: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly signedHeaders: readonly string[];
  readonly declaredHash: string | undefined;
  readonly signature: string;
  readonly signatureOf: (variant: SigningVariant) => Promise<string | undefined>;
  /** The signature of the request with its query string canonicalised as sent, unsorted (`undefined`: not tried). */
  readonly querySignedAsSent: () => string | undefined;
  readonly accessKeyId: string;
}): Promise<string> {
  const { target, headers, signedHeaders, signature, signatureOf } = context;
  const matches = async (variant: SigningVariant) => {
    const candidate = await signatureOf(variant);
    return candidate !== undefined && constantTimeEqual(candidate, signature);
  };

  // SigV4 for every service but S3 signs each path segment URI-encoded once more than it was sent
  // (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html#create-canonical-request), so
  // only a path holding characters outside the unreserved set can be signed "wrongly".
  if (!/^[A-Za-z0-9\-._~/]*$/.test(target)) {
    const decoded = safeDecode(target);
    const placeholder = /<[^<>/]*>|\{[^{}/]*\}/.exec(decoded ?? target)?.[0];
    const encodingHint = (signedAs: string) =>
      placeholder !== undefined
        ? `path: it still holds the placeholder '${placeholder}'; put the real value in its place (a contact id from a previous answer, say).`
        : `path encoding: the signature matches the path ${signedAs}, but SigV4 for execute-api signs the path encoded once more (a '+' is signed as '%2B', a '%2B' as '%252B'). curl signs the path as typed: with curl, name a contact by its contact id or BSUID; a phone reference needs a signer that encodes the path, such as an AWS SDK's SignatureV4.`;
    if (await matches({ pathAsIs: target })) return encodingHint('as sent, not encoded again');
    if (decoded !== undefined && decoded !== target && (await matches({ pathAsIs: decoded }))) return encodingHint('percent-decoded');
  }
  const query = context.request.url.includes('?') ? context.request.url.slice(context.request.url.indexOf('?') + 1) : '';
  const sentOrder = query.split('&').filter((pair) => pair !== '');
  const sortedOrder = [...sentOrder].sort();
  if (sentOrder.join('&') !== sortedOrder.join('&')) {
    const asSent = context.querySignedAsSent();
    if (asSent !== undefined && constantTimeEqual(asSent, signature)) {
      const names = (pairs: readonly string[]) => pairs.map((pair) => pair.split('=')[0]).join(', ');
      return `query order: the signature covers the query parameters in the order sent (${names(sentOrder)}), but SigV4 signs them sorted by name (${names(sortedOrder)}); write them in that order (curl before 8.x signs them as typed) or use a signer that sorts them, such as an AWS SDK's SignatureV4.`;
    }
  }
  const host = headers['host'];
  const port = host === undefined ? undefined : /^(.*):\d+$/.exec(host);
  if (port?.[1] !== undefined && (await matches({ host: port[1] }))) {
    return `signed headers: the signature covers Host '${port[1]}' without the port, the request came with Host '${host}'; sign the Host header as sent, port included.`;
  }
  if (context.request.body.length > 0 && context.declaredHash === undefined && (await matches({ emptyBody: true }))) {
    return emptyBodyHint(context.request.body.length);
  }
  return `access key '${context.accessKeyId}' is known, but the signature does not match its secret for this request as received: either the secret differs, or the request changed after signing (method, path, query, the signed headers ${signedHeaders.join(';')}, or the body).`;
}

const EMPTY_SHA256 = createHash('sha256').digest('hex');

function emptyBodyHint(bytes: number): string {
  return `payload hash: the signature covers an empty body, but the request carries ${bytes} bytes; sign the request with its body.`;
}

function deny(message: string, hint?: string): SigV4Verdict {
  if (hint === undefined) return { ok: false, message };
  return { ok: false, message: `${message}${/[\p{L}\p{N}]$/u.test(message) ? '.' : ''} ${LOCAL_CHECK} ${hint}` };
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** `1 h 2 min 3 s`, for skew hints. */
function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const parts = [
    [Math.floor(seconds / 3600), 'h'],
    [Math.floor((seconds % 3600) / 60), 'min'],
    [seconds % 60, 's'],
  ] as const;
  const shown = parts.filter(([n]) => n > 0).map(([n, unit]) => `${n} ${unit}`);
  return shown.length === 0 ? '0 s' : shown.join(' ');
}

function single(headers: ReceivedRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : (value as string | undefined);
}

type ParsedAuthorization =
  | { accessKeyId: string; scopeDate: string; region: string; scopeService: string; signedHeaders: string[]; signature: string }
  | { problem: string };

/** `AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, SignedHeaders=a;b, Signature=<hex>` */
function parseAuthorization(value: string): ParsedAuthorization {
  const trimmed = value.trim();
  const space = trimmed.indexOf(' ');
  const algorithm = space === -1 ? trimmed : trimmed.slice(0, space);
  if (algorithm !== ALGORITHM) return { problem: `Authorization header requires the '${ALGORITHM}' algorithm.` };
  const params = new Map<string, string>();
  for (const part of trimmed.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((p) => !params.get(p));
  if (missing.length > 0) return { problem: missing.map((p) => `Authorization header requires '${p}' parameter.`).join(' ') };
  const scope = params.get('Credential')!.split('/');
  if (scope.length !== 5 || scope.some((s) => s === '') || scope[4] !== 'aws4_request' || !/^\d{8}$/.test(scope[1]!)) {
    return { problem: "Credential must have the form '<access key>/<YYYYMMDD>/<region>/<service>/aws4_request'." };
  }
  const signature = params.get('Signature')!;
  if (!/^[0-9a-f]{64}$/.test(signature)) return { problem: 'Signature must be 64 lower-case hexadecimal characters.' };
  const signedHeaders = params.get('SignedHeaders')!.split(';').map((h) => h.trim().toLowerCase());
  return { accessKeyId: scope[0]!, scopeDate: scope[1]!, region: scope[2]!, scopeService: scope[3]!, signedHeaders, signature };
}

function parseAmzDate(value: string): Date | undefined {
  if (!AMZ_DATE.test(value)) return undefined;
  const iso = `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}T${value.slice(9, 11)}:${value.slice(11, 13)}:${value.slice(13, 15)}Z`;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 19) !== iso.slice(0, 19) ? undefined : date;
}

function basic(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** Path as sent (the signer encodes it once more) and the query decoded into the map the signer re-encodes. */
function splitTarget(url: string): { path: string; query: Record<string, string | string[]> } | undefined {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query: Record<string, string | string[]> = {};
  if (q !== -1) {
    for (const pair of url.slice(q + 1).split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      let key: string;
      let value: string;
      try {
        key = decodeURIComponent(eq === -1 ? pair : pair.slice(0, eq));
        value = eq === -1 ? '' : decodeURIComponent(pair.slice(eq + 1));
      } catch {
        return undefined;
      }
      const previous = query[key];
      query[key] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
    }
  }
  return { path: path === '' ? '/' : path, query };
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** SHA-256 (or HMAC-SHA256 with a secret) for the SDK signer, on node:crypto. */
export class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.create();
  }

  update(data: Uint8Array): void {
    this.hash.update(data);
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.create();
  }

  private create(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    return createHmac('sha256', toBytes(this.secret));
  }
}

function toBytes(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}
