/**
 * The sandbox's `/_sandbox/*` control API over HTTP, as the README's curl examples use it: the request log,
 * customers, marketing preferences, faults, templates, health, and 400s that name the bad field.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { startSandbox, type Sandbox, type SandboxOptions } from '../../../infra/local/sandbox/server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../../infra/local/sandbox/webhook-receiver.js';

const APP_SECRET = 'sandbox-test-secret';
const TOKEN = 'sandbox-test-token';
const NUMBER_ID = '106540352242922';
const CUSTOMER = '447700900123';
const JUNE_2026 = Date.UTC(2026, 5, 1, 12);

interface Harness {
  readonly sandbox: Sandbox;
  readonly receiver: WebhookReceiver;
  control(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }>;
  graph(body: unknown, token?: string): Promise<number>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function start(overrides: Partial<SandboxOptions> = {}): Promise<Harness> {
  const receiver = await startWebhookReceiver({ appSecret: APP_SECRET });
  cleanups.push(() => receiver.close());
  const sandbox = await startSandbox({
    webhookUrl: receiver.url,
    appSecret: APP_SECRET,
    accessToken: TOKEN,
    statusDelaysMs: { sent: 1, delivered: 2, read: 3 },
    webhookRetry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 5 },
    clock: () => JUNE_2026,
    ...overrides,
  });
  cleanups.push(() => sandbox.close());
  return {
    sandbox,
    receiver,
    control: async (method, path, body) => {
      const response = await fetch(`${sandbox.url}${path}`, {
        method,
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    },
    graph: async (body, token = TOKEN) => {
      const response = await fetch(`${sandbox.url}/v25.0/${NUMBER_ID}/messages?trace=1`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      await response.body?.cancel();
      return response.status;
    },
  };
}

describe('sandbox control API', () => {
  it('reports health with the configured version and numbers', async () => {
    const h = await start();

    const health = await h.control('GET', '/_sandbox/health');

    expect(health).toEqual({
      status: 200,
      json: expect.objectContaining({ status: 'ok', graphVersion: 'v25.0', phoneNumbers: [{ id: NUMBER_ID, displayPhoneNumber: '15550783881' }] }),
    });
  });

  it('acts as a customer over HTTP, returning the wamid and what Relais answered', async () => {
    const h = await start();

    const result = await h.control('POST', `/_sandbox/customers/%2B${CUSTOMER}/messages`, { type: 'text', text: { body: 'hi' } });

    expect(result).toEqual({ status: 200, json: { wamid: expect.stringMatching(/^wamid\./), delivered: 200, attempts: 1 } });
    expect(h.receiver.received()).toHaveLength(1);
  });

  it('records every Graph request with its body, status and code, and clears the log on DELETE', async () => {
    const h = await start();
    await h.control('POST', `/_sandbox/customers/${CUSTOMER}/messages`, { type: 'text', text: { body: 'hi' } });
    const message = { messaging_product: 'whatsapp', to: CUSTOMER, type: 'text', text: { body: 'hello' } };

    await h.graph(message);
    await h.graph(message, 'wrong-token');
    await h.graph('not json');

    const log = await h.control('GET', '/_sandbox/requests');
    expect(log.json['requests']).toEqual([
      { seq: 1, time: new Date(JUNE_2026).toISOString(), method: 'POST', path: `/v25.0/${NUMBER_ID}/messages`, phoneNumberId: NUMBER_ID, body: message, status: 200, wamid: expect.stringMatching(/^wamid\./) },
      { seq: 2, time: expect.any(String), method: 'POST', path: `/v25.0/${NUMBER_ID}/messages`, body: message, status: 401, code: 190 },
      { seq: 3, time: expect.any(String), method: 'POST', path: `/v25.0/${NUMBER_ID}/messages`, phoneNumberId: NUMBER_ID, body: 'not json', status: 400, code: 100 },
    ]);
    expect((await h.control('DELETE', '/_sandbox/requests')).json).toEqual({ cleared: 3 });
    expect((await h.control('GET', '/_sandbox/requests')).json).toEqual({ requests: [] });
  });

  it('registers templates, lists them, and makes them sendable', async () => {
    const h = await start();

    const created = await h.control('POST', '/_sandbox/templates', {
      name: 'order_ready',
      language: 'en_US',
      category: 'utility',
      parameterFormat: 'positional',
      components: { body: 1 },
    });
    const listed = await h.control('GET', '/_sandbox/templates');
    const sent = await h.graph({
      messaging_product: 'whatsapp',
      to: CUSTOMER,
      type: 'template',
      template: { name: 'order_ready', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'A-1' }] }] },
    });

    expect(created.status).toBe(200);
    expect(listed.json['templates']).toEqual([
      {
        id: expect.stringMatching(/^\d+$/),
        name: 'order_ready',
        language: 'en_US',
        category: 'UTILITY',
        status: 'APPROVED',
        parameterFormat: 'positional',
        components: { body: 1 },
        metaComponents: [{ type: 'BODY', text: 'Hello, {{1}} is ready.', example: { body_text: [['example 1']] } }],
        qualityScore: { score: 'UNKNOWN', date: expect.any(Number) },
        pauses: 0,
      },
    ]);
    expect(sent).toBe(200);
  });

  it('replaces a template with the same name and language, e.g. to pause it', async () => {
    const h = await start({ templates: [{ name: 'promo', language: 'en_US', category: 'MARKETING' }] });
    const [before] = h.sandbox.templates();

    await h.control('POST', '/_sandbox/templates', [{ name: 'promo', language: 'en_US', category: 'MARKETING', status: 'PAUSED' }]);

    expect(h.sandbox.templates()).toEqual([expect.objectContaining({ id: before?.id, status: 'PAUSED' })]);
  });

  it('sets, lists and clears faults', async () => {
    const h = await start();

    const set = await h.control('POST', '/_sandbox/faults', { kind: 'http500', count: 2 });
    const listed = await h.control('GET', '/_sandbox/faults');
    const cleared = await h.control('DELETE', '/_sandbox/faults');

    expect(set.json['faults']).toEqual([expect.objectContaining({ kind: 'http500', remaining: 2 })]);
    expect(listed.json).toEqual(set.json);
    expect(cleared.json).toEqual({ faults: [] });
    expect(h.sandbox.faults()).toEqual([]);
  });

  it('lists accepted messages with their statuses and the webhook deliveries', async () => {
    const h = await start();
    await h.control('POST', `/_sandbox/customers/${CUSTOMER}/messages`, { type: 'text', text: { body: 'hi' } });
    await h.graph({ messaging_product: 'whatsapp', to: CUSTOMER, text: { body: 'hello' } });
    await h.sandbox.idle();

    const messages = await h.control('GET', '/_sandbox/messages');
    const webhooks = await h.control('GET', '/_sandbox/webhooks');

    expect(messages.json['messages']).toEqual([
      expect.objectContaining({
        category: 'service',
        recipient: { waId: CUSTOMER, userId: expect.stringMatching(/^GB\./) },
        statuses: [
          expect.objectContaining({ status: 'sent', webhookStatus: 200 }),
          expect.objectContaining({ status: 'delivered', webhookStatus: 200 }),
          expect.objectContaining({ status: 'read', webhookStatus: 200 }),
        ],
      }),
    ]);
    expect((webhooks.json['deliveries'] as unknown[]).length).toBe(4);
  });

  it.each([
    ['a customer message without a type', `/_sandbox/customers/${CUSTOMER}/messages`, { text: { body: 'hi' } }, 'type'],
    ['a text message without its text', `/_sandbox/customers/${CUSTOMER}/messages`, { type: 'text' }, 'text'],
    ['an empty text body', `/_sandbox/customers/${CUSTOMER}/messages`, { type: 'text', text: { body: '' } }, 'text.body'],
    ['a malformed customer id', '/_sandbox/customers/not-a-number/messages', { type: 'text', text: { body: 'hi' } }, 'waId'],
    ['an unknown business number', `/_sandbox/customers/${CUSTOMER}/messages`, { type: 'text', text: { body: 'hi' }, phoneNumberId: '1' }, 'phoneNumberId'],
    ['a malformed BSUID', `/_sandbox/customers/${CUSTOMER}/messages`, { type: 'text', text: { body: 'hi' }, userId: 'x' }, 'userId'],
    ['a bad interactive reply', `/_sandbox/customers/${CUSTOMER}/messages`, { type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'a' } } }, 'interactive.button_reply.title'],
    ['an unknown marketing value', `/_sandbox/customers/${CUSTOMER}/marketing`, { value: 'maybe' }, 'value'],
    ['an unknown fault kind', '/_sandbox/faults', { kind: 'meteor' }, 'kind'],
    ['a negative fault count', '/_sandbox/faults', { kind: 'http500', count: -1 }, 'count'],
    ['a template without a category', '/_sandbox/templates', { name: 'x', language: 'en_US' }, 'category'],
    ['a template with a bad name', '/_sandbox/templates', { name: 'Bad Name', language: 'en_US', category: 'UTILITY' }, 'name'],
    ['a positional template given names', '/_sandbox/templates', { name: 'x', language: 'en_US', category: 'UTILITY', components: { body: ['a'] } }, 'components.body'],
    ['the second template of a list', '/_sandbox/templates', [{ name: 'a', language: 'en_US', category: 'UTILITY' }, { name: 'b', language: 'en_US', category: 'NEWS' }], '1.category'],
    ['a body that is not JSON', '/_sandbox/faults', '{kind:', '(body)'],
  ])('answers %s with 400 naming the field', async (_name, path, body, field) => {
    const h = await start();

    const result = await h.control('POST', path, body);

    expect(result.status).toBe(400);
    expect(result.json['error']).toEqual({ field, message: expect.stringContaining(field) });
  });

  it('answers an unknown control route with 404 and a wrong method with 405', async () => {
    const h = await start();

    expect((await h.control('GET', '/_sandbox/nothing')).status).toBe(404);
    expect((await h.control('PUT', '/_sandbox/faults', {})).status).toBe(405);
  });
});
