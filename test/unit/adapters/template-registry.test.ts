import { describe, expect, it } from 'vitest';

import { createStoreTemplateRegistry, DEFAULT_TEMPLATE_CACHE_TTL_MS } from '#shared/adapters/template-registry.js';
import { applyTemplateFact } from '#shared/domain/templates/apply-fact.js';
import type { TemplateFact, TemplateRecord } from '#shared/domain/templates/records.js';

const WABA = '102290129340398';
const OTHER_WABA = '987654321098765';
const AT = '2026-12-04T02:00:00.000Z';

function recordOf(fact: TemplateFact, current?: TemplateRecord): TemplateRecord {
  const result = applyTemplateFact(current, fact, AT);
  if (result.outcome !== 'changed') throw new Error(`fixture did not apply: ${result.why}`);
  return result.record;
}

const snapshot = (overrides: Partial<Extract<TemplateFact, { kind: 'snapshot' }>> = {}): TemplateFact => ({
  kind: 'snapshot',
  source: 'sync',
  at: AT,
  businessAccountId: WABA,
  name: 'order_update',
  language: 'en_US',
  // Above 2^53: kept as digits.
  templateId: '90071992547409931',
  category: 'UTILITY',
  status: 'APPROVED',
  components: [
    { type: 'HEADER', format: 'IMAGE', example: { header_handle: ['4::aW1hZ2U='] } },
    { type: 'BODY', text: 'Hola {{1}}, tu pedido {{2}} 📦 está en camino — شكراً', example: { body_text: [['Zoë', '9007199254740993']] } },
    { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Seguir', url: 'https://example.com/t/{{1}}' }, { type: 'QUICK_REPLY', text: 'Gracias' }] },
  ],
  ...overrides,
});

/** A store whose `get` answers from `records`, counting reads. */
function countingStore(records: Map<string, TemplateRecord>) {
  const reads: string[] = [];
  return {
    reads,
    get: async (waba: string, name: string, language: string) => {
      reads.push(`${waba}/${name}/${language}`);
      return records.get(`${waba}/${name}`);
    },
  };
}

describe('createStoreTemplateRegistry', () => {
  it("answers the registry record as the send path's TemplateInfo: status, category, parameters from Meta's components", async () => {
    const store = countingStore(new Map([[`${WABA}/order_update`, recordOf(snapshot())]]));
    const registry = createStoreTemplateRegistry({ store });
    expect(await registry.find(WABA, 'order_update', 'en-US')).toEqual({
      name: 'order_update',
      language: 'en_US',
      status: 'APPROVED',
      category: 'utility',
      parameterFormat: 'positional',
      businessAccountId: WABA,
      parameters: { header: 1, body: 2, buttons: [0], optionalButtons: [1] },
      // The body's text for the hydrated-length check; an image header has none.
      text: { body: 'Hola {{1}}, tu pedido {{2}} 📦 está en camino — شكراً' },
    });
  });

  it('gives a paused template with its pause start and end, so the gate can say until when', async () => {
    const approved = recordOf(snapshot());
    const paused = recordOf(
      { kind: 'status', source: 'webhook', at: '2026-12-04T02:10:00.000Z', businessAccountId: WABA, name: 'order_update', language: 'en-US', status: 'PAUSED', otherInfo: { title: 'FIRST_PAUSE' } },
      approved,
    );
    const registry = createStoreTemplateRegistry({ store: countingStore(new Map([[`${WABA}/order_update`, paused]])) });
    expect(await registry.find(WABA, 'order_update', 'en_US')).toMatchObject({ status: 'PAUSED', pause: { since: '2026-12-04T02:10:00.000Z', until: '2026-12-04T05:10:00.000Z' } });
  });

  it('reads the store once per template and language within the TTL, and again once it has passed', async () => {
    let now = Date.parse(AT);
    const store = countingStore(new Map([[`${WABA}/order_update`, recordOf(snapshot())]]));
    const registry = createStoreTemplateRegistry({ store, now: () => now });
    await registry.find(WABA, 'order_update', 'en_US');
    await registry.find(WABA, 'order_update', 'en-US');
    await registry.find(WABA, 'order_update', 'EN_us');
    expect(store.reads).toHaveLength(1);
    now += DEFAULT_TEMPLATE_CACHE_TTL_MS - 1;
    await registry.find(WABA, 'order_update', 'en_US');
    expect(store.reads).toHaveLength(1);
    now += 1;
    await registry.find(WABA, 'order_update', 'en_US');
    expect(store.reads).toHaveLength(2);
  });

  it('serves a change made in the store once the cached read expires (a pause seen within the TTL)', async () => {
    let now = Date.parse(AT);
    const records = new Map([[`${WABA}/order_update`, recordOf(snapshot())]]);
    const registry = createStoreTemplateRegistry({ store: countingStore(records), ttlMs: 5_000, now: () => now });
    expect((await registry.find(WABA, 'order_update', 'en_US'))?.status).toBe('APPROVED');
    records.set(`${WABA}/order_update`, recordOf(snapshot({ status: 'PAUSED', at: '2026-12-04T02:00:01.000Z' }), records.get(`${WABA}/order_update`)));
    expect((await registry.find(WABA, 'order_update', 'en_US'))?.status).toBe('APPROVED');
    now += 5_000;
    expect((await registry.find(WABA, 'order_update', 'en_US'))?.status).toBe('PAUSED');
  });

  it('reads every time with a TTL of 0', async () => {
    const store = countingStore(new Map([[`${WABA}/order_update`, recordOf(snapshot())]]));
    const registry = createStoreTemplateRegistry({ store, ttlMs: 0 });
    await registry.find(WABA, 'order_update', 'en_US');
    await registry.find(WABA, 'order_update', 'en_US');
    expect(store.reads).toHaveLength(2);
  });

  it("keeps accounts apart and finds nothing without an account, reading nothing", async () => {
    const store = countingStore(new Map([[`${WABA}/order_update`, recordOf(snapshot())]]));
    const registry = createStoreTemplateRegistry({ store });
    expect(await registry.find(OTHER_WABA, 'order_update', 'en_US')).toBeUndefined();
    expect(await registry.find(undefined, 'order_update', 'en_US')).toBeUndefined();
    expect(store.reads).toEqual([`${OTHER_WABA}/order_update/en_US`]);
  });

  it('remembers an unknown template for the TTL too, and does not remember a failed read', async () => {
    let fail = true;
    const reads: string[] = [];
    const registry = createStoreTemplateRegistry({
      store: {
        get: async (waba, name) => {
          reads.push(name);
          if (name === 'flaky' && fail) throw new Error('ProvisionedThroughputExceededException');
          return undefined;
        },
      },
    });
    expect(await registry.find(WABA, 'never_created', 'fr')).toBeUndefined();
    expect(await registry.find(WABA, 'never_created', 'fr')).toBeUndefined();
    await expect(registry.find(WABA, 'flaky', 'fr')).rejects.toThrow('ProvisionedThroughputExceededException');
    fail = false;
    expect(await registry.find(WABA, 'flaky', 'fr')).toBeUndefined();
    expect(reads).toEqual(['never_created', 'flaky', 'flaky']);
  });

  it('drops the oldest entries beyond maxEntries', async () => {
    const store = countingStore(new Map());
    const registry = createStoreTemplateRegistry({ store, maxEntries: 2 });
    for (const name of ['a', 'b', 'c', 'a']) await registry.find(WABA, name, 'en_US');
    expect(store.reads.map((r) => r.split('/')[1])).toEqual(['a', 'b', 'c', 'a']);
  });
});
