/**
 * The bench tells findings (outcomes Relais does not promise) from caveats (expected, documented behaviour and how
 * to read the figures), and its order figure says whether per-recipient order was already lost when Relais accepted
 * the messages or was lost by Relais afterwards.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { concludeRun, orderFigure, type OrderedMessage, type SendRunFacts } from '#test/bench/findings.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 8_2026);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 300);

/** Messages of one or more recipients; `accepted` and `sent` give each stage's order as lists of `recipient#k`. */
function stages(accepted: readonly string[] | undefined, sent: readonly string[]): OrderedMessage[] {
  return sent.map((id, position) => {
    const [recipient, k] = id.split('#') as [string, string];
    const acceptedAt = accepted?.indexOf(id);
    return { recipient, requested: Number(k), accepted: acceptedAt === undefined || acceptedAt < 0 ? undefined : BigInt(acceptedAt), sent: position };
  });
}

describe('orderFigure', () => {
  it('counts nothing when every stage keeps the requested order per recipient, however recipients interleave', () => {
    const figure = orderFigure(stages(['7#0', '8#0', '7#1', '8#1', '7#2'], ['8#0', '7#0', '7#1', '7#2', '8#1']));

    expect(figure.requestedToSent).toEqual({ count: 0, recipients: 0, examples: [] });
    expect(figure.requestedToAccepted).toEqual({ count: 0, recipients: 0, examples: [] });
    expect(figure.acceptedToSent).toEqual({ count: 0, recipients: 0, examples: [] });
    expect(figure).toMatchObject({ messages: 5, unobserved: 0 });
  });

  it('puts a swap that was already there when Relais accepted the messages before acceptance, not on Relais', () => {
    // The bus handed #2 to the policy gate before #1; Relais then sent in the order it accepted.
    const figure = orderFigure(stages(['7#0', '7#2', '7#1'], ['7#0', '7#2', '7#1']));

    expect(figure.requestedToSent).toEqual({ count: 1, recipients: 1, examples: [{ recipient: '7', late: 1, after: 2 }] });
    expect(figure.requestedToAccepted).toEqual({ count: 1, recipients: 1, examples: [{ recipient: '7', late: 1, after: 2 }] });
    expect(figure.acceptedToSent).toEqual({ count: 0, recipients: 0, examples: [] });
  });

  it('puts a swap between acceptance and the sandbox on Relais', () => {
    const figure = orderFigure(stages(['7#0', '7#1', '7#2'], ['7#0', '7#2', '7#1']));

    expect(figure.requestedToAccepted?.count).toBe(0);
    expect(figure.acceptedToSent).toEqual({ count: 1, recipients: 1, examples: [{ recipient: '7', late: 1, after: 2 }] });
  });

  it('orders acceptances by FIFO sequence numbers above 2^53 exactly', () => {
    // Two sequence numbers a double cannot tell apart: 18446744073709551610 and ...611.
    const high = 18_446_744_073_709_551_610n;
    expect(Number(high) === Number(high + 1n)).toBe(true);
    const messages: OrderedMessage[] = [
      { recipient: 'عميل', requested: 0, accepted: high + 1n, sent: 1 },
      { recipient: 'عميل', requested: 1, accepted: high, sent: 2 },
    ];

    const figure = orderFigure(messages);

    // Relais accepted #1 (…610) before #0 (…611); the sandbox got #0 first, so #1 came after a later acceptance.
    expect(figure.requestedToAccepted).toEqual({ count: 1, recipients: 1, examples: [{ recipient: 'عميل', late: 0, after: 1 }] });
    expect(figure.acceptedToSent).toEqual({ count: 1, recipients: 1, examples: [{ recipient: 'عميل', late: 1, after: 0 }] });
  });

  it('cannot split the order when no acceptance was observed (--no-count), and says how many were unobserved', () => {
    const figure = orderFigure(stages(undefined, ['7#1', '7#0']));

    expect(figure.requestedToSent.count).toBe(1);
    expect(figure.requestedToAccepted).toBeUndefined();
    expect(figure.acceptedToSent).toBeUndefined();
    expect(figure.unobserved).toBe(2);
  });

  it('leaves messages whose acceptance was not observed out of the split only', () => {
    const figure = orderFigure(stages(['7#0', '7#2'], ['7#0', '7#2', '7#1']));

    expect(figure).toMatchObject({ messages: 3, unobserved: 1 });
    expect(figure.requestedToSent.count).toBe(1);
    expect(figure.requestedToAccepted?.count).toBe(0);
    expect(figure.acceptedToSent?.count).toBe(0);
  });

  it('keeps ten examples however many messages are out of order', () => {
    const sent = Array.from({ length: 40 }, (_, i) => `${i}#1`).concat(Array.from({ length: 40 }, (_, i) => `${i}#0`));

    const figure = orderFigure(stages(undefined, sent));

    expect(figure.requestedToSent.count).toBe(40);
    expect(figure.requestedToSent.recipients).toBe(40);
    expect(figure.requestedToSent.examples).toHaveLength(10);
  });

  it(`splits the order consistently for any stage orders (FUZZ_SEED=${SEED})`, () => {
    // One recipient's k messages, accepted in one permutation and sent in another.
    const permutation = (n: number) => fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n });
    const run = fc.integer({ min: 1, max: 12 }).chain((n) => fc.tuple(permutation(n), permutation(n)));
    fc.assert(
      fc.property(run, ([acceptedOrder, sentOrder]) => {
        const ids = (order: number[]) => order.map((k) => `r#${k}`);
        const sentLikeAccepted = orderFigure(stages(ids(acceptedOrder), ids(acceptedOrder)));
        const acceptedInOrder = orderFigure(stages(ids([...acceptedOrder].sort((a, b) => a - b)), ids(sentOrder)));
        // Sent exactly as accepted: whatever was lost, was lost before acceptance.
        expect(sentLikeAccepted.acceptedToSent?.count).toBe(0);
        expect(sentLikeAccepted.requestedToAccepted?.count).toBe(sentLikeAccepted.requestedToSent.count);
        // Accepted in the requested order: whatever was lost, Relais lost.
        expect(acceptedInOrder.requestedToAccepted?.count).toBe(0);
        expect(acceptedInOrder.acceptedToSent?.count).toBe(acceptedInOrder.requestedToSent.count);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

const cleanRun = (overrides: Partial<SendRunFacts> = {}): SendRunFacts => ({
  label: '80 msg/s',
  configuredPerSecond: 80,
  sustainedPerSecond: 79.2,
  requested: 800,
  missing: 0,
  acceptDeadlineSeconds: 120,
  putFailures: 0,
  idleReached: true,
  idleDeadlineSeconds: 90,
  windowsFailed: 0,
  duplicates: 0,
  rateLimitErrors: 0,
  order: orderFigure(stages(['1#0', '1#1'], ['1#0', '1#1'])),
  ...overrides,
});

describe('concludeRun', () => {
  it('reports neither findings nor caveats for a run that kept every promise at the configured rate', () => {
    expect(concludeRun({ webhook: [{ scenario: 'single', non2xx: 0, errors: 0 }], send: [cleanRun()] })).toEqual({ findings: [], caveats: [] });
  });

  it('calls order lost before acceptance a documented caveat, not a finding', () => {
    const order = orderFigure(stages(['4#0', '4#2', '4#1'], ['4#0', '4#2', '4#1']));

    const { findings, caveats } = concludeRun({ webhook: [], send: [cleanRun({ order })] });

    expect(findings).toEqual([]);
    expect(caveats).toHaveLength(1);
    expect(caveats[0]).toContain('1 message (1 recipient) were already out of the bench\'s order when Relais accepted them (e.g. r4 #1 after #2)');
    expect(caveats[0]).toContain('README "Order": EventBridge does not order separate PutEvents calls');
    expect(caveats[0]).toContain('Relais then sent every accepted message in its accepted order');
  });

  it('calls order lost after acceptance a finding against Relais', () => {
    const order = orderFigure(stages(['4#0', '4#1', '4#2'], ['4#0', '4#2', '4#1']));

    const { findings, caveats } = concludeRun({ webhook: [], send: [cleanRun({ order })] });

    expect(findings).toEqual(['80 msg/s: Relais sent 1 message to the sandbox out of the order it accepted them (1 recipient; e.g. r4 #1 after #2): it promises the accepted order per recipient']);
    expect(caveats).toEqual([]);
  });

  it('reports an unattributable reorder (acceptance not observed) as a finding that says why it cannot tell', () => {
    const order = orderFigure(stages(undefined, ['4#1', '4#0']));

    const { findings } = concludeRun({ webhook: [], send: [cleanRun({ order })] });

    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatch(/where the order was lost is unknown: .*--no-count/);
  });

  it('calls a rate the machine could not reach a caveat, and the same shortfall below what another run reached a finding', () => {
    const machineBound = cleanRun({ label: 'max (1000 configured)', configuredPerSecond: 1000, sustainedPerSecond: 14.6 });
    const pacingBound = cleanRun({ label: 'pacing-bound (5 msg/s)', configuredPerSecond: 5, sustainedPerSecond: 2.1 });

    const { findings, caveats } = concludeRun({ webhook: [], send: [machineBound, pacingBound] });

    expect(caveats).toEqual(['max (1000 configured): sustained 14.6 sends/s, 1 % of the configured 1000: no run went faster than 14.6/s, so this machine, not the pacer, set the rate']);
    expect(findings).toEqual(['pacing-bound (5 msg/s): sustained 2.1 sends/s, 42 % of the configured 5, although another run reached 14.6/s: the pacer held sends back']);
  });

  it('reports lost, doubled, refused and rate-limited sends, failed webhooks and an early stop as findings', () => {
    const { findings, caveats } = concludeRun({
      webhook: [{ scenario: 'batch100', non2xx: 3, errors: 1 }],
      send: [cleanRun({ missing: 2, duplicates: 1, putFailures: 5, rateLimitErrors: 4, windowsFailed: 1, idleReached: false })],
      stoppedEarly: 'send phase past its 240 s deadline',
    });

    expect(findings).toEqual([
      'webhook batch100: 3 non-2xx answers and 1 connection error (Meta retries them, but each one is a delivery Relais did not take)',
      '80 msg/s: 2 messages never reached the sandbox within 120 s',
      '80 msg/s: the bus refused 5 SendRequested entries',
      '80 msg/s: 1 customer message (window openings) not acknowledged by Relais',
      '80 msg/s: 1 message reached the sandbox twice',
      '80 msg/s: the sandbox answered 4 rate-limit errors (130429/131056), which Relais\'s pacing is there to avoid',
      '80 msg/s: the stack was not idle 90 s after the sends; AWS counts miss the rest of the status processing',
      'the run stopped early: send phase past its 240 s deadline',
    ]);
    expect(caveats).toEqual([]);
  });
});
