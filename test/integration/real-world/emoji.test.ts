/**
 * Emoji and other characters outside the Basic Multilingual Plane through every queue path of the local stack,
 * as real SQS carries them (MessageBody accepts #x10000 to #x10FFFF:
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html):
 * an inbound text opens the window and the reply is sent; a reaction is processed; a `SendRequested` whose
 * text and template parameters hold emoji reaches the gate and is sent; a contact name with emoji is stored.
 * After each, nothing is in the local bus's dead-letter file and every queue and DLQ is empty.
 */
import { existsSync, readFileSync } from 'node:fs';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createContactStore } from '#shared/adapters/contact-store.js';
import { DetailType } from '#shared/contracts/events/catalogue.js';
import { localClientConfig } from '#infra/local/emulators.js';
import {
  allQueueDepths,
  BUSINESS_ACCOUNT_ID,
  BUSINESS_PHONE_NUMBER_ID,
  dataOf,
  eventually,
  postMessage,
  requestsFor,
  sendRequest,
  startSendingStack,
  text,
  ukMobile,
  waIdOf,
  waitForEvent,
  type SendingStack,
} from '#test/support/stack-harness.js';

let s: SendingStack;
let raw: DynamoDBClient;
let contacts: ReturnType<typeof createContactStore>;

beforeAll(async () => {
  s = await startSendingStack();
  raw = new DynamoDBClient(localClientConfig(s.stack.dynamoEndpoint));
  contacts = createContactStore({ client: DynamoDBDocumentClient.from(raw), tableName: s.stateTableName });
}, 120_000);

afterAll(async () => {
  raw?.destroy();
  await s?.stop();
});

const contextOf = (phone: string) => contacts.sendContextFor(BUSINESS_ACCOUNT_ID, { kind: 'phone', value: phone }, BUSINESS_PHONE_NUMBER_ID);

/** Waits for the stack to settle, then asserts that nothing was dead-lettered anywhere. */
async function expectNothingDeadLettered(): Promise<void> {
  await s.stack.whenIdle(60_000);
  const deadLetters = existsSync(s.stack.bus.deadLettersPath) ? readFileSync(s.stack.bus.deadLettersPath, 'utf8').trim() : '';
  expect(deadLetters).toBe('');
  const depths = await allQueueDepths(s.sqs, s.stack.queueUrls);
  expect(Object.values(depths).every((n) => n === 0), JSON.stringify(depths)).toBe(true);
}

/** The JSON body of the Graph request the sandbox accepted for Relais's message `messageId`. */
function graphBodyFor(messageId: string): Record<string, unknown> {
  const accepted = requestsFor(s.stack.sandbox.requests(), messageId).filter((r) => r.status === 200);
  expect(accepted, `Graph requests for ${messageId}`).toHaveLength(1);
  return accepted[0]!.body as Record<string, unknown>;
}

/** The customer writes to the business number (a signed webhook from the sandbox) and the window opens. */
async function customerWrites(phone: string, body: string, profileName?: string) {
  const { wamid } = await s.stack.sandbox.actAsCustomer(waIdOf(phone), { type: 'text', text: { body }, ...(profileName === undefined ? {} : { profileName }) });
  const mentionsWamid = (e: { detail: unknown }) => JSON.stringify(e.detail).includes(wamid);
  const received = await waitForEvent(s.eventsLogPath, { detailType: DetailType.MessageReceived, where: mentionsWamid });
  const opened = await waitForEvent(s.eventsLogPath, { detailType: DetailType.CustomerServiceWindowOpened, where: mentionsWamid });
  const context = await eventually(async () => {
    const found = await contextOf(phone);
    return found?.window !== undefined ? found : undefined;
  }, { what: `the window of ${phone}` });
  return { received, opened, context };
}

