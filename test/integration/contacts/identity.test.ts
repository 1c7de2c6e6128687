/**
 * Contact identity, kept by `trackContactActivity` in a real contact store on DynamoDB Local: BSUID-only and
 * phone-only contacts, keys joining one contact, BSUID rotations, identity changes that put a contact on hold,
 * and GDPR erasure followed by the same person writing again.
 */
import { afterAll, describe, expect, it } from 'vitest';

import type { ContactProfile } from '#shared/domain/contacts/records.js';
import { DetailType } from '#shared/contracts/events/catalogue.js';
import type { IdentityKey } from '#shared/domain/contacts/identity.js';
import { CUSTOMER_SERVICE_WINDOW_MS } from '#shared/domain/windows/customer-service-window.js';
import {
  FIXTURE_PHONE_NUMBER_ID,
  HOUR_MS,
  activityFrom,
  assertPublishable,
  contactActivityScenario,
  contactStoreOnEmulator,
  inboundText,
  recentSecond,
  uniqueWamid,
  type ContactActivityScenario,
} from '#test/support/contacts-harness.js';

// The people of the fixtures.
const PHONE = '+16505551234';
const BSUID = 'US.13491208655302741918';
const PARENT_BSUID = 'US.ENT.11815799212886844830';
const ROTATED_BSUID = 'US.20837465019283746501';
const ROTATED_PARENT_BSUID = 'US.ENT.20837465019283746502';
const NEW_PHONE = '+12195555358';

const phoneKey = (value: string): IdentityKey => ({ kind: 'phone', value });
const userKey = (value: string): IdentityKey => ({ kind: 'user', value });

