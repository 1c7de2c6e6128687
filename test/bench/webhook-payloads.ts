import { signWebhookBody } from '../../shared/domain/ingestion/webhook-signature.js';
import { loadFixture } from '../fixtures/meta/index.js';

/**
 * Signed webhook bodies for the ingestion benchmark, built from Meta's documented examples in
 * `test/fixtures/meta/`. Every body is unique (distinct wamids, per request and per update) and signed with
 * the app secret, as Meta would send it, so the receiver and its consumers do real work rather than
 * de-duplicating one payload over and over.
 */

export type WebhookScenario = 'single' | 'batch100';

interface Change {
  field: string;
  value: Record<string, unknown> & {
    contacts?: Array<Record<string, unknown>>;
    messages?: Array<Record<string, unknown>>;
    statuses?: Array<Record<string, unknown>>;
  };
}

interface Payload {
  object: string;
  entry: Array<{ id: string; changes: Change[] }>;
}

function firstChange(fixture: string): Change {
  const payload = loadFixture(fixture) as Payload;
  const change = payload.entry[0]?.changes[0];
  if (change === undefined) throw new Error(`fixture ${fixture} has no entry[0].changes[0]`);
  return change;
}

/** A wamid shaped like Meta's (`wamid.` + base64), unique for (run, request, update). */
export function benchWamid(runId: string, request: number, update: number): string {
  return `wamid.${Buffer.from(`relais-bench/${runId}/${request}/${update}`).toString('base64')}`;
}

/** One of 1,000 customers (US numbers valid for libphonenumber), so contacts are not all one hot item. */
export function customerWaId(n: number): string {
  return `1650555${String(1000 + (n % 1000))}`;
}

export interface WebhookBodyFactory {
  readonly scenario: WebhookScenario;
  /** Updates (events) per body. */
  readonly updatesPerBody: number;
  /** The n-th body and its `X-Hub-Signature-256`. */
  body(n: number): { body: string; signature: string };
}

/**
 * - `single`: one inbound text message (`messages-text`), from one of 1,000 customers;
 * - `batch100`: one entry with 100 changes, each one status update — sent (with PMP pricing), delivered and
 *   read in turn (`statuses-sent-pmp`, `statuses-delivered`, `statuses-read`) — for 100 distinct messages.
 */
export function webhookBodyFactory(scenario: WebhookScenario, appSecret: string, runId: string): WebhookBodyFactory {
  const text = firstChange('messages-text');
  const statuses = [firstChange('statuses-sent-pmp'), firstChange('statuses-delivered'), firstChange('statuses-read')];
  const wabaId = (loadFixture('messages-text') as Payload).entry[0]!.id;
  const updatesPerBody = scenario === 'single' ? 1 : 100;

  const build = (n: number): Payload => {
    const nowSeconds = String(Math.floor(Date.now() / 1000));
    if (scenario === 'single') {
      const waId = customerWaId(n);
      const change = structuredClone(text);
      change.value.contacts = (change.value.contacts ?? []).map((c) => ({ ...c, wa_id: waId }));
      change.value.messages = (change.value.messages ?? []).map((m) => ({ ...m, id: benchWamid(runId, n, 0), from: waId, timestamp: nowSeconds }));
      return { object: 'whatsapp_business_account', entry: [{ id: wabaId, changes: [change] }] };
    }
    const changes: Change[] = [];
    for (let i = 0; i < 100; i++) {
      const change = structuredClone(statuses[i % statuses.length]!);
      change.value.statuses = (change.value.statuses ?? []).map((s) => ({ ...s, id: benchWamid(runId, n, i), timestamp: nowSeconds }));
      changes.push(change);
    }
    return { object: 'whatsapp_business_account', entry: [{ id: wabaId, changes }] };
  };

  return {
    scenario,
    updatesPerBody,
    body(n) {
      const body = JSON.stringify(build(n));
      return { body, signature: signWebhookBody(body, appSecret) };
    },
  };
}
