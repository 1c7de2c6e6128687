import { changeCapability, changePhoneQuality, restrictAccount } from './account-control.js';
import { ControlInputError } from './control-input.js';
import { actAsCustomer, setMarketingPreference } from './customer-actions.js';
import { parseFaultSpecs } from './faults.js';
import type { JsonParse } from './http.js';
import type { SandboxState } from './state.js';
import { changeTemplateCategory, changeTemplateComponents, changeTemplateQuality, reviewTemplate } from './template-control.js';
import { parseTemplateDefs } from './templates.js';

/**
 * The `/_sandbox/*` control API (documented in README.md): JSON in, JSON out; bad input is a 400
 * `{ error: { message, field } }` naming the field.
 */
export interface ControlResult {
  readonly status: number;
  readonly body: unknown;
}

type Handler = (state: SandboxState, params: Record<string, string>, body: () => unknown) => Promise<ControlResult> | ControlResult;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly params: readonly string[];
  readonly handler: Handler;
}

const ok = (body: unknown): ControlResult => ({ status: 200, body });

const ROUTES: readonly Route[] = [
  {
    method: 'GET',
    pattern: /^\/_sandbox\/health$/,
    params: [],
    handler: (state) =>
      ok({
        status: 'ok',
        graphVersion: state.config.graphVersion,
        businessAccountId: state.config.businessAccountId,
        phoneNumbers: state.config.phoneNumbers,
        webhookUrl: state.config.webhookUrl,
        windowEnforcement: state.config.windowEnforcement,
      }),
  },
  {
    method: 'POST',
    pattern: /^\/_sandbox\/customers\/([^/]+)\/messages$/,
    params: ['waId'],
    handler: async (state, params, body) => ok(await actAsCustomer(state, params['waId']!, body())),
  },
  {
    method: 'POST',
    pattern: /^\/_sandbox\/customers\/([^/]+)\/marketing$/,
    params: ['waId'],
    handler: async (state, params, body) => ok(await setMarketingPreference(state, params['waId']!, body())),
  },
  { method: 'GET', pattern: /^\/_sandbox\/requests$/, params: [], handler: (state) => ok({ requests: state.requests() }) },
  { method: 'DELETE', pattern: /^\/_sandbox\/requests$/, params: [], handler: (state) => ok({ cleared: state.clearRequests() }) },
  { method: 'GET', pattern: /^\/_sandbox\/faults$/, params: [], handler: (state) => ok({ faults: state.faults.active() }) },
  {
    method: 'POST',
    pattern: /^\/_sandbox\/faults$/,
    params: [],
    handler: (state, _params, body) => {
      const specs = parseFaultSpecs(body());
      for (const spec of specs) state.faults.add(spec);
      return ok({ faults: state.faults.active() });
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/_sandbox\/faults$/,
    params: [],
    handler: (state) => {
      state.faults.clear();
      return ok({ faults: [] });
    },
  },
  { method: 'GET', pattern: /^\/_sandbox\/templates$/, params: [], handler: (state) => ok({ templates: state.templates.list() }) },
  {
    method: 'POST',
    pattern: /^\/_sandbox\/templates$/,
    params: [],
    handler: (state, _params, body) => ok({ templates: state.templates.upsert(parseTemplateDefs(body())) }),
  },
  { method: 'POST', pattern: /^\/_sandbox\/templates\/review$/, params: [], handler: async (state, _p, body) => ok(await reviewTemplate(state, body())) },
  { method: 'POST', pattern: /^\/_sandbox\/templates\/quality$/, params: [], handler: async (state, _p, body) => ok(await changeTemplateQuality(state, body())) },
  { method: 'POST', pattern: /^\/_sandbox\/templates\/category$/, params: [], handler: async (state, _p, body) => ok(await changeTemplateCategory(state, body())) },
  {
    method: 'POST',
    pattern: /^\/_sandbox\/templates\/components$/,
    params: [],
    handler: async (state, _p, body) => ok(await changeTemplateComponents(state, body())),
  },
  {
    method: 'POST',
    pattern: /^\/_sandbox\/phone-numbers\/([^/]+)\/quality$/,
    params: ['phoneNumberId'],
    handler: async (state, params, body) => ok(await changePhoneQuality(state, params['phoneNumberId']!, body())),
  },
  { method: 'POST', pattern: /^\/_sandbox\/account\/capability$/, params: [], handler: async (state, _p, body) => ok(await changeCapability(state, body())) },
  { method: 'POST', pattern: /^\/_sandbox\/account\/restriction$/, params: [], handler: async (state, _p, body) => ok(await restrictAccount(state, body())) },
  { method: 'GET', pattern: /^\/_sandbox\/messages$/, params: [], handler: (state) => ok({ messages: state.lifecycle.messages() }) },
  { method: 'GET', pattern: /^\/_sandbox\/webhooks$/, params: [], handler: (state) => ok({ deliveries: state.dispatcher.deliveries() }) },
];

export async function handleControlRequest(state: SandboxState, method: string, path: string, rawBody: JsonParse | undefined): Promise<ControlResult> {
  const matching = ROUTES.filter((route) => route.pattern.test(path));
  if (matching.length === 0) return { status: 404, body: { error: { message: `no control route ${path}; see infra/local/sandbox/README.md` } } };
  const route = matching.find((r) => r.method === method);
  if (route === undefined) {
    return { status: 405, body: { error: { message: `${method} is not supported on ${path}; use ${matching.map((r) => r.method).join(' or ')}` } } };
  }
  const match = route.pattern.exec(path)!;
  const params = Object.fromEntries(route.params.map((name, i) => [name, match[i + 1]!]));
  const body = (): unknown => {
    if (rawBody === undefined || (!rawBody.ok && rawBody.text.trim() === '')) throw new ControlInputError('(body)', '(body): a JSON body is required');
    if (!rawBody.ok) throw new ControlInputError('(body)', '(body): not valid JSON');
    return rawBody.value;
  };
  try {
    return await route.handler(state, params, body);
  } catch (error) {
    if (error instanceof ControlInputError) return { status: 400, body: { error: { message: error.message, field: error.field } } };
    throw error;
  }
}
