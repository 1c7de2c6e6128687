import { describe, expect, it } from 'vitest';

import { applyTemplateFact, isTimeOnlyChange, metaTemplateLanguage, templateStatusOf } from '#shared/domain/templates/apply-fact.js';
import type { MetaTemplateComponent, TemplateFact, TemplateRecord } from '#shared/domain/templates/records.js';

// Facts are written from Meta's webhook references (values in our own words):
// https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/message_template_status_update
// https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/template_category_update

const WABA = '102290129340398';
/** Above 2^53: a number would lose its last digits. */
const TEMPLATE_ID = '18446744073709551615';
const RECORDED = '2026-12-04T02:00:00.000Z';
const SUBJECT = { businessAccountId: WABA, name: 'commande_expediee_v2', language: 'fr-FR', templateId: TEMPLATE_ID } as const;

const BODY: MetaTemplateComponent[] = [
  { type: 'HEADER', format: 'TEXT', text: 'Commande {{1}} 📦', example: { header_text: ['#4521'] } },
  { type: 'BODY', text: 'Bonjour {{1}}, votre commande part aujourd’hui 🚚 — livraison prévue {{2}}.', example: { body_text: [['Zoé', 'jeudi']] } },
];

function at(minutes: number): string {
  return new Date(Date.UTC(2026, 11, 1, 8, 0, 0) + minutes * 60_000).toISOString();
}

function snapshot(minutes: number, overrides: Partial<Extract<TemplateFact, { kind: 'snapshot' }>> = {}): TemplateFact {
  return { ...SUBJECT, kind: 'snapshot', source: 'sync', at: at(minutes), category: 'UTILITY', status: 'APPROVED', qualityScore: 'GREEN', components: BODY, ...overrides };
}

function status(minutes: number, event: string, extra: Partial<Extract<TemplateFact, { kind: 'status' }>> = {}): TemplateFact {
  return { ...SUBJECT, kind: 'status', source: 'webhook', at: at(minutes), status: event, ...extra };
}

function record(result: ReturnType<typeof applyTemplateFact>): TemplateRecord {
  if (result.record === undefined) throw new Error(`no record: ${JSON.stringify(result)}`);
  return result.record;
}

/** Applies facts in order, returning each result and the final record. */
function applyAll(facts: readonly TemplateFact[], start?: TemplateRecord) {
  let current = start;
  const results = facts.map((fact, i) => {
    const result = applyTemplateFact(current, fact, at(1000 + i));
    current = result.record;
    return result;
  });
  return { results, final: current };
}

