import { z } from 'zod';
import { WamidSchema } from '../contracts/events/outbound/fields.js';
import type { GraphApiClient, GraphSendError, GraphSendResult } from '../ports/graph-api.js';
import { DEFAULT_GRAPH_API_VERSION, DEFAULT_GRAPH_TIMEOUT_MS, GRAPH_API_VERSION_PATTERN } from '../sending-config.js';

export type { GraphApiClient, GraphSendError, GraphSendResult } from '../ports/graph-api.js';

/**
 * The HTTP client for Meta's send API: `POST {baseUrl}/{version}/{phoneNumberId}/messages`
 * (responses: https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages,
 * errors: https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes). It uses the global `fetch` (undici in Node 20, which keeps
 * connections alive by default), so create one client per process and reuse it.
 *
 * Every call ends in one {@link GraphSendResult}; it never throws for anything Meta or the network does.
 * The result says whether Meta can have acted on the request:
 * - `accepted` / `marked_read`: Meta answered 2xx with the expected body.
 * - `error` with an `httpStatus` ≥ 100: Meta (or something in front of it) answered with a non-2xx status; the
 *   message was not accepted. Classify it by `error.code` (throttling comes back as HTTP 400, not 429).
 * - `error` with `httpStatus: 0`: no request reached Meta (see {@link isSafeConnectionFailure}); safe to retry.
 * - `unknown`: the request may or may not have been acted on (timeout, connection lost after the request was
 *   written, a 2xx body that cannot be read). Never resend blindly: wait for the status webhooks.
 *
 * Neither the access token nor the request body appear in any result, error or log.
 */

export interface GraphApiClientOptions {
  /** Scheme and host of the Graph API, optionally with a path prefix, e.g. `https://graph.facebook.com`. */
  readonly baseUrl: string;
  /** Graph API version, `v<major>.<minor>`, e.g. `v25.0`. */
  readonly version: string;
  /** Returns the system-user access token; called once per request (cache it in the provider). */
  readonly accessToken: () => Promise<string>;
  /** Limit for the whole call, from connecting to reading the last byte of the answer. @default 10000 */
  readonly timeoutMs?: number;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

const GRAPH_ID = /^[0-9]{1,32}$/;
/** A bearer token as it may appear in an HTTP header: visible ASCII, no spaces. */
const TOKEN = /^[\x21-\x7e]+$/;

/**
 * Creates the client after checking its configuration.
 *
 * @throws TypeError naming the option when `baseUrl` is not an http(s) URL without credentials, query or
 * fragment, `version` does not match `v<major>.<minor>`, or `timeoutMs` is not a positive integer.
 */
export function createGraphApiClient(options: GraphApiClientOptions): GraphApiClient {
  const base = checkBaseUrl(options.baseUrl);
  const version = options.version;
  if (typeof version !== 'string' || !GRAPH_API_VERSION_PATTERN.test(version)) {
    throw new TypeError(`createGraphApiClient: version must look like ${DEFAULT_GRAPH_API_VERSION} (v<major>.<minor>), got ${JSON.stringify(version)}`);
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_GRAPH_TIMEOUT_MS;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError(`createGraphApiClient: timeoutMs must be a positive integer number of milliseconds, got ${String(timeoutMs)}`);
  }
  const doFetch = options.fetch ?? globalThis.fetch;

  return {
    async sendMessage(phoneNumberId, body) {
      if (typeof phoneNumberId !== 'string' || !GRAPH_ID.test(phoneNumberId)) {
        throw new TypeError('sendMessage: phoneNumberId must be a Graph API id (1 to 32 digits)');
      }
      let payload: string;
      try {
        payload = JSON.stringify(body);
      } catch {
        throw new TypeError('sendMessage: body cannot be serialised as JSON');
      }
      const markRead = body['status'] === 'read';

      let token: string;
      try {
        token = await options.accessToken();
      } catch {
        return notSent('the access token could not be obtained');
      }
      if (typeof token !== 'string' || !TOKEN.test(token)) {
        return notSent('the access token is empty or holds characters not allowed in an HTTP header');
      }

      const url = `${base}/${version}/${phoneNumberId}/messages`;
      let response: Response;
      try {
        response = await doFetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
          body: payload,
          // Meta never redirects this endpoint; following a redirect would turn the POST into a GET elsewhere.
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        return fromFetchFailure(error, token);
      }

      if (response.status < 200 || response.status > 299) return readError(response, token);

      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        return fromFetchFailure(error, token);
      }
      return markRead ? readMarkRead(response.status, text) : readAccepted(response.status, text);
    },
  };
}

/**
 * `baseUrl` without trailing slashes, after checking it is an http(s) URL without credentials, query or fragment.
 * @throws TypeError naming `what` and the problem.
 */