describe('characters outside the BMP through the local stack', () => {
  it('turns an inbound "Merci 🎉" into a received message and an open window, and stores a profile name with emoji', async () => {
    const customer = ukMobile(501);
    const profileName = 'Zoë 🦄 نور';

    const { received, context } = await customerWrites(customer, 'Merci 🎉', profileName);

    expect(JSON.stringify(received.detail)).toContain('Merci 🎉');
    expect(context.contact.profileName).toBe(profileName);
    await expectNothingDeadLettered();
  });

  it('sends a reply with emoji through POST /messages inside the window "Merci 🎉" opened, byte for byte', async () => {
    const customer = ukMobile(503);
    const body = 'De rien 👍 — à bientôt 𝒜';
    await customerWrites(customer, 'Merci 🎉');

    const answer = await postMessage(s.stack.apiUrl, sendRequest({ idempotencyKey: 'emoji-reply', to: customer, message: text(body) }));
    expect(answer.status, answer.text).toBe(202);
    const sent = await waitForEvent(s.eventsLogPath, { detailType: DetailType.MessageSent, idempotencyKey: 'emoji-reply' }, { timeoutMs: 30_000 });
    const graph = graphBodyFor(String(dataOf(sent)['messageId']));

    expect((graph['text'] as { body?: unknown } | undefined)?.body).toBe(body);
    await expectNothingDeadLettered();
  });

  it('processes a 👍 reaction from a customer it has never seen: the contact is created, nothing is dead-lettered', async () => {
    const reactor = ukMobile(502);
    const { wamid } = await s.stack.sandbox.actAsCustomer(waIdOf(reactor), {
      type: 'reaction',
      reaction: { message_id: 'wamid.HBgLMTU1NTAwMDAwMDEVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA', emoji: '👍' },
    });

    const received = await waitForEvent(s.eventsLogPath, { detailType: DetailType.MessageReceived, where: (e) => JSON.stringify(e.detail).includes(wamid) });
    const contact = await eventually(() => contacts.find(BUSINESS_ACCOUNT_ID, { kind: 'phone', value: reactor }), { what: `the contact of ${reactor}` });

    expect(JSON.stringify(received.detail)).toContain('👍');
    expect(contact.phone).toBe(reactor);
    await expectNothingDeadLettered();
  });

  it('takes a SendRequested whose text holds emoji through the gate and sends it', async () => {
    const customer = ukMobile(504);
    const body = 'Votre commande 📦 est partie 🚚💨';
    await customerWrites(customer, 'Où est mon colis ? 🤔');
    await s.bus.putSendRequested(sendRequest({ idempotencyKey: 'emoji-send-text', to: customer, message: text(body) }));

    const sent = await waitForEvent(s.eventsLogPath, { detailType: DetailType.MessageSent, idempotencyKey: 'emoji-send-text' }, { timeoutMs: 30_000 });
    const graph = graphBodyFor(String(dataOf(sent)['messageId']));

    expect((graph['text'] as { body?: unknown } | undefined)?.body).toBe(body);
    await expectNothingDeadLettered();
  });

  it('takes a SendRequested whose template parameters hold emoji through the gate and sends them unchanged', async () => {
    const customer = ukMobile(505);
    const parameters = ['🎁 Zoë', '#4523 ✅ 𝟙𝟚𝟛'];
    await customerWrites(customer, 'Statut ? 🙏');
    await s.bus.putSendRequested(
      sendRequest({
        idempotencyKey: 'emoji-send-template',
        to: customer,
        message: { type: 'template', name: 'order_update', language: 'en_US', components: { body: parameters.map((p) => ({ type: 'text', text: p })) } },
      }),
    );

    const sent = await waitForEvent(s.eventsLogPath, { detailType: DetailType.MessageSent, idempotencyKey: 'emoji-send-template' }, { timeoutMs: 30_000 });
    const graph = graphBodyFor(String(dataOf(sent)['messageId']));

    const texts = ((graph['template'] as { components?: Array<{ parameters?: Array<{ text?: string }> }> }).components ?? [])
      .flatMap((component) => component.parameters ?? [])
      .map((parameter) => parameter.text);
    expect(texts).toEqual(parameters);
    await expectNothingDeadLettered();
  });
});