describe('applyTemplateFact: creating a record', () => {
  it('creates a record from a snapshot, with the language in en_US form and the id kept as a string', () => {
    const result = applyTemplateFact(undefined, snapshot(0), RECORDED);
    expect(result.outcome).toBe('changed');
    const created = record(result);
    expect(created).toMatchObject({
      businessAccountId: WABA,
      language: 'fr_FR',
      templateId: '18446744073709551615',
      category: 'UTILITY',
      status: 'APPROVED',
      qualityScore: 'GREEN',
      parameterFormat: 'POSITIONAL',
      components: BODY,
      version: 1,
      updatedAt: RECORDED,
      asOf: { status: at(0), category: at(0), quality: at(0), components: at(0) },
    });
    if (result.outcome !== 'changed') throw new Error('unreachable');
    expect(result.entry).toMatchObject({ version: 1, kind: 'snapshot', source: 'sync', at: at(0), recordedAt: RECORDED });
    expect(Object.keys(result.entry.changes).sort()).toEqual(['category', 'components', 'parameterFormat', 'qualityScore', 'status', 'templateId']);
    expect(result.entry.changes['status']).toEqual({ from: undefined, to: 'APPROVED' });
  });

  it('creates a record from a status webhook naming its category, with components not yet known', () => {
    const created = record(applyTemplateFact(undefined, status(0, 'APPROVED', { category: 'MARKETING', reason: 'NONE' }), RECORDED));
    expect(created).toMatchObject({ status: 'APPROVED', category: 'MARKETING', components: [], asOf: { status: at(0), category: at(0) } });
    expect(created.asOf.components).toBeUndefined();
  });

  it.each([
    ['a quality update', { kind: 'quality', newScore: 'RED' }],
    ['a completed category change', { kind: 'category', phase: 'completed', newCategory: 'MARKETING', previousCategory: 'UTILITY' }],
    ['a components update', { kind: 'components', components: BODY }],
    ['a deletion', { kind: 'deleted' }],
    ['a status webhook without a category', { kind: 'status', status: 'APPROVED' }],
    ['a status webhook with a category Relais does not know', { kind: 'status', status: 'APPROVED', category: 'TRANSACTIONAL' }],
  ] as const)('gives unknown_template for %s about a template never seen', (_label, body) => {
    const fact = { ...SUBJECT, source: 'webhook', at: at(0), ...body } as TemplateFact;
    expect(applyTemplateFact(undefined, fact, RECORDED)).toEqual({ outcome: 'unchanged', why: 'unknown_template', record: undefined });
  });

  it('reads named parameters from the text when the snapshot does not say parameter_format', () => {
    const named: MetaTemplateComponent[] = [{ type: 'BODY', text: 'مرحبا {{first_name}}، طلبك {{order_id}} جاهز', example: { body_text_named_params: [] } }];
    expect(record(applyTemplateFact(undefined, snapshot(0, { components: named }), RECORDED)).parameterFormat).toBe('NAMED');
  });
});

