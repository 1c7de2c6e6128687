import { describe, expect, it } from 'vitest';
import { firstInvalidUtf8, utf8Body, type HttpEvent } from '#shared/middleware/http.js';
import { BadRequestError } from '#shared/errors.js';

const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('firstInvalidUtf8', () => {
  it('accepts emoji, RTL text, accents and an empty body', () => {
    expect(firstInvalidUtf8(bytes('Zoé 👍🏽 محمد\n🎉'))).toBeUndefined();
    expect(firstInvalidUtf8(new Uint8Array())).toBeUndefined();
  });

  it.each([
    ['a lone continuation byte', [0x80]],
    ['a Latin-1 é', [0xe9, 0x2c]],
    ['an overlong slash (C0 AF)', [0xc0, 0xaf]],
    ['an overlong three-byte form (E0 80 AF)', [0xe0, 0x80, 0xaf]],
    ['an overlong four-byte form (F0 80 80 AF)', [0xf0, 0x80, 0x80, 0xaf]],
    ['an encoded high surrogate (ED A0 80)', [0xed, 0xa0, 0x80]],
    ['an encoded low surrogate (ED BF BF)', [0xed, 0xbf, 0xbf]],
    ['a code point above U+10FFFF (F4 90 80 80)', [0xf4, 0x90, 0x80, 0x80]],
    ['a truncated emoji at the end', [0xf0, 0x9f, 0x91]],
  ])('finds %s on line 3 at its byte offset', (_, bad) => {
    const prefix = 'phone,profileName\n+33612345678,Zoé 👍\n+1,';
    const found = firstInvalidUtf8(bytes(prefix, bad, '\n'));
    expect(found).toEqual({ offset: Buffer.byteLength(prefix), line: 3 });
  });

  it('reports the first of several bad sequences', () => {
    expect(firstInvalidUtf8(bytes('a', [0xff], '\n', [0xfe]))).toEqual({ offset: 1, line: 1 });
  });
});

describe('utf8Body', () => {
  const event = (body: Buffer): HttpEvent => ({ body: body.toString('base64'), isBase64Encoded: true }) as unknown as HttpEvent;

  it('returns UTF-8 text unchanged, non-BMP characters included', () => {
    expect(utf8Body(event(bytes('Merci 🎉 שלום')))).toBe('Merci 🎉 שלום');
  });

  it('refuses a body with an invalid byte with a 400 invalid_encoding naming the offset and line', () => {
    let error: unknown;
    try {
      utf8Body(event(bytes('l1\nl2\nab', [0xc3, 0x28])), 'the import body');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ statusCode: 400, code: 'invalid_encoding', message: 'the import body is not valid UTF-8: malformed byte sequence at byte offset 8 (line 3)' });
  });
});
