import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { applyTemplateFact } from '#shared/domain/templates/apply-fact.js';
import type { TemplateFact, TemplateRecord } from '#shared/domain/templates/records.js';
import type { GraphTemplate, GraphTemplateError, GraphTemplatePage, GraphTemplateResult, GraphTemplates } from '#shared/ports/graph-templates.js';
import type { TemplateStore } from '#shared/ports/template-store.js';
import { BadRequestError } from '#shared/errors.js';
import {
  DEFAULT_SYNC_RETRY,
  listingTimeOf,
  nextListingAttempt,
  syncTemplates,
  TemplateSyncError,
  type SyncProgress,
} from '#shared/usecases/sync-templates.js';

const WABA = '102290129340398';
const T0 = Date.parse('2026-12-04T02:00:00.000Z');

function template(name: string, overrides: Partial<GraphTemplate> = {}): GraphTemplate {
  return {
    // Ids above 2^53, as Meta's are: they stay strings end to end.
    id: `90071992547409${String(name.length).padStart(3, '0')}${name.charCodeAt(0)}`,
    name,
    language: 'en_US',
    status: 'APPROVED',
    category: 'UTILITY',
    parameterFormat: 'POSITIONAL',
    components: [{ type: 'BODY', text: `Hola {{1}}, ${name} ✅`, example: { body_text: [['Zoë']] } }],
    qualityScore: 'GREEN',
    ...overrides,
  };
}

/** In-memory store over the real domain rule, so the sync is judged by what the registry would hold. */
function memoryStore(): TemplateStore & { records: Map<string, TemplateRecord>; facts: TemplateFact[] } {
  const records = new Map<string, TemplateRecord>();
  const facts: TemplateFact[] = [];
  const key = (waba: string, name: string, language: string) => `${waba}/${name}/${language.replace('-', '_').toLowerCase()}`;
  return {
    records,
    facts,
    get: async (waba, name, language) => records.get(key(waba, name, language)),
    languagesOf: async (waba, name) => [...records.values()].filter((r) => r.businessAccountId === waba && r.name === name),
    async list(waba, query) {
      const all = [...records.values()].filter((r) => r.businessAccountId === waba).sort((a, b) => (key(waba, a.name, a.language) < key(waba, b.name, b.language) ? -1 : 1));
      const start = query.cursor === undefined ? 0 : Number(query.cursor);
      const items = all.slice(start, start + query.limit);
      return start + query.limit < all.length ? { items, nextCursor: String(start + query.limit) } : { items };
    },
    history: async () => ({ items: [] }),
    async apply(fact, recordedAt) {
      facts.push(fact);
      const k = key(fact.businessAccountId, fact.name, fact.language);
      const result = applyTemplateFact(records.get(k), fact, recordedAt);
      if (result.outcome === 'changed') records.set(k, result.record);
      return result;
    },
  };
}

const rateLimited = (code: number, retryAfterMs?: number): GraphTemplateError => ({
  kind: 'meta',
  httpStatus: 400,
  code,
  message: `(#${code}) Application request limit reached`,
  ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
});

/**
 * Meta's listing in pages (the cursor of page i+1 is `c<i+1>`), answering `errors` in turn before each
 * successful answer they are queued for; every call is recorded.
 */
function fakeGraph(pages: readonly (readonly GraphTemplate[])[], errorsBeforePage: Record<number, GraphTemplateError[]> = {}) {
  const calls: Array<{ after?: string; limit: number }> = [];
  const pending = Object.fromEntries(Object.entries(errorsBeforePage).map(([page, errors]) => [page, [...errors]]));
  const graph: GraphTemplates = {
    async listTemplates(wabaId, page): Promise<GraphTemplateResult<GraphTemplatePage>> {
      expect(wabaId).toBe(WABA);
      calls.push({ ...page });
      const index = page.after === undefined ? 0 : Number(page.after.slice(1));
      const error = pending[index]?.shift();
      if (error !== undefined) return { ok: false, error };
      const templates = pages[index] ?? [];
      return { ok: true, value: { templates, unreadable: [], ...(index + 1 < pages.length ? { after: `c${index + 1}` } : {}) } };
    },
    createTemplate: () => Promise.reject(new Error('not used')),
    deleteTemplate: () => Promise.reject(new Error('not used')),
  };
  return { graph, calls };
}

