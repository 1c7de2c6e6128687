import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parse as parseCsv } from 'csv-parse/sync';

import { createRateCardStore } from '../../shared/adapters/ledger-store.js';
import { parseRateCardCsv, type RateCard } from '../../shared/domain/billing/rate-card.js';
import { localClientConfig } from './emulators.js';

const EXAMPLES = resolve(import.meta.dirname, '..', '..', 'examples', 'billing');

/** The sample cards the local stack rates with (USD, the local accounts' default currency): samples, not Meta's files. */
export const LOCAL_RATE_CARD_FILES = ['rate-card-usd-2026-07-01.sample.csv', 'rate-card-usd-2026-10-01.sample.csv', 'rate-card-eur-2024-11-01.sample.csv'];

/** Reads a rate card CSV file as `npm run billing` does; throws naming every problem (a sample that no longer reads is a bug). */
export function readRateCardFile(path: string, options: { effectiveFrom?: string; currency?: string } = {}): RateCard {
  const rows = parseCsv(readFileSync(path, 'utf8'), { bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true }) as string[][];
  const parsed = parseRateCardCsv(rows, { label: basename(path), ...options });
  if (!parsed.ok) throw new Error(`rate card ${path}: ${parsed.problems.join('; ')}`);
  return parsed.card;
}

/**
 * Puts the sample cards into the local ledger table, as `npm run billing -- import-card` would a deployment's,
 * so the Billing consumer rates the local stack's deliveries. Re-importing the same card is a no-op.
 */
export async function importLocalRateCards(options: { readonly dynamoEndpoint: string; readonly tableName: string; readonly now?: number }): Promise<void> {
  const client = new DynamoDBClient(localClientConfig(options.dynamoEndpoint));
  try {
    const store = createRateCardStore({ client: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }), tableName: options.tableName });
    for (const file of LOCAL_RATE_CARD_FILES) {
      const outcome = await store.put(readRateCardFile(resolve(EXAMPLES, file)), options.now ?? Date.now());
      if (outcome === 'conflict') throw new Error(`the local ledger already holds another card for ${file}`);
    }
  } finally {
    client.destroy();
  }
}