describe('applyTemplateFact: latest truth by Meta time', () => {
  const approved = record(applyTemplateFact(undefined, snapshot(0), RECORDED));

  it('calls the same fact applied again a duplicate and changes nothing', () => {
    const fact = status(10, 'PAUSED', { otherInfo: { title: 'FIRST_PAUSE', description: 'Qualité basse ⚠️' } });
    const once = record(applyTemplateFact(approved, fact, RECORDED));
    expect(applyTemplateFact(once, fact, at(99))).toEqual({ outcome: 'unchanged', why: 'duplicate', record: once });
  });

  it('calls a status older than the one held stale, so an unpause arriving before its pause leaves the template approved', () => {
    const unpaused = record(applyTemplateFact(approved, status(200, 'APPROVED', { otherInfo: { title: 'UNPAUSE' } }), RECORDED));
    const latePause = applyTemplateFact(unpaused, status(20, 'PAUSED', { otherInfo: { title: 'FIRST_PAUSE' } }), RECORDED);
    expect(latePause).toEqual({ outcome: 'unchanged', why: 'stale', record: unpaused });
    expect(unpaused.status).toBe('APPROVED');
    expect(unpaused.pause).toBeUndefined();
  });

  it('lets a snapshot override only the aspects it is newer for', () => {
    const paused = record(applyTemplateFact(approved, status(60, 'PAUSED', { otherInfo: { title: 'FIRST_PAUSE' } }), RECORDED));
    const redQuality = record(applyTemplateFact(paused, { ...SUBJECT, kind: 'quality', source: 'webhook', at: at(60), newScore: 'RED', previousScore: 'GREEN' }, RECORDED));
    // A listing read at minute 30 says APPROVED/GREEN, with new components: only the components are newer.
    const newComponents: MetaTemplateComponent[] = [{ type: 'BODY', text: 'Salut {{1}} 👋🏽, colis {{2}} en route.', example: { body_text: [['Ahmed', 'FR-88']] } }];
    const result = applyTemplateFact(redQuality, snapshot(30, { components: newComponents }), RECORDED);
    expect(result.outcome).toBe('changed');
    const after = record(result);
    expect(after).toMatchObject({ status: 'PAUSED', qualityScore: 'RED', components: newComponents, version: redQuality.version + 1 });
    if (result.outcome !== 'changed') throw new Error('unreachable');
    expect(Object.keys(result.entry.changes)).toEqual(['components']);
  });

  it('moves the aspect time on a newer fact that only confirms, so an older fact arriving later is stale', () => {
    const paused = record(applyTemplateFact(approved, status(60, 'PAUSED'), RECORDED));
    const confirmed = applyTemplateFact(paused, status(120, 'PAUSED'), RECORDED);
    if (confirmed.outcome !== 'changed') throw new Error(`expected a change, got ${JSON.stringify(confirmed)}`);
    // The pause started again at 120 by Meta's word; a reader sees why the line exists.
    expect(confirmed.entry.changes).toEqual({ pause: { from: { since: at(60) }, to: { since: at(120) } } });
    const sync = applyTemplateFact(confirmed.record, snapshot(200, { status: 'PAUSED' }), RECORDED);
    if (sync.outcome !== 'changed') throw new Error(`expected a change, got ${JSON.stringify(sync)}`);
    expect(sync.entry.changes).toEqual({
      'asOf.status': { from: at(120), to: at(200) },
      'asOf.category': { from: at(0), to: at(200) },
      'asOf.quality': { from: at(0), to: at(200) },
      'asOf.components': { from: at(0), to: at(200) },
    });
    expect(sync.record.pause).toEqual({ since: at(120) });
    expect(applyTemplateFact(sync.record, status(150, 'APPROVED'), RECORDED)).toMatchObject({ outcome: 'unchanged', why: 'stale' });
  });

  it('orders two different facts at the same second the same way whichever arrives first', () => {
    const a = status(60, 'PAUSED', { otherInfo: { title: 'FIRST_PAUSE' } });
    const b = status(60, 'DISABLED');
    const ab = applyAll([a, b], approved).final;
    const ba = applyAll([b, a], approved).final;
    expect(ab?.status).toBe(ba?.status);
    expect(ab?.pause).toEqual(ba?.pause);
  });

  it('compares times by instant, not by spelling (seconds against milliseconds)', () => {
    const held = record(applyTemplateFact(approved, { ...status(0, 'PAUSED'), at: '2026-12-01T09:00:00.500Z' }, RECORDED));
    const earlier = applyTemplateFact(held, { ...status(0, 'APPROVED'), at: '2026-12-01T09:00:00Z' }, RECORDED);
    expect(earlier).toMatchObject({ outcome: 'unchanged', why: 'stale' });
  });

  it('refuses a fact whose time cannot be read, changing nothing', () => {
    expect(applyTemplateFact(approved, { ...status(0, 'PAUSED'), at: 'yesterday' }, RECORDED)).toEqual({ outcome: 'unchanged', why: 'unsupported', record: approved });
  });
});