/** A clock that only moves when the sync sleeps (and by 1 s per read), and the sleeps it was asked for. */
function clock(start = T0) {
  let now = start;
  const sleeps: number[] = [];
  return {
    now: () => (now += 1000),
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
  };
}

describe('syncTemplates: the listing', () => {
  it('walks every page and stores each template as a snapshot timed when its page was read', async () => {
    const { graph, calls } = fakeGraph([[template('order_shipped'), template('order_delivered', { language: 'pt_BR' })], [template('seasonal_promo', { category: 'MARKETING', status: 'PAUSED' })]]);
    const store = memoryStore();
    const time = clock();
    const progress: SyncProgress[] = [];

    const report = await syncTemplates(WABA, { graph, store, ...time, random: () => 0.5, onProgress: (p) => progress.push(p) }, { pageSize: 2 });

    expect(calls).toEqual([{ limit: 2 }, { limit: 2, after: 'c1' }]);
    expect(report).toMatchObject({ pages: 2, seen: 3, changed: 3, refreshed: 0, unchanged: 0, deleted: 0, skipped: [], deletionsChecked: true, retries: 0 });
    const promo = store.records.get(`${WABA}/seasonal_promo/en_us`);
    expect(promo).toMatchObject({ status: 'PAUSED', category: 'MARKETING', templateId: template('seasonal_promo').id, qualityScore: 'GREEN' });
    expect(store.records.get(`${WABA}/order_delivered/pt_br`)?.components).toEqual(template('order_delivered').components);
    // Each snapshot carries the time its page was read, later pages later.
    const snapshotTimes = store.facts.map((f) => f.at);
    expect(snapshotTimes[0]).toBe(snapshotTimes[1]);
    expect(Date.parse(snapshotTimes[2]!)).toBeGreaterThan(Date.parse(snapshotTimes[0]!));
    expect(progress.map((p) => [p.phase, p.pages, p.seen])).toEqual([
      ['page', 1, 2],
      ['page', 2, 3],
      ['deletions', 2, 3],
      ['done', 2, 3],
    ]);
  });

  it('counts a second run over the same listing as refreshed (only Meta times move), a changed status as changed', async () => {
    const store = memoryStore();
    await syncTemplates(WABA, { graph: fakeGraph([[template('order_shipped'), template('seasonal_promo')]]).graph, store, ...clock() });

    const report = await syncTemplates(WABA, {
      graph: fakeGraph([[template('order_shipped'), template('seasonal_promo', { status: 'PAUSED' })]]).graph,
      store,
      ...clock(T0 + 3_600_000),
    });
    // The same page read at the same second again is a duplicate: nothing is written.
    const replay = await syncTemplates(WABA, { graph: fakeGraph([[template('order_shipped'), template('seasonal_promo', { status: 'PAUSED' })]]).graph, store, ...clock(T0 + 3_600_000) });

    expect(report).toMatchObject({ seen: 2, changed: 1, refreshed: 1, unchanged: 0 });
    expect(replay).toMatchObject({ seen: 2, changed: 0, refreshed: 0, unchanged: 2 });
    expect(store.records.get(`${WABA}/seasonal_promo/en_us`)?.status).toBe('PAUSED');
  });

  it("leaves a webhook's newer truth in place when the page read is older", async () => {
    const store = memoryStore();
    await store.apply(
      { kind: 'status', source: 'webhook', at: '2026-12-04T03:00:00.000Z', businessAccountId: WABA, name: 'order_shipped', language: 'en-US', status: 'PAUSED', category: 'UTILITY' },
      '2026-12-04T03:00:01.000Z',
    );

    const report = await syncTemplates(WABA, { graph: fakeGraph([[template('order_shipped')]]).graph, store, ...clock() });

    expect(store.records.get(`${WABA}/order_shipped/en_us`)?.status).toBe('PAUSED');
    expect(report.seen).toBe(1);
  });

  it('lets a webhook of the second the page was asked for win over the page, and the page win over an earlier second', async () => {
    const store = memoryStore();
    // The page is asked for, and answered, at 02:00:00.400.
    await syncTemplates(WABA, { graph: fakeGraph([[template('order_shipped'), template('seasonal_promo')]]).graph, store, now: () => T0 + 400, sleep: async () => undefined });
    const status = (name: string, at: string) =>
      store.apply({ kind: 'status', source: 'webhook', at, businessAccountId: WABA, name, language: 'en-US', status: 'PAUSED', otherInfo: { title: 'FIRST_PAUSE' } }, at);

    // Meta's webhooks carry whole seconds: 02:00:00 may be after the listing was served; 01:59:59 is before it was asked for.
    expect((await status('order_shipped', new Date(T0).toISOString())).outcome).toBe('changed');
    expect((await status('seasonal_promo', new Date(T0 - 1000).toISOString())).outcome).toBe('unchanged');
    expect(store.records.get(`${WABA}/order_shipped/en_us`)?.status).toBe('PAUSED');
    expect(store.records.get(`${WABA}/seasonal_promo/en_us`)?.status).toBe('APPROVED');
    expect(listingTimeOf(T0 + 400)).toBe(new Date(T0 - 600).toISOString());
  });

  it('skips a template of a category Relais does not know, and still does not mark it deleted', async () => {
    const store = memoryStore();
    await syncTemplates(WABA, { graph: fakeGraph([[template('legacy_alert')]]).graph, store, ...clock() });

    const report = await syncTemplates(WABA, { graph: fakeGraph([[template('legacy_alert', { category: 'ALERT_UPDATE' })]]).graph, store, ...clock() });

    expect(report.skipped).toEqual([{ page: 1, index: 0, template: 'legacy_alert (en_US)', problem: 'category ALERT_UPDATE is not one of MARKETING, UTILITY, AUTHENTICATION' }]);
    expect(report.deleted).toBe(0);
    expect(store.records.get(`${WABA}/legacy_alert/en_us`)?.status).toBe('APPROVED');
  });
});

