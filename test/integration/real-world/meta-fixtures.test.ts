/**
 * Every Meta payload the project holds (`test/fixtures/meta`, documented and real-world variants), signed as Meta
 * signs it and posted to the local stack: each is acknowledged, becomes the events it describes, and is processed
 * by every consumer its events reach without a single dead letter (local bus dead-letter file, queue DLQs).
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DetailType } from '#shared/contracts/events/catalogue.js';
import { fixtureNames, loadFixtureText } from '#test/fixtures/meta/index.js';
import { allQueueDepths, postWebhook, readEventsLog, startSendingStack, type HttpAnswer, type SendingStack } from '#test/support/stack-harness.js';

/**
 * Fixtures Relais deliberately does not model yet: a message type Meta has not documented (a poll) and the
 * `smb_message_echoes` field of WhatsApp Business app coexistence. They must still arrive, as unrecognised.
 */
const NOT_MODELLED = new Set(['messages-unknown-type-poll', 'smb-message-echoes']);

let s: SendingStack;
const answers = new Map<string, HttpAnswer>();

beforeAll(async () => {
  s = await startSendingStack();
  for (const name of fixtureNames()) answers.set(name, await postWebhook(s.stack.apiUrl, loadFixtureText(name)));
  await s.stack.whenIdle(60_000);
}, 120_000);

afterAll(async () => {
  await s?.stop();
});

describe('every Meta fixture through the local stack', () => {
  it.each(fixtureNames())('%s is acknowledged with 200', (name) => {
    expect(answers.get(name)?.status, answers.get(name)?.text).toBe(200);
  });

  it('holds every kind of payload the project knows (at least 60 fixtures)', () => {
    expect(fixtureNames().length).toBeGreaterThanOrEqual(60);
  });

  it('publishes an unrecognised event only for the payloads Relais does not model', () => {
    const unrecognised = readEventsLog(s.eventsLogPath).filter((e) => e['detail-type'] === DetailType.WebhookUpdateUnrecognised);
    const reasons = unrecognised.map((e) => (e.detail.data as { reason: string; field: string }).reason);
    // One per fixture of NOT_MODELLED: the poll is an unknown message type, the echoes an unknown field.
    expect(reasons.sort()).toEqual(['unknown_field', 'unknown_type']);
    expect(NOT_MODELLED.size).toBe(reasons.length);
  });

  it('dead-letters nothing: the local bus delivered every event and every consumer queue and DLQ is empty', async () => {
    const deadLetters = existsSync(s.stack.bus.deadLettersPath) ? readFileSync(s.stack.bus.deadLettersPath, 'utf8').trim() : '';
    expect(deadLetters).toBe('');
    const depths = await allQueueDepths(s.sqs, s.stack.queueUrls);
    expect(Object.values(depths).every((n) => n === 0), JSON.stringify(depths)).toBe(true);
  });
});