describe('applyTemplateFact: status webhooks', () => {
  const approved = record(applyTemplateFact(undefined, snapshot(0), RECORDED));

  it('records a pause with its title, description and start, and a later approval ends it', () => {
    const paused = applyTemplateFact(approved, status(10, 'PAUSED', { otherInfo: { title: 'SECOND_PAUSE', description: 'جودة منخفضة' } }), RECORDED);
    expect(record(paused)).toMatchObject({ status: 'PAUSED', pause: { title: 'SECOND_PAUSE', description: 'جودة منخفضة', since: at(10) } });
    if (paused.outcome !== 'changed') throw new Error('unreachable');
    expect(paused.entry).toMatchObject({ kind: 'status', source: 'webhook', event: 'PAUSED', version: 2 });
    expect(Object.keys(paused.entry.changes).sort()).toEqual(['pause', 'status']);

    const unpaused = applyTemplateFact(record(paused), status(200, 'APPROVED', { otherInfo: { title: 'UNPAUSE' } }), RECORDED);
    expect(record(unpaused).status).toBe('APPROVED');
    expect(record(unpaused).pause).toBeUndefined();
    expect(record(unpaused).version).toBe(3);
  });

  it('stores REINSTATED as APPROVED and keeps REINSTATED as the history event', () => {
    const disabled = record(applyTemplateFact(approved, status(10, 'DISABLED', { disableDate: '2026-12-08T00:00:00Z' }), RECORDED));
    expect(disabled.disableDate).toBe('2026-12-08T00:00:00Z');
    const result = applyTemplateFact(disabled, status(20, 'REINSTATED'), RECORDED);
    if (result.outcome !== 'changed') throw new Error('expected a change');
    expect(result.record.status).toBe('APPROVED');
    expect(result.record.disableDate).toBeUndefined();
    expect(result.entry.event).toBe('REINSTATED');
    expect(result.entry.changes['status']).toEqual({ from: 'DISABLED', to: 'APPROVED' });
    expect(templateStatusOf('reinstated')).toBe('APPROVED');
  });

  it('records the rejection from rejection_info, else from reason, and ignores reason NONE', () => {
    const withInfo = record(
      applyTemplateFact(approved, status(10, 'REJECTED', { reason: 'INVALID_FORMAT', rejectionInfo: { reason: 'Variables côte à côte', recommendation: 'Séparez {{1}} et {{2}}' } }), RECORDED),
    );
    expect(withInfo.rejection).toEqual({ reason: 'Variables côte à côte', recommendation: 'Séparez {{1}} et {{2}}' });
    expect(record(applyTemplateFact(approved, status(10, 'REJECTED', { reason: 'PROMOTIONAL' }), RECORDED)).rejection).toEqual({ reason: 'PROMOTIONAL' });
    expect(record(applyTemplateFact(approved, status(10, 'REJECTED', { reason: 'NONE' }), RECORDED)).rejection).toBeUndefined();
    expect(record(applyTemplateFact(approved, status(10, 'REJECTED', { reason: null }), RECORDED)).rejection).toBeUndefined();
    expect(record(applyTemplateFact(withInfo, status(20, 'APPROVED'), RECORDED)).rejection).toBeUndefined();
  });

  it('updates the category a status webhook names when newer, and ignores one it does not know while applying the status', () => {
    const marketing = record(applyTemplateFact(approved, status(10, 'APPROVED', { category: 'MARKETING' }), RECORDED));
    expect(marketing.category).toBe('MARKETING');
    const odd = applyTemplateFact(marketing, status(20, 'PAUSED', { category: 'SERVICE' }), RECORDED);
    expect(record(odd)).toMatchObject({ status: 'PAUSED', category: 'MARKETING' });
    expect(applyTemplateFact(marketing, status(5, 'APPROVED', { category: 'UTILITY' }), RECORDED)).toMatchObject({ outcome: 'unchanged', why: 'stale' });
  });

  it('keeps an unknown status as Meta sent it (upper-cased), so it is not sendable', () => {
    expect(record(applyTemplateFact(approved, status(10, 'Under_Review'), RECORDED)).status).toBe('UNDER_REVIEW');
  });

  it('marks a deleted template DELETED and clears its pause', () => {
    const paused = record(applyTemplateFact(approved, status(10, 'PAUSED'), RECORDED));
    const deleted = record(applyTemplateFact(paused, { ...SUBJECT, kind: 'deleted', source: 'api', at: at(30) }, RECORDED));
    expect(deleted.status).toBe('DELETED');
    expect(deleted.pause).toBeUndefined();
  });

  it('keeps the pause details of the webhook when a later listing confirms PAUSED', () => {
    const paused = record(applyTemplateFact(approved, status(10, 'PAUSED', { otherInfo: { title: 'FIRST_PAUSE' } }), RECORDED));
    const listed = record(applyTemplateFact(paused, snapshot(40, { status: 'PAUSED' }), RECORDED));
    expect(listed.pause).toEqual({ title: 'FIRST_PAUSE', since: at(10) });
    expect(listed.asOf.status).toBe(at(40));
  });
});

