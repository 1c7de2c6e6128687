import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { logger } from '#shared/logger.js';

import { changeCapability, changePhoneQuality, restrictAccount, type AccountChangeResult } from './account-control.js';
import { handleControlRequest } from './control-routes.js';
import { actAsCustomer, setMarketingPreference } from './customer-actions.js';
import { parseFaultSpecs } from './faults.js';
import { handleGraphRequest, type GraphResult } from './graph-api.js';
import { newFbtraceId } from './graph-errors.js';
import { BodyTooLargeError, parseJson, readBody, sendJson, type JsonParse } from './http.js';
import type { CustomerMessageInput, MarketingPreferenceInput } from './inbound.js';
import { SandboxState } from './state.js';
import { changeTemplateCategory, changeTemplateComponents, changeTemplateQuality, reviewTemplate, type TemplateChangeResult } from './template-control.js';
import { parseTemplateDefs } from './templates.js';
import type {
  ActiveFault,
  CustomerMessageResult,
  FaultSpec,
  MarketingPreferenceResult,
  OutboundMessage,
  PhoneNumberDef,
  RequestLogEntry,
  SandboxOptions,
  TemplateDef,
  TemplateRecord,
  WebhookDelivery,
} from './types.js';

export type * from './types.js';
export type { CustomerMessageInput, MarketingPreferenceInput } from './inbound.js';
export { ControlInputError } from './control-input.js';
export type { AccountChangeResult } from './account-control.js';
export type { TemplateChangeResult, WebhookOutcome } from './template-control.js';

const log = logger.createChild({ serviceName: 'whatsapp-sandbox' });

/** A running sandbox: Meta's Graph API for Relais' sender, plus the control surface for tests. */
export interface Sandbox {
  /** `http://127.0.0.1:<port>`: the Graph base URL to configure instead of `https://graph.facebook.com`. */
  readonly url: string;
  readonly port: number;
  readonly graphVersion: string;
  readonly businessAccountId: string;
  readonly phoneNumbers: readonly PhoneNumberDef[];
  close(): Promise<void>;
  /** Every Graph request received, oldest first. */
  requests(): RequestLogEntry[];
  clearRequests(): void;
  /** Every accepted message with the statuses emitted so far. */
  messages(): OutboundMessage[];
  /** Every webhook POSTed to Relais, after retries. */
  webhookDeliveries(): WebhookDelivery[];
  /** Acts as the customer `customerId` (phone digits or BSUID) writing to a business number. */
  actAsCustomer(customerId: string, input: CustomerMessageInput): Promise<CustomerMessageResult>;
  setMarketingPreference(customerId: string, input: MarketingPreferenceInput): Promise<MarketingPreferenceResult>;
  /** Replaces the injected faults. */
  setFaults(faults: FaultSpec | readonly FaultSpec[]): ActiveFault[];
  addFault(fault: FaultSpec): ActiveFault;
  clearFaults(): void;
  faults(): ActiveFault[];
  upsertTemplates(defs: TemplateDef | readonly TemplateDef[]): TemplateRecord[];
  templates(): TemplateRecord[];
  /**
   * Meta's side after submission, as the `/_sandbox/templates/review`, `/quality`, `/category` and `/components`
   * endpoints play it (same input, same answer): the template changes and Meta's signed webhook is sent.
   * @throws ControlInputError naming the field, for input those endpoints answer with 400
   */
  reviewTemplate(input: unknown): Promise<TemplateChangeResult>;
  changeTemplateQuality(input: unknown): Promise<TemplateChangeResult>;
  changeTemplateCategory(input: unknown): Promise<TemplateChangeResult>;
  changeTemplateComponents(input: unknown): Promise<TemplateChangeResult>;
  /** As `/_sandbox/phone-numbers/{id}/quality`, `/_sandbox/account/capability` and `/_sandbox/account/restriction`. */
  changePhoneQuality(phoneNumberId: string, input: unknown): Promise<AccountChangeResult>;
  changeCapability(input: unknown): Promise<AccountChangeResult>;
  restrictAccount(input: unknown): Promise<AccountChangeResult>;
  /** Resolves once every scheduled status webhook has been sent (or given up). */
  idle(): Promise<void>;
}

