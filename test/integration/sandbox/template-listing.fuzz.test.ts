/**
 * Properties of the sandbox's template side, with generated input:
 * - paging: whatever the templates, filters and page size, following `paging.next` visits every matching
 *   template exactly once in (name, language) order, and each page's `previous` leads back to the page before;
 * - creation: any body, however malformed (wrong types, missing or extra fields, emoji, RTL, huge strings),
 *   is answered 200 `{id, status: PENDING, category}` or a Graph error with HTTP 400, never a 5xx;
 * - ids: a template id of any length written into a status webhook reaches Relais' normalised event digit for
 *   digit (`parseWebhookJson` keeps integers above 2^53 exact).
 *
 * Reproducible: the generator is seeded from `FUZZ_SEED` (printed in the test names and on failure); `FUZZ_RUNS`
 * sets the number of runs of the HTTP properties (default 40).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DetailType } from '#shared/contracts/events/catalogue.js';
import { WebhookPayloadSchema } from '#shared/contracts/whatsapp/webhook.js';
import { normaliseWebhook } from '#shared/domain/ingestion/normalise-webhook.js';
import { parseWebhookJson } from '#shared/domain/ingestion/webhook-json.js';

import { JsonInteger, metaJson } from '../../../infra/local/sandbox/http.js';
import { startSandbox, type Sandbox, type TemplateDef } from '../../../infra/local/sandbox/server.js';
import { wabaFieldWebhook } from '../../../infra/local/sandbox/webhook-payloads.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 9_2026);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 40);
const seedNote = `FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`;

const TOKEN = 'sandbox-test-token';
const WABA_ID = '102290129340398';
const JUNE_2026 = Date.UTC(2026, 5, 1, 12);
const HOUR = 3_600_000;
// Nothing listens here: these properties send no webhooks.
const NO_RECEIVER = 'http://127.0.0.1:9/webhook';

const LANGUAGES = ['en_US', 'fr', 'ar', 'he', 'pt_BR', 'zh_CN'] as const;
const STATUSES = ['APPROVED', 'PENDING', 'REJECTED', 'PAUSED'] as const;
const CATEGORIES = ['MARKETING', 'UTILITY', 'AUTHENTICATION'] as const;

const templateDef = fc.record({
  name: fc.stringMatching(/^[a-z0-9_]{1,12}$/),
  language: fc.constantFrom(...LANGUAGES),
  category: fc.constantFrom(...CATEGORIES),
  status: fc.constantFrom(...STATUSES),
});

const listing = fc.record({
  defs: fc.uniqueArray(templateDef, { maxLength: 30, selector: (d) => `${d.name}/${d.language}` }),
  limit: fc.integer({ min: 1, max: 8 }),
  status: fc.option(fc.constantFrom(...STATUSES), { nil: undefined }),
  category: fc.option(fc.constantFrom(...CATEGORIES), { nil: undefined }),
  language: fc.option(fc.constantFrom(...LANGUAGES), { nil: undefined }),
  name: fc.option(fc.stringMatching(/^[a-z0-9_]{1,2}$/), { nil: undefined }),
});

interface Page {
  readonly data: Array<{ name: string; language: string }>;
  readonly paging?: { cursors: { before: string; after: string }; next?: string; previous?: string };
}

async function get(url: string): Promise<{ status: number; json: Page }> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: response.status, json: (await response.json()) as Page };
}

describe(`template listing pages (${seedNote})`, () => {
  it('visits every matching template once, in order, through next; previous leads back', async () => {
    await fc.assert(
      fc.asyncProperty(listing, async (input) => {
        const sandbox = await startSandbox({ webhookUrl: NO_RECEIVER, appSecret: 's', accessToken: TOKEN, clock: () => JUNE_2026, templates: input.defs as TemplateDef[] });
        try {
          const query = new URLSearchParams({ limit: String(input.limit) });
          for (const key of ['status', 'category', 'language', 'name'] as const) if (input[key] !== undefined) query.set(key, input[key]);
          const expected = input.defs
            .filter(
              (d) =>
                (input.status === undefined || d.status === input.status) &&
                (input.category === undefined || d.category === input.category) &&
                (input.language === undefined || d.language === input.language) &&
                (input.name === undefined || d.name.includes(input.name)),
            )
            .map((d) => `${d.name}/${d.language}`)
            .sort((a, b) => {
              const [an, al] = a.split('/') as [string, string];
              const [bn, bl] = b.split('/') as [string, string];
              return an === bn ? (al < bl ? -1 : 1) : an < bn ? -1 : 1;
            });

          const pages: Page[] = [];
          let answer = await get(`${sandbox.url}/v25.0/${WABA_ID}/message_templates?${query.toString()}`);
          pages.push(answer.json);
          while (answer.json.paging?.next !== undefined) {
            answer = await get(answer.json.paging.next);
            expect(answer.status).toBe(200);
            pages.push(answer.json);
          }
          const seen = pages.flatMap((p) => p.data.map((t) => `${t.name}/${t.language}`));
          expect(seen).toEqual(expected);
          for (const page of pages) expect(page.data.length).toBeLessThanOrEqual(input.limit);
          for (let i = 1; i < pages.length; i++) {
            const back = await get(pages[i]!.paging!.previous!);
            expect(back.json.data).toEqual(pages[i - 1]!.data);
          }
          expect(pages[0]!.paging?.previous).toBeUndefined();
        } finally {
          await sandbox.close();
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  }, 120_000);
});

describe(`template creation with generated bodies (${seedNote})`, () => {
  let sandbox: Sandbox;
  const clock = { now: JUNE_2026 };

  beforeAll(async () => {
    sandbox = await startSandbox({ webhookUrl: NO_RECEIVER, appSecret: 's', accessToken: TOKEN, clock: () => clock.now });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  const text = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom('Bonjour {{1}}, votre colis 📦 arrive.', '{{1}} leads', 'trails {{1}}', 'שלום {{1}} ומה שלומך היום', 'Hi {{first_name}}, hello.', 'x'.repeat(1100), '🚚'.repeat(30)),
  );
  const component = fc.oneof(
    fc.record({ type: fc.constantFrom('BODY', 'body', 'HEADER', 'FOOTER', 'BUTTONS', 'BANNER', 7), text: fc.option(text, { nil: undefined }) }, { requiredKeys: ['type'] }),
    fc.record({ type: fc.constant('BUTTONS'), buttons: fc.array(fc.record({ type: fc.constantFrom('URL', 'QUICK_REPLY', 'PHONE_NUMBER', 'LASER'), text, url: fc.constantFrom('https://example.com/{{1}}', 'https://example.com') }), { maxLength: 12 }) }),
    fc.anything(),
  );
  const valid = fc.record({
    name: fc.stringMatching(/^[a-z0-9_]{1,20}$/),
    language: fc.constantFrom(...LANGUAGES),
    category: fc.constantFrom('UTILITY', 'marketing', 'AUTHENTICATION'),
    components: fc.constant([{ type: 'BODY', text: 'Bonjour {{1}}, votre colis 📦 arrive aujourd’hui.' }] as unknown),
  });
  const wrong = fc.oneof(
    fc.anything(),
    fc.string(),
    fc.constant(null),
    fc.array(component, { maxLength: 5 }),
    fc.constantFrom('PROMO', 'Order_Update', 'en-US', 'mixed', '🚚'),
  );
  // A valid creation, or one with a field replaced, removed or added: each run reaches a different check.
  const body = fc.oneof(
    valid,
    fc.tuple(valid, fc.constantFrom('name', 'language', 'category', 'parameter_format', 'components', 'extra'), wrong).map(([b, key, value]) => ({ ...b, [key]: value })),
    fc.tuple(valid, fc.constantFrom('name', 'language', 'category', 'components')).map(([b, key]) => Object.fromEntries(Object.entries(b).filter(([k]) => k !== key))),
  );

  it('answers 200 PENDING or a Graph 400 error, never a 5xx', async () => {
    const outcomes = new Set<number>();
    await fc.assert(
      fc.asyncProperty(body, async (input) => {
        clock.now += HOUR;
        const response = await fetch(`${sandbox.url}/v25.0/${WABA_ID}/message_templates`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(input),
        });
        const json = (await response.json()) as { id?: string; status?: string; error?: { code: number; message: string; type: string; fbtrace_id: string } };
        expect([200, 400]).toContain(response.status);
        outcomes.add(response.status);
        if (response.status === 200) {
          expect(json).toEqual({ id: expect.stringMatching(/^\d{17}$/), status: 'PENDING', category: expect.stringMatching(/^(MARKETING|UTILITY|AUTHENTICATION)$/) });
        } else {
          expect(json.error).toMatchObject({ code: 100, type: 'OAuthException', message: expect.any(String), fbtrace_id: expect.any(String) });
          expect(json.error!.message).not.toMatch(/\bat .+\(|\.ts:\d+/);
        }
      }),
      { seed: SEED, numRuns: RUNS * 5 },
    );
    // The generator reaches both answers, so neither branch above goes unchecked.
    expect([...outcomes].sort()).toEqual([200, 400]);
  }, 120_000);
});

describe(`template ids through Relais' ingestion (${seedNote})`, () => {
  it('keeps every digit of message_template_id, above 2^53 or not', () => {
    const digits = fc.tuple(fc.integer({ min: 1, max: 9 }), fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 24 })).map(([first, rest]) => `${first}${rest.join('')}`);
    fc.assert(
      fc.property(digits, (id) => {
        const raw = metaJson(
          wabaFieldWebhook(
            WABA_ID,
            'message_template_status_update',
            { event: 'APPROVED', message_template_id: new JsonInteger(id), message_template_name: 'order_update', message_template_language: 'en-US', reason: 'NONE' },
            JUNE_2026,
          ),
        );
        expect(raw).toContain(`"message_template_id":${id},`);
        const decoded = parseWebhookJson(Buffer.from(raw));
        if (!decoded.ok) throw new Error(decoded.message);
        const [event] = normaliseWebhook(WebhookPayloadSchema.parse(decoded.value), JUNE_2026);
        expect(event).toMatchObject({ detailType: DetailType.TemplateStatusChanged, data: { templateId: id } });
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});