describe('applyTemplateFact: quality and components', () => {
  const approved = record(applyTemplateFact(undefined, snapshot(0), RECORDED));

  it('sets the quality score from a newer quality update', () => {
    const result = applyTemplateFact(approved, { ...SUBJECT, language: 'fr_FR', kind: 'quality', source: 'webhook', at: at(5), previousScore: 'GREEN', newScore: 'YELLOW' }, RECORDED);
    if (result.outcome !== 'changed') throw new Error('expected a change');
    expect(result.record.qualityScore).toBe('YELLOW');
    expect(result.entry.changes).toEqual({ qualityScore: { from: 'GREEN', to: 'YELLOW' } });
  });

  it('leaves the quality alone when a snapshot carries no score', () => {
    const { qualityScore: _omitted, ...rest } = snapshot(50) as Extract<TemplateFact, { kind: 'snapshot' }>;
    const after = record(applyTemplateFact(approved, rest, RECORDED));
    expect(after.qualityScore).toBe('GREEN');
    expect(after.asOf.quality).toBe(at(0));
  });

  it('replaces the components from a components update and keeps the declared named format', () => {
    const namedBody: MetaTemplateComponent[] = [{ type: 'BODY', text: 'Hola {{nombre}}, tu cita es el {{fecha}}.' }];
    const named = record(applyTemplateFact(undefined, snapshot(0, { parameterFormat: 'NAMED', components: namedBody }), RECORDED));
    const withoutVariables: MetaTemplateComponent[] = [{ type: 'BODY', text: 'Gracias por tu compra 🙏' }];
    const after = record(applyTemplateFact(named, { ...SUBJECT, kind: 'components', source: 'webhook', at: at(9), components: withoutVariables }, RECORDED));
    expect(after.components).toEqual(withoutVariables);
    expect(after.parameterFormat).toBe('NAMED');
  });
});

