import { describe, expect, it } from 'vitest';
import { isBsuid } from '#shared/domain/contacts/bsuid.js';
import { identityKeys, parseContactRef } from '#shared/domain/contacts/identity.js';
import { phoneFromWaId, phoneNumberProblem, toE164 } from '#shared/domain/contacts/phone.js';

describe('contact identity', () => {
  it('keys a contact by BSUID first and phone second', () => {
    expect(identityKeys({ userId: 'US.13491208655302741918', waId: '16505551234' })).toEqual([
      { kind: 'user', value: 'US.13491208655302741918' },
      { kind: 'phone', value: '+16505551234' },
    ]);
  });

  it('keys a BSUID-only user by BSUID and a phone-only user by phone', () => {
    expect(identityKeys({ userId: 'FR.abc123' })).toEqual([{ kind: 'user', value: 'FR.abc123' }]);
    expect(identityKeys({ waId: '33612345678' })).toEqual([{ kind: 'phone', value: '+33612345678' }]);
  });

  it('accepts parent BSUIDs', () => {
    expect(parseContactRef('US.ENT.11815799212886844830')).toEqual({ key: { kind: 'user', value: 'US.ENT.11815799212886844830' } });
  });

  it.each(['+1555', '+33 6 12 34 56 78', '0612345678', '+999123456789', '+3361234567a'])('rejects %s as an E.164 number', (input) => {
    expect(toE164(input)).toBeUndefined();
  });

  it('accepts valid E.164 numbers', () => {
    expect(toE164('+33612345678')).toBe('+33612345678');
    expect(toE164('+16505551234')).toBe('+16505551234');
  });

  it('accepts an 8-digit Brazilian mobile number Meta rewrites (+55 43 6175-8977), which full range metadata refuses', () => {
    expect(toE164('+554361758977')).toBe('+554361758977');
    expect(parseContactRef('+554361758977')).toEqual({ key: { kind: 'phone', value: '+554361758977' } });
  });

  it('accepts the shortest numbers a plan allows (Austria, 6 digits) and the longest E.164 allows (15)', () => {
    expect(toE164('+431234')).toBe('+431234');
    expect(phoneNumberProblem('+43123')).toBe('must be an E.164 phone number: + then 6 to 15 digits, no spaces or punctuation');
    expect(phoneNumberProblem('+4912345678901234')).toBe('must be an E.164 phone number: + then 6 to 15 digits, no spaces or punctuation');
  });

  it('refuses a number that is not canonical: a national trunk prefix left in', () => {
    // +44 07911 123456: the 0 is the UK trunk prefix, never dialled after the country code.
    expect(phoneNumberProblem('+4407911123456')).toBe('is not a valid phone number for its country code');
  });

  it('names which rule a number breaks: the form, or its country', () => {
    expect(phoneNumberProblem('+33 6 12 34 56 78')).toBe('must be an E.164 phone number: + then 6 to 15 digits, no spaces or punctuation');
    expect(phoneNumberProblem('+٣٣٦١٢٣٤٥٦٧٨')).toBe('must be an E.164 phone number: + then 6 to 15 digits, no spaces or punctuation');
    expect(phoneNumberProblem('+999123456789')).toBe('is not a valid phone number for its country code');
    expect(phoneNumberProblem('+33612345678')).toBeUndefined();
  });

  it('trusts a wa_id from Meta if it has the E.164 form', () => {
    expect(phoneFromWaId('15550783881')).toBe('+15550783881');
    expect(phoneFromWaId('12ab')).toBeUndefined();
    expect(phoneFromWaId('0612345678')).toBeUndefined();
    expect(phoneFromWaId('1234567890123456')).toBeUndefined();
  });

  it('explains what a contact reference must be', () => {
    expect(parseContactRef('bob')).toEqual({ problem: 'must be an E.164 phone number (+…), a business-scoped user id (CC.…) or a contact id (c_…)' });
    expect(parseContactRef('+1555')).toEqual({ problem: 'must be an E.164 phone number: + then 6 to 15 digits, no spaces or punctuation' });
    expect(parseContactRef('+999123456789')).toEqual({ problem: 'is not a valid phone number for its country code' });
  });

  it.each([
    ['US.13491208655302741918', true],
    ['US.ENT.11815799212886844830', true],
    ['BR.' + 'a'.repeat(128), true],
    ['BR.' + 'a'.repeat(129), false],
    ['us.1349', false],
    ['US.', false],
    ['US.ENT.', false],
    ['US.1349-1', false],
    ['US.13491208655302741918\n', false],
    ['FR.é', false],
  ])('tells a BSUID (%s) by the one pattern: %s', (value, expected) => {
    expect(isBsuid(value)).toBe(expected);
  });
});
