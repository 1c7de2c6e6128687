import { limitTier } from './account.js';
import type { Customer } from './customers.js';
import {
  GraphApiError,
  invalidTokenError,
  newFbtraceId,
  standardError,
  unknownObjectError,
  unknownPathError,
  whatsappError,
} from './graph-errors.js';
import type { JsonParse } from './http.js';
import { newWamid } from './identity.js';
import { handlePhoneNumbers } from './phone-numbers.js';
import { pricingFor } from './pricing.js';
import type { AsyncFailureCode } from './status-lifecycle.js';
import { GRAPH_VERSION_PATTERN, type SandboxState } from './state.js';
import { handleTemplateManagement } from './template-management.js';
import { SEND_FAULT_KINDS, type FaultKind, type MessageCategory, type PhoneNumberDef, type TemplateRecord } from './types.js';
import { isObject } from './validation/params.js';
import { validateSendRequest, type MarkReadRequest, type MessageRequest } from './validation/message.js';

/** What the Graph endpoint answers; the server writes it and logs it. */
export interface GraphResult {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
  readonly code?: number;
  readonly wamid?: string;
  readonly phoneNumberId?: string;
  readonly fault?: FaultKind;
  /** Hold the answer this long (timeout fault). */
  readonly holdMs?: number;
}

export interface GraphRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
  readonly body: JsonParse | undefined;
  /** `http://host:port` as the client addressed the sandbox: the base of `paging.next` links. */
  readonly origin?: string;
}

/**
 * `POST /{version}/{phoneNumberId}/messages` (and `GET /{version}/{phoneNumberId}`, and the WABA's
 * `/{version}/{waba-id}/message_templates`, see template-management.ts), checked in Meta's order:
 * path and version (2500), access token (190, HTTP 401), phone number id (100 / subcode 33), injected faults,
 * payload (100 / 131008 / 131009), recipient, template (132xxx), window (131047 when enforced synchronously),
 * throughput (130429), pair rate (131056). An accepted message gets its statuses scheduled.
 */
export function handleGraphRequest(state: SandboxState, request: GraphRequest): GraphResult {
  const segments = request.path.split('/').filter((s) => s !== '');
  const version = segments[0];
  if (version === undefined || !GRAPH_VERSION_PATTERN.test(version) || !state.config.acceptedVersions.has(version) || segments.length < 2) {
    return fromError(unknownPathError(request.path));
  }
  if (!authorised(state, request)) return fromError(invalidTokenError());
  if (segments.length === 3 && segments[2] === 'message_templates') return handleTemplateManagement(state, request, version, segments[1]!);
  if (segments.length === 3 && segments[2] === 'phone_numbers') return handlePhoneNumbers(state, request, segments[1]!);

  const phoneNumberId = segments[1]!;
  const number = state.number(phoneNumberId);
  if (number === undefined) return fromError(unknownObjectError(request.method, phoneNumberId));

  if (segments.length === 2 && request.method === 'GET') {
    return {
      status: 200,
      phoneNumberId,
      body: {
        verified_name: 'Relais Sandbox',
        display_phone_number: number.displayPhoneNumber,
        id: number.id,
        quality_rating: state.account.qualityOf(number.id),
        code_verification_status: 'VERIFIED',
        platform_type: 'CLOUD_API',
        throughput: { level: state.account.throughputOf(number.id) },
        whatsapp_business_manager_messaging_limit: limitTier(state.account.messagingLimit),
      },
    };
  }
  if (segments.length !== 3 || segments[2] !== 'messages') return { ...fromError(unknownPathError(request.path)), phoneNumberId };
  if (request.method !== 'POST') return { ...fromError(unknownObjectError(request.method, phoneNumberId)), phoneNumberId };

  return { ...handleMessages(state, number, request.body), phoneNumberId };
}

function handleMessages(state: SandboxState, number: PhoneNumberDef, body: JsonParse | undefined): GraphResult {
  if (body === undefined || !body.ok) return fromError(whatsappError(100, 'The request body is not valid JSON.'));
  const isMarkRead = isObject(body.value) && body.value['status'] !== undefined;
  const fault = isMarkRead ? undefined : state.faults.take(SEND_FAULT_KINDS);
  if (fault !== undefined && fault.kind !== 'timeout') {
    const error = fault.kind === 'http500' ? standardError(131000) : fault.kind === 'throttle' ? standardError(130429) : standardError(131056);
    return { ...fromError(error), fault: fault.kind };
  }
  let result: GraphResult;
  try {
    const request = validateSendRequest(body.value);
    result = request.kind === 'mark_read' ? markRead(state, number, request) : send(state, number, request, body.value);
  } catch (error) {
    if (!(error instanceof GraphApiError)) throw error;
    result = fromError(error);
  }
  return fault === undefined ? result : { ...result, fault: fault.kind, holdMs: fault.holdMs };
}

