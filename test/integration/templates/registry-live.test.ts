/**
 * The template registry live on the local stack: it starts with the sandbox's templates (synced from its
 * `message_templates`, as a deployment is), and the sandbox playing Meta changes it through the real path: a
 * signed template webhook → ingestion → the bus → the TemplateActivity consumer → DynamoDB, which the policy gate
 * then reads at the next send.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTemplateStore } from '#shared/adapters/template-store.js';
import { toTemplateInfo } from '#shared/domain/templates/to-template-info.js';
import { localClientConfig } from '#infra/local/emulators.js';
import { LOCAL_SECRET_DEFAULTS } from '#infra/local/stack.js';
import {
  BUSINESS_ACCOUNT_ID,
  dataOf,
  postMessage,
  sendRequest,
  startSendingStack,
  ukMobile,
  waitForEvent,
  type SendingStack,
} from '#test/support/stack-harness.js';

let s: SendingStack;
let raw: DynamoDBClient;
let store: ReturnType<typeof createTemplateStore>;

beforeAll(async () => {
  // Read the registry at every send here, so the test sees each change at once (the cache is unit-tested).
  s = await startSendingStack({ env: { TEMPLATE_CACHE_TTL_MS: '0' } });
  raw = new DynamoDBClient(localClientConfig(s.stack.dynamoEndpoint));
  store = createTemplateStore({ client: DynamoDBDocumentClient.from(raw), tableName: s.stateTableName });
}, 120_000);

afterAll(async () => {
  raw?.destroy();
  await s?.stop();
});

/**
 * Waits until the clock enters the next whole second. Meta (and the sandbox) time webhooks to the second, and two
 * facts about one aspect of a template within the same second are ordered by their values, not by arrival
 * (apply-fact.ts, rule 1): a test that changes a template twice waits so that Meta's times tell the order.
 */
async function nextSecond(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
}

/** `order_update`, the local stack's utility template: two positional body parameters. */
const orderUpdate = (...values: string[]) => ({ type: 'template', name: 'order_update', language: 'en_US', components: { body: values.map((v) => ({ type: 'text', text: v })) } });

