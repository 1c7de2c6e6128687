import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ContactStore } from '../../ports/contact-store.js';
import { conditionHeld } from '../dynamo-conditions.js';
import { contactKeys } from './keys.js';
import type { ContactTable } from './table.js';

/** The hold a contact's profile carries (set by a change, cleared by an acknowledgement). */
export type HoldStore = Pick<ContactStore, 'putOnHold' | 'acknowledgeHold' | 'acknowledgeHoldBy'>;

/** Holds on the profile item, each a single conditional update. */
export function createHoldStore({ client, TableName }: ContactTable): HoldStore {
  return {
    async putOnHold(contactId, hold) {
      return conditionHeld(
        client.send(
          new UpdateCommand({
            TableName,
            Key: contactKeys.profile(contactId),
            UpdateExpression: 'SET #hold = :hold, updatedAt = :at',
            // Re-applying the same change (a redelivery) succeeds; one already acknowledged does not come back.
            ConditionExpression:
              'attribute_exists(pk) AND attribute_not_exists(erasedAt) AND (attribute_not_exists(#hold) OR #hold.since <= :at) ' +
              'AND (attribute_not_exists(holdAcknowledgedUpTo) OR holdAcknowledgedUpTo < :at)',
            ExpressionAttributeNames: { '#hold': 'hold' },
            ExpressionAttributeValues: { ':hold': hold, ':at': hold.since },
          }),
        ),
      );
    },

    async acknowledgeHold(contactId, at) {
      return conditionHeld(
        client.send(
          new UpdateCommand({
            TableName,
            Key: contactKeys.profile(contactId),
            UpdateExpression: 'REMOVE #hold SET updatedAt = :at, holdAcknowledgedUpTo = #hold.since',
            ConditionExpression: 'attribute_exists(#hold)',
            ExpressionAttributeNames: { '#hold': 'hold' },
            ExpressionAttributeValues: { ':at': at },
          }),
        ),
      );
    },

    async acknowledgeHoldBy(contactId, acknowledgement) {
      return conditionHeld(
        client.send(
          new UpdateCommand({
            TableName,
            Key: contactKeys.profile(contactId),
            UpdateExpression: 'REMOVE #hold SET updatedAt = :at, holdAcknowledgedUpTo = #hold.since, lastHoldAcknowledgement = :ack',
            ConditionExpression: 'attribute_not_exists(erasedAt) AND #hold.since = :since AND #hold.eventId = :eventId',
            ExpressionAttributeNames: { '#hold': 'hold' },
            ExpressionAttributeValues: {
              ':at': acknowledgement.acknowledgedAt,
              ':ack': acknowledgement,
              ':since': acknowledgement.hold.since,
              ':eventId': acknowledgement.hold.eventId,
            },
          }),
        ),
      );
    },
  };
}
