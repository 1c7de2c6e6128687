/**
 * The consent ledger, fed by `trackContactActivity` into a real contact store on DynamoDB Local: keywords (whole
 * message only), template buttons, Meta's user_preferences, 131050 failures; batches in any order; ties.
 */
import { afterAll, describe, expect, it } from 'vitest';

import type { ContactProfile } from '#shared/domain/contacts/records.js';
import { DetailType } from '#shared/contracts/events/catalogue.js';
import { DEFAULT_CONTACT_SETTINGS } from '#shared/usecases/track-contact-activity.js';
import {
  FIXTURE_PHONE_NUMBER_ID,
  HOUR_MS,
  SECOND_MS,
  activityFrom,
  assertPublishable,
  contactActivityScenario,
  contactStoreOnEmulator,
  inboundText,
  recentSecond,
  uniqueWamid,
  type ContactActivityScenario,
} from '#test/support/contacts-harness.js';

const SENDER_PHONE = '+16505551234';
const SENDER_BSUID = 'US.13491208655302741918';

/** Every order of the indexes 0..n-1. */
function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((rest) => Array.from({ length: n }, (_, i) => [...rest.slice(0, i), n - 1, ...rest.slice(i)]));
}

describe('consent ledger on DynamoDB Local', () => {
  const db = contactStoreOnEmulator();
  afterAll(() => db.destroy());

  async function contactByPhone(scenario: ContactActivityScenario): Promise<ContactProfile> {
    const contact = await db.store.find(scenario.waba, { kind: 'phone', value: SENDER_PHONE });
    if (contact === undefined) throw new Error(`no contact for ${SENDER_PHONE} in ${scenario.waba}`);
    return contact;
  }

  async function marketingOf(contactId: string) {
    return (await db.store.sendContext(contactId, FIXTURE_PHONE_NUMBER_ID))?.consent.marketing;
  }

  describe('opt-out, opt-in, opt-out in one batch', () => {
    const texts = ['STOP', 'START', 'STOP'] as const;

    it.each(permutations(3).map((order) => [order.join(' → '), order] as const))(
      'ends opted out by the latest record with all three in the history when processed in order %s',
      async (_, order) => {
        const scenario = contactActivityScenario(db.store);
        const t = recentSecond();
        const messages = texts.map((text, i) => inboundText({ waba: scenario.waba, at: t + i * SECOND_MS, wamid: uniqueWamid(`batch-${i}`), text }));

        await scenario.track(...order.map((i) => messages[i]!));

        const { contactId } = await contactByPhone(scenario);
        expect(await marketingOf(contactId)).toEqual({
          status: 'opted_out',
          since: t + 2 * SECOND_MS,
          source: 'keyword',
          recordId: `${messages[2]!.data.wamid}:marketing`,
        });
        const history = await db.store.consentHistory(contactId);
        expect(history.map((r) => [r.occurredAt, r.status, r.source])).toEqual([
          [t, 'opted_out', 'keyword'],
          [t + SECOND_MS, 'opted_in', 'keyword'],
          [t + 2 * SECOND_MS, 'opted_out', 'keyword'],
        ]);
        expect(history.every((r) => r.category === 'marketing' && r.actor === 'customer' && r.evidence.length > 0)).toBe(true);
        assertPublishable(scenario.events.all);
      },
    );

    it.each([
      ['STOP then START', ['STOP', 'START']],
      ['START then STOP', ['START', 'STOP']],
    ] as const)('lets the opt-out win when opt-out and opt-in carry the same second (%s)', async (_, order) => {
      const scenario = contactActivityScenario(db.store);
      const t = recentSecond();

      await scenario.track(...order.map((text) => inboundText({ waba: scenario.waba, at: t, wamid: uniqueWamid(text.toLowerCase()), text })));

      const { contactId } = await contactByPhone(scenario);
      expect(await marketingOf(contactId)).toMatchObject({ status: 'opted_out', since: t, source: 'keyword' });
      expect(await db.store.consentHistory(contactId)).toHaveLength(2);
    });
  });

  describe('keywords', () => {
    it.each(["don't stop", 'Please stop sending me the wrong size', 'stop?? why would I'])(
      'changes no consent and sends no confirmation for a keyword inside a sentence: %j',
      async (text) => {
        const scenario = contactActivityScenario(db.store);

        await scenario.track(inboundText({ waba: scenario.waba, at: recentSecond(), wamid: uniqueWamid(), text }));

        const { contactId } = await contactByPhone(scenario);
        expect(await marketingOf(contactId)).toEqual({ status: 'unknown' });
        expect(await db.store.consentHistory(contactId)).toEqual([]);
        expect(scenario.events.ofType(DetailType.ContactOptedOut)).toEqual([]);
        expect(scenario.replies).toEqual([]);
      },
    );

    it('opts a phone contact out of marketing on "Stop!" and asks for a confirmation reply to that message, to the phone', async () => {
      const scenario = contactActivityScenario(db.store);
      const t = recentSecond();
      const wamid = uniqueWamid();

      await scenario.track(inboundText({ waba: scenario.waba, at: t, wamid, text: 'Stop!' }));

      const { contactId } = await contactByPhone(scenario);
      expect(await marketingOf(contactId)).toEqual({ status: 'opted_out', since: t, source: 'keyword', recordId: `${wamid}:marketing` });
      expect(await db.store.consentHistory(contactId)).toEqual([
        {
          recordId: `${wamid}:marketing`,
          category: 'marketing',
          status: 'opted_out',
          source: 'keyword',
          occurredAt: t,
          evidence: 'inbound text "Stop!"',
          actor: 'customer',
        },
      ]);
      const optedOut = scenario.events.ofType(DetailType.ContactOptedOut);
      expect(optedOut.map((e) => e.data)).toEqual([expect.objectContaining({ contactId, category: 'marketing', source: 'keyword' })]);
      expect(scenario.replies).toEqual([
        {
          idempotencyKey: `consent-confirmation:${wamid}`,
          correlationId: wamid,
          phoneNumberId: FIXTURE_PHONE_NUMBER_ID,
          businessAccountId: scenario.waba,
          to: SENDER_PHONE,
          replyTo: wamid,
          body: DEFAULT_CONTACT_SETTINGS.confirmations.optOut,
        },
      ]);
      assertPublishable(scenario.events.all);
    });

    it('addresses the confirmation to the BSUID when the contact has no phone', async () => {
      const scenario = contactActivityScenario(db.store);
      const wamid = uniqueWamid();

      await scenario.track(activityFrom('messages-text-bsuid-only', { waba: scenario.waba, at: recentSecond(), wamid, text: 'STOP' }));

      const contact = await db.store.find(scenario.waba, { kind: 'user', value: SENDER_BSUID });
      expect(await marketingOf(contact!.contactId)).toMatchObject({ status: 'opted_out', source: 'keyword' });
      expect(scenario.replies).toEqual([expect.objectContaining({ idempotencyKey: `consent-confirmation:${wamid}`, replyTo: wamid, recipientUserId: SENDER_BSUID })]);
      expect(scenario.replies[0]).not.toHaveProperty('to');
    });

    it('opts back in on "START" and confirms it', async () => {
      const scenario = contactActivityScenario(db.store);
      const t = recentSecond();

      await scenario.track(
        inboundText({ waba: scenario.waba, at: t, wamid: uniqueWamid(), text: 'STOP' }),
        inboundText({ waba: scenario.waba, at: t + HOUR_MS, wamid: uniqueWamid(), text: 'start' }),
      );

      const { contactId } = await contactByPhone(scenario);
      expect(await marketingOf(contactId)).toMatchObject({ status: 'opted_in', since: t + HOUR_MS, source: 'keyword' });
      expect(scenario.events.all.filter((e) => e.detailType !== DetailType.CustomerServiceWindowOpened).map((e) => e.detailType)).toEqual([
        DetailType.ContactOptedOut,
        DetailType.ContactOptedIn,
      ]);
      expect(scenario.replies.map((r) => r.body)).toEqual([DEFAULT_CONTACT_SETTINGS.confirmations.optOut, DEFAULT_CONTACT_SETTINGS.confirmations.optIn]);
    });
  });

  it('opts out on the "Stop promotions" template quick reply, source button, without a confirmation', async () => {
    const scenario = contactActivityScenario(db.store);
    const t = recentSecond();

    await scenario.track(
      activityFrom('messages-button-unsubscribe', { waba: scenario.waba, at: t, button: { text: 'Stop promotions', payload: 'Stop promotions' } }),
    );

    const { contactId } = await contactByPhone(scenario);
    expect(await marketingOf(contactId)).toMatchObject({ status: 'opted_out', since: t, source: 'button' });
    expect(scenario.events.ofType(DetailType.ContactOptedOut).map((e) => e.data)).toEqual([expect.objectContaining({ source: 'button' })]);
    expect(scenario.replies).toEqual([]);
  });

  it("follows Meta's user_preferences: stop then resume of marketing", async () => {
    const scenario = contactActivityScenario(db.store);
    const t = recentSecond();

    await scenario.track(activityFrom('user-preferences-stop', { waba: scenario.waba, at: t }));
    const { contactId } = await contactByPhone(scenario);
    expect(await marketingOf(contactId)).toMatchObject({ status: 'opted_out', since: t, source: 'meta_user_preferences' });

    await scenario.track(activityFrom('user-preferences-resume', { waba: scenario.waba, at: t + HOUR_MS }));

    expect((await contactByPhone(scenario)).contactId).toBe(contactId);
    expect(await marketingOf(contactId)).toMatchObject({ status: 'opted_in', since: t + HOUR_MS, source: 'meta_user_preferences' });
    expect(scenario.events.all.map((e) => [e.detailType, (e.data as { source?: string }).source])).toEqual([
      [DetailType.ContactOptedOut, 'meta_user_preferences'],
      [DetailType.ContactOptedIn, 'meta_user_preferences'],
    ]);
    expect((await db.store.consentHistory(contactId)).map((r) => r.actor)).toEqual(['meta', 'meta']);
    assertPublishable(scenario.events.all);
  });

  it('records an opt-out from a send that failed with 131050', async () => {
    const scenario = contactActivityScenario(db.store);
    const t = recentSecond();

    await scenario.track(activityFrom('statuses-failed-131050', { waba: scenario.waba, at: t }));

    const { contactId } = await contactByPhone(scenario);
    expect(await marketingOf(contactId)).toMatchObject({ status: 'opted_out', since: t, source: 'send_failure_131050' });
    expect(scenario.events.ofType(DetailType.ContactOptedOut).map((e) => e.data)).toEqual([
      expect.objectContaining({ contactId, source: 'send_failure_131050', actor: 'meta' }),
    ]);
    expect(scenario.replies).toEqual([]);
  });

  it('records nothing for a send that failed with another error', async () => {
    const scenario = contactActivityScenario(db.store);
    const t = recentSecond();
    await scenario.track(inboundText({ waba: scenario.waba, at: t, wamid: uniqueWamid() }));
    scenario.events.clear();

    await scenario.track(activityFrom('statuses-failed-131049', { waba: scenario.waba, at: t + HOUR_MS }));

    const { contactId } = await contactByPhone(scenario);
    expect(await marketingOf(contactId)).toEqual({ status: 'unknown' });
    expect(await db.store.consentHistory(contactId)).toEqual([]);
    expect(scenario.events.all).toEqual([]);
  });
});
