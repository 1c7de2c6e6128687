/**
 * Writes `shared/contracts/events/schemas/<DetailType>.json` for every event and removes files of events
 * that no longer exist. Run after changing an event schema, and commit the result:
 *
 *     npx tsx shared/contracts/write-json-schemas.ts
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { eventJsonSchemaFiles } from './json-schema.js';

/** Where the published schemas live. */
const EVENT_SCHEMAS_DIR = fileURLToPath(new URL('./events/schemas/', import.meta.url));

async function main(): Promise<void> {
  const files = eventJsonSchemaFiles();
  await mkdir(EVENT_SCHEMAS_DIR, { recursive: true });
  await Promise.all(files.map((file) => writeFile(`${EVENT_SCHEMAS_DIR}${file.fileName}`, file.content, 'utf8')));
  const expected = new Set(files.map((file) => file.fileName));
  const stale = (await readdir(EVENT_SCHEMAS_DIR)).filter((name) => name.endsWith('.json') && !expected.has(name));
  await Promise.all(stale.map((name) => rm(`${EVENT_SCHEMAS_DIR}${name}`)));
  process.stdout.write(`wrote ${files.length} event schemas to ${EVENT_SCHEMAS_DIR}${stale.length > 0 ? `; removed ${stale.join(', ')}` : ''}\n`);
}

await main();
