import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  freeEntryPointOfferOpen,
  CUSTOMER_SERVICE_WINDOW_MS,
  FREE_ENTRY_POINT_WINDOW_MS,
  extendWindow,
  freeEntryPointOpen,
  freeEntryPointOpportunity,
  openFreeEntryPointWindow,
  openedBy,
  windowState,
} from '#shared/domain/windows/customer-service-window.js';

const T0 = Date.parse('2026-11-21T09:00:00Z');
const H = 3600_000;

describe('customer service window', () => {
  it('opens for 24 h from the message timestamp', () => {
    const window = extendWindow(undefined, T0)!;
    expect(window).toEqual({ openedAt: T0, lastInboundAt: T0, closesAt: T0 + 24 * H });
    expect(openedBy(window, T0)).toBe(true);
  });

  it('is open one millisecond before 24 h and closed at exactly 24 h', () => {
    const window = extendWindow(undefined, T0)!;
    expect(windowState(window, T0 + CUSTOMER_SERVICE_WINDOW_MS - 1)).toEqual({ open: true, closesAt: T0 + 24 * H });
    expect(windowState(window, T0 + CUSTOMER_SERVICE_WINDOW_MS)).toEqual({ open: false, closedAt: T0 + 24 * H });
  });

  it('is closed when no message was ever received', () => {
    expect(windowState(undefined, T0)).toEqual({ open: false });
  });

  it('extends an open window from the later message, keeping when it opened', () => {
    const first = extendWindow(undefined, T0)!;
    const second = extendWindow(first, T0 + 5 * H)!;
    expect(second).toEqual({ openedAt: T0, lastInboundAt: T0 + 5 * H, closesAt: T0 + 29 * H });
    expect(openedBy(second, T0 + 5 * H)).toBe(false);
  });

  it('opens a new window when the message arrives after the previous one closed', () => {
    const first = extendWindow(undefined, T0)!;
    const later = extendWindow(first, T0 + 24 * H)!;
    expect(later.openedAt).toBe(T0 + 24 * H);
  });

  it('ignores an older message delivered out of order', () => {
    const latest = extendWindow(undefined, T0 + 2 * H)!;
    expect(extendWindow(latest, T0)).toBeUndefined();
  });

  it('returns the stored window unchanged for a redelivered message', () => {
    const window = extendWindow(undefined, T0)!;
    expect(extendWindow(window, T0)).toBe(window);
  });

  it('ends at the latest timestamp + 24 h whatever the delivery order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10 * 24 }), { minLength: 1, maxLength: 20 }), (hours) => {
        let window: ReturnType<typeof extendWindow>;
        for (const h of hours) window = extendWindow(window, T0 + h * H) ?? window;
        return window!.closesAt === T0 + (Math.max(...hours) + 24) * H;
      }),
    );
  });
});

describe('free entry point', () => {
  const offer = freeEntryPointOpportunity(T0, { ctwaClid: 'clid' });

  it('opens a 72 h free window when the business replies within 24 h of the referral', () => {
    const fep = openFreeEntryPointWindow(offer, undefined, T0 + 23 * H)!;
    expect(fep).toEqual({ opensAt: T0 + 23 * H, closesAt: T0 + 23 * H + FREE_ENTRY_POINT_WINDOW_MS });
    expect(freeEntryPointOpen(fep, T0 + 23 * H + 72 * H - 1)).toBe(true);
    expect(freeEntryPointOpen(fep, T0 + 23 * H + 72 * H)).toBe(false);
  });

  it('holds the offer open from the referral to just before its deadline, the one rule the window and the contacts API share', () => {
    expect([T0 - 1, T0, T0 + 24 * H - 1, T0 + 24 * H].map((t) => freeEntryPointOfferOpen(offer, t))).toEqual([false, true, true, false]);
    expect(freeEntryPointOfferOpen(undefined, T0)).toBe(false);
    // The window opens exactly when the offer is open.
    for (const t of [T0 - 1, T0, T0 + 24 * H - 1, T0 + 24 * H]) expect(openFreeEntryPointWindow(offer, undefined, t) !== undefined).toBe(freeEntryPointOfferOpen(offer, t));
  });

  it('opens nothing when the reply comes at or after 24 h', () => {
    expect(openFreeEntryPointWindow(offer, undefined, T0 + 24 * H)).toBeUndefined();
  });

  it('opens nothing without a referral', () => {
    expect(openFreeEntryPointWindow(undefined, undefined, T0)).toBeUndefined();
  });

  it('does not restart an open free window on later replies', () => {
    const fep = openFreeEntryPointWindow(offer, undefined, T0 + H)!;
    expect(openFreeEntryPointWindow(offer, fep, T0 + 2 * H)).toBeUndefined();
  });
});

describe('freeEntryPointCovers', () => {
  it('covers a message accepted before the window opened and delivered inside it, and none accepted at or after it closed', async () => {
    const { freeEntryPointCovers } = await import('#shared/domain/windows/customer-service-window.js');
    const window = { opensAt: 1_000, closesAt: 1_000 + 72 * 3_600_000 };
    expect(freeEntryPointCovers(window, 999, 1_500)).toBe(true);
    expect(freeEntryPointCovers(window, 999, 999)).toBe(false);
    expect(freeEntryPointCovers(window, window.closesAt - 1, window.closesAt + 5_000)).toBe(true);
    expect(freeEntryPointCovers(window, window.closesAt, window.closesAt + 5_000)).toBe(false);
    expect(freeEntryPointCovers(undefined, 999, 1_500)).toBe(false);
  });
});
