import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { archivePreviousRunLogs } from '#infra/local/run-logs.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function logsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'relais-run-logs-'));
  dirs.push(dir);
  return dir;
}

/** Writes `text` to `path` as a run that last wrote it at `at`. */
function leftByRun(path: string, text: string, at: string): void {
  writeFileSync(path, text);
  utimesSync(path, new Date(at), new Date(at));
}

describe('archivePreviousRunLogs', () => {
  it('moves a non-empty log aside under the time it was last written, leaving the path free', async () => {
    const dir = logsDir();
    const events = join(dir, 'events.ndjson');
    leftByRun(events, '{"detail-type":"MessageReceived","detail":{"body":"Привет 👋"}}\n', '2026-12-03T23:59:58.750Z');

    const archived = await archivePreviousRunLogs([events]);

    const to = join(dir, 'events.2026-12-03T23-59-58Z.ndjson');
    expect(archived).toEqual([{ from: events, to }]);
    expect(readFileSync(to, 'utf8')).toContain('Привет 👋');
    expect(readdirSync(dir)).toEqual(['events.2026-12-03T23-59-58Z.ndjson']);
  });

  it('leaves a missing or empty log where it is', async () => {
    const dir = logsDir();
    writeFileSync(join(dir, 'dead-letters.ndjson'), '');

    const archived = await archivePreviousRunLogs([join(dir, 'events.ndjson'), join(dir, 'dead-letters.ndjson')]);

    expect(archived).toEqual([]);
    expect(readdirSync(dir)).toEqual(['dead-letters.ndjson']);
  });

  it('gives two runs that ended in the same second distinct names', async () => {
    const dir = logsDir();
    const events = join(dir, 'events.ndjson');
    leftByRun(events, 'first run\n', '2026-12-04T08:00:00.100Z');
    await archivePreviousRunLogs([events]);
    leftByRun(events, 'second run\n', '2026-12-04T08:00:00.900Z');

    const [second] = await archivePreviousRunLogs([events]);

    expect(second?.to).toBe(join(dir, 'events.2026-12-04T08-00-00Z-2.ndjson'));
    expect(readFileSync(join(dir, 'events.2026-12-04T08-00-00Z.ndjson'), 'utf8')).toBe('first run\n');
    expect(readFileSync(second!.to, 'utf8')).toBe('second run\n');
  });

  it('keeps only the newest `keep` earlier runs of each log, and never touches other files', async () => {
    const dir = logsDir();
    const events = join(dir, 'events.ndjson');
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    writeFileSync(join(dir, 'events.backup.ndjson'), 'mine too');
    const runs = ['2026-11-28T10:00:00Z', '2026-11-29T10:00:00Z', '2026-11-30T10:00:00Z', '2026-12-01T10:00:00Z'];
    for (const at of runs) {
      leftByRun(events, `run of ${at}\n`, at);
      await archivePreviousRunLogs([events], 2);
    }

    expect(readdirSync(dir).sort()).toEqual(['events.2026-11-30T10-00-00Z.ndjson', 'events.2026-12-01T10-00-00Z.ndjson', 'events.backup.ndjson', 'notes.txt']);
  });

  it('refuses a keep that is not a whole number of runs', async () => {
    await expect(archivePreviousRunLogs([], -1)).rejects.toThrow(/keep must be a whole number of runs, got -1/);
  });
});
