/**
 * The priority lane is really first, on DynamoDB Local: the pacing store's conditional counters split each
 * throughput slot of a number between the lanes (bulk at most its share, priority all of it), atomically
 * across concurrent senders. Time is passed in (virtual slots), so the outcome does not depend on how fast
 * the emulator answers; the concurrency is real: every slot is fought over by parallel requests from two
 * clients, as two Lambda instances would.
 */
import { randomInt } from 'node:crypto';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';

import { createPacingStore } from '#shared/adapters/pacing-store.js';
import { bulkCapacityOf, rateSlot, type LaneShare } from '#shared/domain/sending/rate-slots.js';
import type { SendLane } from '#shared/contracts/events/outbound/vocabulary.js';
import type { PacingStore } from '#shared/ports/pacing-store.js';
import { localClientConfig } from '#infra/local/emulators.js';
import { STATE_TABLE } from '#infra/topology.js';

const tableName = inject('tableNames')[STATE_TABLE.id]!;
const raws = [0, 1].map(() => new DynamoDBClient(localClientConfig(inject('dynamoEndpoint'))));
const clients = raws.map((raw) => DynamoDBDocumentClient.from(raw));
/** Two senders (two Lambda instances) on the same table. */
const stores: PacingStore[] = clients.map((client) => createPacingStore({ client, tableName }));

afterAll(() => raws.forEach((raw) => raw.destroy()));

/** Meta's default 80 msg/s: 8 sends per 100 ms slot; bulk gets 6 or 7 of them at the default 80 %. */
const SHARE: LaneShare = { ratePerSecond: 80, bulkSharePercent: 80 };
const { slotMs: SLOT_MS, capacity: CAPACITY } = rateSlot(0, SHARE.ratePerSecond);
/** Bulk requests per slot: three times what the slot holds, so bulk saturates the number. */
const BULK_FLOOD = 3 * CAPACITY;

/** A business number id no other test uses (the slot counters are keyed by it). */
const uniqueNumber = () => `1${String(randomInt(0, 1e9)).padStart(9, '0')}${String(randomInt(0, 1e5)).padStart(5, '0')}`;
/** A slot-aligned instant in the near future, so counters of other runs never overlap. */
const firstSlotStart = () => (Math.floor(Date.now() / SLOT_MS) + 10_000 + randomInt(0, 1e6)) * SLOT_MS;

async function take(phoneNumberId: string, lane: SendLane, now: number, sender = 0) {
  return stores[sender % stores.length]!.acquire({ phoneNumberId, lane, share: SHARE, now });
}

/** `count` bulk requests at `now`, spread over both senders, all in flight at once. */
async function bulkFlood(phoneNumberId: string, now: number, count = BULK_FLOOD): Promise<number> {
  const results = await Promise.all(Array.from({ length: count }, (_, i) => take(phoneNumberId, 'bulk', now + (i % SLOT_MS), i)));
  return results.filter((r) => r.granted).length;
}

