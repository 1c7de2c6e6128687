import { afterEach, describe, expect, it, vi } from 'vitest';

import { createSyncTemplatesHandler, SCHEDULED_SYNC_MAX_WAIT_MS } from '#functions/sync-templates.js';
import { applyTemplateFact } from '#shared/domain/templates/apply-fact.js';
import type { TemplateRecord } from '#shared/domain/templates/records.js';
import { logger } from '#shared/logger.js';
import type { GraphTemplate, GraphTemplatePage, GraphTemplateResult, GraphTemplates } from '#shared/ports/graph-templates.js';
import type { TemplateStore } from '#shared/ports/template-store.js';
import type { SyncTemplatesDeps } from '#shared/usecases/sync-templates.js';

const WABA = '18014398509481985123';
const BODY = 'مرحبا {{1}}، طلبك في الطريق 🚚';

const listed = (name: string, language: string): GraphTemplate => ({
  id: `9007199254740993${name.length}`,
  name,
  language,
  status: 'APPROVED',
  category: 'UTILITY',
  components: [{ type: 'BODY', text: BODY, example: { body_text: [['Zoë']] } }],
});

function deps(answers: Array<GraphTemplateResult<GraphTemplatePage>>) {
  const records = new Map<string, TemplateRecord>();
  const waits: number[] = [];
  const store: TemplateStore = {
    get: async (_w, name, language) => records.get(`${name}/${language}`),
    languagesOf: async () => [],
    list: async () => ({ items: [...records.values()] }),
    history: async () => ({ items: [] }),
    async apply(fact, recordedAt) {
      const result = applyTemplateFact(records.get(`${fact.name}/${fact.language}`), fact, recordedAt);
      if (result.outcome === 'changed') records.set(`${fact.name}/${fact.language}`, result.record);
      return result;
    },
  };
  const accounts: string[] = [];
  const graph: GraphTemplates = {
    listTemplates: async (account) => {
      accounts.push(account);
      return answers.shift() ?? { ok: false, error: { kind: 'meta', httpStatus: 500 } };
    },
    createTemplate: async () => {
      throw new Error('the sync never creates a template');
    },
    deleteTemplate: async () => {
      throw new Error('the sync never deletes a template at Meta');
    },
  };
  const built: SyncTemplatesDeps = { store, graph, now: () => Date.parse('2026-12-04T03:00:00Z'), sleep: async (ms) => void waits.push(ms), random: () => 0 };
  return { deps: built, accounts, waits, records };
}

afterEach(() => vi.restoreAllMocks());

describe('sync-templates handler', () => {
  it("syncs the account the schedule names and logs the counts, never a template's name or text", async () => {
    const info = vi.spyOn(logger, 'info').mockImplementation(() => undefined);
    const ctx = deps([{ ok: true, value: { templates: [listed('order_update', 'ar'), listed('order_update', 'en_US')], unreadable: [] } }]);

    const report = await createSyncTemplatesHandler(ctx.deps)({ businessAccountId: WABA });

    expect(ctx.accounts).toEqual([WABA]);
    expect(report).toMatchObject({ businessAccountId: WABA, pages: 1, seen: 2, changed: 2 });
    expect(ctx.records.size).toBe(2);
    expect(info).toHaveBeenCalledTimes(1);
    expect(info.mock.calls[0]).toEqual([
      'template sync done',
      { businessAccountId: WABA, pages: 1, seen: 2, changed: 2, refreshed: 0, unchanged: 0, deleted: 0, skipped: 0, deletionsChecked: true, retries: 0 },
    ]);
    expect(JSON.stringify(info.mock.calls)).not.toMatch(/order_update|مرحبا/);
  });

  it('answers a request without a usable account id with a 400 naming the field, before calling Meta', async () => {
    const ctx = deps([]);
    const run = createSyncTemplatesHandler(ctx.deps);

    for (const event of [{}, { businessAccountId: 102290129340398 }, { businessAccountId: 'waba-1' }, { businessAccountId: WABA, extra: true }, null, 'sync']) {
      await expect(run(event)).rejects.toMatchObject({ statusCode: 400, code: 'invalid_sync_request', message: expect.stringMatching(/^template sync request: /) });
    }
    expect(ctx.accounts).toEqual([]);
  });

  it('stops instead of waiting longer than 5 min for a rate limit, so a run ends inside the function timeout; the error fails the invocation', async () => {
    vi.spyOn(logger, 'info').mockImplementation(() => undefined);
    const ctx = deps([{ ok: false, error: { kind: 'meta', httpStatus: 400, code: 80007, retryAfterMs: SCHEDULED_SYNC_MAX_WAIT_MS + 1 } }]);

    await expect(createSyncTemplatesHandler(ctx.deps)({ businessAccountId: WABA })).rejects.toThrow(/stopped at page 1: Meta answered HTTP 400 code 80007.*longer than the sync waits/);
    expect(ctx.waits).toEqual([]);
  });
});
