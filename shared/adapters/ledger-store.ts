import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

import type { LedgerEntry } from '../domain/billing/ledger.js';
import type { MarketRates, RateCard, VolumeTier } from '../domain/billing/rate-card.js';
import type { LedgerStore, RateCardStore } from '../ports/ledger-store.js';
import { conditionHeld } from './dynamo-conditions.js';

/**
 * The billing ledger on its own table:
 *
 * | item                         | pk                                   | sk                    | gsi1pk / gsi1sk                                   |
 * |------------------------------|--------------------------------------|-----------------------|---------------------------------------------------|
 * | charge of a message          | `CHARGE#<messageKey>`                | `CHARGE`              | `ACCOUNT#<waba>#<yyyy-mm>` / `<day>#<messageKey>` |
 * | charged messages this month  | `COUNT#<portfolioId>#<yyyy-mm>`      | `<market>#<category>` |                                                   |
 * | service messages this month  | `COUNT#NUMBER#<phoneNumberId>#<yyyy-mm>` | `service`         |                                                   |
 * | an account's month total     | `TOTAL#<yyyy-mm>`                    | `<waba>`              |                                                   |
 * | rate card                    | `RATECARD#<currency>`                | `<effectiveFrom>`     |                                                   |
 *
 * A charge is put once (`attribute_not_exists(pk)`), keyed by message so a `read` after a `delivered` (or before it)
 * never adds a second; an `unrated` entry (no card covered it) is the one that a rated entry may replace, and it adds
 * to no counter (it only lists its account in the month's totals). Counters are added to after the put, with plain `ADD`s: a crash between the two leaves a count
 * one short (a volume tier starts a message late), never a charge twice. Reports read entries, not counters.
 * Amounts are whole numbers of micros; `metaPricing` is stored as received. The month totals share one partition per
 * month, so the accounts that were charged in a month are one Query (what a monthly export walks).
 */

export interface LedgerStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

const chargeKey = (messageKey: string) => ({ pk: `CHARGE#${messageKey}`, sk: 'CHARGE' });

/** The item of an entry as the store writes it (keys included): also what bulk loaders (benchmarks) put. */
export function ledgerItem(entry: LedgerEntry): Record<string, unknown> {
  return {
    ...chargeKey(entry.messageKey),
    gsi1pk: `ACCOUNT#${entry.businessAccountId}#${entry.month}`,
    gsi1sk: `${entry.day}#${entry.messageKey}`,
    ...entry,
    counts: { ...entry.counts },
    differences: [...entry.differences],
  };
}

function fromItem(item: Record<string, unknown>): LedgerEntry {
  const { pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, ...entry } = item;
  return entry as unknown as LedgerEntry;
}

