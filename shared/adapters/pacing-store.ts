import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { laneSlot } from '../domain/sending/rate-slots.js';
import type { PacingStore } from '../ports/pacing-store.js';
import { conditionHeld } from './dynamo-conditions.js';

/**
 * The pacing store on the state table:
 *
 * | item                          | pk                                  | sk      |
 * |-------------------------------|-------------------------------------|---------|
 * | sends in one throughput slot  | `RATE#<phoneNumberId>#<slot>`       | `RATE`  |
 * | pause after Meta's 130429     | `RATE#<phoneNumberId>#PAUSE`        | `RATE`  |
 * | recent sends to one recipient | `PAIR#<phoneNumberId>#<recipientKey>` | `PAIR` |
 *
 * A slot item counts `sends` (both lanes) and `bulkSends`. Taking a send is one conditional `UpdateItem`, so
 * any number of concurrent senders never exceed the slot, and bulk never exceeds its share: the condition
 * and the increment are evaluated atomically on the item.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
 */
export function createPacingStore({ client, tableName }: { client: DynamoDBDocumentClient; tableName: string }): PacingStore {
  const TableName = tableName;
  return {
    async acquire({ phoneNumberId, lane, share, now }) {
      const paused = await client.send(new GetCommand({ TableName, Key: { pk: `RATE#${phoneNumberId}#PAUSE`, sk: 'RATE' } }));
      const until = paused.Item?.['until'] as number | undefined;
      if (until !== undefined && until > now) return { granted: false, retryAt: until };
      const slot = laneSlot(now, lane, share);
      if (slot.laneCapacity === 0) return { granted: false, retryAt: slot.nextLaneSlotAt };
      const bulk = lane === 'bulk';
      const taken = await conditionHeld(
        client.send(
          new UpdateCommand({
            TableName,
            Key: { pk: `RATE#${phoneNumberId}#${slot.slot}`, sk: 'RATE' },
            UpdateExpression: bulk ? 'ADD sends :one, bulkSends :one SET expiresAt = :ttl' : 'ADD sends :one SET expiresAt = :ttl',
            ConditionExpression: bulk
              ? '(attribute_not_exists(sends) OR sends < :cap) AND (attribute_not_exists(bulkSends) OR bulkSends < :bulkCap)'
              : 'attribute_not_exists(sends) OR sends < :cap',
            ExpressionAttributeValues: {
              ':one': 1,
              ':cap': slot.capacity,
              ':ttl': Math.ceil(slot.nextSlotAt / 1000) + 3600,
              ...(bulk ? { ':bulkCap': slot.bulkCapacity } : {}),
            },
          }),
        ),
      );
      // A failed condition: the slot is full, or bulk has used its share of it.
      return taken ? { granted: true } : { granted: false, retryAt: slot.nextLaneSlotAt };
    },

    async pause(phoneNumberId, until) {
      await client.send(
        new PutCommand({ TableName, Item: { pk: `RATE#${phoneNumberId}#PAUSE`, sk: 'RATE', until, expiresAt: Math.ceil(until / 1000) + 3600 } }),
      );
    },

    async recentSends(key) {
      const out = await client.send(new GetCommand({ TableName, Key: { pk: `PAIR#${key}`, sk: 'PAIR' }, ConsistentRead: true }));
      return (out.Item?.['sends'] as number[] | undefined) ?? [];
    },

    async recordSend(key, at, keepMs) {
      // One message per group is in flight at a time (SQS FIFO), so a read-modify-write cannot race here.
      const previous = await this.recentSends(key);
      const sends = [...previous.filter((t) => t > at - keepMs), at].sort((a, b) => a - b);
      await client.send(
        new PutCommand({ TableName, Item: { pk: `PAIR#${key}`, sk: 'PAIR', sends, expiresAt: Math.ceil((at + keepMs) / 1000) } }),
      );
    },
  };
}