function markRead(state: SandboxState, number: PhoneNumberDef, request: MarkReadRequest): GraphResult {
  if (state.inboundWamids.get(request.messageId) !== number.id) {
    throw whatsappError(100, `Param message_id must be the id of a message this business number received; ${request.messageId} is not.`);
  }
  return { status: 200, body: { success: true } };
}

function send(state: SandboxState, number: PhoneNumberDef, request: MessageRequest, payload: unknown): GraphResult {
  const customer = request.to !== undefined ? state.customers.byPhone(request.to.waId) : state.customers.byBsuid(request.recipientUserId!);
  if (customer.waId !== undefined && customer.waId === number.displayPhoneNumber) {
    throw whatsappError(131021, 'The recipient phone number is the sender phone number.');
  }

  let template: TemplateRecord | undefined;
  if (request.template !== undefined) {
    template = state.templates.resolve(request.template);
    if (template.category === 'AUTHENTICATION' && request.to === undefined) {
      throw whatsappError(131062, 'Authentication templates must be sent to a phone number (to), not to a business-scoped user id.');
    }
  }
  const category: MessageCategory = template === undefined ? 'service' : (template.category.toLowerCase() as MessageCategory);

  const now = state.clock();
  const insideServiceWindow = state.windows.isServiceWindowOpen(number.id, customer.key, now);
  if (template === undefined && !insideServiceWindow && state.config.windowEnforcement === 'sync') throw standardError(131047);

  const verdict = state.limiter.take(number.id, customer.key, now);
  if (verdict === 'throughput') throw standardError(130429);
  if (verdict === 'pair_rate') throw standardError(131056);

  const failure = plannedFailure(state, customer, category, template !== undefined, insideServiceWindow);
  const freeEntryPoint = failure === undefined ? state.windows.freeEntryPointFor(number.id, customer.key, now) : undefined;
  const pricing = failure === undefined ? pricingFor({ category, insideServiceWindow, insideFreeEntryPoint: freeEntryPoint !== undefined, at: now }) : undefined;
  const wamid = newWamid(customer.waId ?? customer.userId);

  state.lifecycle.accept({
    wamid,
    number,
    customer,
    sentToPhone: request.to !== undefined,
    type: request.type,
    category,
    ...(template === undefined ? {} : { template: { name: template.name, language: template.language } }),
    acceptedAt: now,
    ...(request.bizOpaqueCallbackData === undefined ? {} : { bizOpaqueCallbackData: request.bizOpaqueCallbackData }),
    ...(pricing === undefined ? {} : { pricing }),
    ...(freeEntryPoint === undefined ? {} : { freeEntryPoint }),
    ...(failure === undefined ? {} : { failure }),
    payload,
  });

  const contact =
    request.to !== undefined ? { input: request.to.input, wa_id: request.to.waId } : { input: request.recipientUserId!, user_id: request.recipientUserId! };
  return {
    status: 200,
    wamid,
    body: {
      messaging_product: 'whatsapp',
      contacts: [contact],
      messages: [{ id: wamid, ...(template === undefined ? {} : { message_status: 'accepted' }) }],
    },
  };
}

/**
 * Failures Meta reports after accepting a send (https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes):
 * - 131026: the number is not on WhatsApp;
 * - 131050: a marketing template to a customer who stopped marketing messages;
 * - 131049: a marketing template to a US number (Meta delivers none at present);
 * - 131047: a non-template message outside the customer-service window (async enforcement).
 */
function plannedFailure(
  state: SandboxState,
  customer: Customer,
  category: MessageCategory,
  isTemplate: boolean,
  insideServiceWindow: boolean,
): AsyncFailureCode | undefined {
  if (state.customers.isUndeliverable(customer)) return 131026;
  if (category === 'marketing' && customer.marketingStopped) return 131050;
  if (category === 'marketing' && state.customers.region(customer) === 'US') return 131049;
  if (!isTemplate && !insideServiceWindow) return 131047;
  return undefined;
}

function authorised(state: SandboxState, request: GraphRequest): boolean {
  const header = request.authorization?.trim();
  const match = header === undefined ? null : /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(header);
  const token = match?.[1] ?? request.query.get('access_token') ?? undefined;
  return token === state.config.accessToken;
}

export function fromError(error: GraphApiError): GraphResult {
  const fbtraceId = newFbtraceId();
  return { status: error.httpStatus, code: error.code, body: error.toBody(fbtraceId), headers: { ...error.extraHeaders, 'x-fb-trace-id': fbtraceId } };
}
