import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Which WhatsApp Business Account each business phone number belongs to, and its display number, learned from
 * webhooks (the `metadata` of messages and statuses names the phone number id, the display number and, through the
 * entry, the account) and from configuration:
 *
 * | item                          | pk                                        | sk       | holds                                   |
 * |-------------------------------|-------------------------------------------|----------|-----------------------------------------|
 * | a number                      | `NUMBER#<phoneNumberId>`                  | `NUMBER` | `businessAccountId`, `displayPhoneNumber` |
 * | a display number of a WABA    | `NUMBER#DISPLAY#<waba>#<display digits>`  | `NUMBER` | `phoneNumberId`                         |
 *
 * The second item answers `phone_number_quality_update`, which names the number by its display number only
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/phone_number_quality_update).
 * Ids are digits, so `NUMBER#DISPLAY#…` cannot meet `NUMBER#<id>`. Display numbers are compared by their digits
 * alone (`+1 555-078-3881` and `15550783881` are one number), see {@link displayDigitsOf}.
 */
export interface NumberRegistry {
  businessAccountOf(phoneNumberId: string): Promise<string | undefined>;
  /**
   * Keeps the number's account and, when given, its display number (and the lookup by display number). Written
   * once per container and pair: webhooks name the same number thousands of times.
   */
  remember(phoneNumberId: string, businessAccountId: string, displayPhoneNumber?: string): Promise<void>;
  /** The phone number id the WABA's display number belongs to, or `undefined` when no webhook or listing named it. */
  phoneNumberIdOf(businessAccountId: string, displayPhoneNumber: string): Promise<string | undefined>;
}

/** The digits of a display number (`+44 7700 900123` → `447700900123`); `undefined` when it holds none. */
export function displayDigitsOf(displayPhoneNumber: string): string | undefined {
  const digits = displayPhoneNumber.replace(/\D/g, '');
  return digits === '' || digits.length > 32 ? undefined : digits;
}

export const numberRegistryKeys = {
  number: (phoneNumberId: string) => ({ pk: `NUMBER#${phoneNumberId}`, sk: 'NUMBER' }),
  display: (businessAccountId: string, digits: string) => ({ pk: `NUMBER#DISPLAY#${businessAccountId}#${digits}`, sk: 'NUMBER' }),
};

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
  const remembered = new Set<string>();
  const byDisplay = new Map<string, string>();
  return {
    async businessAccountOf(phoneNumberId) {
      const cached = known.get(phoneNumberId);
      if (cached !== undefined) return cached;
      const out = await client.send(new GetCommand({ TableName: tableName, Key: numberRegistryKeys.number(phoneNumberId) }));
      const waba = out.Item?.['businessAccountId'] as string | undefined;
      if (waba !== undefined) known.set(phoneNumberId, waba);
      return waba;
    },
    async remember(phoneNumberId, businessAccountId, displayPhoneNumber) {
      const digits = displayPhoneNumber === undefined ? undefined : displayDigitsOf(displayPhoneNumber);
      const seen = `${phoneNumberId}|${businessAccountId}|${digits ?? ''}`;
      if (remembered.has(seen)) return;
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...numberRegistryKeys.number(phoneNumberId), businessAccountId, ...(digits === undefined ? {} : { displayPhoneNumber: digits }) },
        }),
      );
      if (digits !== undefined) {
        await client.send(new PutCommand({ TableName: tableName, Item: { ...numberRegistryKeys.display(businessAccountId, digits), phoneNumberId } }));
        byDisplay.set(`${businessAccountId}#${digits}`, phoneNumberId);
      }
      known.set(phoneNumberId, businessAccountId);
      remembered.add(seen);
    },
    async phoneNumberIdOf(businessAccountId, displayPhoneNumber) {
      const digits = displayDigitsOf(displayPhoneNumber);
      if (digits === undefined) return undefined;
      const cached = byDisplay.get(`${businessAccountId}#${digits}`);
      if (cached !== undefined) return cached;
      const out = await client.send(new GetCommand({ TableName: tableName, Key: numberRegistryKeys.display(businessAccountId, digits) }));
      const id = out.Item?.['phoneNumberId'];
      if (typeof id !== 'string') return undefined;
      byDisplay.set(`${businessAccountId}#${digits}`, id);
      return id;
    },
  };
}
