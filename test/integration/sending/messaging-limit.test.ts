/**
 * The messaging-limit store on DynamoDB Local: the count over the moving 24 h, and its atomicity when several
 * senders admit at once.
 */
import { randomBytes } from 'node:crypto';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';

import { createMessagingLimitStore } from '#shared/adapters/messaging-limit-store.js';
import { limitRecipientKey, MESSAGING_LIMIT_WINDOW_MS, parseMessagingLimitTier, type MessagingLimitTier } from '#shared/domain/sending/messaging-limit.js';
import type { LimitAdmission } from '#shared/ports/messaging-limit-store.js';
import { localClientConfig } from '#infra/local/emulators.js';
import { STATE_TABLE } from '#infra/topology.js';

const raw = new DynamoDBClient(localClientConfig(inject('dynamoEndpoint')));
const client = DynamoDBDocumentClient.from(raw);
const tableName = inject('tableNames')[STATE_TABLE.id]!;
const BUCKET = 10 * 60 * 1000;
const store = createMessagingLimitStore({ client, tableName, bucketMs: BUCKET });
afterAll(() => raw.destroy());

const H = 60 * 60 * 1000;
const T0 = Date.parse('2026-12-04T03:00:00.000Z');

function tier(value: unknown): MessagingLimitTier {
  const parsed = parseMessagingLimitTier(value);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.tier;
}
/** A unique portfolio id above 2^53, as Meta's ids are. */
function portfolio(): string {
  return `90071992547409${String(Number.parseInt(randomBytes(3).toString('hex'), 16)).padStart(8, '0')}`;
}
const recipient = (i: number) => `34${String(600_000_000 + i)}`;
function admission(portfolioId: string, i: number, now: number, t: MessagingLimitTier, over: Partial<LimitAdmission> = {}): LimitAdmission {
  return { portfolioId, recipient: recipient(i), isTemplate: true, windowOpen: false, tier: t, now, ...over };
}

function counting() {
  let requests = 0;
  const counted = DynamoDBDocumentClient.from(raw);
  const send = counted.send.bind(counted) as (c: object, ...rest: unknown[]) => Promise<unknown>;
  counted.send = ((c: object, ...rest: unknown[]) => {
    requests++;
    return send(c, ...rest);
  }) as unknown as DynamoDBDocumentClient['send'];
  return { store: createMessagingLimitStore({ client: counted, tableName, bucketMs: BUCKET }), requests: () => requests };
}