export function checkBaseUrl(baseUrl: string, what = 'createGraphApiClient'): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(`${what}: baseUrl must be an absolute http(s) URL such as https://graph.facebook.com`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError(`${what}: baseUrl must use http or https, not ${url.protocol.replace(/:$/, '')}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new TypeError(`${what}: baseUrl must not carry credentials; the access token is sent as a bearer header`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new TypeError(`${what}: baseUrl must not have a query string or a fragment`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function notSent(message: string): GraphSendResult {
  return { outcome: 'error', httpStatus: 0, error: { message } };
}

// Network failures --------------------------------------------------------------------------------------

/**
 * Codes that mean the TCP connection was never established, so no byte of the request left this process:
 * refused (nothing listening), no route, or the address could not be used. Only trusted when the failing
 * system call is `connect`: the same codes can surface on an established socket (ICMP errors after the
 * request was written), where they prove nothing.
 */
const CONNECT_FAILURES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'EADDRNOTAVAIL',
  'ETIMEDOUT',
]);

/** Name resolution failed (`getaddrinfo`): there was no address to connect to. */
const DNS_FAILURES: ReadonlySet<string> = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME']);

/**
 * The server's TLS certificate was refused during the handshake. Node sends no application data before the
 * handshake completes (no TLS early data), so the request was not written.
 */
const TLS_VERIFICATION_FAILURES: ReadonlySet<string> = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** undici's own timeouts after the request was written: no answer headers, or a stalled body. */
const RESPONSE_TIMEOUTS: ReadonlySet<string> = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

interface ErrorFacts {
  readonly code?: string;
  readonly syscall?: string;
  readonly message?: string;
}

/**
 * Whether a failed `fetch` provably sent nothing, judged from the errors behind it (`cause`, and each error of
 * an `AggregateError` when several addresses were tried). Safe:
 * - `ECONNREFUSED`, `ENETUNREACH`, `EHOSTUNREACH`, `EHOSTDOWN`, `EADDRNOTAVAIL`, `ETIMEDOUT` from `connect`;
 * - DNS failures (`ENOTFOUND`, `EAI_AGAIN`, …);
 * - undici's connect timeout (`UND_ERR_CONNECT_TIMEOUT`);
 * - TLS certificate verification failures.
 *
 * Everything else is not safe: `ECONNRESET`, `EPIPE`, undici's `UND_ERR_SOCKET` ("other side closed",
 * including a kept-alive socket the server had already closed), our own timeout (which may fire while Meta
 * is processing), and errors without a code. Each leaf error must be safe for the whole to be.
 */
export function isSafeConnectionFailure(error: unknown): boolean {
  const leaves = leafErrors(error);
  return leaves.length > 0 && leaves.every(isSafeLeaf);
}

function isSafeLeaf(facts: ErrorFacts): boolean {
  const { code, syscall } = facts;
  if (code === undefined) return false;
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || TLS_VERIFICATION_FAILURES.has(code)) return true;
  if (DNS_FAILURES.has(code)) return true;
  return syscall === 'connect' && CONNECT_FAILURES.has(code);
}

/** The innermost errors with a code: `fetch` wraps them as `TypeError('fetch failed', {cause})`. */
function leafErrors(error: unknown, depth = 0): ErrorFacts[] {
  if (typeof error !== 'object' || error === null || depth > 5) return [];
  const record = error as { code?: unknown; syscall?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (Array.isArray(record.errors) && record.errors.length > 0) {
    // An error that cannot be read stands as an unsafe leaf, so the whole counts as unsafe.
    return record.errors.flatMap((inner: unknown) => {
      const leaves = leafErrors(inner, depth + 1);
      return leaves.length > 0 ? leaves : [{}];
    });
  }
  if (typeof record.code === 'string') {
    return [
      {
        code: record.code,
        ...(typeof record.syscall === 'string' ? { syscall: record.syscall } : {}),
        ...(typeof record.message === 'string' ? { message: record.message } : {}),
      },
    ];
  }
  if (record.cause !== undefined) return leafErrors(record.cause, depth + 1);
  return [];
}

function fromFetchFailure(error: unknown, token: string): GraphSendResult {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  if (name === 'TimeoutError') return { outcome: 'unknown', cause: 'timeout', detail: 'no complete answer within the time limit' };
  const leaves = leafErrors(error);
  const detail = redact(describe(error, leaves), token);
  if (leaves.length > 0 && leaves.every(isSafeLeaf)) {
    return { outcome: 'error', httpStatus: 0, error: { message: `the request was not sent: ${detail}` } };
  }
  if (leaves.some((leaf) => leaf.code !== undefined && RESPONSE_TIMEOUTS.has(leaf.code))) {
    return { outcome: 'unknown', cause: 'timeout', detail };
  }
  return { outcome: 'unknown', cause: 'network', detail };
}

/** `CODE (message)` for each coded error; only system and undici errors, whose messages name no request data. */
function describe(error: unknown, leaves: readonly ErrorFacts[]): string {
  const coded = leaves.filter((leaf) => leaf.code !== undefined);
  if (coded.length > 0) return coded.map((leaf) => (leaf.message === undefined ? leaf.code : `${leaf.code} (${leaf.message})`)).join('; ');
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  return `${typeof name === 'string' ? name : 'error'} without a network error code`;
}

function redact(text: string, token: string): string {
  return text.split(token).join('[redacted]');
}

// Answers -----------------------------------------------------------------------------------------------

const SendResponseSchema = z.object({
  messages: z
    .array(
      z.object({
        id: WamidSchema,
        message_status: z.string().optional(),
      }),
    )
    .min(1),
  contacts: z
    .array(
      z.object({
        wa_id: z.string().min(1).optional().catch(undefined),
        user_id: z.string().min(1).optional().catch(undefined),
      }),
    )
    .optional()
    .catch(undefined),
});

const MESSAGE_STATUSES: ReadonlySet<string> = new Set(['accepted', 'held_for_quality_assessment']);

function readAccepted(httpStatus: number, text: string): GraphSendResult {
  const json = parseJson(text);
  if (json === undefined) return unreadable(`HTTP ${httpStatus} answer is not JSON`);
  const parsed = SendResponseSchema.safeParse(json);
  if (!parsed.success) return unreadable(`HTTP ${httpStatus} answer has no messages[0].id holding a wamid`);
  const message = parsed.data.messages[0]!;
  const contact = parsed.data.contacts?.[0];
  const status = message.message_status;
  return {
    outcome: 'accepted',
    wamid: message.id,
    // Any other status Meta may add is left out rather than guessed at.
    ...(status !== undefined && MESSAGE_STATUSES.has(status) ? { messageStatus: status as 'accepted' | 'held_for_quality_assessment' } : {}),
    ...(contact?.wa_id === undefined ? {} : { waId: contact.wa_id }),
    ...(contact?.user_id === undefined ? {} : { userId: contact.user_id }),
    httpStatus,
  };
}

function readMarkRead(httpStatus: number, text: string): GraphSendResult {
  const json = parseJson(text);
  if (json === undefined) return unreadable(`HTTP ${httpStatus} answer to a read receipt is not JSON`);
  if (typeof json !== 'object' || json === null || (json as { success?: unknown }).success !== true) {
    return unreadable(`HTTP ${httpStatus} answer to a read receipt lacks success: true`);
  }
  return { outcome: 'marked_read', httpStatus };
}

function unreadable(detail: string): GraphSendResult {
  return { outcome: 'unknown', cause: 'unreadable_response', detail };
}

/** Each field is read on its own, so one odd field does not hide the others. */
const GraphErrorBodySchema = z.object({
  error: z.object({
    message: z.string().optional().catch(undefined),
    code: z.number().int().optional().catch(undefined),
    error_user_title: z.string().optional().catch(undefined),
    error_data: z.object({ details: z.string().optional().catch(undefined) }).optional().catch(undefined),
    fbtrace_id: z.string().optional().catch(undefined),
  }),
});

/** `"(#130429) Rate limit hit"` → `"Rate limit hit"`. */
const TITLE_IN_MESSAGE = /^\(#\d+\)\s*(.+)$/s;

/**
 * A non-2xx answer: the message was not accepted. Meta's Graph error body is parsed; any other body (an HTML
 * page from a proxy, a body cut short) leaves only the status.
 */
async function readError(response: Response, token: string): Promise<GraphSendResult> {
  const httpStatus = response.status;
  let text: string;
  try {
    text = await response.text();
  } catch {
    return { outcome: 'error', httpStatus, error: {} };
  }
  const parsed = GraphErrorBodySchema.safeParse(parseJson(text));
  if (!parsed.success) return { outcome: 'error', httpStatus, error: {} };
  const body = parsed.data.error;
  const title = body.error_user_title ?? (body.message === undefined ? undefined : TITLE_IN_MESSAGE.exec(body.message)?.[1]);
  const error: GraphSendError = {
    ...(body.code === undefined ? {} : { code: body.code }),
    ...(title === undefined ? {} : { title: redact(title, token) }),
    ...(body.message === undefined ? {} : { message: redact(body.message, token) }),
    ...(body.error_data?.details === undefined ? {} : { details: redact(body.error_data.details, token) }),
    ...(body.fbtrace_id === undefined ? {} : { fbtraceId: body.fbtrace_id }),
  };
  return { outcome: 'error', httpStatus, error };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
