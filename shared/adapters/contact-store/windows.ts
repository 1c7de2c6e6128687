import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  extendWindow,
  type CustomerServiceWindow,
  type FreeEntryPointOpportunity,
  type FreeEntryPointWindow,
} from '../../domain/windows/customer-service-window.js';
import type { ContactStore } from '../../ports/contact-store.js';
import { conditionHeld } from '../dynamo-conditions.js';
import { contactKeys } from './keys.js';
import type { ContactTable } from './table.js';

/** The customer service window and the free-entry-point chance and window, per contact and business phone number. */
export type WindowStore = Pick<ContactStore, 'recordInbound' | 'recordFreeEntryPointOffer' | 'openFreeEntryPointWindow'>;

/** Seconds past a window's close at which DynamoDB may delete it (reads never rely on the deletion). */
const WINDOW_RETENTION_S = 7 * 24 * 3600;

/** Windows and free-entry-point offers on DynamoDB, each written under a condition so a late or repeated write loses. */
export function createWindowStore({ client, TableName }: ContactTable): WindowStore {
  return {
    async recordInbound(contactId, phoneNumberId, inboundAt) {
      const key = contactKeys.window(contactId, phoneNumberId);
      for (let attempt = 0; attempt < 5; attempt++) {
        const out = await client.send(new GetCommand({ TableName, Key: key, ConsistentRead: true }));
        const current = out.Item === undefined ? undefined : toWindow(out.Item);
        const next = extendWindow(current, inboundAt);
        if (next === undefined) return undefined;
        if (next === current) return next;
        const written = await conditionHeld(
          client.send(
            new PutCommand({
              TableName,
              Item: { ...key, ...next, expiresAt: Math.ceil(next.closesAt / 1000) + WINDOW_RETENTION_S },
              // Optimistic concurrency: another inbound for the same pair may have moved the window meanwhile.
              ConditionExpression: current === undefined ? 'attribute_not_exists(pk)' : 'lastInboundAt = :seen',
              ...(current === undefined ? {} : { ExpressionAttributeValues: { ':seen': current.lastInboundAt } }),
            }),
          ),
        );
        if (written) return next;
      }
      throw new Error('window update kept conflicting after 5 attempts');
    },

    async recordFreeEntryPointOffer(contactId, phoneNumberId, offer) {
      return conditionHeld(
        client.send(
          new PutCommand({
            TableName,
            Item: { ...contactKeys.fepOffer(contactId, phoneNumberId), ...offer, expiresAt: Math.ceil(offer.replyBy / 1000) + WINDOW_RETENTION_S },
            ConditionExpression: 'attribute_not_exists(referralAt) OR referralAt < :t',
            ExpressionAttributeValues: { ':t': offer.referralAt },
          }),
        ),
      );
    },

    async openFreeEntryPointWindow(contactId, phoneNumberId, window) {
      return conditionHeld(
        client.send(
          new PutCommand({
            TableName,
            Item: { ...contactKeys.fepWindow(contactId, phoneNumberId), ...window, expiresAt: Math.ceil(window.closesAt / 1000) + WINDOW_RETENTION_S },
            ConditionExpression: 'attribute_not_exists(closesAt) OR closesAt <= :opens',
            ExpressionAttributeValues: { ':opens': window.opensAt },
          }),
        ),
      );
    },
  };
}

/** The customer service window as stored, without its keys and TTL. */
export function toWindow(item: Record<string, unknown>): CustomerServiceWindow {
  return { openedAt: item['openedAt'] as number, lastInboundAt: item['lastInboundAt'] as number, closesAt: item['closesAt'] as number };
}

/** The free-entry-point chance as stored, without its keys and TTL. */
export function toOffer(item: Record<string, unknown>): FreeEntryPointOpportunity {
  const { pk: _pk, sk: _sk, expiresAt: _ttl, ...rest } = item;
  return rest as unknown as FreeEntryPointOpportunity;
}

/** The free-entry-point window as stored, without its keys and TTL. */
export function toFreeEntryPointWindow(item: Record<string, unknown>): FreeEntryPointWindow {
  return { opensAt: item['opensAt'] as number, closesAt: item['closesAt'] as number };
}