describe('syncTemplates: entries the store refuses', () => {
  it('skips a listed template whose name breaks Meta rules, naming why, and applies the rest', async () => {
    const memory = memoryStore();
    const store: TemplateStore = {
      ...memory,
      apply: async (fact, recordedAt) => {
        if (!/^[a-z0-9_]+$/.test(fact.name)) throw new BadRequestError('invalid_template_name', "name must be 1 to 512 lowercase letters, digits or _ (Meta's rule for template names)");
        return memory.apply(fact, recordedAt);
      },
    };

    const report = await syncTemplates(WABA, { graph: fakeGraph([[template('Order-Update'), template('order_update')]]).graph, store, ...clock() });

    expect(report).toMatchObject({ seen: 2, changed: 1 });
    expect(report.skipped).toEqual([{ page: 1, index: 0, template: 'Order-Update (en_US)', problem: "name must be 1 to 512 lowercase letters, digits or _ (Meta's rule for template names)" }]);
  });

  it('lets any other store failure end the sync', async () => {
    const store: TemplateStore = { ...memoryStore(), apply: () => Promise.reject(new Error('ProvisionedThroughputExceededException')) };

    await expect(syncTemplates(WABA, { graph: fakeGraph([[template('order_update')]]).graph, store, ...clock() })).rejects.toThrow('ProvisionedThroughputExceededException');
  });
});

