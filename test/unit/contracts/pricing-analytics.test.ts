import { describe, expect, it } from 'vitest';

import { parsePricingAnalytics } from '#shared/contracts/billing/pricing-analytics.js';

const point = (cost: number | undefined, extra: Record<string, unknown> = {}) => ({ data: [{ data_points: [{ start: 1_793_577_600, country: 'fr', pricing_category: 'Authentication-International', volume: 3, ...(cost === undefined ? {} : { cost }), ...extra }] }] });

describe("Meta's pricing_analytics file", () => {
  it.each([
    [0.0707, 70_700],
    [0.07070000000000001, 70_700],
    [0.1 + 0.2, 300_000],
    [0.0000006, 1],
    [0.00000049, 0],
    [381.4, 381_400_000],
    [undefined, 0],
  ])('reads cost %s as %i micros, rounded once from its decimal text', (cost, micros) => {
    const parsed = parsePricingAnalytics(point(cost));
    expect(parsed.ok && parsed.points[0]!.costMicros).toBe(micros);
  });

  it('normalises country, category and type, taking regular when Meta gives no type', () => {
    expect(parsePricingAnalytics({ pricing_analytics: point(0) })).toEqual({
      ok: true,
      points: [{ start: 1_793_577_600, country: 'FR', category: 'authentication_international', pricingType: 'regular', volume: 3, costMicros: 0 }],
    });
  });

  it('names what is not a pricing_analytics answer', () => {
    expect(parsePricingAnalytics([1, 2])).toEqual({ ok: false, problems: ['(root): must hold pricing_analytics.data[].data_points'] });
    expect(parsePricingAnalytics(point(-1))).toEqual({ ok: false, problems: ['data[0].data_points[0].cost: must be an amount, 0 or more'] });
  });
});
