/**
 * Property: for any account's templates (names that prefix one another, several languages, mixed statuses and
 * categories) and any page size, filter and name prefix, paging through `list` returns exactly the matching
 * templates, in name then language order, none twice, no page over its limit.
 *
 * Reproducible: seeded from `FUZZ_SEED` (printed in the test name and on failure); `FUZZ_RUNS` runs more cases.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';

import { createTemplateStore } from '#shared/adapters/template-store.js';
import type { TemplateCategory, TemplateRecord } from '#shared/domain/templates/records.js';
import { localClientConfig } from '#infra/local/emulators.js';
import { STATE_TABLE } from '#infra/topology.js';
import { uniqueWaba } from '#test/support/contacts-harness.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 9_0412);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 40);

const raw = new DynamoDBClient(localClientConfig(inject('dynamoEndpoint')));
const client = DynamoDBDocumentClient.from(raw);
// Filtered reads of 4 items, so a page often ends inside a read (the 100 of production needs 100+ templates to).
const store = createTemplateStore({ client, tableName: inject('tableNames')[STATE_TABLE.id]!, filteredReadItems: 4 });
afterAll(() => raw.destroy());

const NAMES = ['a', 'a_b', 'a_b_c', 'ab', 'order', 'order_2', 'order_shipped', 'z9'] as const;
const LANGUAGES = ['en_US', 'en_GB', 'ar', 'pt_BR', 'zh_CN', 'he'] as const;
const STATUSES = ['APPROVED', 'PAUSED', 'REJECTED'] as const;
const CATEGORIES: readonly TemplateCategory[] = ['MARKETING', 'UTILITY', 'AUTHENTICATION'];

const templatesArb = fc.uniqueArray(
  fc.record({ name: fc.constantFrom(...NAMES), language: fc.constantFrom(...LANGUAGES), status: fc.constantFrom(...STATUSES), category: fc.constantFrom(...CATEGORIES) }),
  { minLength: 0, maxLength: 24, selector: (t) => `${t.name}/${t.language}` },
);
const queryArb = fc.record({
  limit: fc.integer({ min: 1, max: 7 }),
  status: fc.option(fc.constantFrom(...STATUSES), { nil: undefined }),
  category: fc.option(fc.constantFrom(...CATEGORIES), { nil: undefined }),
  namePrefix: fc.option(fc.constantFrom('a', 'a_', 'order', 'order_', 'q'), { nil: undefined }),
});

describe('template store listing (property)', () => {
  it(`pages through exactly the matching templates in name then language order (FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS})`, async () => {
    await fc.assert(
      fc.asyncProperty(templatesArb, queryArb, async (templates, query) => {
        const waba = uniqueWaba();
        for (const t of templates) {
          await store.apply({ kind: 'snapshot', source: 'sync', at: '2026-12-04T02:00:00.000Z', businessAccountId: waba, ...t, components: [{ type: 'BODY', text: 'Hi 👋' }] }, '2026-12-04T02:00:01.000Z');
        }

        const seen: TemplateRecord[] = [];
        let cursor: string | undefined;
        do {
          const page = await store.list(waba, { limit: query.limit, ...(query.status === undefined ? {} : { status: query.status }), ...(query.category === undefined ? {} : { category: query.category }), ...(query.namePrefix === undefined ? {} : { namePrefix: query.namePrefix }), ...(cursor === undefined ? {} : { cursor }) });
          expect(page.items.length).toBeLessThanOrEqual(query.limit);
          seen.push(...page.items);
          cursor = page.nextCursor;
        } while (cursor !== undefined);

        const expected = templates
          .filter((t) => (query.status === undefined || t.status === query.status) && (query.category === undefined || t.category === query.category))
          .filter((t) => query.namePrefix === undefined || t.name.startsWith(query.namePrefix))
          .sort((x, y) => (x.name === y.name ? (x.language.toLowerCase() < y.language.toLowerCase() ? -1 : 1) : x.name < y.name ? -1 : 1))
          .map((t) => `${t.name}/${t.language}`);
        expect(seen.map((r) => `${r.name}/${r.language}`)).toEqual(expected);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  }, 120_000);
});