/**
 * Starts the WhatsApp Cloud API sandbox: `POST /{version}/{phoneNumberId}/messages` as Meta answers it, signed
 * webhooks to `webhookUrl`, and the `/_sandbox/*` control API. Everything is kept in memory.
 */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const state = new SandboxState(options);
  const holds = new AbortController();

  const server: Server = createServer((req, res) => {
    void serve(req, res).catch((error: unknown) => {
      // The path is not logged: control paths carry customers' phone numbers.
      const surface = req.url?.startsWith('/_sandbox') === true ? 'control' : 'graph';
      log.error('sandbox request failed', { error: error instanceof Error ? error.message : String(error), surface, method: req.method });
      sendJson(res, 500, { error: { message: 'sandbox internal error', type: 'OAuthException', code: 1, fbtrace_id: newFbtraceId() } });
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const method = req.method ?? 'GET';
    let body: JsonParse | undefined;
    try {
      const raw = await readBody(req);
      body = raw.length === 0 ? undefined : parseJson(raw);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return sendJson(res, 413, { error: { message: error.message } });
      throw error;
    }

    if (url.pathname === '/_sandbox' || url.pathname.startsWith('/_sandbox/')) {
      const result = await handleControlRequest(state, method, url.pathname, body);
      return sendJson(res, result.status, result.body);
    }

    const receivedAt = state.clock();
    const result = handleGraphRequest(state, {
      method,
      path: url.pathname,
      query: url.searchParams,
      authorization: req.headers.authorization,
      body,
      ...(req.headers.host === undefined ? {} : { origin: `http://${req.headers.host}` }),
    });
    state.logRequest(logEntry(method, url.pathname, receivedAt, body, result));
    if (result.holdMs !== undefined && result.holdMs > 0) {
      try {
        await sleep(result.holdMs, undefined, { signal: holds.signal });
      } catch {
        return;
      }
    }
    const headers: Record<string, string> = { 'x-fb-trace-id': newFbtraceId(), 'facebook-api-version': state.config.graphVersion, ...result.headers };
    sendJson(res, result.status, result.body, headers);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(state.config.port, state.config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.keepAliveTimeout = 65_000;
  const { port } = server.address() as AddressInfo;
  const url = `http://${state.config.host}:${port}`;
  let closing: Promise<void> | undefined;

  return {
    url,
    port,
    graphVersion: state.config.graphVersion,
    businessAccountId: state.config.businessAccountId,
    phoneNumbers: state.config.phoneNumbers,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        holds.abort();
        state.close();
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closing;
    },
    requests: () => state.requests(),
    clearRequests: () => {
      state.clearRequests();
    },
    messages: () => state.lifecycle.messages(),
    webhookDeliveries: () => state.dispatcher.deliveries(),
    actAsCustomer: (customerId, input) => actAsCustomer(state, customerId, input),
    setMarketingPreference: (customerId, input) => setMarketingPreference(state, customerId, input),
    setFaults: (faults) => {
      const specs = parseFaultSpecs(faults);
      state.faults.clear();
      for (const spec of specs) state.faults.add(spec);
      return state.faults.active();
    },
    addFault: (fault) => {
      const [spec] = parseFaultSpecs(fault);
      return state.faults.add(spec!);
    },
    clearFaults: () => state.faults.clear(),
    faults: () => state.faults.active(),
    upsertTemplates: (defs) => state.templates.upsert(parseTemplateDefs(defs)),
    templates: () => state.templates.list(),
    reviewTemplate: (input) => reviewTemplate(state, input),
    changeTemplateQuality: (input) => changeTemplateQuality(state, input),
    changeTemplateCategory: (input) => changeTemplateCategory(state, input),
    changeTemplateComponents: (input) => changeTemplateComponents(state, input),
    changePhoneQuality: (phoneNumberId, input) => changePhoneQuality(state, phoneNumberId, input),
    changeCapability: (input) => changeCapability(state, input),
    restrictAccount: (input) => restrictAccount(state, input),
    idle: () => state.lifecycle.idle(),
  };
}

function logEntry(method: string, path: string, receivedAt: number, body: JsonParse | undefined, result: GraphResult): Omit<RequestLogEntry, 'seq'> {
  return {
    time: new Date(receivedAt).toISOString(),
    method,
    path,
    ...(result.phoneNumberId === undefined ? {} : { phoneNumberId: result.phoneNumberId }),
    body: body === undefined ? null : body.ok ? body.value : body.text,
    status: result.status,
    ...(result.code === undefined ? {} : { code: result.code }),
    ...(result.wamid === undefined ? {} : { wamid: result.wamid }),
    ...(result.fault === undefined ? {} : { fault: result.fault }),
  };
}
