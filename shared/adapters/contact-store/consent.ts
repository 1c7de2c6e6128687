import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { supersedes, type ConsentRecord, type ConsentState } from '../../domain/consent/consent.js';
import type { ContactStore } from '../../ports/contact-store.js';
import { conditionHeld, transactionOutcome } from '../dynamo-conditions.js';
import { queryAll } from '../dynamo-query.js';
import { contactKeys } from './keys.js';
import type { ContactTable } from './table.js';

/** The current consent per category and its append-only history. */
export type ConsentStore = Pick<ContactStore, 'recordConsent' | 'consentHistory' | 'consentHistoryPage' | 'findConsentRecord'>;

/** Consent on DynamoDB: history once per record id, the current state moved only by a record that supersedes it. */
export function createConsentStore({ client, TableName }: ContactTable): ConsentStore {
  const recordConsent: ConsentStore['recordConsent'] = async (contactId, record) => {
    const history = { Put: { TableName, Item: { ...contactKeys.consentHistory(contactId, record), ...record }, ConditionExpression: 'attribute_not_exists(pk)' } };
    const current = await client.send(new GetCommand({ TableName, Key: contactKeys.consent(contactId, record.category), ConsistentRead: true }));
    const state = current.Item === undefined ? undefined : toConsentState(current.Item);
    // A redelivery of the record that is already current: report it as current so its event is re-emitted.
    if (state?.recordId === record.recordId) return 'current';
    if (!supersedes(record, state)) {
      return (await conditionHeld(client.send(new PutCommand(history.Put)))) ? 'history_only' : 'duplicate';
    }
    const next: ConsentState = { status: record.status, since: record.occurredAt, source: record.source, recordId: record.recordId };
    const outcome = await transactionOutcome(
      client.send(
        new TransactWriteCommand({
          TransactItems: [
            history,
            {
              Put: {
                TableName,
                Item: { ...contactKeys.consent(contactId, record.category), ...next },
                // Optimistic: the state must still be what we read, else another record won the race.
                ConditionExpression: state === undefined ? 'attribute_not_exists(pk)' : 'recordId = :prev',
                ...(state === undefined ? {} : { ExpressionAttributeValues: { ':prev': state.recordId } }),
              },
            },
          ],
        }),
      ),
    );
    if (outcome.committed) return 'current';
    // Item 0 is the history record (already written: a redelivery), item 1 the current state (moved meanwhile: decide again).
    if (outcome.failedConditions.has(0)) return 'duplicate';
    if (outcome.failedConditions.has(1)) return recordConsent(contactId, record);
    throw outcome.error;
  };

  return {
    recordConsent,

    async consentHistory(contactId) {
      const items: ConsentRecord[] = [];
      for await (const item of queryAll(client, { TableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `CONTACT#${contactId}#CONSENT` } })) {
        items.push(toConsentRecord(item));
      }
      return items;
    },

    async consentHistoryPage(contactId, { limit, after }) {
      const pk = `CONTACT#${contactId}#CONSENT`;
      const records: ConsentRecord[] = [];
      let start: Record<string, unknown> | undefined = after === undefined ? undefined : { pk, sk: after };
      let lastSk: string | undefined;
      // One item more than asked tells whether another page exists without an empty last page.
      while (records.length <= limit) {
        const out = await client.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': pk },
            ScanIndexForward: false,
            Limit: limit + 1 - records.length,
            ExclusiveStartKey: start,
          }),
        );
        for (const item of out.Items ?? []) {
          if (records.length === limit) return { records, after: lastSk! };
          records.push(toConsentRecord(item));
          lastSk = item['sk'] as string;
        }
        start = out.LastEvaluatedKey;
        if (start === undefined) break;
      }
      return { records };
    },

    async findConsentRecord(contactId, recordId) {
      const matches = queryAll(client, {
        TableName,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'recordId = :id',
        ExpressionAttributeValues: { ':pk': `CONTACT#${contactId}#CONSENT`, ':id': recordId },
      });
      for await (const item of matches) return toConsentRecord(item);
      return undefined;
    },
  };
}

/** The current consent of one category as stored. */
export function toConsentState(item: Record<string, unknown>): ConsentState {
  return { status: item['status'] as ConsentState['status'], since: item['since'] as number, source: item['source'] as ConsentState['source'], recordId: item['recordId'] as string };
}

function toConsentRecord(item: Record<string, unknown>): ConsentRecord {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as unknown as ConsentRecord;
}
