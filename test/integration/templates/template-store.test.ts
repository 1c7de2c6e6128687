/**
 * The template store on DynamoDB Local: records and history written together, concurrent applies without a lost
 * update, listing in name then language order with prefix, filters and cursors, history newest first.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';

import { createTemplateStore, TemplateItemCorruptError, templateKeys } from '#shared/adapters/template-store.js';
import { isTimeOnlyChange } from '#shared/domain/templates/apply-fact.js';
import type { TemplateFact, TemplateRecord } from '#shared/domain/templates/records.js';
import { BadRequestError } from '#shared/errors.js';
import type { TemplateStore } from '#shared/ports/template-store.js';
import { localClientConfig } from '#infra/local/emulators.js';
import { STATE_TABLE } from '#infra/topology.js';
import { countCommands, uniqueWaba } from '#test/support/contacts-harness.js';

const tableName = inject('tableNames')[STATE_TABLE.id]!;
const raw = new DynamoDBClient(localClientConfig(inject('dynamoEndpoint')));
const client = DynamoDBDocumentClient.from(raw);
const commands = countCommands(client);
const store: TemplateStore = createTemplateStore({ client, tableName });
afterAll(() => raw.destroy());

/** Above 2^53: exact only as a string. */
const BIG_ID = '18014398509481985123';
const BODY = { type: 'BODY', text: 'مرحبا {{1}}، طلبك #{{2}} في الطريق 🚚 — Zoë’s café', example: { body_text: [['Zoë', '٤٥٦']] } };

const at = (minutes: number) => new Date(Date.UTC(2026, 11, 4, 2, 0, 0) + minutes * 60_000).toISOString();

function snapshot(waba: string, name: string, overrides: Partial<Extract<TemplateFact, { kind: 'snapshot' }>> = {}): TemplateFact {
  return {
    kind: 'snapshot',
    source: 'sync',
    at: at(0),
    businessAccountId: waba,
    name,
    language: 'en_US',
    templateId: BIG_ID,
    category: 'UTILITY',
    status: 'APPROVED',
    components: [BODY],
    qualityScore: 'GREEN',
    ...overrides,
  };
}

const status = (waba: string, name: string, value: string, minute: number, language = 'en-US'): TemplateFact => ({
  kind: 'status',
  source: 'webhook',
  at: at(minute),
  businessAccountId: waba,
  name,
  language,
  status: value,
  ...(value === 'PAUSED' ? { otherInfo: { title: 'FIRST_PAUSE', description: 'Paused for 3 hours: quality dropped to low' } } : {}),
});

const quality = (waba: string, name: string, score: string, minute: number): TemplateFact => ({
  kind: 'quality',
  source: 'webhook',
  at: at(minute),
  businessAccountId: waba,
  name,
  language: 'en_US',
  newScore: score,
});

async function listAll(waba: string, query: Omit<Parameters<TemplateStore['list']>[1], 'cursor'>): Promise<{ records: TemplateRecord[]; pages: number }> {
  const records: TemplateRecord[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await store.list(waba, { ...query, ...(cursor === undefined ? {} : { cursor }) });
    pages++;
    expect(page.items.length).toBeLessThanOrEqual(query.limit);
    records.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return { records, pages };
}

/** Runs the tasks with at most `width` in flight. */
async function inParallel<T>(width: number, tasks: ReadonlyArray<() => Promise<T>>): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < tasks.length) {
        const index = next++;
        results[index] = await tasks[index]!();
      }
    }),
  );
  return results;
}

