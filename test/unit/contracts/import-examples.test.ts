import { existsSync, readFileSync } from 'node:fs';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { IMPORT_CONSENT_COLUMNS, IMPORT_CONTACT_COLUMNS, IMPORT_CSV_COLUMNS, ImportFormatError, readImportRows, type ImportMediaType } from '#shared/contracts/http/contacts/import-format.js';
import { IMPORT_MAX_BYTES, IMPORT_MAX_ROWS, MAX_EVIDENCE_CHARS, MAX_PROFILE_NAME_CHARS } from '#shared/contracts/http/contacts/limits.js';
import { importRowSchema, type ImportRow } from '#shared/contracts/http/contacts/requests.js';
import { CONSENT_CATEGORIES } from '#shared/domain/consent/consent.js';

const ROOT = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), 'utf8');
/** After every `occurredAt` of the examples, so the 5-minute future bound cannot refuse them whatever the clock says. */
const NOW = Date.parse('2026-12-01T00:00:00Z');

const EXAMPLES: ReadonlyArray<{ file: string; mediaType: ImportMediaType; rows: number }> = [
  { file: 'examples/contacts-import.csv', mediaType: 'text/csv', rows: 8 },
  { file: 'examples/contacts-import.jsonl', mediaType: 'application/x-ndjson', rows: 6 },
];

type Validated = { readonly row: number; readonly data: ImportRow } | { readonly row: number; readonly problems: string[] };

/** Each example row as the import validates it, or the problems it would report. */
function validated(file: string, mediaType: ImportMediaType): Validated[] {
  const schema = importRowSchema(NOW);
  return readImportRows(mediaType, read(file)).map((raw) => {
    if (!raw.value.ok) return { row: raw.row, problems: [raw.value.problem] };
    const parsed = schema.safeParse(raw.value.data);
    return parsed.success ? { row: raw.row, data: parsed.data } : { row: raw.row, problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) };
  });
}

