import { describe, expect, it } from 'vitest';
import { percentDecoded } from '#shared/contracts/http/contacts/path-encoding.js';

describe('percentDecoded', () => {
  it('leaves a value without % unchanged, emoji and RTL text included', () => {
    for (const value of ['+33612345678', 'US.13491208655302741918', 'c_Zoé👍🏽', 'محمد']) expect(percentDecoded(value)).toBe(value);
  });

  it('decodes well-formed UTF-8 escapes, four-byte emoji included', () => {
    expect(percentDecoded('%2B33612345678')).toBe('+33612345678');
    expect(percentDecoded('%F0%9F%91%8D%D9%85')).toBe('👍م');
  });

  it.each([
    ['a lone %', '%'],
    ['a truncated escape', '%E0%A4%A'],
    ['a non-hex escape', '%ZZ'],
    ['a Latin-1 byte', '%E9'],
    ['an overlong slash', '%C0%AF'],
    ['an encoded surrogate', '%ED%A0%80'],
    ['a code point above U+10FFFF', '%F4%90%80%80'],
  ])('answers undefined for %s instead of throwing', (_, value) => {
    expect(percentDecoded(value)).toBeUndefined();
  });
});