export function createLedgerStore({ client, tableName }: LedgerStoreOptions): LedgerStore {
  const add = (key: Record<string, string>, values: Record<string, number>) =>
    client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key,
        ReturnValues: 'UPDATED_NEW',
        UpdateExpression: `ADD ${Object.keys(values).map((name, i) => `#n${i} :v${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(Object.keys(values).map((name, i) => [`#n${i}`, name])),
        ExpressionAttributeValues: Object.fromEntries(Object.values(values).map((value, i) => [`:v${i}`, value])),
      }),
    );
  const countAt = async (key: Record<string, string>, attribute: string): Promise<number> => {
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: key, ProjectionExpression: '#a', ExpressionAttributeNames: { '#a': attribute } }));
    const value = Item?.[attribute];
    return typeof value === 'number' ? value : 0;
  };

  return {
    async record(entry) {
      // An unrated entry is the one an entry may replace: by a rated one, once a card covers it.
      const written = await conditionHeld(
        client.send(
          new PutCommand({
            TableName: tableName,
            Item: ledgerItem(entry),
            ConditionExpression: 'attribute_not_exists(pk) OR (pricingType = :unrated AND :rated = :yes)',
            ExpressionAttributeValues: { ':unrated': 'unrated', ':rated': entry.pricingType === 'unrated' ? 'no' : 'yes', ':yes': 'yes' },
          }),
        ),
      );
      if (!written) return undefined;
      if (entry.pricingType === 'unrated') {
        // No amount to add, but the account is listed for the month (the export walks the month's totals).
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: `TOTAL#${entry.month}`, sk: entry.businessAccountId },
            UpdateExpression: 'SET listedAt = if_not_exists(listedAt, :at)',
            ExpressionAttributeValues: { ':at': entry.recordedAt },
          }),
        );
        return { monthAmountMicros: 0 };
      }
      const month = entry.month;
      if (entry.counts.charged) await add({ pk: `COUNT#${entry.portfolioId}#${month}`, sk: `${entry.market}#${entry.pricingCategory}` }, { charged: 1 });
      if (entry.counts.serviceMessage) await add({ pk: `COUNT#NUMBER#${entry.phoneNumberId}#${month}`, sk: 'service' }, { service: 1 });
      const total = await add({ pk: `TOTAL#${month}`, sk: entry.businessAccountId }, { amountMicros: entry.amountMicros, platformFeeMicros: entry.platformFeeMicros, messages: 1 });
      const amount = total.Attributes?.['amountMicros'];
      return { monthAmountMicros: typeof amount === 'number' ? amount : entry.amountMicros };
    },

    async find(messageKey) {
      const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: chargeKey(messageKey) }));
      return Item === undefined ? undefined : fromItem(Item);
    },

    chargedCount: (portfolioId, month, market, category) => countAt({ pk: `COUNT#${portfolioId}#${month}`, sk: `${market}#${category}` }, 'charged'),
    serviceCount: (phoneNumberId, month) => countAt({ pk: `COUNT#NUMBER#${phoneNumberId}#${month}`, sk: 'service' }, 'service'),

    async accountsOfMonth(month) {
      const accounts: string[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': `TOTAL#${month}` },
            ProjectionExpression: 'sk',
            ...(start === undefined ? {} : { ExclusiveStartKey: start }),
          }),
        );
        for (const item of page.Items ?? []) accounts.push(String(item['sk']));
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
      return accounts;
    },

    async *entriesOfMonth(businessAccountId, month, onPage) {
      let start: Record<string, unknown> | undefined;
      let entries = 0;
      let pages = 0;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :pk',
            ExpressionAttributeValues: { ':pk': `ACCOUNT#${businessAccountId}#${month}` },
            ...(start === undefined ? {} : { ExclusiveStartKey: start }),
          }),
        );
        pages += 1;
        for (const item of page.Items ?? []) {
          entries += 1;
          yield fromItem(item);
        }
        onPage?.({ entries, pages });
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
    },
  };
}

function cardToItem(card: RateCard, importedAt: number): Record<string, unknown> {
  return {
    pk: `RATECARD#${card.currency}`,
    sk: card.effectiveFrom,
    currency: card.currency,
    effectiveFrom: card.effectiveFrom,
    label: card.label,
    markets: Object.fromEntries(card.markets),
    ...(card.volumeTiers === undefined ? {} : { volumeTiers: Object.fromEntries([...card.volumeTiers].map(([key, tiers]) => [key, tiers.map((t) => ({ ...t }))])) }),
    importedAt,
  };
}

function itemToCard(item: Record<string, unknown>): RateCard {
  const tiers = item['volumeTiers'] as Record<string, VolumeTier[]> | undefined;
  return {
    currency: String(item['currency']),
    effectiveFrom: String(item['effectiveFrom']),
    label: String(item['label']),
    markets: new Map(Object.entries(item['markets'] as Record<string, MarketRates>)),
    ...(tiers === undefined ? {} : { volumeTiers: new Map(Object.entries(tiers)) }),
  };
}

/** The same rates and tiers (labels and import times aside). */
function sameCard(a: RateCard, b: RateCard): boolean {
  // DynamoDB gives a map's attributes back in any order: compare sorted entries.
  const sorted = (value: object) => Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const canon = (card: RateCard) =>
    JSON.stringify([
      [...card.markets].map(([market, rates]) => [market, sorted(rates)]).sort(),
      [...(card.volumeTiers ?? new Map<string, VolumeTier[]>())].map(([key, tiers]) => [key, tiers.map((tier) => sorted(tier))]).sort(),
    ]);
  return canon(a) === canon(b);
}

/** Rate cards on the ledger table, one item per currency and effective day (a few KB: Meta lists ~200 markets). */
export function createRateCardStore({ client, tableName }: LedgerStoreOptions): RateCardStore {
  return {
    async cards(currency) {
      const { Items } = await client.send(
        new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `RATECARD#${currency}` } }),
      );
      return (Items ?? []).map(itemToCard);
    },
    async put(card, importedAt) {
      const written = await conditionHeld(
        client.send(new PutCommand({ TableName: tableName, Item: cardToItem(card, importedAt), ConditionExpression: 'attribute_not_exists(pk)' })),
      );
      if (written) return 'created';
      const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { pk: `RATECARD#${card.currency}`, sk: card.effectiveFrom }, ConsistentRead: true }));
      return Item !== undefined && sameCard(itemToCard(Item), card) ? 'unchanged' : 'conflict';
    },
  };
}