/** The README's "Importing contacts" subsection, up to the next heading of any level. */
function importSection(): string {
  const readme = read('README.md');
  const start = readme.indexOf('### Importing contacts');
  expect(start, 'README has an "### Importing contacts" subsection').toBeGreaterThan(-1);
  const body = readme.indexOf('\n', start) + 1;
  const next = readme.slice(body).search(/^#{2,3} /m);
  return next === -1 ? readme.slice(start) : readme.slice(start, body + next);
}

/** The column table's first two cells of each row: the CSV column and the JSON lines field it documents. */
function documentedFields(section: string): Array<{ csv: string; json: string; line: string }> {
  return section
    .split('\n')
    .filter((line) => /^\| `/.test(line))
    .map((line) => {
      const [csv, json] = line
        .split('|')
        .slice(1, 3)
        .map((cell) => /^`([^`]+)`$/.exec(cell.trim())?.[1] ?? `(not one backticked name: ${cell.trim()})`);
      return { csv: csv!, json: json!, line };
    });
}

describe('contacts import examples', () => {
  it.each(EXAMPLES)('$file reads into $rows rows the import accepts, with no row error', ({ file, mediaType, rows }) => {
    const results = validated(file, mediaType);

    expect(results.filter((r) => 'problems' in r)).toEqual([]);
    expect(results).toHaveLength(rows);
  });

  it('the CSV example lists every column, in the documented order', () => {
    expect(read('examples/contacts-import.csv').split('\n')[0]).toBe(IMPORT_CSV_COLUMNS.join(','));
  });

  it('every example phone number is a valid mobile number by the full libphonenumber metadata (no drama ranges)', () => {
    const phones = EXAMPLES.flatMap(({ file, mediaType }) => validated(file, mediaType).flatMap((r) => ('data' in r && r.data.phone !== undefined ? [r.data.phone] : [])));

    expect(phones.length).toBeGreaterThan(10);
    expect(phones.filter((p) => parsePhoneNumberFromString(p)?.getType() !== 'MOBILE')).toEqual([]);
  });

  it('the examples carry real-world names and exercise every kind of row', () => {
    const rows = EXAMPLES.flatMap(({ file, mediaType }) => validated(file, mediaType).flatMap((r) => ('data' in r ? [r.data] : [])));
    const names = rows.flatMap((r) => (r.profileName === undefined ? [] : [r.profileName]));
    const has = (test: (r: ImportRow) => boolean) => rows.some(test);

    expect(names.some((n) => /[\u0590-\u08FF]/.test(n)), 'a right-to-left name').toBe(true);
    expect(names.some((n) => /[\u{10000}-\u{10FFFF}]/u.test(n)), 'a name with a character above U+FFFF').toBe(true);
    expect(names.some((n) => /[À-ÿĀ-ž]/.test(n)), 'an accented Latin name').toBe(true);
    expect(names.some((n) => n.includes(',')), 'a name that needs CSV quoting').toBe(true);
    expect(has((r) => r.phone === undefined && r.userId !== undefined), 'a contact named by BSUID only').toBe(true);
    expect(has((r) => r.phone !== undefined && r.userId !== undefined), 'a contact named by both').toBe(true);
    expect(has((r) => r.consent === undefined), 'a row without consent').toBe(true);
    expect(has((r) => r.consent !== undefined && r.consent.occurredAt === undefined), 'a consent dated by the import').toBe(true);
    expect(new Set(rows.flatMap((r) => (r.consent === undefined ? [] : [r.consent.category]))), 'every category').toEqual(new Set(CONSENT_CATEGORIES));
    expect(new Set(rows.flatMap((r) => (r.consent === undefined ? [] : [r.consent.status]))), 'both statuses').toEqual(new Set(['opted_in', 'opted_out']));
  });
});

describe('the CSV example sent with its line breaks stripped, as curl -d does', () => {
  const flattened = read('examples/contacts-import.csv').replace(/\r?\n/g, '');

  it('refuses the file, saying the line breaks are likely missing and how to send it, without echoing a cell', () => {
    let error: unknown;
    try {
      readImportRows('text/csv', flattened);
    } catch (e) {
      error = e;
    }

    expect(error).toBeInstanceOf(ImportFormatError);
    const message = (error as Error).message;
    expect(message).toMatch(/^the CSV header has \d+ cell\(s\) that are not column names, so its line break is likely missing \(curl -d strips line breaks: send the file with --data-binary\)/);
    for (const secret of ['+33612345678', 'Zoé', 'محمد', 'Formulaire']) expect(message).not.toContain(secret);
  });

  it('still names a mistyped column when the header is only column names', () => {
    expect(() => readImportRows('text/csv', 'phone,nickname\n+33612345678,Zoé\n')).toThrow('unknown CSV column(s) "nickname"; the columns are phone,userId,profileName,category,status,evidence,occurredAt');
  });
});

describe('README documentation of the contacts import', () => {
  const section = importSection();
  const fields = documentedFields(section);
  const schema = importRowSchema(NOW);
  const consentSchema = schema.shape.consent.unwrap();

  it('documents exactly the CSV columns the parser accepts, in order', () => {
    expect(fields.map((f) => f.csv)).toEqual([...IMPORT_CSV_COLUMNS]);
  });

  it('documents exactly the JSON lines fields the row schema accepts', () => {
    expect(Object.keys(schema.shape)).toEqual([...IMPORT_CONTACT_COLUMNS, 'consent']);
    expect(Object.keys(consentSchema.shape)).toEqual([...IMPORT_CONSENT_COLUMNS]);
    expect(fields.map((f) => f.json)).toEqual([...IMPORT_CONTACT_COLUMNS, ...IMPORT_CONSENT_COLUMNS.map((c) => `consent.${c}`)]);
  });

  it('lists the consent values and limits the code enforces', () => {
    const row = (csv: string) => fields.find((f) => f.csv === csv)?.line ?? '';
    for (const category of CONSENT_CATEGORIES) expect(row('category')).toContain(`\`${category}\``);
    for (const status of consentSchema.shape.status.options) expect(row('status')).toContain(`\`${status}\``);
    expect(row('evidence')).toContain(`1 to ${MAX_EVIDENCE_CHARS.toLocaleString('en-US')} characters`);
    expect(row('profileName')).toContain(`1 to ${MAX_PROFILE_NAME_CHARS} characters`);
    expect(section).toContain(`at most ${IMPORT_MAX_ROWS.toLocaleString('en-US')} rows and 1 MB (${IMPORT_MAX_BYTES.toLocaleString('en-US')} bytes)`);
  });

  it('imports each example file with a curl command that names it with its media type', () => {
    const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    const commands = block.split(/\n(?=curl )/).filter((c) => c.startsWith('curl '));
    const posted = commands.map((c) => ({ file: /--data-binary @(\S+)/.exec(c)?.[1], type: /-H 'content-type: ([^']+)'/.exec(c)?.[1], signed: c.includes('--aws-sigv4 "aws:amz:eu-west-1:execute-api" --user local:local') }));

    expect(posted).toEqual(EXAMPLES.map((e) => ({ file: e.file, type: e.mediaType, signed: true })));
    for (const { file } of posted) expect(existsSync(new URL(file!, ROOT))).toBe(true);
  });
});
