/**
 * Meta's send limits (throughput per number → 130429, pair rate per recipient → 131056, both HTTP 400) on a
 * fake clock, and injected faults (http500, throttle, pair_rate, timeout). Each test starts its own sandbox
 * and recording receiver.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { startSandbox, type Sandbox, type SandboxOptions } from '../../../infra/local/sandbox/server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../../infra/local/sandbox/webhook-receiver.js';

const APP_SECRET = 'sandbox-test-secret';
const TOKEN = 'sandbox-test-token';
const NUMBER_ID = '106540352242922';
const JUNE_2026 = Date.UTC(2026, 5, 1, 12);
const TEMPLATES: SandboxOptions['templates'] = [{ name: 'shipping', language: 'en_US', category: 'UTILITY' }];

interface Harness {
  readonly sandbox: Sandbox;
  readonly receiver: WebhookReceiver;
  readonly clock: { now: number };
  send(to: string, init?: RequestInit): Promise<{ status: number; json: { messages?: Array<{ id: string }>; error?: { code: number; message: string } } }>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function start(overrides: Partial<SandboxOptions> = {}): Promise<Harness> {
  const receiver = await startWebhookReceiver({ appSecret: APP_SECRET });
  cleanups.push(() => receiver.close());
  const clock = { now: JUNE_2026 };
  const sandbox = await startSandbox({
    webhookUrl: receiver.url,
    appSecret: APP_SECRET,
    accessToken: TOKEN,
    templates: TEMPLATES,
    statusDelaysMs: { sent: 1, delivered: 2, read: 3 },
    webhookRetry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 5 },
    clock: () => clock.now,
    ...overrides,
  });
  cleanups.push(() => sandbox.close());
  return {
    sandbox,
    receiver,
    clock,
    send: async (to, init = {}) => {
      const response = await fetch(`${sandbox.url}/v25.0/${NUMBER_ID}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ messaging_product: 'whatsapp', to, type: 'template', template: { name: 'shipping', language: { code: 'en_US' } } }),
        ...init,
      });
      return { status: response.status, json: (await response.json()) as never };
    },
  };
}

const recipients = (n: number) => Array.from({ length: n }, (_, i) => `4477009${String(i).padStart(5, '0')}`);

describe('sandbox limits', () => {
  it('refuses sends beyond the per-number throughput within one clock tick with 130429 (HTTP 400)', async () => {
    const h = await start({ throughputPerSecond: 5 });

    const results = await Promise.all(recipients(7).map((to) => h.send(to)));

    const codes = results.map((r) => (r.status === 200 ? 200 : r.json.error?.code));
    expect(codes.filter((c) => c === 200)).toHaveLength(5);
    expect(codes.filter((c) => c === 130429)).toHaveLength(2);
    expect(results.filter((r) => r.status !== 200).every((r) => r.status === 400 && r.json.error?.message === '(#130429) Rate limit hit')).toBe(true);
  });

  it('lets sends through again once the clock has moved on', async () => {
    const h = await start({ throughputPerSecond: 2 });
    await Promise.all(recipients(2).map((to) => h.send(to)));
    expect((await h.send('447700900777')).json.error?.code).toBe(130429);

    h.clock.now += 1000;

    expect((await h.send('447700900777')).status).toBe(200);
  });

  it('refuses a burst to one recipient beyond the pair rate with 131056, while other recipients are served', async () => {
    const h = await start({ pairRate: { perSeconds: 6, burst: 2 } });

    const toOne = [await h.send('447700900001'), await h.send('447700900001'), await h.send('447700900001')];
    const toAnother = await h.send('447700900002');

    expect(toOne.map((r) => r.status)).toEqual([200, 200, 400]);
    expect(toOne[2]?.json.error?.code).toBe(131056);
    expect(toAnother.status).toBe(200);
  });

  it('refills the pair allowance at one message per period', async () => {
    const h = await start({ pairRate: { perSeconds: 6, burst: 1 } });
    await h.send('447700900001');
    h.clock.now += 5_999;
    expect((await h.send('447700900001')).json.error?.code).toBe(131056);

    h.clock.now += 1;

    expect((await h.send('447700900001')).status).toBe(200);
  });

  it('counts a phone number and the BSUID it is known by as one recipient for the pair rate', async () => {
    const h = await start({ pairRate: { perSeconds: 6, burst: 1 } });
    await h.sandbox.actAsCustomer('447700900001', { type: 'text', text: { body: 'hi' }, userId: 'GB.777' });
    expect((await h.send('447700900001')).status).toBe(200);

    const byBsuid = await fetch(`${h.sandbox.url}/v25.0/${NUMBER_ID}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messaging_product: 'whatsapp', recipient: 'GB.777', type: 'text', text: { body: 'again' } }),
    });

    expect(((await byBsuid.json()) as { error: { code: number } }).error.code).toBe(131056);
  });
});

describe('sandbox faults', () => {
  it('answers the next send with HTTP 500 and 131000 for an http500 fault, without accepting it', async () => {
    const h = await start();
    h.sandbox.addFault({ kind: 'http500' });

    const failed = await h.send('447700900001');
    const next = await h.send('447700900002');
    await h.sandbox.idle();

    expect(failed.status).toBe(500);
    expect(failed.json.error?.code).toBe(131000);
    expect(next.status).toBe(200);
    expect(h.sandbox.messages().map((m) => m.recipient.waId)).toEqual(['447700900002']);
  });

  it('applies a fault to count sends, then stops', async () => {
    const h = await start();
    h.sandbox.setFaults({ kind: 'throttle', count: 2 });

    const results = [await h.send('447700900001'), await h.send('447700900002'), await h.send('447700900003')];

    expect(results.map((r) => r.json.error?.code ?? r.status)).toEqual([130429, 130429, 200]);
    expect(h.sandbox.faults()).toEqual([]);
  });

  it('applies a fault for durationMs of sandbox time', async () => {
    const h = await start();
    h.sandbox.setFaults({ kind: 'pair_rate', durationMs: 1000 });

    const during = [await h.send('447700900001'), await h.send('447700900002')];
    h.clock.now += 1000;
    const after = await h.send('447700900003');

    expect(during.map((r) => [r.status, r.json.error?.code])).toEqual([
      [400, 131056],
      [400, 131056],
    ]);
    expect(after.status).toBe(200);
  });

  it('holds the answer past the client timeout on a timeout fault, yet accepts the message and sends its statuses', async () => {
    const h = await start({ faultHoldMs: 400 });
    h.sandbox.addFault({ kind: 'timeout' });

    const outcome = await h.send('447700900001', { signal: AbortSignal.timeout(50) }).then(
      () => 'answered',
      (error: unknown) => (error instanceof Error ? error.name : 'unknown'),
    );
    await h.receiver.waitFor(() => h.receiver.statuses().some((s) => s.status === 'delivered'));

    expect(outcome).toBe('TimeoutError');
    const [accepted] = h.sandbox.messages();
    expect(h.receiver.statuses().filter((s) => s.id === accepted?.wamid).map((s) => s.status)).toContain('delivered');
    expect(h.sandbox.requests()).toEqual([expect.objectContaining({ status: 200, fault: 'timeout', wamid: accepted?.wamid })]);
  });

  it('answers 200 with the accepted message once the hold is over, for a patient client', async () => {
    const h = await start();
    h.sandbox.addFault({ kind: 'timeout', holdMs: 20 });

    const result = await h.send('447700900001');

    expect(result.status).toBe(200);
    expect(result.json.messages?.[0]?.id).toBe(h.sandbox.messages()[0]?.wamid);
  });

  it('leaves mark-as-read requests alone', async () => {
    const h = await start();
    const inbound = await h.sandbox.actAsCustomer('447700900001', { type: 'text', text: { body: 'hi' } });
    h.sandbox.addFault({ kind: 'http500' });

    const read = await fetch(`${h.sandbox.url}/v25.0/${NUMBER_ID}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messaging_product: 'whatsapp', status: 'read', message_id: inbound.wamid }),
    });

    expect(read.status).toBe(200);
    expect(h.sandbox.faults()).toHaveLength(1);
  });
});