describe('syncTemplates: rate limits (4, 80007) and faults', () => {
  it('backs off on 80007 then 4 in the middle of the listing and completes, waiting at least what Meta asks', async () => {
    const { graph, calls } = fakeGraph([[template('a_one')], [template('b_two')], [template('c_three')]], {
      1: [rateLimited(80007, 180_000), rateLimited(4)],
    });
    const store = memoryStore();
    const time = clock();
    const progress: SyncProgress[] = [];

    const report = await syncTemplates(WABA, { graph, store, ...time, random: () => 0.5, onProgress: (p) => progress.push(p) }, { pageSize: 1 });

    expect(calls.map((c) => c.after)).toEqual([undefined, 'c1', 'c1', 'c1', 'c2']);
    expect(report).toMatchObject({ pages: 3, seen: 3, changed: 3, retries: 2 });
    // 80007 with a 3-minute hint: the hint wins over a 1 s jittered backoff; then 4 without hint: 0.5 × 4 s.
    expect(time.sleeps).toEqual([180_000, 2_000]);
    expect(progress.filter((p) => p.phase === 'backoff').map((p) => p.backoff)).toEqual([
      { code: 80007, waitMs: 180_000, nextAttempt: 2 },
      { code: 4, waitMs: 2_000, nextAttempt: 3 },
    ]);
  });

  it('gives up after maxAttempts with an error naming the account, the page, the code and the attempts, and marks nothing deleted', async () => {
    const store = memoryStore();
    await syncTemplates(WABA, { graph: fakeGraph([[template('a_one')], [template('b_two')]]).graph, store, ...clock() });
    const { graph, calls } = fakeGraph([[template('a_one')], [template('b_two')]], { 1: Array.from({ length: 10 }, () => rateLimited(80007)) });
    const time = clock();

    const failure = await syncTemplates(WABA, { graph, store, ...time, random: () => 1 }, { retry: { maxAttempts: 4 } }).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(TemplateSyncError);
    expect((failure as Error).message).toBe(
      `template sync of account ${WABA} stopped at page 2: Meta answered HTTP 400 code 80007 ((#80007) Application request limit reached); gave up after 4 attempts. Nothing was marked deleted.`,
    );
    expect((failure as TemplateSyncError).pagesRead).toBe(1);
    expect(calls).toHaveLength(1 + 4);
    expect(time.sleeps).toEqual([2_000, 4_000, 8_000]);
    expect(store.records.get(`${WABA}/b_two/en_us`)?.status).toBe('APPROVED');
  });

  it('stops at once on an error that is not retried (190, expired token)', async () => {
    const { graph, calls } = fakeGraph([[template('a_one')]], { 0: [{ kind: 'meta', httpStatus: 401, code: 190, message: 'Error validating access token' }] });

    await expect(syncTemplates(WABA, { graph, store: memoryStore(), ...clock() })).rejects.toThrow(
      /stopped at page 1: Meta answered HTTP 401 code 190 \(Error validating access token\); this error is not retried/,
    );
    expect(calls).toHaveLength(1);
  });

  it('stops rather than wait longer than maxWaitMs when Meta asks for it', async () => {
    const { graph } = fakeGraph([[template('a_one')]], { 0: [rateLimited(80007, 60 * 60_000)] });
    const time = clock();

    await expect(syncTemplates(WABA, { graph, store: memoryStore(), ...time })).rejects.toThrow(/Meta asks to wait 60 min, longer than the sync waits/);
    expect(time.sleeps).toEqual([]);
  });

  it('retries a listing that got no answer (network) like a temporary fault', async () => {
    const { graph } = fakeGraph([[template('a_one')]], { 0: [{ kind: 'unknown', httpStatus: 0, message: 'no complete answer within the time limit' }] });

    const report = await syncTemplates(WABA, { graph, store: memoryStore(), ...clock(), random: () => 0 });

    expect(report).toMatchObject({ seen: 1, retries: 1 });
  });
});

describe('syncTemplates: templates Meta no longer lists', () => {
  it('gives each a deleted fact after a complete listing, once', async () => {
    const store = memoryStore();
    await syncTemplates(WABA, { graph: fakeGraph([[template('kept_one'), template('gone_one'), template('gone_two', { language: 'ar' })]]).graph, store, ...clock() });

    const report = await syncTemplates(WABA, { graph: fakeGraph([[template('kept_one')]]).graph, store, ...clock() });
    const again = await syncTemplates(WABA, { graph: fakeGraph([[template('kept_one')]]).graph, store, ...clock() });

    expect(report.deleted).toBe(2);
    expect(again.deleted).toBe(0);
    expect([...store.records.values()].map((r) => [r.name, r.status]).sort()).toEqual([
      ['gone_one', 'DELETED'],
      ['gone_two', 'DELETED'],
      ['kept_one', 'APPROVED'],
    ]);
    expect(store.facts.filter((f) => f.kind === 'deleted').map((f) => [f.name, f.templateId])).toEqual([
      ['gone_one', template('gone_one').id],
      ['gone_two', template('gone_two').id],
    ]);
  });

  it("does not touch another account's templates", async () => {
    const store = memoryStore();
    const other = '987654321098765';
    await store.apply({ kind: 'snapshot', source: 'sync', at: '2026-12-01T00:00:00.000Z', businessAccountId: other, name: 'theirs', language: 'en_US', category: 'UTILITY', status: 'APPROVED', components: [] }, '2026-12-01T00:00:00.000Z');

    await syncTemplates(WABA, { graph: fakeGraph([[]]).graph, store, ...clock() });

    expect(store.records.get(`${other}/theirs/en_us`)?.status).toBe('APPROVED');
  });

  it('marks nothing deleted when an entry of the listing could not be read (it might be one the store holds)', async () => {
    const store = memoryStore();
    await syncTemplates(WABA, { graph: fakeGraph([[template('kept_one'), template('maybe_gone')]]).graph, store, ...clock() });
    const graph: GraphTemplates = {
      listTemplates: async () => ({ ok: true, value: { templates: [template('kept_one')], unreadable: [{ index: 1, problem: 'name: Invalid input' }] } }),
      createTemplate: () => Promise.reject(new Error('not used')),
      deleteTemplate: () => Promise.reject(new Error('not used')),
    };

    const report = await syncTemplates(WABA, { graph, store, ...clock() });

    expect(report).toMatchObject({ deleted: 0, deletionsChecked: false, skipped: [{ page: 1, index: 1, problem: 'name: Invalid input' }] });
    expect(store.records.get(`${WABA}/maybe_gone/en_us`)?.status).toBe('APPROVED');
  });
});