describe('template store: records and history', () => {
  it('creates the record from a snapshot, found under either spelling of the language, with the id and components exact', async () => {
    const waba = uniqueWaba();

    const result = await store.apply(snapshot(waba, 'order_update'), at(1));

    expect(result.outcome).toBe('changed');
    const found = await store.get(waba, 'order_update', 'en-US');
    expect(found).toStrictEqual(result.outcome === 'changed' ? result.record : undefined);
    expect(found).toMatchObject({ businessAccountId: waba, language: 'en_US', templateId: BIG_ID, components: [BODY], version: 1 });
    expect(await store.get(waba, 'order_update', 'EN_us')).toStrictEqual(found);
    expect(await store.get(waba, 'order_update', 'pt_BR')).toBeUndefined();
  });

  it('writes nothing for a fact that changes nothing (a duplicate, or a stale one)', async () => {
    const waba = uniqueWaba();
    await store.apply(snapshot(waba, 'order_update'), at(1));
    await store.apply(status(waba, 'order_update', 'PAUSED', 10), at(11));
    commands.reset();

    const duplicate = await store.apply(status(waba, 'order_update', 'PAUSED', 10), at(12));
    const stale = await store.apply(status(waba, 'order_update', 'APPROVED', 5), at(13));

    expect([duplicate.outcome, stale.outcome]).toEqual(['unchanged', 'unchanged']);
    expect(commands.names).toEqual(['GetCommand', 'GetCommand']);
    expect((await store.history(waba, 'order_update', 'en_US', { limit: 10 })).items.map((e) => e.version)).toEqual([2, 1]);
  });

  it('moves Meta times on a newer fact confirming the record with one plain conditional write and no history line, so a late older fact still changes nothing', async () => {
    const waba = uniqueWaba();
    await store.apply(snapshot(waba, 'order_update'), at(1));
    commands.reset();

    const refresh = await store.apply(snapshot(waba, 'order_update', { at: at(60) }), at(61));
    const late = await store.apply(status(waba, 'order_update', 'PAUSED', 30), at(62));

    expect(refresh.outcome).toBe('changed');
    expect(refresh.outcome === 'changed' && Object.keys(refresh.entry.changes).sort()).toEqual(['asOf.category', 'asOf.components', 'asOf.quality', 'asOf.status']);
    expect(late).toMatchObject({ outcome: 'unchanged', why: 'stale' });
    expect(commands.names).toEqual(['GetCommand', 'PutCommand', 'GetCommand']);
    expect(await store.get(waba, 'order_update', 'en_US')).toMatchObject({ status: 'APPROVED', version: 2, asOf: { status: at(60), components: at(60) } });
    expect((await store.history(waba, 'order_update', 'en_US', { limit: 10 })).items.map((e) => [e.version, e.kind])).toEqual([[1, 'snapshot']]);
  });

  it('keeps a real change after a time-only one in history, its version above the skipped one', async () => {
    const waba = uniqueWaba();
    await store.apply(snapshot(waba, 'order_update'), at(1));
    await store.apply(snapshot(waba, 'order_update', { at: at(60) }), at(61));

    const paused = await store.apply(status(waba, 'order_update', 'PAUSED', 90), at(91));

    expect(paused).toMatchObject({ outcome: 'changed', record: { status: 'PAUSED', version: 3 } });
    expect((await store.history(waba, 'order_update', 'en_US', { limit: 10 })).items.map((e) => [e.version, e.kind, Object.keys(e.changes).includes('status')])).toEqual([
      [3, 'status', true],
      [1, 'snapshot', true],
    ]);
  });

  it('re-reads and re-applies when another writer moved the record between the read and a time-only write', async () => {
    const waba = uniqueWaba();
    await store.apply(snapshot(waba, 'order_update'), at(1));
    // Every refresh reads version 1; only one plain write can hold its condition, the others re-read.
    const results = await Promise.all([60, 61, 62, 63].map((minute) => store.apply(snapshot(waba, 'order_update', { at: at(minute) }), at(minute + 1))));

    const record = await store.get(waba, 'order_update', 'en_US');
    expect(record?.asOf.status).toBe(at(63));
    expect(record?.version).toBe(1 + results.filter((r) => r.outcome === 'changed').length);
    expect((await store.history(waba, 'order_update', 'en_US', { limit: 10 })).items.map((e) => e.version)).toEqual([1]);
  });

  it('keeps every change in history, newest first, paged by an opaque cursor', async () => {
    const waba = uniqueWaba();
    await store.apply(snapshot(waba, 'order_update'), at(1));
    await store.apply(status(waba, 'order_update', 'PAUSED', 10), at(11));
    await store.apply(status(waba, 'order_update', 'REINSTATED', 20), at(21));
    await store.apply(quality(waba, 'order_update', 'YELLOW', 30), at(31));

    const first = await store.history(waba, 'order_update', 'en-US', { limit: 3 });
    const second = await store.history(waba, 'order_update', 'en_US', { limit: 3, cursor: first.nextCursor! });

    expect(first.items.map((e) => [e.version, e.kind, e.source])).toEqual([
      [4, 'quality', 'webhook'],
      [3, 'status', 'webhook'],
      [2, 'status', 'webhook'],
    ]);
    expect(first.items[1]?.changes['status']).toEqual({ from: 'PAUSED', to: 'APPROVED' });
    expect(first.items[2]?.changes['pause']?.to).toEqual({ title: 'FIRST_PAUSE', description: 'Paused for 3 hours: quality dropped to low', since: at(10) });
    expect(second.items.map((e) => [e.version, e.kind, e.recordedAt])).toEqual([[1, 'snapshot', at(1)]]);
    expect(second.nextCursor).toBeUndefined();
  });

  it('refuses a cursor it did not issue, naming the problem', async () => {
    const waba = uniqueWaba();
    const bad = (cursor: string) => store.history(waba, 'order_update', 'en_US', { limit: 2, cursor });

    for (const cursor of ['not a cursor!', Buffer.from('MSG#x').toString('base64url'), Buffer.from('0000000001').toString('base64url') + '=', '']) {
      const error = await bad(cursor).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error).toMatchObject({ statusCode: 400, code: 'invalid_cursor', message: 'cursor is not a template history cursor this API returned; start again without one' });
    }
  });

  it('reports an item it did not write as corrupt, naming its key, instead of returning it', async () => {
    const waba = uniqueWaba();
    await client.send(new PutCommand({ TableName: tableName, Item: { ...templateKeys.record(waba, 'hand_made', 'en_US'), document: '{"name":"hand_made"}' } }));

    await expect(store.get(waba, 'hand_made', 'en_US')).rejects.toThrow(TemplateItemCorruptError);
    await expect(store.get(waba, 'hand_made', 'en_US')).rejects.toThrow(`template item TEMPLATE#${waba} / hand_made#en_us is not a valid template item`);
  });

  it('answers a name or language outside Meta rules with a 400 naming the field, before any read', async () => {
    const waba = uniqueWaba();
    commands.reset();

    await expect(store.get(waba, 'Order Update', 'en_US')).rejects.toMatchObject({ statusCode: 400, code: 'invalid_template_name' });
    await expect(store.get(waba, 'order_update', 'en_US#x')).rejects.toMatchObject({ statusCode: 400, code: 'invalid_template_language' });
    await expect(store.get('acct', 'order_update', 'en_US')).rejects.toMatchObject({ statusCode: 400, code: 'invalid_business_account_id' });
    expect(commands.names).toEqual([]);
  });
});