describe('applyTemplateFact: category changes', () => {
  const utility = record(applyTemplateFact(undefined, snapshot(0), RECORDED));
  const impending = (minutes: number, overrides: Record<string, unknown> = {}): TemplateFact => ({
    ...SUBJECT,
    kind: 'category',
    source: 'webhook',
    at: at(minutes),
    phase: 'impending',
    // Meta's impending notice repeats the current category in new_category and names the target in correct_category.
    newCategory: 'UTILITY',
    correctCategory: 'MARKETING',
    effectiveAt: at(minutes + 24 * 60),
    ...overrides,
  }) as TemplateFact;
  const completed = (minutes: number, newCategory = 'MARKETING'): TemplateFact => ({
    ...SUBJECT,
    kind: 'category',
    source: 'webhook',
    at: at(minutes),
    phase: 'completed',
    previousCategory: 'UTILITY',
    newCategory,
  });

  it('lets a re-categorisation beat the category a status update of the same second echoes, whichever arrives first', () => {
    // Meta times webhooks to the second: an APPROVED status echoing UTILITY and the change to MARKETING can share one.
    const echo = status(30, 'APPROVED', { category: 'UTILITY' });
    const change = completed(30, 'MARKETING');
    expect(applyAll([echo, change], utility).final?.category).toBe('MARKETING');
    expect(applyAll([change, echo], utility).final?.category).toBe('MARKETING');
    // The greater value still decides between two facts of the same kind, in either order.
    expect(applyAll([completed(40, 'AUTHENTICATION'), completed(40, 'MARKETING')], utility).final?.category).toBe(applyAll([completed(40, 'MARKETING'), completed(40, 'AUTHENTICATION')], utility).final?.category);
  });

  it('records an impending change without changing the category, and the completed change applies and clears it', () => {
    const announced = applyTemplateFact(utility, impending(10), RECORDED);
    if (announced.outcome !== 'changed') throw new Error('expected a change');
    expect(announced.record.category).toBe('UTILITY');
    expect(announced.record.pendingCategoryChange).toEqual({ newCategory: 'MARKETING', effectiveAt: at(10 + 1440), announcedAt: at(10) });
    expect(Object.keys(announced.entry.changes)).toEqual(['pendingCategoryChange']);

    const done = applyTemplateFact(announced.record, completed(1450), RECORDED);
    if (done.outcome !== 'changed') throw new Error('expected a change');
    expect(done.record.category).toBe('MARKETING');
    expect(done.record.pendingCategoryChange).toBeUndefined();
    expect(Object.keys(done.entry.changes).sort()).toEqual(['category', 'pendingCategoryChange']);
  });

  it('calls an impending notice arriving after the completed change stale', () => {
    const done = record(applyTemplateFact(utility, completed(1450), RECORDED));
    expect(applyTemplateFact(done, impending(10), RECORDED)).toMatchObject({ outcome: 'unchanged', why: 'stale' });
  });

  it('ends a pending change when a listing shows the new category', () => {
    const announced = record(applyTemplateFact(utility, impending(10), RECORDED));
    const listed = record(applyTemplateFact(announced, snapshot(2000, { category: 'MARKETING' }), RECORDED));
    expect(listed).toMatchObject({ category: 'MARKETING' });
    expect(listed.pendingCategoryChange).toBeUndefined();
    const stillUtility = record(applyTemplateFact(announced, snapshot(60), RECORDED));
    expect(stillUtility.pendingCategoryChange?.newCategory).toBe('MARKETING');
  });

  it('changes nothing for an impending notice whose target is the current category', () => {
    expect(applyTemplateFact(utility, impending(10, { correctCategory: undefined }), RECORDED)).toMatchObject({ outcome: 'unchanged', why: 'duplicate' });
  });

  it('refuses a category Relais does not know, keeping the current one, without throwing', () => {
    expect(applyTemplateFact(utility, completed(30, 'SERVICE'), RECORDED)).toEqual({ outcome: 'unchanged', why: 'unsupported', record: utility });
    expect(applyTemplateFact(utility, impending(30, { correctCategory: 'PROMO' }), RECORDED)).toEqual({ outcome: 'unchanged', why: 'unsupported', record: utility });
    expect(record(applyTemplateFact(utility, completed(30, 'marketing'), RECORDED)).category).toBe('MARKETING');
  });
});

describe('metaTemplateLanguage', () => {
  it.each([
    ['en-US', 'en_US'],
    ['en_US', 'en_US'],
    ['EN_us', 'en_US'],
    ['pt-br', 'pt_BR'],
    ['fr', 'fr'],
    [' es_419 ', 'es_419'],
  ])('spells %s as %s', (input, expected) => {
    expect(metaTemplateLanguage(input)).toBe(expected);
  });
});

describe('isTimeOnlyChange: which changes keep no history line', () => {
  it('is true for a listing that confirms every value at a later time, false once a value moved or for a new record', () => {
    const created = applyTemplateFact(undefined, snapshot(0), RECORDED);
    if (created.outcome !== 'changed') throw new Error('no record');
    const confirmed = applyTemplateFact(created.record, snapshot(60), RECORDED);
    const requalified = applyTemplateFact(created.record, snapshot(60, { qualityScore: 'YELLOW' }), RECORDED);
    // A second PAUSED restarts Meta's pause clock: `pause.since` moves, which a reader of the history needs.
    const paused = record(applyTemplateFact(created.record, status(10, 'PAUSED'), RECORDED));
    const pausedAgain = applyTemplateFact(paused, status(70, 'PAUSED'), RECORDED);

    if (confirmed.outcome !== 'changed' || requalified.outcome !== 'changed' || pausedAgain.outcome !== 'changed') throw new Error('expected changes');
    expect([created, confirmed, requalified, pausedAgain].map((r) => r.outcome === 'changed' && isTimeOnlyChange(r.entry))).toEqual([false, true, false, false]);
    expect(isTimeOnlyChange({ changes: {} })).toBe(false);
  });
});
