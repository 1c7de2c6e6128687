import { CONSENT_CATEGORIES, type ConsentCategory, type ConsentState } from '../../domain/consent/consent.js';
import type { ContactProfile } from '../../domain/contacts/records.js';
import type { CustomerServiceWindow, FreeEntryPointOpportunity, FreeEntryPointWindow } from '../../domain/windows/customer-service-window.js';
import type { ContactStore, SendContextReader } from '../../ports/contact-store.js';
import { queryAll } from '../dynamo-query.js';
import { toConsentState } from './consent.js';
import { contactIdOf, toProfile } from './identity.js';
import { toFreeEntryPointWindow, toOffer, toWindow } from './windows.js';
import type { ContactTable } from './table.js';

/** Reads of the whole `CONTACT#<contactId>` partition (profile, windows, offers, consent) in one consistent Query. */
export type PartitionReader = Pick<ContactStore, 'sendContext' | 'contactOverview'> & SendContextReader;

/** The partition reads on DynamoDB. */
export function createPartitionReader(table: ContactTable): PartitionReader {
  const { client, TableName } = table;

  const sendContext: PartitionReader['sendContext'] = async (contactId, phoneNumberId) => {
    const items = queryAll(client, { TableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `CONTACT#${contactId}` }, ConsistentRead: true });
    let contact: ContactProfile | undefined;
    let window: CustomerServiceWindow | undefined;
    let offer: FreeEntryPointOpportunity | undefined;
    let fep: FreeEntryPointWindow | undefined;
    const consent = unknownConsent();
    for await (const item of items) {
      const sk = item['sk'] as string;
      if (sk === 'PROFILE') contact = item['erasedAt'] === undefined ? toProfile(item) : undefined;
      else if (sk === `WINDOW#${phoneNumberId}`) window = toWindow(item);
      else if (sk === `FEPOFFER#${phoneNumberId}`) offer = toOffer(item);
      else if (sk === `FEP#${phoneNumberId}`) fep = toFreeEntryPointWindow(item);
      else if (sk.startsWith('CONSENT#')) {
        const category = sk.slice('CONSENT#'.length) as ConsentCategory;
        if (category in consent) consent[category] = toConsentState(item);
      }
    }
    if (contact === undefined) return undefined;
    return { contact, window, freeEntryPointOffer: offer, freeEntryPointWindow: fep, consent };
  };

  return {
    sendContext,

    async sendContextFor(waba, ref, phoneNumberId) {
      const contactId = await contactIdOf(table, waba, ref);
      if (contactId === undefined) return undefined;
      const context = await sendContext(contactId, phoneNumberId);
      return context?.contact.businessAccountId === waba ? context : undefined;
    },

    async contactOverview(contactId) {
      let contact: ContactProfile | undefined;
      let erased = false;
      const windows: Array<CustomerServiceWindow & { phoneNumberId: string }> = [];
      const offers: Array<FreeEntryPointOpportunity & { phoneNumberId: string }> = [];
      const feps: Array<FreeEntryPointWindow & { phoneNumberId: string }> = [];
      const consent = unknownConsent();
      const items = queryAll(client, { TableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `CONTACT#${contactId}` }, ConsistentRead: true });
      for await (const item of items) {
        const sk = item['sk'] as string;
        const after = (prefix: string) => sk.slice(prefix.length);
        if (sk === 'PROFILE') {
          if (item['erasedAt'] === undefined) contact = toProfile(item);
          else erased = true;
        } else if (sk.startsWith('WINDOW#')) windows.push({ phoneNumberId: after('WINDOW#'), ...toWindow(item) });
        else if (sk.startsWith('FEPOFFER#')) offers.push({ phoneNumberId: after('FEPOFFER#'), ...toOffer(item) });
        else if (sk.startsWith('FEP#')) feps.push({ phoneNumberId: after('FEP#'), ...toFreeEntryPointWindow(item) });
        else if (sk.startsWith('CONSENT#')) {
          const category = after('CONSENT#') as ConsentCategory;
          if (category in consent) consent[category] = toConsentState(item);
        }
      }
      if (contact === undefined || erased) return undefined;
      return { contact, windows, freeEntryPointOffers: offers, freeEntryPointWindows: feps, consent };
    },
  };
}

/** Every category `unknown`, overwritten by the categories the partition holds. */
function unknownConsent(): Record<ConsentCategory, ConsentState> {
  return Object.fromEntries(CONSENT_CATEGORIES.map((c) => [c, { status: 'unknown' }])) as Record<ConsentCategory, ConsentState>;
}
