/**
 * Properties of `applyTemplateFact`: Meta's time decides, not arrival order.
 *
 * The facts are drawn from one plausible timeline of a template (distinct Meta times; a re-categorisation from
 * UTILITY to MARKETING announced at one time and done at a later one, every fact after it naming MARKETING),
 * applied to a record a sync created before all of them. Listing snapshots here say APPROVED, PENDING, IN_APPEAL
 * or ARCHIVED: a listing that confirms PAUSED, REJECTED or DISABLED keeps the webhook's details, which is covered
 * by the example tests in apply-fact.test.ts.
 *
 * Reproducible: seeded from `FUZZ_SEED` (printed on failure); `FUZZ_RUNS` sets the number of runs.
 */
import { isDeepStrictEqual } from 'node:util';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { applyTemplateFact } from '#shared/domain/templates/apply-fact.js';
import type { MetaTemplateComponent, TemplateFact, TemplateRecord } from '#shared/domain/templates/records.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 9_2026);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 300);
const seedNote = `FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`;

const SUBJECT = { businessAccountId: '9007199254740993', name: 'rappel_rendez_vous', language: 'ar-EG', templateId: '9007199254740995' } as const;
const COMPONENTS: readonly MetaTemplateComponent[][] = [
  [{ type: 'BODY', text: 'موعدك يوم {{1}} الساعة {{2}} 🗓️', example: { body_text: [['الخميس', '10:30']] } }],
  [{ type: 'BODY', text: 'Rendez-vous le {{1}} à {{2}} — à bientôt 😊', example: { body_text: [['jeudi', '10h30']] } }],
  [
    { type: 'HEADER', format: 'IMAGE', example: { header_handle: ['4::aW1h'] } },
    { type: 'BODY', text: 'Your visit {{1}} is confirmed 𝒷𝓎 our team.', example: { body_text: [['#77']] } },
  ],
];

function iso(minute: number): string {
  return new Date(Date.UTC(2026, 10, 1) + minute * 60_000).toISOString();
}

/** A record a sync created at minute 0, before every generated fact. */
const START: TemplateRecord = (() => {
  const result = applyTemplateFact(
    undefined,
    { ...SUBJECT, kind: 'snapshot', source: 'sync', at: iso(0), category: 'UTILITY', status: 'APPROVED', qualityScore: 'UNKNOWN', components: COMPONENTS[0]! },
    iso(0),
  );
  if (result.outcome !== 'changed') throw new Error('the start record could not be created');
  return result.record;
})();

type FactBody = (category: 'UTILITY' | 'MARKETING') => Record<string, unknown>;

const statusBody: fc.Arbitrary<FactBody> = fc
  .record({
    event: fc.constantFrom('APPROVED', 'PAUSED', 'REJECTED', 'DISABLED', 'REINSTATED', 'FLAGGED', 'IN_APPEAL', 'PENDING_DELETION'),
    title: fc.constantFrom('FIRST_PAUSE', 'SECOND_PAUSE', 'RATE_LIMITING_PAUSE', 'UNPAUSE', undefined),
    reason: fc.constantFrom('NONE', 'PROMOTIONAL', 'INVALID_FORMAT', null, undefined),
    withCategory: fc.boolean(),
    disableDate: fc.constantFrom(undefined, '2026-12-24T00:00:00Z'),
  })
  .map(({ event, title, reason, withCategory, disableDate }) => (category) => ({
    kind: 'status',
    status: event,
    ...(reason !== undefined ? { reason } : {}),
    ...(title !== undefined ? { otherInfo: { title, description: 'Qualité : basse ⚠️' } } : {}),
    ...(event === 'DISABLED' || event === 'FLAGGED' ? (disableDate !== undefined ? { disableDate } : {}) : {}),
    ...(withCategory ? { category } : {}),
  }));

const snapshotBody: fc.Arbitrary<FactBody> = fc
  .record({
    status: fc.constantFrom('APPROVED', 'PENDING', 'IN_APPEAL', 'ARCHIVED'),
    quality: fc.constantFrom('GREEN', 'YELLOW', 'RED', 'UNKNOWN', undefined),
    components: fc.integer({ min: 0, max: COMPONENTS.length - 1 }),
  })
  .map(({ status, quality, components }) => (category) => ({
    kind: 'snapshot',
    status,
    category,
    components: COMPONENTS[components],
    ...(quality !== undefined ? { qualityScore: quality } : {}),
  }));

const otherBody: fc.Arbitrary<FactBody> = fc.oneof(
  fc.constantFrom('GREEN', 'YELLOW', 'RED').map((score): FactBody => () => ({ kind: 'quality', newScore: score })),
  fc.integer({ min: 0, max: COMPONENTS.length - 1 }).map((i): FactBody => () => ({ kind: 'components', components: COMPONENTS[i] })),
  fc.constant<FactBody>(() => ({ kind: 'deleted' })),
);