describe('the template registry on the local stack', () => {
  it("holds the sandbox's templates at start, with the parameters the sends of the e2e tests fill", async () => {
    const info = async (name: string) => {
      const record = await store.get(BUSINESS_ACCOUNT_ID, name, 'en_US');
      return record === undefined ? undefined : toTemplateInfo(record);
    };
    expect(await info('order_update')).toMatchObject({ status: 'APPROVED', category: 'utility', parameterFormat: 'positional', parameters: { header: 0, body: 2, buttons: [] } });
    expect(await info('login_code')).toMatchObject({ status: 'APPROVED', category: 'authentication', parameters: { header: 0, body: 1, buttons: [0] } });
    expect(await info('spring_promo')).toMatchObject({
      status: 'APPROVED',
      category: 'marketing',
      parameterFormat: 'named',
      parameters: { header: 0, body: ['first_name'], buttons: [], optionalButtons: [0] },
    });
    const record = await store.get(BUSINESS_ACCOUNT_ID, 'order_update', 'en_US');
    expect(record?.templateId).toMatch(/^\d{15}$/);
  });

  it('refuses a send of a template the sandbox paused as template_paused, saying until when, and sends it again once approved', async () => {
    const paused = await s.stack.sandbox.reviewTemplate({ name: 'order_update', language: 'en_US', status: 'PAUSED' });
    expect(paused.webhooks.map((w) => w.delivered)).toEqual([200]);
    const pauseEvent = dataOf(await waitForEvent(s.eventsLogPath, { detailType: 'TemplatePaused', where: (e) => dataOf(e)['templateName'] === 'order_update' }, { timeoutMs: 30_000 }));
    expect(pauseEvent).toMatchObject({ businessAccountId: BUSINESS_ACCOUNT_ID, language: 'en_US', category: 'UTILITY', pauseTitle: 'FIRST_PAUSE' });
    expect(Date.parse(pauseEvent['pauseEndsAt'] as string) - Date.parse(pauseEvent['pausedAt'] as string)).toBe(3 * 3_600_000);

    const refused = await postMessage(s.stack.apiUrl, sendRequest({ idempotencyKey: 'registry-live-paused', to: ukMobile(301), message: orderUpdate('Zoë', 'Nº 9007199254740993 📦') }));
    expect(refused.status).toBe(422);
    expect(refused.json).toMatchObject({ decision: 'rejected', error: { code: 'template_paused', message: expect.stringContaining('132015') } });

    await nextSecond();
    await s.stack.sandbox.reviewTemplate({ name: 'order_update', language: 'en_US', status: 'APPROVED' });
    await waitForEvent(s.eventsLogPath, { detailType: 'TemplateUnpaused', where: (e) => dataOf(e)['templateName'] === 'order_update' }, { timeoutMs: 30_000 });

    const accepted = await postMessage(s.stack.apiUrl, sendRequest({ idempotencyKey: 'registry-live-approved', to: ukMobile(301), message: orderUpdate('Zoë', 'Nº 9007199254740993 📦') }));
    expect(accepted.status).toBe(202);
    const messageId = (accepted.json as { messageId: string }).messageId;
    await waitForEvent(s.eventsLogPath, { detailType: 'MessageSent', messageId }, { timeoutMs: 30_000 });
  }, 120_000);

  it('learns a template created at Meta from its first review webhook, and sends it with its named parameters', async () => {
    const created = await fetch(`${s.stack.sandboxUrl}/${s.stack.sandbox.graphVersion}/${BUSINESS_ACCOUNT_ID}/message_templates`, {
      method: 'POST',
      headers: { authorization: `Bearer ${LOCAL_SECRET_DEFAULTS.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'entrega_hoy',
        language: 'es',
        category: 'UTILITY',
        parameter_format: 'NAMED',
        components: [{ type: 'BODY', text: 'Hola {{nombre}}, tu paquete 📦 llega hoy. ¡Gracias!', example: { body_text_named_params: [{ param_name: 'nombre', example: 'Zoë' }] } }],
      }),
    });
    expect(created.status).toBe(200);
    expect(await store.get(BUSINESS_ACCOUNT_ID, 'entrega_hoy', 'es')).toBeUndefined();

    await s.stack.sandbox.reviewTemplate({ name: 'entrega_hoy', language: 'es', status: 'APPROVED' });
    const approved = dataOf(await waitForEvent(s.eventsLogPath, { detailType: 'TemplateApproved', where: (e) => dataOf(e)['templateName'] === 'entrega_hoy' }, { timeoutMs: 30_000 }));
    expect(approved).toMatchObject({ language: 'es', category: 'UTILITY', version: 1 });
    expect(approved['templateId']).toMatch(/^\d{17}$/);

    const message = { type: 'template', name: 'entrega_hoy', language: 'es', components: { body: [{ type: 'text', parameterName: 'nombre', text: 'Zoë' }] } };
    const accepted = await postMessage(s.stack.apiUrl, sendRequest({ idempotencyKey: 'registry-live-created', to: ukMobile(303), message }));
    expect(accepted.status, accepted.text).toBe(202);
    await waitForEvent(s.eventsLogPath, { detailType: 'MessageSent', messageId: (accepted.json as { messageId: string }).messageId }, { timeoutMs: 30_000 });
  }, 120_000);

  it("bills a template Meta re-categorised to marketing as marketing at the next send (consent needed)", async () => {
    await nextSecond();
    await s.stack.sandbox.changeTemplateCategory({ name: 'order_update', language: 'en_US', phase: 'completed', category: 'MARKETING' });
    const recategorised = dataOf(await waitForEvent(s.eventsLogPath, { detailType: 'TemplateRecategorised', where: (e) => dataOf(e)['templateName'] === 'order_update' }, { timeoutMs: 30_000 }));
    expect(recategorised).toMatchObject({ previousCategory: 'UTILITY', newCategory: 'MARKETING' });

    const refused = await postMessage(s.stack.apiUrl, sendRequest({ idempotencyKey: 'registry-live-marketing', to: ukMobile(302), message: orderUpdate('Ana', 'A-1') }));
    expect(refused.status).toBe(422);
    expect(refused.json).toMatchObject({ error: { code: 'consent_missing' } });
  }, 120_000);
});
