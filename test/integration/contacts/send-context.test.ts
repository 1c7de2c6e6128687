/**
 * What the send path reads, and how contacts hold up under concurrency, on DynamoDB Local: the window and consent
 * answer in 2 round trips from a phone or a BSUID; 20 simultaneous first messages create exactly one contact.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';

import type { ContactStore } from '#shared/ports/contact-store.js';
import { DetailType } from '#shared/contracts/events/catalogue.js';
import type { IdentityKey } from '#shared/domain/contacts/identity.js';
import { CUSTOMER_SERVICE_WINDOW_MS, windowState } from '#shared/domain/windows/customer-service-window.js';
import {
  FIXTURE_PHONE_NUMBER_ID,
  HOUR_MS,
  SECOND_MS,
  activityFrom,
  contactActivityScenario,
  contactStoreOnEmulator,
  inboundText,
  recentSecond,
  uniqueWamid,
} from '#test/support/contacts-harness.js';

const PHONE = '+16505551234';
const BSUID = 'US.13491208655302741918';

describe('send context on DynamoDB Local', () => {
  const db = contactStoreOnEmulator();
  afterAll(() => db.destroy());

  it.each([
    ['phone', { kind: 'phone', value: PHONE }],
    ['BSUID', { kind: 'user', value: BSUID }],
  ] as const)('answers window, consent and hold from a %s in 2 DynamoDB round trips', async (_, key: IdentityKey) => {
    const scenario = contactActivityScenario(db.store);
    const t = recentSecond();
    await scenario.track(activityFrom('messages-text-bsuid-with-phone', { waba: scenario.waba, at: t, text: 'STOP' }));
    db.commands.reset();

    const context = await db.store.sendContextFor(scenario.waba, key, FIXTURE_PHONE_NUMBER_ID);

    expect(db.commands.names).toEqual(['GetCommand', 'QueryCommand']);
    expect(context?.contact).toMatchObject({ userId: BSUID, phone: PHONE });
    expect(context?.contact.hold).toBeUndefined();
    expect(windowState(context?.window, t + HOUR_MS)).toEqual({ open: true, closesAt: t + CUSTOMER_SERVICE_WINDOW_MS });
    expect(context?.consent.marketing).toMatchObject({ status: 'opted_out', source: 'keyword' });
  });

  it('answers in 1 round trip from a contact id, and not at all for another business account', async () => {
    const scenario = contactActivityScenario(db.store);
    await scenario.track(inboundText({ waba: scenario.waba, at: recentSecond(), wamid: uniqueWamid() }));
    const { contactId } = (await db.store.find(scenario.waba, { kind: 'phone', value: PHONE }))!;
    db.commands.reset();

    const context = await db.store.sendContextFor(scenario.waba, { contactId }, FIXTURE_PHONE_NUMBER_ID);

    expect(db.commands.names).toEqual(['QueryCommand']);
    expect(context?.contact.contactId).toBe(contactId);
    expect(await db.store.sendContextFor(contactActivityScenario(db.store).waba, { contactId }, FIXTURE_PHONE_NUMBER_ID)).toBeUndefined();
  });

  it('answers undefined in 1 round trip for a phone no contact has', async () => {
    const scenario = contactActivityScenario(db.store);
    db.commands.reset();

    expect(await db.store.sendContextFor(scenario.waba, { kind: 'phone', value: PHONE }, FIXTURE_PHONE_NUMBER_ID)).toBeUndefined();
    expect(db.commands.names).toEqual(['GetCommand']);
  });

  it('creates exactly one contact when 20 first messages from the same new user are processed at once', async () => {
    const contactIds: string[] = [];
    const recording: ContactStore = {
      ...db.store,
      resolve: async (waba, user, at) => {
        const contact = await db.store.resolve(waba, user, at);
        if (contact !== undefined) contactIds.push(contact.contactId);
        return contact;
      },
    };
    const scenario = contactActivityScenario(recording);
    const t = recentSecond();
    // A burst over 5 seconds, as a customer sending an album produces.
    const burst = Array.from({ length: 20 }, (_, i) =>
      activityFrom('messages-text-bsuid-with-phone', { waba: scenario.waba, at: t + (i % 5) * SECOND_MS, wamid: uniqueWamid(`burst-${i}`) }),
    );

    await Promise.all(burst.map((message) => scenario.track(message)));

    expect(contactIds).toHaveLength(20);
    expect(new Set(contactIds).size).toBe(1);
    const profiles = await profilesOf(scenario.waba);
    expect(profiles).toEqual([contactIds[0]]);
    expect((await db.store.find(scenario.waba, { kind: 'phone', value: PHONE }))?.contactId).toBe(contactIds[0]);
    expect((await db.store.find(scenario.waba, { kind: 'user', value: BSUID }))?.contactId).toBe(contactIds[0]);
    const window = (await db.store.sendContext(contactIds[0]!, FIXTURE_PHONE_NUMBER_ID))?.window;
    expect(window).toMatchObject({ lastInboundAt: t + 4 * SECOND_MS, closesAt: t + 4 * SECOND_MS + CUSTOMER_SERVICE_WINDOW_MS });
    const opened = scenario.events.ofType(DetailType.CustomerServiceWindowOpened);
    expect(new Set(opened.map((e) => e.metadata.eventId)).size).toBe(1);
    expect(opened[0]?.data).toMatchObject({ contactId: contactIds[0], openedAt: new Date(window!.openedAt).toISOString() });
  });

  /** Contact ids of every profile item of one business account (a test-only Scan: production never scans). */
  async function profilesOf(waba: string): Promise<string[]> {
    const ids: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db.client.send(
        new ScanCommand({
          TableName: db.tableName,
          FilterExpression: 'sk = :profile AND businessAccountId = :waba',
          ExpressionAttributeValues: { ':profile': 'PROFILE', ':waba': waba },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) ids.push(item['contactId'] as string);
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return ids;
  }
});
