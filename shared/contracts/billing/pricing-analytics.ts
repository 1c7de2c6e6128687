import { z } from 'zod';

import { describeIssues } from '../../errors.js';
import type { AnalyticsPoint } from '../../domain/billing/reconcile-analytics.js';

/**
 * Meta's `GET /{waba-id}/pricing_analytics?granularity=DAILY&metric_types=["COST","VOLUME"]&dimensions=["PRICING_CATEGORY",
 * "PRICING_TYPE","COUNTRY","PHONE"]` answer, as finance saves it: `{ "pricing_analytics": { "data": [ { "data_points":
 * [ { start, end, country, pricing_category, pricing_type, volume, cost, phone? } ] } ] } }` (or the inner `data` object).
 * The field names follow Meta's reference and BSP copies of it; they are UNVERIFIED against a live answer here, so
 * unknown fields pass and the problems of each data point are named by path.
 * https://developers.facebook.com/docs/graph-api/reference/whats-app-business-account/pricing_analytics/
 */

const PointSchema = z.looseObject({
  start: z.number({ error: 'must be epoch seconds' }).int().nonnegative(),
  country: z.string({ error: 'must be a country code such as FR' }).regex(/^[A-Za-z]{2}$/, { error: 'must be a country code such as FR' }),
  pricing_category: z.string({ error: 'must be a category such as MARKETING' }).min(1),
  pricing_type: z.string({ error: 'must be a type such as REGULAR' }).min(1).optional(),
  volume: z.number({ error: 'must be a whole number of messages' }).int().nonnegative(),
  cost: z.number({ error: 'must be an amount' }).min(0, { error: 'must be an amount, 0 or more' }).max(1e9, { error: 'must be at most 1e9' }).optional(),
});

const DataSchema = z.looseObject({ data: z.array(z.looseObject({ data_points: z.array(z.unknown()) }), { error: 'must be an array of { data_points }' }) });
const FileSchema = z.union([z.looseObject({ pricing_analytics: DataSchema }), DataSchema], { error: 'must hold pricing_analytics.data[].data_points' });

export type AnalyticsParse = { readonly ok: true; readonly points: readonly AnalyticsPoint[] } | { readonly ok: false; readonly problems: readonly string[] };

/** Meta's cost is a JSON number of the currency: rounded to the micro once, here (`toFixed(6)`), then integers only. */
function costMicros(cost: number | undefined): number {
  if (cost === undefined) return 0;
  const [whole = '0', fraction = ''] = cost.toFixed(6).split('.');
  return Number(whole) * 1_000_000 + Number(fraction.padEnd(6, '0'));
}

export function parsePricingAnalytics(json: unknown): AnalyticsParse {
  const file = FileSchema.safeParse(json);
  if (!file.success) return { ok: false, problems: describeIssues(file.error.issues) };
  const data = 'pricing_analytics' in file.data ? (file.data as { pricing_analytics: z.infer<typeof DataSchema> }).pricing_analytics.data : (file.data as z.infer<typeof DataSchema>).data;
  const points: AnalyticsPoint[] = [];
  const problems: string[] = [];
  data.forEach((block, b) =>
    block.data_points.forEach((raw, p) => {
      const point = PointSchema.safeParse(raw);
      if (!point.success) {
        for (const line of describeIssues(point.error.issues)) problems.push(`data[${b}].data_points[${p}].${line}`);
        return;
      }
      points.push({
        start: point.data.start,
        country: point.data.country.toUpperCase(),
        category: point.data.pricing_category.trim().toLowerCase().replace(/-/g, '_'),
        pricingType: (point.data.pricing_type ?? 'regular').trim().toLowerCase(),
        volume: point.data.volume,
        costMicros: costMicros(point.data.cost),
      });
    }),
  );
  return problems.length > 0 ? { ok: false, problems } : { ok: true, points };
}
