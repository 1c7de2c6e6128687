import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONSENT_CATEGORIES, deriveConsent, supersedes, type ConsentRecord } from '#shared/domain/consent/consent.js';
import { DEFAULT_KEYWORDS, isOptOutButton, matchConsentKeyword, normaliseKeyword } from '#shared/domain/consent/keywords.js';

function record(id: string, status: ConsentRecord['status'], occurredAt: number, category: ConsentRecord['category'] = 'marketing'): ConsentRecord {
  return { recordId: id, category, status, source: 'api', occurredAt, evidence: 'form v3', actor: 'crm' };
}

describe('deriveConsent', () => {
  it('is unknown for every category without history', () => {
    const state = deriveConsent([]);
    for (const c of CONSENT_CATEGORIES) expect(state[c].status).toBe('unknown');
  });

  it('takes the latest record of each category by when the customer said it', () => {
    const state = deriveConsent([record('a', 'opted_in', 1), record('b', 'opted_out', 3), record('c', 'opted_in', 2), record('d', 'opted_in', 5, 'utility')]);
    expect(state.marketing).toEqual({ status: 'opted_out', since: 3, source: 'api', recordId: 'b' });
    expect(state.utility.status).toBe('opted_in');
    expect(state.authentication.status).toBe('unknown');
  });

  it('lets an opt-out win over an opt-in of the same instant', () => {
    expect(deriveConsent([record('a', 'opted_out', 7), record('b', 'opted_in', 7)]).marketing.status).toBe('opted_out');
    expect(deriveConsent([record('b', 'opted_in', 7), record('a', 'opted_out', 7)]).marketing.status).toBe('opted_out');
  });

  it('ends opted out after opt-out, opt-in, opt-out in one batch, whatever the delivery order (property)', () => {
    const batch = [record('1', 'opted_out', 10), record('2', 'opted_in', 11), record('3', 'opted_out', 12)];
    fc.assert(fc.property(fc.shuffledSubarray(batch, { minLength: 3, maxLength: 3 }), (order) => deriveConsent(order).marketing.recordId === '3'));
  });

  it('does not let a record supersede itself (a redelivery)', () => {
    expect(supersedes(record('a', 'opted_in', 1), { status: 'opted_in', since: 1, recordId: 'a' })).toBe(false);
  });
});

describe('consent keywords', () => {
  it.each(['STOP', 'stop', ' Stop! ', 'STOPP', 'Arrêt', 'ARRET.', 'désabonner', 'Unsubscribe', 'baja', '🛑 stop 🛑'])('"%s" opts out', (text) => {
    expect(matchConsentKeyword(text)?.action).toBe('opt_out');
  });

  it.each(['START', 'reprendre', 'Start.'])('"%s" opts back in', (text) => {
    expect(matchConsentKeyword(text)?.action).toBe('opt_in');
  });

  it.each(["don't stop", 'please stop sending me the wrong size', 'stopped', 'bus stop nearby?', '', '   '])('"%s" is a conversation, not a keyword', (text) => {
    expect(matchConsentKeyword(text)).toBeUndefined();
  });

  it('uses the business configuration instead of the defaults when given', () => {
    const config = { ...DEFAULT_KEYWORDS, optOut: ['HALT'], optIn: ['GO'] };
    expect(matchConsentKeyword('halt', config)?.action).toBe('opt_out');
    expect(matchConsentKeyword('stop', config)).toBeUndefined();
  });

  it('normalises case, accents and surrounding punctuation', () => {
    expect(normaliseKeyword('  DÉSABONNER !!')).toBe('desabonner');
  });

  it('recognises a "Stop promotions" quick reply by payload or by label', () => {
    expect(isOptOutButton({ text: 'Anything', payload: 'STOP_PROMOTIONS' })).toBe(true);
    expect(isOptOutButton({ text: 'Stop promotions' })).toBe(true);
    expect(isOptOutButton({ text: 'Track my order', payload: 'TRACK' })).toBe(false);
  });
});
