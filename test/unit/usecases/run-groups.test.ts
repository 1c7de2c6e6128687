import { describe, expect, it } from 'vitest';
import { runGroups } from '#shared/usecases/manage-contacts.js';

/** A task that finishes when the test says so, so interleavings are decided by the test, not by timers. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('runGroups', () => {
  it('runs the items of one group one after another, in order, while other groups interleave', async () => {
    const log: string[] = [];
    const groups = [
      ['a1', 'a2', 'a3'],
      ['b1', 'b2'],
      ['c1'],
    ];
    const running = new Set<string>();
    await runGroups(groups, 3, async (item) => {
      running.add(item);
      // No two items of the same group are ever in flight together.
      expect([...running].filter((r) => r[0] === item[0])).toEqual([item]);
      log.push(`start ${item}`);
      await settle();
      log.push(`end ${item}`);
      running.delete(item);
    });
    for (const group of groups) {
      const order = log.filter((l) => l.split(' ')[1]![0] === group[0]![0]);
      expect(order).toEqual(group.flatMap((item) => [`start ${item}`, `end ${item}`]));
    }
    // The groups overlapped: b1 started before a1 ended.
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
  });

  it('never has more groups in flight than the limit, and starts the next group as one finishes', async () => {
    const gates = new Map(Array.from({ length: 5 }, (_, i) => [`g${i}`, gate()]));
    let inFlight = 0;
    let peak = 0;
    const started: string[] = [];
    const done = runGroups([...gates.keys()].map((k) => [k]), 2, async (item) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      started.push(item);
      await gates.get(item)!.opened;
      inFlight--;
    });
    await settle();
    expect(started).toEqual(['g0', 'g1']);
    gates.get('g1')!.open();
    await settle();
    expect(started).toEqual(['g0', 'g1', 'g2']);
    for (const g of gates.values()) g.open();
    await done;
    expect(started).toHaveLength(5);
    expect(peak).toBe(2);
  });

  it('treats a limit below 1 as 1 and accepts no groups at all', async () => {
    const seen: number[] = [];
    let inFlight = 0;
    await runGroups([[1], [2], [3]], 0, async (item) => {
      inFlight++;
      expect(inFlight).toBe(1);
      await settle();
      seen.push(item);
      inFlight--;
    });
    expect(seen).toEqual([1, 2, 3]);
    await expect(runGroups([], 4, async () => {})).resolves.toBeUndefined();
  });

  it('rejects with the first failure and starts nothing after it', async () => {
    const started: string[] = [];
    const failure = new Error('DynamoDB unavailable');
    const attempt = runGroups([['a1', 'a2'], ['b1'], ['c1']], 1, async (item) => {
      started.push(item);
      if (item === 'a1') throw failure;
    });
    await expect(attempt).rejects.toBe(failure);
    await settle();
    expect(started).toEqual(['a1']);
  });
});