describe('messaging limit store', () => {
  it('counts a new user once, then lets the same user through uncounted within 24 h and counts them again after exactly 24 h', async () => {
    const p = portfolio();
    const t = tier('TIER_250');
    expect(await store.admit(admission(p, 1, T0, t))).toEqual({ action: 'allow', addsUniqueUser: true, crossings: [] });
    expect(await store.admit(admission(p, 1, T0 + 23 * H, t))).toEqual({ action: 'allow', addsUniqueUser: false, crossings: [] });
    expect(await store.admit(admission(p, 1, T0 + MESSAGING_LIMIT_WINDOW_MS, t))).toEqual({ action: 'allow', addsUniqueUser: true, crossings: [] });
  });

  it('keeps only a hash of the recipient in the key, never the phone number', async () => {
    const p = portfolio();
    await store.admit(admission(p, 7, T0, tier('TIER_250')));
    const out = await client.send(new GetCommand({ TableName: tableName, Key: { pk: `MLIMIT#${p}#${limitRecipientKey(recipient(7))}`, sk: 'MLIMIT' } }));
    expect(out.Item?.['countedAt']).toBe(T0);
    expect(JSON.stringify(out.Item)).not.toContain('600000007');
  });

  it('makes no request for a send that cannot count, one for a user already counted, two for a counted one', async () => {
    const p = portfolio();
    const t = tier('TIER_2K');
    const c = counting();
    await c.store.admit(admission(p, 1, T0, t, { windowOpen: true }));
    await c.store.admit(admission(p, 1, T0, t, { isTemplate: false }));
    expect(c.requests()).toBe(0);
    await c.store.admit(admission(p, 1, T0, t));
    expect(c.requests()).toBe(2);
    await c.store.admit(admission(p, 1, T0 + H, t));
    expect(c.requests()).toBe(3);
  });

  it('defers the user over the limit until the earliest counted bucket leaves the window, reporting 80 % and 100 % once each', async () => {
    const p = portfolio();
    const t = tier(250);
    const crossings: string[] = [];
    for (let i = 0; i < 250; i++) {
      const d = await store.admit(admission(p, i, T0 + i * 1000, t));
      expect(d.action).toBe('allow');
      if (d.action === 'allow') crossings.push(...d.crossings.map((c) => `${i}:${c}`));
    }
    expect(crossings).toEqual(['199:MessagingLimitApproaching', '249:MessagingLimitReached']);
    const deferred = await store.admit(admission(p, 999, T0 + H, t));
    // All 250 were counted in the bucket of T0 (250 s into it): it leaves when its end is 24 h old.
    expect(deferred).toEqual({ action: 'defer', until: T0 + BUCKET + MESSAGING_LIMIT_WINDOW_MS, used: 250 });
    // A user already counted still goes, uncounted.
    expect(await store.admit(admission(p, 3, T0 + H, t))).toMatchObject({ action: 'allow', addsUniqueUser: false });
    // An upgrade frees room at once.
    expect(await store.admit(admission(p, 999, T0 + H, tier('TIER_2K')))).toMatchObject({ action: 'allow', addsUniqueUser: true });
    // After the window moved, the dropped bucket's users are gone: the next crossing is reported again.
    const later = T0 + BUCKET + MESSAGING_LIMIT_WINDOW_MS;
    expect(await store.admit(admission(p, 1000, later, t))).toEqual({ action: 'allow', addsUniqueUser: true, crossings: [] });
  });

  it('defers after a downgrade below the count until enough users left', async () => {
    const p = portfolio();
    for (let i = 0; i < 4; i++) await store.admit(admission(p, i, T0 + i * H, tier('TIER_10K')));
    const lowTier: MessagingLimitTier = { name: 'TIER_250', limit: 2 };
    // 4 counted in four hourly buckets; a limit of 2 has room when at most 1 is left: the third bucket's end.
    expect(await store.admit(admission(p, 50, T0 + 5 * H, lowTier))).toEqual({ action: 'defer', until: T0 + 2 * H + BUCKET + MESSAGING_LIMIT_WINDOW_MS, used: 4 });
  });

  it('keeps counting under an unlimited tier, so a later lower tier sees the users already reached', async () => {
    const p = portfolio();
    for (let i = 0; i < 3; i++) {
      expect(await store.admit(admission(p, i, T0, tier('TIER_UNLIMITED')))).toEqual({ action: 'allow', addsUniqueUser: true, crossings: [] });
    }
    const three: MessagingLimitTier = { name: 'TIER_250', limit: 3 };
    expect(await store.admit(admission(p, 3, T0 + H, three))).toEqual({ action: 'defer', until: T0 + BUCKET + MESSAGING_LIMIT_WINDOW_MS, used: 3 });
  });

  it('counts two concurrent sends to the same new user once', async () => {
    const p = portfolio();
    const t = tier('TIER_250');
    const results = await Promise.all(Array.from({ length: 8 }, () => store.admit(admission(p, 42, T0, t))));
    expect(results.filter((r) => r.action === 'allow' && r.addsUniqueUser)).toHaveLength(1);
    expect(results.every((r) => r.action === 'allow')).toBe(true);
    // Exactly one user is in the count: with a limit of 2 a second user still fits, a third does not.
    const two: MessagingLimitTier = { name: 'TIER_250', limit: 2 };
    expect(await store.admit(admission(p, 43, T0, two))).toMatchObject({ action: 'allow', addsUniqueUser: true });
    expect(await store.admit(admission(p, 44, T0, two))).toMatchObject({ action: 'defer' });
  });

  it('lets only one of many concurrent new users take the last slot, and reports the crossing once', async () => {
    const p = portfolio();
    const t: MessagingLimitTier = { name: 'TIER_250', limit: 5 };
    for (let i = 0; i < 4; i++) await store.admit(admission(p, i, T0, t));
    const results = await Promise.all(Array.from({ length: 12 }, (_, k) => store.admit(admission(p, 100 + k, T0 + 1, t))));
    const allowed = results.filter((r) => r.action === 'allow');
    expect(allowed).toHaveLength(1);
    expect(allowed[0]).toMatchObject({ addsUniqueUser: true, crossings: ['MessagingLimitReached'] });
    expect(results.filter((r) => r.action === 'defer')).toHaveLength(11);
  });

  it('under concurrent sends to many users never admits more than the limit and reports each crossing exactly once', async () => {
    const p = portfolio();
    const t: MessagingLimitTier = { name: 'TIER_250', limit: 20 };
    const results = await Promise.all(Array.from({ length: 40 }, (_, k) => store.admit(admission(p, k, T0 + k, t))));
    const allowed = results.filter((r) => r.action === 'allow');
    expect(allowed).toHaveLength(20);
    expect(allowed.flatMap((r) => r.crossings).sort()).toEqual(['MessagingLimitApproaching', 'MessagingLimitReached']);
  });
});
