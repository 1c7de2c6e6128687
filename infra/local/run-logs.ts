import { readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

/**
 * Each `npm start` begins with empty logs, as its DynamoDB Local and queues begin empty (both run in memory):
 * a log left by an earlier run is renamed after the time it was last written, `events.ndjson` becoming
 * `events.2026-12-04T01-50-07Z.ndjson`, and only the newest `keep` of those are kept.
 */
export interface ArchivedLog {
  readonly from: string;
  readonly to: string;
}

/** Earlier runs' copies kept of each log. */
export const DEFAULT_KEPT_RUNS = 5;

/**
 * Moves every non-empty file of `paths` aside under its dated name, then deletes the oldest dated copies beyond
 * `keep`. A missing or empty file is left as it is. Returns what was moved, in the order of `paths`.
 */
export async function archivePreviousRunLogs(paths: readonly string[], keep: number = DEFAULT_KEPT_RUNS): Promise<ArchivedLog[]> {
  if (!Number.isInteger(keep) || keep < 0) throw new RangeError(`keep must be a whole number of runs, got ${keep}`);
  const archived: ArchivedLog[] = [];
  for (const path of paths) {
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (info === undefined || !info.isFile() || info.size === 0) continue;
    const to = await freeName(path, stamp(info.mtime));
    await rename(path, to);
    archived.push({ from: path, to });
    await prune(path, keep);
  }
  return archived;
}

/** The dated name of `path` for a run last written at `stamp`; `-2`, `-3`… if two runs share the second. */
async function freeName(path: string, when: string): Promise<string> {
  const { stem, ext } = parts(path);
  for (let n = 1; ; n += 1) {
    const candidate = join(dirname(path), `${stem}.${when}${n === 1 ? '' : `-${n}`}${ext}`);
    const taken = await stat(candidate).then(
      () => true,
      () => false,
    );
    if (!taken) return candidate;
  }
}

async function prune(path: string, keep: number): Promise<void> {
  const { stem, ext } = parts(path);
  const dated = new RegExp(`^${escape(stem)}\\.\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}Z(-\\d+)?${escape(ext)}$`);
  const copies = (await readdir(dirname(path))).filter((name) => dated.test(name));
  // The stamp sorts as text; a `-n` suffix (same second) sorts after the plain name, as it came later.
  copies.sort();
  for (const name of copies.slice(0, Math.max(0, copies.length - keep))) await unlink(join(dirname(path), name));
}

function parts(path: string): { stem: string; ext: string } {
  const ext = extname(path);
  return { stem: basename(path, ext), ext };
}

/** `2026-12-04T01:50:07.123Z` → `2026-12-04T01-50-07Z`: no colons, which some file systems refuse. */
function stamp(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace(/:/g, '-')}Z`;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