/** A set of facts from one timeline, with some repeated (Meta redelivers webhooks). */
const timeline: fc.Arbitrary<TemplateFact[]> = fc
  .record({
    minutes: fc.uniqueArray(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 12 }),
    bodies: fc.array(fc.oneof(statusBody, snapshotBody, otherBody), { minLength: 12, maxLength: 12 }),
    change: fc.option(fc.record({ announced: fc.integer({ min: 1, max: 50_000 }), after: fc.integer({ min: 1, max: 50_000 }), withNotice: fc.boolean(), withCompletion: fc.boolean() })),
    repeats: fc.array(fc.nat(), { maxLength: 4 }),
  })
  .map(({ minutes, bodies, change, repeats }) => {
    // Times used by the re-categorisation facts are offset by half a minute so they never equal another fact's.
    const announced = change === null ? undefined : change.announced + 0.5;
    const changedAt = change === null ? Infinity : change.announced + change.after + 0.5;
    const categoryAt = (minute: number) => (minute >= changedAt ? 'MARKETING' : 'UTILITY');
    const facts: TemplateFact[] = minutes.map((minute, i) => ({
      ...SUBJECT,
      source: 'webhook',
      at: iso(minute),
      ...bodies[i]!(categoryAt(minute)),
    }) as TemplateFact);
    if (change !== null && change.withNotice && announced !== undefined) {
      facts.push({ ...SUBJECT, source: 'webhook', kind: 'category', phase: 'impending', at: iso(announced), newCategory: 'UTILITY', correctCategory: 'MARKETING', effectiveAt: iso(changedAt) });
    }
    if (change !== null && change.withCompletion) {
      facts.push({ ...SUBJECT, source: 'webhook', kind: 'category', phase: 'completed', at: iso(changedAt), previousCategory: 'UTILITY', newCategory: 'MARKETING' });
    }
    for (const r of repeats) facts.push(facts[r % facts.length]!);
    return facts;
  });

function applyInOrder(facts: readonly TemplateFact[]): { record: TemplateRecord; changes: number } {
  let record = START;
  let changes = 0;
  facts.forEach((fact, i) => {
    const result = applyTemplateFact(record, fact, iso(200_000 + i));
    if (result.outcome === 'changed') {
      expect(result.record.version).toBe(record.version + 1);
      record = result.record;
      changes += 1;
    }
  });
  return { record, changes };
}

/** The fields that must not depend on arrival order. */
function truth(record: TemplateRecord): Omit<TemplateRecord, 'version' | 'updatedAt'> {
  const { version: _version, updatedAt: _updatedAt, ...rest } = record;
  return rest;
}

describe(`applyTemplateFact properties (${seedNote})`, () => {
  it('ends on the same record whatever order the facts of one timeline arrive in, duplicates included', () => {
    fc.assert(
      fc.property(timeline.chain((facts) => fc.tuple(fc.constant(facts), fc.shuffledSubarray(facts, { minLength: facts.length, maxLength: facts.length }))), ([facts, shuffled]) => {
        const inMetaOrder = [...facts].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
        expect(truth(applyInOrder(shuffled).record)).toEqual(truth(applyInOrder(inMetaOrder).record));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('changes a record at most once for a fact applied twice in a row', () => {
    fc.assert(
      fc.property(timeline, fc.nat(), (facts, pick) => {
        const prefix = facts.slice(0, pick % facts.length);
        const { record } = applyInOrder(prefix);
        const fact = facts[pick % facts.length]!;
        const first = applyTemplateFact(record, fact, iso(300_000));
        const second = applyTemplateFact(first.record, fact, iso(300_001));
        expect(second.outcome).toBe('unchanged');
        expect(second.record).toBe(first.record);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('writes a history line that names exactly the fields that differ', () => {
    fc.assert(
      fc.property(timeline, (facts) => {
        let record = START;
        facts.forEach((fact, i) => {
          const result = applyTemplateFact(record, fact, iso(400_000 + i));
          if (result.outcome !== 'changed') return;
          const fields = Object.keys(result.entry.changes);
          expect(fields.length).toBeGreaterThan(0);
          for (const field of fields) {
            const change = result.entry.changes[field]!;
            expect(change.from).not.toEqual(change.to);
            if (!field.startsWith('asOf.')) {
              expect(change.from).toEqual(record[field as keyof TemplateRecord]);
              expect(change.to).toEqual(result.record[field as keyof TemplateRecord]);
            }
          }
          for (const field of ['status', 'category', 'qualityScore', 'components', 'pause', 'rejection', 'pendingCategoryChange'] as const) {
            if (!isDeepStrictEqual(record[field], result.record[field])) expect(fields).toContain(field);
          }
          record = result.record;
        });
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
