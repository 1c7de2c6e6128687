import { describe, expect, it } from 'vitest';
import { identityKeys, parseContactRef, phoneFromWaId, toE164 } from '#shared/domain/contacts/identity.js';

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

  it('trusts a wa_id from Meta if it is 6 to 15 digits', () => {
    expect(phoneFromWaId('15550783881')).toBe('+15550783881');
    expect(phoneFromWaId('12ab')).toBeUndefined();
  });

  it('explains what a contact reference must be', () => {
    expect(parseContactRef('bob')).toEqual({ problem: 'must be an E.164 phone number (+…), a business-scoped user id (CC.…) or a contact id (c_…)' });
    expect(parseContactRef('+1555')).toEqual({ problem: 'is not a valid E.164 phone number' });
  });
});
