/**
 * The sender looks at the template again at send time, on the local stack: a message accepted while its template
 * was APPROVED, then held back by the recipient's pair rate (one send per 30 s here), meets the template Meta
 * (the sandbox) paused or re-categorised meanwhile through the real path (signed webhook → ingestion → bus →
 * TemplateActivity → DynamoDB), and is failed before Meta, with MessageFailed naming the reason.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTemplateStore } from '#shared/adapters/template-store.js';
import { localClientConfig } from '#infra/local/emulators.js';

import {
  BUSINESS_ACCOUNT_ID,
  dataOf,
  eventually,
  postMessage,
  requestsFor,
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
  // One send per recipient per 30 s: the second message to a recipient waits on its queue, after acceptance.
  s = await startSendingStack({ env: { TEMPLATE_CACHE_TTL_MS: '0', PAIR_BURST: '1', PAIR_INTERVAL_MS: '30000' } });
  raw = new DynamoDBClient(localClientConfig(s.stack.dynamoEndpoint));
  store = createTemplateStore({ client: DynamoDBDocumentClient.from(raw), tableName: s.stateTableName });
}, 120_000);

afterAll(async () => {
  raw?.destroy();
  await s?.stop();
});

/** `order_update`, the local stack's utility template: two positional body parameters. */
const orderUpdate = (...values: string[]) => ({ type: 'template', name: 'order_update', language: 'en_US', components: { body: values.map((v) => ({ type: 'text', text: v })) } });

/** Waits until the registry (DynamoDB) holds what the sandbox's webhook said. */
async function registryShows(check: (status: string, category: string) => boolean, what: string): Promise<void> {
  await eventually(
    async () => {
      const record = await store.get(BUSINESS_ACCOUNT_ID, 'order_update', 'en_US');
      return record !== undefined && check(record.status, record.category) ? true : undefined;
    },
    { timeoutMs: 25_000, what },
  );
}

async function acceptTwo(recipient: string, key: string): Promise<{ first: string; second: string }> {
  const ids: string[] = [];
  for (const n of [1, 2]) {
    const answer = await postMessage(s.stack.apiUrl, sendRequest({ idempotencyKey: `${key}-${n}`, to: recipient, message: orderUpdate('Zoë 🌸', `Nº 9007199254740993-${n}`) }));
    expect(answer.status).toBe(202);
    ids.push((answer.json as { messageId: string }).messageId);
  }
  await waitForEvent(s.eventsLogPath, { detailType: 'MessageSent', messageId: ids[0]! }, { timeoutMs: 30_000 });
  expect(await reachedMeta(ids[1]!)).toBe(false);
  return { first: ids[0]!, second: ids[1]! };
}

/** Whether the sandbox (Meta) received any send request for the message, answered or refused. */
async function reachedMeta(messageId: string): Promise<boolean> {
  return requestsFor(s.stack.sandbox.requests(), messageId).length > 0;
}

describe('the template at send time, on the local stack', () => {
  it('fails a queued message whose template Meta paused after acceptance as template_paused, never sending it', async () => {
    const { second } = await acceptTwo(ukMobile(401), 'send-time-paused');

    await s.stack.sandbox.reviewTemplate({ name: 'order_update', language: 'en_US', status: 'PAUSED' });
    await registryShows((status) => status === 'PAUSED', 'order_update PAUSED in the registry');

    const failed = dataOf(await waitForEvent(s.eventsLogPath, { detailType: 'MessageFailed', messageId: second }, { timeoutMs: 60_000 }));
    expect(failed).toMatchObject({ reason: 'template_paused', terminal: true });
    expect(failed['error']).toBeUndefined();
    expect(await reachedMeta(second)).toBe(false);

    await s.stack.sandbox.reviewTemplate({ name: 'order_update', language: 'en_US', status: 'APPROVED' });
    await registryShows((status) => status === 'APPROVED', 'order_update APPROVED again in the registry');
  }, 120_000);

  it('fails a queued message whose template Meta moved to marketing as consent_missing for a contact without a marketing opt-in', async () => {
    const { second } = await acceptTwo(ukMobile(402), 'send-time-marketing');

    // Right after the APPROVED above, often in the same second (Meta times webhooks to the second): the
    // re-categorisation still beats the UTILITY that status update echoed.
    await s.stack.sandbox.changeTemplateCategory({ name: 'order_update', language: 'en_US', category: 'MARKETING' });
    await registryShows((_status, category) => category === 'MARKETING', 'order_update MARKETING in the registry');

    const failed = dataOf(await waitForEvent(s.eventsLogPath, { detailType: 'MessageFailed', messageId: second }, { timeoutMs: 60_000 }));
    expect(failed).toMatchObject({ reason: 'consent_missing', terminal: true });
    expect(await reachedMeta(second)).toBe(false);
  }, 120_000);
});
