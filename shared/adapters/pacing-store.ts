import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { rateSlot } from '../domain/sending/rate-slots.js';
import { conditionHeld } from './dynamo-conditions.js';

/**
 * Pacing state shared by every sender: per-number throughput counters and per-recipient send history.
 *
 * | item                          | pk                                  | sk      |
 * |-------------------------------|-------------------------------------|---------|
 * | sends in one throughput slot  | `RATE#<phoneNumberId>#<slot>`       | `RATE`  |
 * | recent sends to one recipient | `PAIR#<phoneNumberId>#<recipientKey>` | `PAIR` |
 */
export interface PacingStore {
  /** Takes one send from the number's current slot, or says when the next slot starts. */
  acquire(phoneNumberId: string, ratePerSecond: number, now: number): Promise<{ granted: true } | { granted: false; retryAt: number }>;
  /** Stops the number's sends until `until` (after Meta's 130429). */
  pause(phoneNumberId: string, until: number): Promise<void>;
  recentSends(pairKey: string): Promise<number[]>;
  recordSend(pairKey: string, at: number, keepMs: number): Promise<void>;
}

/** An opaque key for (number, recipient): recipients never appear in keys, queue attributes or logs. */
export function pairKey(phoneNumberId: string, recipient: string): string {
  return `${phoneNumberId}:${createHash('sha256').update(recipient).digest('hex').slice(0, 32)}`;
}

export function createPacingStore({ client, tableName }: { client: DynamoDBDocumentClient; tableName: string }): PacingStore {
  const TableName = tableName;
  return {
    async acquire(phoneNumberId, ratePerSecond, now) {
      const paused = await client.send(new GetCommand({ TableName, Key: { pk: `RATE#${phoneNumberId}#PAUSE`, sk: 'RATE' } }));
      const until = paused.Item?.['until'] as number | undefined;
      if (until !== undefined && until > now) return { granted: false, retryAt: until };
      const slot = rateSlot(now, ratePerSecond);
      const taken = await conditionHeld(
        client.send(
          new UpdateCommand({
            TableName,
            Key: { pk: `RATE#${phoneNumberId}#${slot.slot}`, sk: 'RATE' },
            UpdateExpression: 'ADD sends :one SET expiresAt = :ttl',
            ConditionExpression: 'attribute_not_exists(sends) OR sends < :cap',
            ExpressionAttributeValues: { ':one': 1, ':cap': slot.capacity, ':ttl': Math.ceil(slot.nextSlotAt / 1000) + 3600 },
          }),
        ),
      );
      // A failed condition: the slot is full.
      return taken ? { granted: true } : { granted: false, retryAt: slot.nextSlotAt };
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
