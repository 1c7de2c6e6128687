/**
 * The billing ledger end to end on the local stack: a template sent through `POST /messages`, delivered and read by
 * the Cloud API sandbox (Meta's signed status webhooks, `pricing` included), rated by the Billing consumer from the
 * sample rate cards the stack imports, and read back over the IAM-signed `GET /accounts/{id}/billing`.
 */
import { resolve } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readRateCardFile } from '#infra/local/local-rate-cards.js';
import { dataOf, eventually, postMessage, sendRequest, signedRequest, startSendingStack, ukMobile, waitForEvent, type SendingStack } from '#test/support/stack-harness.js';

let s: SendingStack;
beforeAll(async () => {
  s = await startSendingStack();
});
afterAll(async () => {
  await s?.stop();
});

const WABA = '102290129340398';
/** The latest USD sample card's utility rate for the United Kingdom (+44): what the stack rates a UK utility template at. */
const UK_UTILITY = readRateCardFile(resolve(import.meta.dirname, '../../../examples/billing/rate-card-usd-2026-10-01.sample.csv')).markets.get('United Kingdom')!.utility!;

describe('the billing ledger on the local stack', () => {
  it('charges a delivered and read utility template once, and reports it over HTTP', async () => {
    const http = await postMessage(
      s.stack.apiUrl,
      sendRequest({ idempotencyKey: 'ledger-e2e-1', to: ukMobile(301), message: { type: 'template', name: 'order_update', language: 'en_US', components: { body: [{ type: 'text', text: 'Zoë' }, { type: 'text', text: 'A-1042 📦' }] } } }),
    );
    expect(http.status).toBe(202);
    const messageId = (http.json as { messageId: string }).messageId;
    await waitForEvent(s.eventsLogPath, { detailType: 'MessageRead', messageId }, { timeoutMs: 30_000 });
    const month = new Date().toISOString().slice(0, 7);

    const report = await eventually(
      async () => {
        const answer = await signedRequest(s.stack.apiUrl, { method: 'GET', path: `/accounts/${WABA}/billing?by=market%2Ccategory&month=${month}` });
        const body = answer.json as { groups?: { market: string; category: string; messages: number; amountMicros: number }[] };
        return body.groups?.some((group) => group.category === 'utility') === true ? { status: answer.status, body } : undefined;
      },
      { timeoutMs: 20_000, what: 'the utility template in the month report' },
    );
    expect(report.status).toBe(200);
    expect(report.body.groups).toEqual([expect.objectContaining({ market: 'United Kingdom', category: 'utility', messages: 1, billable: 1, unrated: 0, amountMicros: UK_UTILITY })]);
    // Delivered and read both reached the Billing consumer; the entry is one.
    const sent = dataOf(await waitForEvent(s.eventsLogPath, { detailType: 'MessageDelivered', messageId }));
    expect(sent['messageId']).toBe(messageId);
  });

  it('answers a bad report request with a 400 naming the parameter', async () => {
    const answer = await signedRequest(s.stack.apiUrl, { method: 'GET', path: `/accounts/${WABA}/billing?by=colour&month=2026-11` });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: { code: 'invalid_request', message: expect.stringContaining('by: cannot group by "colour"') } });
  });
});
