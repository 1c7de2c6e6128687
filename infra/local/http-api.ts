import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION } from './emulators.js';
import { lambdaContext } from './lambda-context.js';
import { createSigV4Verifier, localPrincipal, type IamAuthorizerContext, type ReceivedRequest, type SigV4Verdict } from './sigv4-auth.js';
import type { RouteSpec } from '../topology.js';

/** API Gateway HTTP API's payload limit. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
const TEXT_TYPES = /^(text\/|application\/(json|x-www-form-urlencoded|xml|.*\+json|.*\+xml))/i;

export type LambdaHttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2 | undefined | void>;

export interface LocalHttpApi {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The local stand-in for API Gateway's HTTP API: the same routes (from `infra/topology.ts`) to the same
 * handler modules, each request turned into a payload-format-2.0 event as API Gateway builds it (lower-cased
 * headers, query parameters joined by commas, non-text bodies base64-encoded). Routes declared `auth: 'iam'`
 * require a SigV4 signature for `execute-api` (see `./sigv4-auth.ts`; local credentials `local`/`local`),
 * answer 403 `{ message }` without a valid one, and pass the caller in `requestContext.authorizer.iam`.
 */
export async function startLocalHttpApi(options: {
  routes: readonly RouteSpec[];
  loadHandler: (name: string) => Promise<LambdaHttpHandler>;
  port?: number;
  host?: string;
  /** Checks the signature of `auth: 'iam'` routes. @default a verifier accepting `LOCAL_CREDENTIALS` in `LOCAL_REGION` */
  verifyIam?: (request: ReceivedRequest) => Promise<SigV4Verdict>;
}): Promise<LocalHttpApi> {
  const verifyIam = options.verifyIam ?? createSigV4Verifier({ principals: [localPrincipal(LOCAL_CREDENTIALS, LOCAL_ACCOUNT_ID)], region: LOCAL_REGION });
  const routes: CompiledRoute[] = [];
  for (const route of options.routes) {
    routes.push({
      ...compile(route),
      handler: await options.loadHandler(route.handler),
      ...(route.auth === 'iam' ? { authorize: (req: IncomingMessage, body: Buffer) => verifyIam({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body }) } : {}),
    });
  }

  const server: Server = createServer((req, res) => {
    void serve(req, res).catch(() => {
      if (!res.headersSent) send(res, { statusCode: 500, body: JSON.stringify({ message: 'Internal Server Error' }) });
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = matchRoute(routes, req.method ?? 'GET', url.pathname);
    if (match === undefined) return send(res, { statusCode: 404, body: JSON.stringify({ message: 'Not Found' }) });
    const body = await readBody(req);
    if (body === 'too_large') return send(res, { statusCode: 413, body: JSON.stringify({ message: 'Request Entity Too Large' }) });
    let iam: IamAuthorizerContext | undefined;
    if (match.route.authorize !== undefined) {
      const verdict = await match.route.authorize(req, body);
      if (!verdict.ok) return send(res, { statusCode: 403, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: verdict.message }) });
      iam = verdict.iam;
    }
    const event = toEvent(req, url, match.route.routeKey, body, match.params, iam);
    const result = await match.route.handler(event, lambdaContext(match.route.routeKey, 30_000, event.requestContext.requestId));
    send(res, result ?? { statusCode: 200 });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  server.keepAliveTimeout = 65_000;
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer | 'too_large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return 'too_large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

interface CompiledRoute {
  readonly method: string;
  readonly routeKey: string;
  readonly pattern: RegExp;
  readonly params: readonly string[];
  readonly handler: LambdaHttpHandler;
  readonly authorize?: ((req: IncomingMessage, body: Buffer) => Promise<SigV4Verdict>) | undefined;
}

/** `/accounts/{wabaId}/contacts/{ref}` → a regex capturing one path segment per parameter. */
function compile(route: RouteSpec): Omit<CompiledRoute, 'handler'> {
  const params: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (param?.[1] === undefined) return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      params.push(param[1]);
      return '([^/]+)';
    })
    .join('/');
  return { method: route.method, routeKey: `${route.method} ${route.path}`, pattern: new RegExp(`^${source}$`), params };
}

function matchRoute(routes: readonly CompiledRoute[], method: string, path: string) {
  for (const route of routes) {
    if (route.method !== method) continue;
    const m = route.pattern.exec(path);
    if (m === null) continue;
    const params = Object.fromEntries(route.params.map((name, i) => [name, decodedSegment(m[i + 1]!)]));
    return { route, params };
  }
  return undefined;
}

/**
 * A path segment percent-decoded, as API Gateway's HTTP APIs hand path parameters over; one whose escapes are
 * malformed (`%E0%A4%A`) goes through as sent, for the handler's validation to refuse with a 400 naming it.
 */
function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function toEvent(
  req: IncomingMessage,
  url: URL,
  routeKey: string,
  body: Buffer,
  pathParameters: Record<string, string>,
  iam: IamAuthorizerContext | undefined,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = key in query ? `${query[key]},${value}` : value;
  const isText = TEXT_TYPES.test(headers['content-type'] ?? '');
  const now = new Date();
  const requestId = randomUUID();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers['host'] ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      ...(iam === undefined ? {} : { authorizer: { iam } }),
    },
    // A "text" body that is not UTF-8 would lose its bytes as a string (a signed webhook would then fail its
    // signature check): pass it base64-encoded, so the handler sees exactly the bytes sent.
    ...(body.length > 0 ? (isText && isUtf8(body) ? { body: body.toString('utf8'), isBase64Encoded: false } : { body: body.toString('base64'), isBase64Encoded: true }) : { isBase64Encoded: false }),
  };
}

function send(res: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const body = result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  res.writeHead(result.statusCode ?? 200, { 'content-length': body.length, ...(result.headers as Record<string, string> | undefined) });
  res.end(body);
}