describe('nextListingAttempt', () => {
  const settings = DEFAULT_SYNC_RETRY;

  it('grows the ceiling of the jittered backoff exponentially up to maxDelayMs', () => {
    const waits = [1, 2, 3, 4, 5].map((attempt) => nextListingAttempt(rateLimited(4), attempt, { ...settings, maxAttempts: 10, maxDelayMs: 10_000 }, 0.999_999));
    expect(waits.map((w) => (w.retry ? w.waitMs : -1))).toEqual([1_999, 3_999, 7_999, 9_999, 9_999]);
  });

  it('retries HTTP 5xx and 429 and Meta codes 1, 2 and 80008, not 100 (invalid parameter) or 200 (permission)', () => {
    const retried = (error: GraphTemplateError) => nextListingAttempt(error, 1, settings, 0).retry;
    expect(retried({ kind: 'meta', httpStatus: 503 })).toBe(true);
    expect(retried({ kind: 'meta', httpStatus: 500, code: 2 })).toBe(true);
    expect(retried({ kind: 'meta', httpStatus: 400, code: 1 })).toBe(true);
    expect(retried({ kind: 'meta', httpStatus: 400, code: 80008 })).toBe(true);
    expect(retried({ kind: 'meta', httpStatus: 429 })).toBe(true);
    expect(retried({ kind: 'meta', httpStatus: 400, code: 100 })).toBe(false);
    expect(retried({ kind: 'meta', httpStatus: 403, code: 200 })).toBe(false);
  });

  const SEED = Number(process.env['FUZZ_SEED'] ?? 9_0412);

  it(`waits no less than Meta's hint, no more than the backoff ceiling or the hint, and never past maxWaitMs (FUZZ_SEED=${SEED})`, () => {
    fc.assert(
      fc.property(
        fc.constantFrom(4, 80007, 80008, 2),
        fc.integer({ min: 1, max: 19 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.option(fc.integer({ min: 1, max: 2 * 60 * 60_000 }), { nil: undefined }),
        (code, attempt, random, hint) => {
          const retrySettings = { ...settings, maxAttempts: 20 };
          const next = nextListingAttempt({ ...rateLimited(code, hint) }, attempt, retrySettings, random);
          const ceiling = Math.min(retrySettings.maxDelayMs, retrySettings.baseDelayMs * 2 ** (attempt - 1));
          if (next.retry) {
            expect(next.waitMs).toBeGreaterThanOrEqual(hint ?? 0);
            expect(next.waitMs).toBeLessThanOrEqual(Math.max(ceiling, hint ?? 0));
            expect(next.waitMs).toBeLessThanOrEqual(retrySettings.maxWaitMs);
          } else {
            expect(next).toMatchObject({ why: 'wait_too_long' });
            expect(hint).toBeGreaterThan(retrySettings.maxWaitMs);
          }
        },
      ),
      { seed: SEED, numRuns: 500 },
    );
  });
});
