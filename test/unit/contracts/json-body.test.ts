import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadRequestError } from '#shared/errors.js';
import { MAX_JSON_BODY_DEPTH, parseJsonBody } from '#shared/middleware/http.js';

const FUZZ_SEED = Number(process.env['FUZZ_SEED'] ?? 20261121);
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('parseJsonBody', () => {
  it('parses a body with emoji, RTL text, accents and an id above 2^53 as JSON.parse does', () => {
    const text = '{"body":"Merci 🎉 — شكرا لك — crème brûlée","id":"90071992547409931234","n":[1,[2,[3]]]}';
    expect(parseJsonBody(text)).toEqual(JSON.parse(text));
  });

  it.each([MAX_JSON_BODY_DEPTH + 1, 5_000, 100_000])('refuses a body nested %i levels with a 400 body_too_deep', (depth) => {
    const attempt = () => parseJsonBody(`{"data":${nested(depth - 1)}}`);
    expect(attempt).toThrow(BadRequestError);
    expect(attempt).toThrow(`body nests arrays or objects deeper than ${MAX_JSON_BODY_DEPTH} levels`);
  });

  it('accepts exactly the deepest nesting allowed', () => {
    expect(() => parseJsonBody(nested(MAX_JSON_BODY_DEPTH))).not.toThrow();
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ body: `${'['.repeat(500)} \\" ${'{'.repeat(500)}`, quote: 'say "[[[["' });
    expect(parseJsonBody(text)).toEqual(JSON.parse(text));
  });

  it('reads an empty or blank body as {} only when told to, and otherwise names the missing body', () => {
    expect(parseJsonBody('', { emptyIsObject: true })).toEqual({});
    expect(parseJsonBody(' \r\n\t', { emptyIsObject: true })).toEqual({});
    for (const text of ['', ' \n']) {
      expect(() => parseJsonBody(text)).toThrow(expect.objectContaining({ statusCode: 400, code: 'invalid_request', message: 'invalid request: (body): is required (a JSON object)' }));
    }
  });

  it('refuses text that is not JSON with invalid_json', () => {
    expect(() => parseJsonBody('{"a":')).toThrow(expect.objectContaining({ statusCode: 400, code: 'invalid_json' }));
  });

  it('agrees with JSON.parse on every value within the bound (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 20 }), (value) => {
        const text = JSON.stringify(value);
        expect(parseJsonBody(text)).toEqual(JSON.parse(text));
      }),
      { seed: FUZZ_SEED, numRuns: 300 },
    );
  });
});