describe('contact identity on DynamoDB Local', () => {
  const db = contactStoreOnEmulator();
  afterAll(() => db.destroy());

  async function contactFor(scenario: ContactActivityScenario, key: IdentityKey): Promise<ContactProfile> {
    const contact = await db.store.find(scenario.waba, key);
    if (contact === undefined) throw new Error(`no contact for ${key.kind} ${key.value} in ${scenario.waba}`);
    return contact;
  }

  describe('keys', () => {
    it('keys a BSUID-only sender by BSUID, with no phone', async () => {
      const scenario = contactActivityScenario(db.store);

      await scenario.track(activityFrom('messages-text-bsuid-only', { waba: scenario.waba, at: recentSecond() }));

      const contact = await contactFor(scenario, userKey(BSUID));
      expect(contact).toMatchObject({ businessAccountId: scenario.waba, userId: BSUID, parentUserId: PARENT_BSUID, username: 'pablomorales' });
      expect(contact.phone).toBeUndefined();
      expect(await db.store.find(scenario.waba, phoneKey(PHONE))).toBeUndefined();
      expect((await db.store.sendContext(contact.contactId, FIXTURE_PHONE_NUMBER_ID))?.window).toBeDefined();
    });

    it('keys a phone-only sender by E.164 phone, with no BSUID', async () => {
      const scenario = contactActivityScenario(db.store);

      await scenario.track(inboundText({ waba: scenario.waba, at: recentSecond(), wamid: uniqueWamid() }));

      const contact = await contactFor(scenario, phoneKey(PHONE));
      expect(contact).toMatchObject({ phone: PHONE, profileName: 'Sheena Nelson' });
      expect(contact.userId).toBeUndefined();
    });

    it('attaches the phone to the BSUID-only contact when a later message carries both', async () => {
      const scenario = contactActivityScenario(db.store);
      const t = recentSecond();

      await scenario.track(activityFrom('messages-text-bsuid-only', { waba: scenario.waba, at: t }));
      const before = await contactFor(scenario, userKey(BSUID));
      await scenario.track(activityFrom('messages-text-bsuid-with-phone', { waba: scenario.waba, at: t + HOUR_MS }));

      const byPhone = await contactFor(scenario, phoneKey(PHONE));
      expect(byPhone.contactId).toBe(before.contactId);
      expect(byPhone).toMatchObject({ userId: BSUID, phone: PHONE });
      expect((await contactFor(scenario, userKey(BSUID))).contactId).toBe(before.contactId);
    });

    it('attaches the BSUID to the phone-only contact when a later message carries both', async () => {
      const scenario = contactActivityScenario(db.store);
      const t = recentSecond();

      await scenario.track(inboundText({ waba: scenario.waba, at: t, wamid: uniqueWamid() }));
      const before = await contactFor(scenario, phoneKey(PHONE));
      await scenario.track(activityFrom('messages-text-bsuid-with-phone', { waba: scenario.waba, at: t + HOUR_MS }));

      const byUser = await contactFor(scenario, userKey(BSUID));
      expect(byUser.contactId).toBe(before.contactId);
      expect(byUser).toMatchObject({ userId: BSUID, phone: PHONE });
    });

    it('keeps contacts of different business accounts apart even for the same person', async () => {
      const first = contactActivityScenario(db.store);
      const second = contactActivityScenario(db.store);
      const t = recentSecond();

      await first.track(inboundText({ waba: first.waba, at: t, wamid: uniqueWamid() }));
      await second.track(inboundText({ waba: second.waba, at: t, wamid: uniqueWamid() }));

      expect((await contactFor(first, phoneKey(PHONE))).contactId).not.toBe((await contactFor(second, phoneKey(PHONE))).contactId);
      expect(await db.store.find(second.waba, { contactId: (await contactFor(first, phoneKey(PHONE))).contactId })).toBeUndefined();
    });
  });

  describe('BSUID rotation', () => {
    /** A contact known by phone and BSUID that opted out of marketing. */
    async function optedOutContact(scenario: ContactActivityScenario, t: number): Promise<ContactProfile> {
      await scenario.track(activityFrom('messages-text-bsuid-with-phone', { waba: scenario.waba, at: t, text: 'STOP' }));
      return contactFor(scenario, userKey(BSUID));
    }

    async function expectRotatedKeepingHistory(scenario: ContactActivityScenario, before: ContactProfile): Promise<void> {
      const rotated = await contactFor(scenario, userKey(ROTATED_BSUID));
      expect(rotated.contactId).toBe(before.contactId);
      expect(rotated).toMatchObject({ userId: ROTATED_BSUID, parentUserId: ROTATED_PARENT_BSUID, previousUserIds: [BSUID], phone: PHONE });
      expect((await contactFor(scenario, userKey(BSUID))).contactId).toBe(before.contactId);
      expect((await db.store.sendContext(before.contactId, FIXTURE_PHONE_NUMBER_ID))?.consent.marketing).toMatchObject({
        status: 'opted_out',
        source: 'keyword',
      });
      expect(await db.store.consentHistory(before.contactId)).toHaveLength(1);
    }

    it('follows a user_id_update webhook: the new BSUID finds the same contact, its history kept, the old BSUID still resolves', async () => {
      const scenario = contactActivityScenario(db.store);
      const t = recentSecond();
      const before = await optedOutContact(scenario, t);
      scenario.events.clear();

      await scenario.track(activityFrom('user-id-update', { waba: scenario.waba, at: t + HOUR_MS }));

      await expectRotatedKeepingHistory(scenario, before);
      expect(scenario.events.all.map((e) => [e.detailType, e.data])).toEqual([
        [DetailType.ContactIdentityChanged, expect.objectContaining({ contactId: before.contactId, change: 'user_id_update', onHold: false })],
      ]);
      assertPublishable(scenario.events.all);
    });

    it('follows a user_changed_user_id system message that names the sender by phone only', async () => {
      const scenario = contactActivityScenario(db.store);
      const t = recentSecond();
      const before = await optedOutContact(scenario, t);
      scenario.events.clear();

      await scenario.track(activityFrom('messages-system-user-changed-user-id', { waba: scenario.waba, at: t + HOUR_MS }));

      await expectRotatedKeepingHistory(scenario, before);
      expect(scenario.events.all.map((e) => [e.detailType, e.data])).toEqual([
        [DetailType.ContactIdentityChanged, expect.objectContaining({ contactId: before.contactId, change: 'user_changed_user_id', onHold: false })],
      ]);
    });

    it.each(['user-id-update', 'messages-system-user-changed-user-id'])(
      'gives a contact known only by phone its new BSUID on %s, so a later BSUID-only message finds it with its consent',
      async (fixture) => {
        const scenario = contactActivityScenario(db.store);
        const t = recentSecond();
        await scenario.track(inboundText({ waba: scenario.waba, at: t, wamid: uniqueWamid(), text: 'STOP' }));
        const before = await contactFor(scenario, phoneKey(PHONE));

        await scenario.track(activityFrom(fixture, { waba: scenario.waba, at: t + HOUR_MS }));
        await scenario.track(
          activityFrom('messages-text-bsuid-only', { waba: scenario.waba, at: t + 2 * HOUR_MS, userId: ROTATED_BSUID }, DetailType.MessageReceived),
        );

        const after = await contactFor(scenario, userKey(ROTATED_BSUID));
        expect(after.contactId).toBe(before.contactId);
        expect(after).toMatchObject({ userId: ROTATED_BSUID, phone: PHONE });
        expect((await db.store.sendContext(before.contactId, FIXTURE_PHONE_NUMBER_ID))?.consent.marketing).toMatchObject({ status: 'opted_out' });
        expect(scenario.events.ofType(DetailType.ContactIdentityChanged).map((e) => e.data)).toEqual([
          expect.objectContaining({ contactId: before.contactId, onHold: false }),
        ]);
      },
    );

    it('leaves alone a contact with another BSUID that shares the phone of a rotation whose previous BSUID is unknown', async () => {
      const scenario = contactActivityScenario(db.store);
      const t = recentSecond();
      const otherPerson = 'US.77777777777777777777';
      await scenario.track(activityFrom('messages-text-bsuid-with-phone', { waba: scenario.waba, at: t, userId: otherPerson }));
      const before = await contactFor(scenario, userKey(otherPerson));

      await scenario.track(activityFrom('user-id-update', { waba: scenario.waba, at: t + HOUR_MS }));

      expect(await contactFor(scenario, userKey(otherPerson))).toMatchObject({ contactId: before.contactId, userId: otherPerson });
      expect(await db.store.find(scenario.waba, userKey(ROTATED_BSUID))).toBeUndefined();
      expect(scenario.events.ofType(DetailType.ContactIdentityChanged)).toEqual([]);
    });

    it('applies a redelivered rotation once: the same contact, one previous BSUID', async () => {
      const scenario = contactActivityScenario(db.store);
      const t = recentSecond();
      const before = await optedOutContact(scenario, t);
      const rotation = activityFrom('user-id-update', { waba: scenario.waba, at: t + HOUR_MS });

      await scenario.track(rotation, rotation);

      await expectRotatedKeepingHistory(scenario, before);
      const changes = scenario.events.ofType(DetailType.ContactIdentityChanged);
      expect(changes).toHaveLength(2);
      expect(changes[1]).toEqual(changes[0]);
    });
  });

  describe('identity changes put the contact on hold', () => {
    it.each([
      ['messages-system-user-changed-number', 'user_changed_number'],
      ['messages-system-customer-identity-changed', 'customer_identity_changed'],
    ] as const)('holds the contact on %s until acknowledged, and a redelivery after the acknowledgement does not hold it again', async (fixture, change) => {
      const scenario = contactActivityScenario(db.store);
      const t = recentSecond();
      await scenario.track(inboundText({ waba: scenario.waba, at: t, wamid: uniqueWamid() }));
      const { contactId } = await contactFor(scenario, phoneKey(PHONE));
      scenario.events.clear();
      const identityChange = activityFrom(fixture, { waba: scenario.waba, at: t + HOUR_MS }, DetailType.UserIdentityChanged);

      await scenario.track(identityChange);

      const held = await db.store.sendContext(contactId, FIXTURE_PHONE_NUMBER_ID);
      expect(held?.contact.hold).toEqual({ reason: change, since: t + HOUR_MS, eventId: identityChange.data.wamid });
      expect(scenario.events.all.map((e) => [e.detailType, e.data])).toEqual([
        [DetailType.ContactIdentityChanged, expect.objectContaining({ contactId, change, onHold: true })],
      ]);
      assertPublishable(scenario.events.all);

      expect(await db.store.acknowledgeHold(contactId, t + 2 * HOUR_MS)).toBe(true);
      expect((await db.store.sendContext(contactId, FIXTURE_PHONE_NUMBER_ID))?.contact.hold).toBeUndefined();

      await scenario.track(identityChange);

      expect((await db.store.sendContext(contactId, FIXTURE_PHONE_NUMBER_ID))?.contact.hold).toBeUndefined();
      expect(scenario.events.ofType(DetailType.ContactIdentityChanged).at(-1)?.data).toMatchObject({ contactId, onHold: false });
    });

    it('moves the contact to the new number on user_changed_number and releases the old one, also when redelivered', async () => {
      const scenario = contactActivityScenario(db.store);
      const t = recentSecond();
      await scenario.track(inboundText({ waba: scenario.waba, at: t, wamid: uniqueWamid() }));
      const { contactId } = await contactFor(scenario, phoneKey(PHONE));
      const numberChange = activityFrom('messages-system-user-changed-number', { waba: scenario.waba, at: t + HOUR_MS });

      await scenario.track(numberChange);
      await scenario.track(numberChange);

      const moved = await contactFor(scenario, phoneKey(NEW_PHONE));
      expect(moved.contactId).toBe(contactId);
      expect(moved).toMatchObject({ phone: NEW_PHONE, previousPhones: [PHONE] });
      expect(await db.store.find(scenario.waba, phoneKey(PHONE))).toBeUndefined();
      expect(new Set(scenario.events.ofType(DetailType.ContactIdentityChanged).map((e) => (e.data as { contactId: string }).contactId))).toEqual(
        new Set([contactId]),
      );
    });
  });

  describe('erasure', () => {
    it('gives the same person a new contact after erasure: new contactId, no consent history, a fresh window', async () => {
      const scenario = contactActivityScenario(db.store);
      const t = recentSecond();
      await scenario.track(inboundText({ waba: scenario.waba, at: t, wamid: uniqueWamid(), text: 'STOP' }));
      const erased = await contactFor(scenario, phoneKey(PHONE));

      await db.store.erase(erased, t + HOUR_MS);
      scenario.events.clear();
      const comeback = uniqueWamid('comeback');
      await scenario.track(inboundText({ waba: scenario.waba, at: t + 2 * HOUR_MS, wamid: comeback }));

      const fresh = await contactFor(scenario, phoneKey(PHONE));
      expect(fresh.contactId).not.toBe(erased.contactId);
      expect(fresh.createdAt).toBe(t + 2 * HOUR_MS);
      expect(await db.store.consentHistory(fresh.contactId)).toEqual([]);
      const context = await db.store.sendContext(fresh.contactId, FIXTURE_PHONE_NUMBER_ID);
      expect(context?.consent.marketing).toEqual({ status: 'unknown' });
      expect(context?.window).toEqual({ openedAt: t + 2 * HOUR_MS, lastInboundAt: t + 2 * HOUR_MS, closesAt: t + 2 * HOUR_MS + CUSTOMER_SERVICE_WINDOW_MS });
      expect(scenario.events.ofType(DetailType.CustomerServiceWindowOpened).map((e) => e.data)).toEqual([
        expect.objectContaining({ contactId: fresh.contactId, wamid: comeback }),
      ]);
      // Nothing of the erased contact is readable any more.
      expect(await db.store.sendContext(erased.contactId, FIXTURE_PHONE_NUMBER_ID)).toBeUndefined();
      expect(await db.store.find(scenario.waba, { contactId: erased.contactId })).toBeUndefined();
      expect(await db.store.consentHistory(erased.contactId)).toEqual([]);
    });
  });
});