describe('template store: concurrent applies', () => {
  it('loses no update when status, quality and component facts for one template race each other', async () => {
    const waba = uniqueWaba();
    await store.apply(snapshot(waba, 'flash_sale', { category: 'MARKETING' }), at(0));
    const facts: TemplateFact[] = [
      status(waba, 'flash_sale', 'PAUSED', 5),
      status(waba, 'flash_sale', 'APPROVED', 9),
      quality(waba, 'flash_sale', 'RED', 4),
      quality(waba, 'flash_sale', 'YELLOW', 8),
      { kind: 'components', source: 'webhook', at: at(7), businessAccountId: waba, name: 'flash_sale', language: 'en_US', components: [{ ...BODY, text: 'Nouveau 🎉 {{1}}' }] },
      { kind: 'category', source: 'webhook', phase: 'completed', at: at(6), businessAccountId: waba, name: 'flash_sale', language: 'en_US', newCategory: 'UTILITY', previousCategory: 'MARKETING' },
    ];

    commands.reset();

    const results = await Promise.all(facts.map((fact, i) => store.apply(fact, at(20 + i))));

    // All six read version 1 before any wrote: the losers re-read (more reads than facts) and re-applied.
    expect(commands.names.filter((name) => name === 'GetCommand').length).toBeGreaterThan(facts.length);

    const record = await store.get(waba, 'flash_sale', 'en_US');
    expect(record).toMatchObject({ status: 'APPROVED', qualityScore: 'YELLOW', category: 'UTILITY', components: [{ ...BODY, text: 'Nouveau 🎉 {{1}}' }] });
    expect(record?.asOf).toMatchObject({ status: at(9), quality: at(8), components: at(7), category: at(6) });
    const changed = results.filter((r) => r.outcome === 'changed').length;
    expect(record?.version).toBe(1 + changed);
    // A fact landing after a newer one of its aspect may only confirm values (APPROVED at 9 before PAUSED at 5):
    // such a change moves the version but keeps no history line.
    const kept = results.filter((r) => r.outcome === 'changed' && !isTimeOnlyChange(r.entry)).map((r) => (r.outcome === 'changed' ? r.entry.version : 0));
    const history = await store.history(waba, 'flash_sale', 'en_US', { limit: 100 });
    expect(history.items.map((e) => e.version)).toEqual([...kept, 1].sort((a, b) => b - a));
  });

  it('creates a template once when two first facts about it race', async () => {
    const waba = uniqueWaba();

    const results = await Promise.all([store.apply(snapshot(waba, 'welcome_msg'), at(1)), store.apply(snapshot(waba, 'welcome_msg', { at: at(2), status: 'PAUSED' }), at(2))]);

    // Whichever lands first creates it; the other re-reads and applies on top (or is stale, if it is the older).
    const changed = results.filter((r) => r.outcome === 'changed').length;
    expect(changed).toBeGreaterThanOrEqual(1);
    expect(await store.get(waba, 'welcome_msg', 'en_US')).toMatchObject({ status: 'PAUSED', version: changed });
    expect((await store.history(waba, 'welcome_msg', 'en_US', { limit: 10 })).items[0]).toMatchObject({ version: changed, at: at(2) });
  });
});

