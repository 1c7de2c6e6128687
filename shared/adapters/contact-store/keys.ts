import type { ConsentCategory, ConsentRecord } from '../../domain/consent/consent.js';
import type { IdentityKey } from '../../domain/contacts/identity.js';

/**
 * The DynamoDB keys of every contact item family in the state table (the table is drawn in
 * `shared/adapters/contact-store.ts` and the README's "Data model").
 */
export const contactKeys = {
  identity: (waba: string, key: IdentityKey) => ({ pk: `IDKEY#${waba}#${key.kind === 'user' ? 'U' : 'P'}#${key.value}`, sk: 'IDKEY' }),
  profile: (contactId: string) => ({ pk: `CONTACT#${contactId}`, sk: 'PROFILE' }),
  window: (contactId: string, phoneNumberId: string) => ({ pk: `CONTACT#${contactId}`, sk: `WINDOW#${phoneNumberId}` }),
  fepOffer: (contactId: string, phoneNumberId: string) => ({ pk: `CONTACT#${contactId}`, sk: `FEPOFFER#${phoneNumberId}` }),
  fepWindow: (contactId: string, phoneNumberId: string) => ({ pk: `CONTACT#${contactId}`, sk: `FEP#${phoneNumberId}` }),
  consent: (contactId: string, category: ConsentCategory) => ({ pk: `CONTACT#${contactId}`, sk: `CONSENT#${category}` }),
  consentHistory: (contactId: string, record: Pick<ConsentRecord, 'occurredAt' | 'recordId'>) => ({
    pk: `CONTACT#${contactId}#CONSENT`,
    sk: `${new Date(record.occurredAt).toISOString()}#${record.recordId}`,
  }),
};
