/** Small statistics helpers for the benchmark: percentiles, rates over the steady part of a run. */

/** Nearest-rank percentile of already sorted values (`p` in 0..100); `undefined` for no values. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  if (p <= 0) return sorted[0];
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number | undefined;
  readonly p90: number | undefined;
  readonly p99: number | undefined;
  readonly max: number | undefined;
  readonly mean: number | undefined;
}

export function summarise(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.length === 0 ? undefined : sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1),
    mean,
  };
}

/** Share of values strictly above `threshold`, in 0..1 (0 for no values). */
export function shareAbove(values: readonly number[], threshold: number): number {
  if (values.length === 0) return 0;
  let above = 0;
  for (const v of values) if (v > threshold) above++;
  return above / values.length;
}

export interface RateSummary {
  /** Events in the whole series. */
  readonly count: number;
  /** count ÷ (last − first), events per second; undefined for fewer than two events. */
  readonly overallPerSecond: number | undefined;
  /**
   * Rate over the steady part: the events between the 10th and the 90th percentile of the series (the ramp-up
   * and the tail excluded), divided by the time between them.
   */
  readonly steadyPerSecond: number | undefined;
  readonly steadyWindowMs: number | undefined;
  /** Most events in any sliding one-second window. */
  readonly peakOneSecond: number;
  readonly firstAt: number | undefined;
  readonly lastAt: number | undefined;
}

/** Rates of a series of event times (epoch ms, any order). */
export function rateOf(times: readonly number[]): RateSummary {
  const sorted = [...times].sort((a, b) => a - b);
  const n = sorted.length;
  let peak = 0;
  for (let lo = 0, hi = 0; hi < n; hi++) {
    while (sorted[hi]! - sorted[lo]! >= 1000) lo++;
    peak = Math.max(peak, hi - lo + 1);
  }
  const first = sorted[0];
  const last = sorted.at(-1);
  const overall = n >= 2 && last! > first! ? ((n - 1) * 1000) / (last! - first!) : undefined;
  const loIndex = Math.floor(n * 0.1);
  const hiIndex = Math.ceil(n * 0.9) - 1;
  const steadyWindowMs = n >= 10 && hiIndex > loIndex ? sorted[hiIndex]! - sorted[loIndex]! : undefined;
  const steady = steadyWindowMs !== undefined && steadyWindowMs > 0 ? ((hiIndex - loIndex) * 1000) / steadyWindowMs : undefined;
  return { count: n, overallPerSecond: overall, steadyPerSecond: steady, steadyWindowMs, peakOneSecond: peak, firstAt: first, lastAt: last };
}

export function round(value: number | undefined, digits = 1): number | undefined {
  if (value === undefined || !Number.isFinite(value)) return undefined;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
