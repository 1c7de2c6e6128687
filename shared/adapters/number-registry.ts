import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Which WhatsApp Business Account each business phone number belongs to, learned from webhooks (their
 * metadata names both) and from configuration. Item: pk `NUMBER#<phoneNumberId>`, sk `NUMBER`.
 */
export interface NumberRegistry {
  businessAccountOf(phoneNumberId: string): Promise<string | undefined>;
  remember(phoneNumberId: string, businessAccountId: string): Promise<void>;
}

export function createNumberRegistry({
  client,
  tableName,
  configured = {},
}: {
  client: DynamoDBDocumentClient;
  tableName: string;
  configured?: Readonly<Record<string, string>>;
}): NumberRegistry {
  const known = new Map<string, string>(Object.entries(configured));
  return {
    async businessAccountOf(phoneNumberId) {
      const cached = known.get(phoneNumberId);
      if (cached !== undefined) return cached;
      const out = await client.send(new GetCommand({ TableName: tableName, Key: { pk: `NUMBER#${phoneNumberId}`, sk: 'NUMBER' } }));
      const waba = out.Item?.['businessAccountId'] as string | undefined;
      if (waba !== undefined) known.set(phoneNumberId, waba);
      return waba;
    },
    async remember(phoneNumberId, businessAccountId) {
      // Once per container: webhooks name the same number thousands of times.
      if (known.get(phoneNumberId) === businessAccountId) return;
      await client.send(new PutCommand({ TableName: tableName, Item: { pk: `NUMBER#${phoneNumberId}`, sk: 'NUMBER', businessAccountId } }));
      known.set(phoneNumberId, businessAccountId);
    },
  };
}