describe('template store: listing', () => {
  it('lists in name then language order, a name prefix with begins_with, each page at most limit', async () => {
    const waba = uniqueWaba();
    const names: Array<[string, string]> = [
      ['order', 'en_US'],
      ['order_shipped', 'pt_BR'],
      ['order_shipped', 'ar'],
      ['order_shipped', 'en_US'],
      ['order2', 'fr'],
      ['promo_winter', 'de'],
      ['a_first', 'he'],
    ];
    await inParallel(4, names.map(([name, language]) => () => store.apply(snapshot(waba, name, { language }), at(1))));

    const all = await listAll(waba, { limit: 3 });
    const prefixed = await listAll(waba, { limit: 2, namePrefix: 'order_' });

    expect(all.records.map((r) => `${r.name}/${r.language}`)).toEqual([
      'a_first/he',
      'order/en_US',
      'order2/fr',
      'order_shipped/ar',
      'order_shipped/en_US',
      'order_shipped/pt_BR',
      'promo_winter/de',
    ]);
    expect(all.pages).toBeGreaterThanOrEqual(3);
    expect(prefixed.records.map((r) => `${r.name}/${r.language}`)).toEqual(['order_shipped/ar', 'order_shipped/en_US', 'order_shipped/pt_BR']);
    expect((await store.languagesOf(waba, 'order')).map((r) => r.language)).toEqual(['en_US']);
    expect((await store.languagesOf(waba, 'order_shipped')).map((r) => r.language)).toEqual(['ar', 'en_US', 'pt_BR']);
  });

  it('pages a filter through reads DynamoDB cuts before the filter, until limit matches or the end', async () => {
    const waba = uniqueWaba();
    // 130 templates (more than one filtered read of 100 items), 5 of them paused, spread across the partition.
    const paused = new Set([3, 41, 99, 101, 127]);
    await inParallel(
      8,
      Array.from({ length: 130 }, (_, i) => () => store.apply(snapshot(waba, `tpl_${String(i).padStart(3, '0')}`, { status: paused.has(i) ? 'PAUSED' : 'APPROVED', category: i % 2 === 0 ? 'MARKETING' : 'UTILITY' }), at(1))),
    );

    const pausedPages = await listAll(waba, { limit: 3, status: 'PAUSED' });
    const pausedUtility = await listAll(waba, { limit: 100, status: 'PAUSED', category: 'UTILITY' });
    const none = await store.list(waba, { limit: 5, status: 'DISABLED' });

    expect(pausedPages.records.map((r) => r.name)).toEqual(['tpl_003', 'tpl_041', 'tpl_099', 'tpl_101', 'tpl_127']);
    expect(pausedPages.pages).toBe(2);
    expect(pausedUtility.records.map((r) => r.name)).toEqual(['tpl_003', 'tpl_041', 'tpl_099', 'tpl_101', 'tpl_127']);
    expect(none).toEqual({ items: [] });
  });

  it('refuses a cursor from a listing with another name prefix, and one that is not a cursor', async () => {
    const waba = uniqueWaba();
    await inParallel(2, ['alpha_a', 'alpha_b', 'beta_a'].map((name) => () => store.apply(snapshot(waba, name), at(1))));
    const page = await store.list(waba, { limit: 1, namePrefix: 'alpha_' });

    await expect(store.list(waba, { limit: 1, namePrefix: 'beta_', cursor: page.nextCursor! })).rejects.toMatchObject({ statusCode: 400, code: 'invalid_cursor' });
    await expect(store.list(waba, { limit: 1, cursor: 'eyJwayI6IlRFTVBMQVRFIzEifQ' })).rejects.toMatchObject({ statusCode: 400, code: 'invalid_cursor' });
    await expect(store.list(waba, { limit: 101 })).rejects.toMatchObject({ statusCode: 400, code: 'invalid_limit' });
  });

  it("keeps each account's templates to itself", async () => {
    const [mine, theirs] = [uniqueWaba(), uniqueWaba()];
    await store.apply(snapshot(mine, 'shared_name'), at(1));
    await store.apply(snapshot(theirs, 'shared_name', { status: 'REJECTED', rejectedReason: 'INVALID_FORMAT' }), at(1));

    expect((await store.list(mine, { limit: 10 })).items.map((r) => [r.businessAccountId, r.status])).toEqual([[mine, 'APPROVED']]);
    expect(await store.get(theirs, 'shared_name', 'en_US')).toMatchObject({ status: 'REJECTED', rejection: { reason: 'INVALID_FORMAT' } });
  });
});
