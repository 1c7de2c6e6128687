import { open, stat } from 'node:fs/promises';

/**
 * Reads the local bus's NDJSON events log (one accepted event per line) incrementally: the benchmark notes
 * the size at the start of a window and counts what was appended since, by detail-type.
 */

export async function logSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

export interface LogSlice {
  /** Complete lines between the offsets. */
  readonly events: number;
  readonly byDetailType: Readonly<Record<string, number>>;
  /** Offset after the last complete line read. */
  readonly end: number;
}

const DETAIL_TYPE = /"detail-type":"([^"]+)"/;

/**
 * Counts the events appended between `from` and `to` (default: the current end), reading in chunks.
 * With `onEvent`, each line is also parsed and handed over.
 */
export async function readLogSlice(path: string, from: number, to?: number, onEvent?: (event: Record<string, unknown>) => void): Promise<LogSlice> {
  const end = to ?? (await logSize(path));
  const byDetailType: Record<string, number> = {};
  let events = 0;
  if (end <= from) return { events, byDetailType, end: from };
  const handle = await open(path, 'r');
  try {
    const chunk = Buffer.alloc(1 << 20);
    let position = from;
    let carry = Buffer.alloc(0);
    let lastComplete = from;
    while (position < end) {
      const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, end - position), position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const data = carry.length === 0 ? chunk.subarray(0, bytesRead) : Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
      const cut = data.lastIndexOf(0x0a);
      // Split on the newline byte, so a multi-byte character is never cut in two.
      carry = Buffer.from(cut === -1 ? data : data.subarray(cut + 1));
      if (cut === -1) continue;
      for (const line of data.subarray(0, cut).toString('utf8').split('\n')) {
        if (line === '') continue;
        events++;
        const type = DETAIL_TYPE.exec(line)?.[1] ?? 'unknown';
        byDetailType[type] = (byDetailType[type] ?? 0) + 1;
        if (onEvent !== undefined) onEvent(JSON.parse(line) as Record<string, unknown>);
      }
      lastComplete = position - carry.length;
    }
    return { events, byDetailType, end: lastComplete };
  } finally {
    await handle.close();
  }
}
