import { limitTier } from './account.js';
import { fromError, type GraphRequest, type GraphResult } from './graph-api.js';
import { unknownObjectError } from './graph-errors.js';
import type { SandboxState } from './state.js';

/**
 * `GET /{version}/{waba-id}/phone_numbers`: the WABA's numbers as the WhatsApp Business Management API lists them
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/reference/whatsapp-business-account/phone-numbers-api),
 * with the quality rating and throughput level the control endpoints set. One page: the sandbox holds a handful of
 * numbers. Ids are written as strings, as Meta does.
 */
export function handlePhoneNumbers(state: SandboxState, request: GraphRequest, wabaId: string): GraphResult {
  if (wabaId !== state.config.businessAccountId) return fromError(unknownObjectError(request.method, wabaId));
  if (request.method !== 'GET') return fromError(unknownObjectError(request.method, wabaId));
  const data = state.config.phoneNumbers.map((number) => ({
    verified_name: 'Relais Sandbox',
    display_phone_number: number.displayPhoneNumber,
    id: number.id,
    quality_rating: state.account.qualityOf(number.id),
    code_verification_status: 'VERIFIED',
    status: 'CONNECTED',
    platform_type: 'CLOUD_API',
    throughput: { level: state.account.throughputOf(number.id) },
    whatsapp_business_manager_messaging_limit: limitTier(state.account.messagingLimit),
  }));
  const cursor = Buffer.from(`sandbox-numbers:${data.length}`).toString('base64');
  return { status: 200, body: { data, paging: { cursors: { before: cursor, after: cursor } } } };
}
