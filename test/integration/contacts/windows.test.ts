/**
 * The 24-hour customer service window, kept by `trackContactActivity` in a real contact store on DynamoDB Local:
 * the exact close instant, TTL that never decides, out-of-order and redelivered webhooks.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';

import { contactKeys } from '#shared/adapters/contact-store/keys.js';
import { DetailType } from '#shared/contracts/events/catalogue.js';
import { CUSTOMER_SERVICE_WINDOW_MS, windowState } from '#shared/domain/windows/customer-service-window.js';
import {
  FIXTURE_PHONE_NUMBER_ID,
  HOUR_MS,
  SECOND_MS,
  assertPublishable,
  contactActivityScenario,
  contactStoreOnEmulator,
  inboundText,
  recentSecond,
  uniqueWamid,
  type ContactActivityScenario,
} from '#test/support/contacts-harness.js';

const SENDER_PHONE = '+16505551234';
const DAY_MS = CUSTOMER_SERVICE_WINDOW_MS;

describe('customer service window on DynamoDB Local', () => {
  const db = contactStoreOnEmulator();
  afterAll(() => db.destroy());

  async function contactIdOf(scenario: ContactActivityScenario): Promise<string> {
    const contact = await db.store.find(scenario.waba, { kind: 'phone', value: SENDER_PHONE });
    if (contact === undefined) throw new Error(`no contact for ${SENDER_PHONE} in ${scenario.waba}`);
    return contact.contactId;
  }

  async function windowOf(scenario: ContactActivityScenario) {
    const context = await db.store.sendContext(await contactIdOf(scenario), FIXTURE_PHONE_NUMBER_ID);
    return context?.window;
  }

  it('is open 1 ms before 24 h after the inbound message and closed at 24 h exactly', async () => {
    const scenario = contactActivityScenario(db.store);
    const t = recentSecond();

    await scenario.track(inboundText({ waba: scenario.waba, at: t, wamid: uniqueWamid() }));

    const window = await windowOf(scenario);
    expect(window).toEqual({ openedAt: t, lastInboundAt: t, closesAt: t + DAY_MS });
    expect(windowState(window, t + DAY_MS - 1)).toEqual({ open: true, closesAt: t + DAY_MS });
    expect(windowState(window, t + DAY_MS)).toEqual({ open: false, closedAt: t + DAY_MS });
  });

  it('stores the window with a TTL attribute later than its close, so DynamoDB never deletes an open window', async () => {
    const scenario = contactActivityScenario(db.store);
    const t = recentSecond();

    await scenario.track(inboundText({ waba: scenario.waba, at: t, wamid: uniqueWamid() }));

    const stored = await db.client.send(
      new GetCommand({ TableName: db.tableName, Key: contactKeys.window(await contactIdOf(scenario), FIXTURE_PHONE_NUMBER_ID), ConsistentRead: true }),
    );
    const expiresAt = stored.Item?.['expiresAt'];
    expect(expiresAt).toEqual(expect.any(Number));
    expect((expiresAt as number) * 1000).toBeGreaterThan(t + DAY_MS);
  });

  it('reads a window whose close has passed as closed although its item is still stored', async () => {
    const scenario = contactActivityScenario(db.store);
    // Closed an hour ago; its TTL (a week after the close) has not let DynamoDB delete it.
    const t = recentSecond() - DAY_MS - HOUR_MS;

    await scenario.track(inboundText({ waba: scenario.waba, at: t, wamid: uniqueWamid() }));

    const contactId = await contactIdOf(scenario);
    const stored = await db.client.send(
      new GetCommand({ TableName: db.tableName, Key: contactKeys.window(contactId, FIXTURE_PHONE_NUMBER_ID), ConsistentRead: true }),
    );
    expect(stored.Item).toMatchObject({ closesAt: t + DAY_MS });
    const window = (await db.store.sendContext(contactId, FIXTURE_PHONE_NUMBER_ID))?.window;
    expect(window?.closesAt).toBe(t + DAY_MS);
    expect(windowState(window, Date.now())).toEqual({ open: false, closedAt: t + DAY_MS });
  });

  it('ignores an older message delivered late: the window keeps closing 24 h after the latest message', async () => {
    const scenario = contactActivityScenario(db.store);
    const t = recentSecond();
    const later = uniqueWamid('later');
    const earlier = uniqueWamid('earlier');

    await scenario.track(
      inboundText({ waba: scenario.waba, at: t + 2 * HOUR_MS, wamid: later }),
      inboundText({ waba: scenario.waba, at: t, wamid: earlier }),
    );

    expect(await windowOf(scenario)).toEqual({ openedAt: t + 2 * HOUR_MS, lastInboundAt: t + 2 * HOUR_MS, closesAt: t + 26 * HOUR_MS });
    const opened = scenario.events.ofType(DetailType.CustomerServiceWindowOpened);
    expect(opened).toHaveLength(1);
    expect(opened[0]?.data).toMatchObject({
      wamid: later,
      openedAt: new Date(t + 2 * HOUR_MS).toISOString(),
      closesAt: new Date(t + 26 * HOUR_MS).toISOString(),
    });
    assertPublishable(scenario.events.all);
  });

  it('extends an open window without announcing it again, and opens a new one (announced) once it has closed', async () => {
    const scenario = contactActivityScenario(db.store);
    const t = recentSecond();
    const first = uniqueWamid('first');
    const next = uniqueWamid('next');
    const afterClose = uniqueWamid('after-close');

    await scenario.track(
      inboundText({ waba: scenario.waba, at: t, wamid: first }),
      inboundText({ waba: scenario.waba, at: t + 2 * HOUR_MS, wamid: next }),
    );
    expect(await windowOf(scenario)).toEqual({ openedAt: t, lastInboundAt: t + 2 * HOUR_MS, closesAt: t + 26 * HOUR_MS });
    expect(scenario.events.ofType(DetailType.CustomerServiceWindowOpened).map((e) => e.data)).toEqual([expect.objectContaining({ wamid: first })]);

    // Closed at the instant: a message exactly at the close opens a new window.
    await scenario.track(inboundText({ waba: scenario.waba, at: t + 26 * HOUR_MS, wamid: afterClose }));

    expect(await windowOf(scenario)).toEqual({ openedAt: t + 26 * HOUR_MS, lastInboundAt: t + 26 * HOUR_MS, closesAt: t + 50 * HOUR_MS });
    const opened = scenario.events.ofType(DetailType.CustomerServiceWindowOpened);
    expect(opened.map((e) => e.data)).toEqual([expect.objectContaining({ wamid: first }), expect.objectContaining({ wamid: afterClose })]);
    expect(new Set(opened.map((e) => e.metadata.eventId)).size).toBe(2);
  });

  it('processes a redelivered message once: one consent record, the same events with the same ids, the window unchanged', async () => {
    const scenario = contactActivityScenario(db.store);
    const t = recentSecond();
    const message = inboundText({ waba: scenario.waba, at: t, wamid: uniqueWamid(), text: 'STOP' });

    await scenario.track(message);
    const firstEvents = [...scenario.events.all];
    const contactId = await contactIdOf(scenario);
    const windowAfterFirst = await windowOf(scenario);
    scenario.events.clear();

    await scenario.track(message);

    expect(firstEvents.map((e) => e.detailType)).toEqual([DetailType.CustomerServiceWindowOpened, DetailType.ContactOptedOut]);
    expect(scenario.events.all).toEqual(firstEvents);
    expect(await db.store.consentHistory(contactId)).toHaveLength(1);
    expect(await windowOf(scenario)).toEqual(windowAfterFirst);
    expect(windowAfterFirst).toEqual({ openedAt: t, lastInboundAt: t, closesAt: t + DAY_MS });
    // The confirmation is asked for again under the same idempotency key: the send pipeline sends it once.
    expect(scenario.replies.map((r) => r.idempotencyKey)).toEqual([`consent-confirmation:${message.data.wamid}`, `consent-confirmation:${message.data.wamid}`]);
  });

  it('keeps one window per business phone number: a message to one number leaves the other closed', async () => {
    const scenario = contactActivityScenario(db.store);
    const t = recentSecond();

    await scenario.track(inboundText({ waba: scenario.waba, at: t, wamid: uniqueWamid() }));

    const other = await db.store.sendContext(await contactIdOf(scenario), 'another-phone-number-id');
    expect(other?.window).toBeUndefined();
    expect(windowState(other?.window, t + SECOND_MS)).toEqual({ open: false });
  });
});
