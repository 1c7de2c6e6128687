import { CsvError, parse as parseCsvSync } from 'csv-parse/sync';

/**
 * The Contacts API's import formats (`POST /accounts/{businessAccountId}/contacts/import`): JSON lines or CSV
 * with a header row, split into records before each is validated against `importRowSchema`.
 */

/** The media types the import accepts (in UTF-8). */
export const IMPORT_MEDIA_TYPES = ['application/x-ndjson', 'text/csv'] as const;
export type ImportMediaType = (typeof IMPORT_MEDIA_TYPES)[number];
/** CSV columns naming the contact; JSON lines carry them as top-level fields of the same names. */
export const IMPORT_CONTACT_COLUMNS = ['phone', 'userId', 'profileName'] as const;
/** CSV columns of the row's consent; JSON lines carry them inside `consent` (`consent.category`, …). */
export const IMPORT_CONSENT_COLUMNS = ['category', 'status', 'evidence', 'occurredAt'] as const;
/** CSV columns, in the order a template would list them (README's import table and the examples follow it). */
export const IMPORT_CSV_COLUMNS = [...IMPORT_CONTACT_COLUMNS, ...IMPORT_CONSENT_COLUMNS] as const;

/** A record of an import file before validation: `row` counts records from 1, `line` is where it starts. */
export interface RawImportRow {
  readonly row: number;
  readonly line: number;
  /** The record as an object (CSV: cells by column, empty cells left out), or the reason it could not be read. */
  readonly value: { readonly ok: true; readonly data: unknown } | { readonly ok: false; readonly problem: string };
}

/** A problem with the file as a whole (not one row): unreadable CSV header, unterminated quote. */
export class ImportFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportFormatError';
  }
}

/** The media type of a `content-type` header, if it is one the import accepts in UTF-8. */
export function importMediaType(contentType: string | undefined): ImportMediaType | undefined {
  if (contentType === undefined) return undefined;
  const [type, ...params] = contentType.split(';').map((p) => p.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return undefined;
  return (IMPORT_MEDIA_TYPES as readonly string[]).includes(type ?? '') ? (type as ImportMediaType) : undefined;
}

/** Splits an import body into records; throws {@link ImportFormatError} when the file cannot be read at all. */
export function readImportRows(mediaType: ImportMediaType, text: string): RawImportRow[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  return mediaType === 'text/csv' ? readCsvRows(body) : readNdjsonRows(body);
}

function readNdjsonRows(text: string): RawImportRow[] {
  const rows: RawImportRow[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const row = rows.length + 1;
    try {
      const data: unknown = JSON.parse(line);
      rows.push({ row, line: index + 1, value: data !== null && typeof data === 'object' && !Array.isArray(data) ? { ok: true, data } : { ok: false, problem: '(row): must be a JSON object' } });
    } catch {
      rows.push({ row, line: index + 1, value: { ok: false, problem: '(row): is not valid JSON' } });
    }
  });
  return rows;
}

function readCsvRows(text: string): RawImportRow[] {
  const records = parseCsv(text);
  const header = records.shift();
  if (header === undefined) return [];
  const columns = header.fields.map((f) => f.trim());
  const known = new Set<string>(IMPORT_CSV_COLUMNS);
  const unknown = columns.filter((c) => !known.has(c));
  if (unknown.length > 0) {
    // A header holding more cells than there are columns is data run into it (`curl -d @file` strips the line
    // breaks): say so, and echo no cell, as those would be phone numbers and names.
    if (columns.length > IMPORT_CSV_COLUMNS.length || unknown.some((c) => !/^[A-Za-z][A-Za-z0-9_ -]{0,63}$/.test(c))) {
      throw new ImportFormatError(
        `the CSV header has ${unknown.length} cell(s) that are not column names, so its line break is likely missing (curl -d strips line breaks: send the file with --data-binary); the columns are ${IMPORT_CSV_COLUMNS.join(',')}`,
      );
    }
    throw new ImportFormatError(`unknown CSV column(s) ${unknown.map((c) => `"${c}"`).join(', ')}; the columns are ${IMPORT_CSV_COLUMNS.join(',')}`);
  }
  const duplicated = columns.filter((c, i) => columns.indexOf(c) !== i);
  if (duplicated.length > 0) throw new ImportFormatError(`CSV column(s) ${[...new Set(duplicated)].join(', ')} appear more than once in the header`);
  if (!columns.includes('phone') && !columns.includes('userId')) throw new ImportFormatError('the CSV header needs a phone or a userId column');

  return records
    .filter((r) => !(r.fields.length === 1 && r.fields[0]!.trim() === ''))
    .map((record, index): RawImportRow => {
      const row = index + 1;
      if (record.fields.length !== columns.length) {
        return { row, line: record.line, value: { ok: false, problem: `(row): has ${record.fields.length} cells, the header has ${columns.length}` } };
      }
      const cells = new Map<string, string>();
      columns.forEach((c, i) => {
        const v = record.fields[i]!.trim();
        if (v !== '') cells.set(c, v);
      });
      const data: Record<string, unknown> = {};
      for (const c of IMPORT_CONTACT_COLUMNS) if (cells.has(c)) data[c] = cells.get(c);
      if (IMPORT_CONSENT_COLUMNS.some((c) => cells.has(c))) {
        const consent: Record<string, string> = {};
        for (const c of IMPORT_CONSENT_COLUMNS) if (cells.has(c)) consent[c] = cells.get(c)!;
        data['consent'] = consent;
      }
      return { row, line: record.line, value: { ok: true, data } };
    });
}

/** Why csv-parse refused a file, by its error code, without echoing the file's content. */
const CSV_PROBLEMS: Readonly<Record<string, string>> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted CSV field is never closed',
  INVALID_OPENING_QUOTE: 'a CSV field has a quote that does not open it (quote the whole field and double inner quotes)',
  CSV_INVALID_CLOSING_QUOTE: 'a quoted CSV field has text after its closing quote (double quotes inside a quoted field)',
};

/**
 * CSV as RFC 4180 reads it (https://www.rfc-editor.org/rfc/rfc4180), parsed by csv-parse's sync API
 * (https://csv.js.org/parse/): `,` separators, CRLF or LF records (mixed too), `"` quoting with `""` escapes and
 * line breaks inside quotes, a leading BOM dropped, whitespace around cells trimmed. Each record keeps the line it
 * starts on, counted from the line breaks inside its quoted cells, so errors can name it.
 */
function parseCsv(text: string): Array<{ line: number; fields: string[] }> {
  let parsed: string[][];
  try {
    parsed = parseCsvSync(text, { bom: true, relax_column_count: true, trim: true, record_delimiter: ['\r\n', '\n'] });
  } catch (error) {
    if (error instanceof CsvError) {
      const line = typeof error['lines'] === 'number' ? error['lines'] : undefined;
      const problem = CSV_PROBLEMS[error.code] ?? 'the CSV cannot be read';
      throw new ImportFormatError(line === undefined ? problem : `${problem} (line ${line})`);
    }
    throw error;
  }
  let line = 1;
  return parsed.map((record) => {
    const start = line;
    line += 1 + record.reduce((n, field) => n + (field.match(/\n/g)?.length ?? 0), 0);
    return { line: start, fields: record };
  });
}