describe('priority lane on DynamoDB Local, with bulk saturating a number at 80 msg/s', () => {
  it('grants priority its reserved sends in the very slot it asks, while bulk floods every slot and still gets its share', async () => {
    const number = uniqueNumber();
    const start = firstSlotStart();
    let priorityGranted = 0;
    let bulkGranted = 0;
    for (let s = 0; s < 20; s++) {
      const slotStart = start + s * SLOT_MS;
      const cap = bulkCapacityOf(slotStart / SLOT_MS, CAPACITY, SHARE.bulkSharePercent);
      // As many priority messages as bulk's share leaves (1 or 2), arriving anywhere in the slot, fighting
      // the flood: the bulk requests are issued first, the priority ones while they are in flight.
      const flood = bulkFlood(number, slotStart);
      const priority = await Promise.all(Array.from({ length: CAPACITY - cap }, (_, i) => take(number, 'priority', slotStart + 10 + 40 * i, i + 1)));
      const bulk = await flood;
      expect(priority).toEqual(Array.from({ length: CAPACITY - cap }, () => ({ granted: true })));
      expect(bulk).toBe(cap);
      priorityGranted += priority.length;
      bulkGranted += bulk;
    }
    // 20 slots of 8 sends at 80 msg/s: bulk exactly 80 % (128), priority the rest (32), nothing lost.
    expect([bulkGranted, priorityGranted]).toEqual([128, 32]);
  });

  it('answers a priority message refused by a full slot with the next slot, one slot period away at most', async () => {
    const number = uniqueNumber();
    const start = firstSlotStart();
    const flood = bulkFlood(number, start);
    const burst = await Promise.all(Array.from({ length: CAPACITY }, (_, i) => take(number, 'priority', start + 30, i)));
    await flood;
    const refused = burst.filter((p) => !p.granted);
    expect(burst.filter((p) => p.granted).length).toBeGreaterThanOrEqual(CAPACITY - bulkCapacityOf(start / SLOT_MS, CAPACITY, SHARE.bulkSharePercent));
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(r).toEqual({ granted: false, retryAt: start + SLOT_MS });
    // At the next slot's start they are the first to ask: all granted, and bulk then gets what they leave.
    const next = start + SLOT_MS;
    const retried = await Promise.all(refused.map((_, i) => take(number, 'priority', next, i)));
    expect(retried.every((p) => p.granted)).toBe(true);
    const nextCap = bulkCapacityOf(next / SLOT_MS, CAPACITY, SHARE.bulkSharePercent);
    await expect(bulkFlood(number, next)).resolves.toBe(Math.min(nextCap, CAPACITY - refused.length));
  });

  it('hands a priority message arriving after bulk filled its share the rest of the slot at once', async () => {
    const number = uniqueNumber();
    const start = firstSlotStart();
    for (let s = 0; s < 10; s++) {
      const slotStart = start + s * SLOT_MS;
      const bulk = await bulkFlood(number, slotStart);
      const cap = bulkCapacityOf(slotStart / SLOT_MS, CAPACITY, SHARE.bulkSharePercent);
      expect(bulk).toBe(cap);
      // Bulk is done for this slot: it is told to come back at the next one.
      await expect(take(number, 'bulk', slotStart + 50)).resolves.toEqual({ granted: false, retryAt: slotStart + SLOT_MS });
      const priority = await Promise.all(Array.from({ length: CAPACITY - cap }, (_, i) => take(number, 'priority', slotStart + 60, i)));
      expect(priority.every((p) => p.granted)).toBe(true);
      await expect(take(number, 'priority', slotStart + 70)).resolves.toEqual({ granted: false, retryAt: slotStart + SLOT_MS });
    }
  });

  it.each([0, 1, 2, 3, 5, 8])('lets bulk use what %i priority sends per slot leave, up to its share', async (prioritySends) => {
    const number = uniqueNumber();
    const start = firstSlotStart();
    let bulkTotal = 0;
    let expectedBulk = 0;
    for (let s = 0; s < 10; s++) {
      const slotStart = start + s * SLOT_MS;
      const priority = await Promise.all(Array.from({ length: prioritySends }, (_, i) => take(number, 'priority', slotStart, i)));
      expect(priority.every((p) => p.granted)).toBe(true);
      const bulk = await bulkFlood(number, slotStart + 1);
      const cap = bulkCapacityOf(slotStart / SLOT_MS, CAPACITY, SHARE.bulkSharePercent);
      expect(bulk).toBe(Math.min(cap, CAPACITY - prioritySends));
      bulkTotal += bulk;
      expectedBulk += Math.min(cap, CAPACITY - prioritySends);
    }
    expect(bulkTotal).toBe(expectedBulk);
    // With priority idle, bulk gets exactly its 80 %: 64 of the 80 sends of 10 slots.
    if (prioritySends === 0) expect(bulkTotal).toBe(64);
  });

  it('never lets two concurrent senders exceed the slot or the bulk share (counters as stored)', async () => {
    const number = uniqueNumber();
    const start = firstSlotStart();
    await Promise.all([bulkFlood(number, start, 40), ...Array.from({ length: 10 }, (_, i) => take(number, 'priority', start + i, i))]);
    const item = await clients[0]!.send(new GetCommand({ TableName: tableName, Key: { pk: `RATE#${number}#${start / SLOT_MS}`, sk: 'RATE' }, ConsistentRead: true }));
    expect(item.Item?.['sends']).toBe(CAPACITY);
    expect(item.Item?.['bulkSends']).toBeLessThanOrEqual(bulkCapacityOf(start / SLOT_MS, CAPACITY, SHARE.bulkSharePercent));
  });

  it('pauses both lanes of a number after a throughput error, and only that number', async () => {
    const number = uniqueNumber();
    const other = uniqueNumber();
    const start = firstSlotStart();
    await stores[0]!.pause(number, start + 1000);
    await expect(take(number, 'priority', start)).resolves.toEqual({ granted: false, retryAt: start + 1000 });
    await expect(take(number, 'bulk', start, 1)).resolves.toEqual({ granted: false, retryAt: start + 1000 });
    await expect(take(other, 'priority', start)).resolves.toEqual({ granted: true });
    await expect(take(number, 'priority', start + 1000)).resolves.toEqual({ granted: true });
  });
});
