import { describe, expect, it } from 'vitest';
import { ImportFormatError, readImportRows } from '#shared/contracts/http/contacts/import-format.js';

const rows = (text: string) => readImportRows('text/csv', text);
const dataOf = (text: string) => rows(text).map((r) => (r.value.ok ? r.value.data : r.value.problem));

describe('CSV import parsing', () => {
  it('reads names with emoji, skin tones, RTL script and accents exactly', () => {
    const text = 'phone,profileName\n+33612345678,Zoé 👍🏽\n+971501234567,"محمد 🎉"\n+14155552671,Ñandú Ørsted\n';
    expect(dataOf(text)).toEqual([
      { phone: '+33612345678', profileName: 'Zoé 👍🏽' },
      { phone: '+971501234567', profileName: 'محمد 🎉' },
      { phone: '+14155552671', profileName: 'Ñandú Ørsted' },
    ]);
  });

  it('drops a leading BOM so the first column is still known', () => {
    expect(dataOf('\uFEFFphone\n+33612345678\n')).toEqual([{ phone: '+33612345678' }]);
  });

  it('reads CRLF, LF and a mix of both, and keeps the line each record starts on', () => {
    const read = rows('phone,profileName\r\n+33612345678,A\r\n+14155552671,B\n+971501234567,C');
    expect(read.map((r) => [r.row, r.line])).toEqual([[1, 2], [2, 3], [3, 4]]);
    expect(read.map((r) => (r.value.ok ? (r.value.data as { profileName: string }).profileName : ''))).toEqual(['A', 'B', 'C']);
  });

  it('keeps quoted commas, doubled quotes and line breaks inside a cell, and counts the lines after it', () => {
    const read = rows('phone,profileName\n+33612345678,"Dupont, ""Jo""\nsecond line"\n\n+14155552671,Bob\n');
    expect(read.map((r) => [r.row, r.line, r.value.ok ? r.value.data : r.value.problem])).toEqual([
      [1, 2, { phone: '+33612345678', profileName: 'Dupont, "Jo"\nsecond line' }],
      [2, 5, { phone: '+14155552671', profileName: 'Bob' }],
    ]);
  });

  it('groups the consent columns and leaves empty cells out', () => {
    expect(dataOf('userId,category,status,evidence,occurredAt\nUS.13491208655302741918,marketing,opted_in,  Form 2 ,\n')).toEqual([
      { userId: 'US.13491208655302741918', consent: { category: 'marketing', status: 'opted_in', evidence: 'Form 2' } },
    ]);
  });

  it('reports a row whose cell count differs from the header, with its line', () => {
    const [row] = rows('phone,profileName\n+33612345678,A,extra\n');
    expect(row).toEqual({ row: 1, line: 2, value: { ok: false, problem: '(row): has 3 cells, the header has 2' } });
  });

  it.each([
    ['an unterminated quote', 'phone,profileName\n+33612345678,A\n+14155552671,"Bob\n', /^a quoted CSV field is never closed \(line \d+\)$/],
    ['a quote inside an unquoted cell', 'phone,profileName\n+33612345678,Bo"b\n', /^a CSV field has a quote that does not open it .* \(line 2\)$/],
    ['text after a closing quote', 'phone,profileName\n+33612345678,"Bo"b\n', /^a quoted CSV field has text after its closing quote .* \(line 2\)$/],
  ])('refuses the file for %s, naming the problem and line without echoing the content', (_, text, message) => {
    let error: unknown;
    try {
      rows(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ImportFormatError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('Bo');
  });

  it('refuses unknown and duplicated columns and a header without an identity column', () => {
    expect(() => rows('phone,email\n')).toThrow('unknown CSV column(s) "email"');
    expect(() => rows('phone,phone\n')).toThrow('CSV column(s) phone appear more than once in the header');
    expect(() => rows('profileName\nA\n')).toThrow('the CSV header needs a phone or a userId column');
  });
});
