import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ContactStore, SendContextReader } from '../ports/contact-store.js';
import { createConsentStore } from './contact-store/consent.js';
import { createErasureStore } from './contact-store/erasure.js';
import { createHoldStore } from './contact-store/holds.js';
import { createIdentityStore } from './contact-store/identity.js';
import { createPartitionReader } from './contact-store/partition.js';
import type { ContactTable } from './contact-store/table.js';
import { createWindowStore } from './contact-store/windows.js';

/**
 * Contacts, identity keys, windows and consent in the state table. Keys (see README "Data model"):
 *
 * | item                      | pk                                  | sk                          |
 * |---------------------------|-------------------------------------|-----------------------------|
 * | identity key → contact    | `IDKEY#<waba>#U#<bsuid>` / `…#P#<+e164>` | `IDKEY`                |
 * | contact profile           | `CONTACT#<contactId>`               | `PROFILE`                   |
 * | customer service window   | `CONTACT#<contactId>`               | `WINDOW#<phoneNumberId>`    |
 * | free-entry-point chance   | `CONTACT#<contactId>`               | `FEPOFFER#<phoneNumberId>`  |
 * | free-entry-point window   | `CONTACT#<contactId>`               | `FEP#<phoneNumberId>`       |
 * | consent, current          | `CONTACT#<contactId>`               | `CONSENT#<category>`        |
 * | consent history (append)  | `CONTACT#<contactId>#CONSENT`       | `<occurredAt ISO>#<recordId>` |
 *
 * Everything the send path needs about a contact sits in one partition, so one Query answers it.
 *
 * One module per item family under `contact-store/`: `identity.ts` (identity keys and profile), `holds.ts` (the
 * hold on the profile), `windows.ts` (customer service and free-entry-point windows, offers), `consent.ts` (current
 * consent and history), `erasure.ts` (tombstone and clean-up), `partition.ts` (the one-Query reads of the whole
 * partition); `keys.ts` holds the keys above.
 */

/** The `ContactStore` and `SendContextReader` ports on DynamoDB: the item family modules over one table. */
export function createContactStore({ client, tableName }: { client: DynamoDBDocumentClient; tableName: string }): ContactStore & SendContextReader {
  const table: ContactTable = { client, TableName: tableName };
  return {
    ...createIdentityStore(table),
    ...createHoldStore(table),
    ...createWindowStore(table),
    ...createConsentStore(table),
    ...createErasureStore(table),
    ...createPartitionReader(table),
  };
}
