import { createHash } from 'node:crypto';
import type { MetaErrorAction } from './meta-errors.js';

/**
 * Pacing arithmetic for outbound sends: retry delays and the per-recipient pair rate (per-number
 * throughput is in rate-slots.ts). Pure: time and randomness are arguments, so the adapters (DynamoDB
 * conditional writes, SQS visibility timeouts) decide nothing.
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/throughput
 */

// ---------------------------------------------------------------------------------------------------------
// Retry delays
// ---------------------------------------------------------------------------------------------------------

/** First back-off step of a `retry`: 1 s. */
export const RETRY_BASE_MS = 1_000;
/** Longest back-off of a `retry`: 5 min. */
export const RETRY_CAP_MS = 5 * 60_000;
/** Longest delay after a pair-rate error (131056): 15 min, far below SQS's 12 h visibility maximum. */
export const PAIR_BACKOFF_CAP_MS = 15 * 60_000;
/** Longest delay after a throughput error (130429), before jitter: the rate slots (rate-slots.ts) do the real pacing. */
export const NUMBER_SLOW_DOWN_CAP_MS = 5_000;

export interface RetryDelayInput {
  /** The classification's action; `fail` has no retry. */
  readonly action: Exclude<MetaErrorAction, 'fail'>;
  /** Which attempt just failed: 1 for the first (SQS's receive count), an integer ≥ 1. */
  readonly attempt: number;
  /**
   * A uniform random number in [0, 1), or a source of them (`Math.random` in production, fixed in tests).
   * A source is called at most once, and not at all for `slow_down_pair`.
   */
  readonly random: number | (() => number);
}

/**
 * How long to wait (ms) before the next attempt:
 * - `retry`: exponential back-off with full jitter, `random × min(5 min, 1 s × 2^(attempt−1))`, so
 *   concurrent senders hitting the same outage spread out;
 * - `slow_down_pair`: Meta's 4^X seconds with X = `attempt` (4 s, 16 s, 64 s, 256 s…), capped at 15 min,
 *   without jitter: the delay applies to one recipient's group only and must never be shorter than Meta's;
 * - `slow_down_number`: a short jittered pause, `(0.5 + random / 2) × min(5 s, 1 s × attempt)`; the
 *   per-number rate slots pace the retry, the jitter only keeps concurrent senders from retrying in step.
 *
 * The result is an integer number of milliseconds. Throws a `RangeError` for an attempt that is not an
 * integer ≥ 1 or a `random` outside [0, 1).
 */
export function retryDelayMs({ action, attempt, random }: RetryDelayInput): number {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`retry attempt must be an integer ≥ 1, got ${attempt}`);
  const draw = (): number => {
    const value = typeof random === 'function' ? random() : random;
    if (!(value >= 0 && value < 1)) throw new RangeError(`retry random must be a number in [0, 1), got ${value}`);
    return value;
  };
  switch (action) {
    case 'retry':
      return Math.floor(draw() * Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** (attempt - 1)));
    case 'slow_down_pair':
      return Math.min(PAIR_BACKOFF_CAP_MS, 1_000 * 4 ** attempt);
    case 'slow_down_number':
      return Math.floor((0.5 + draw() / 2) * Math.min(NUMBER_SLOW_DOWN_CAP_MS, 1_000 * attempt));
  }
}

// ---------------------------------------------------------------------------------------------------------
// Per-recipient pair rate
// ---------------------------------------------------------------------------------------------------------

/**
 * The pair rate model. Meta allows 1 message per 6 s to one user, with bursts of up to 45 in 6 s that
 * borrow from future quota ("after a burst of 20, wait about 2 min"); over it, error 131056.
 *
 * Relais's model is a sliding window: at most `burst` sends to a (business number, recipient) pair within
 * any `burst × intervalMs`. From idle, `burst` messages go at once; the next waits until the first of them
 * is `burst × intervalMs` old. With a burst of 20 and 6 s: 20 at once, then nothing for 2 min — the
 * documented "burst of 20, wait 2 min" — and a long-run rate never above 1 per 6 s. The quota it borrows
 * never exceeds `burst × intervalMs`, well within the 45 × 6 s Meta tolerates, so 131056 is not hit
 * (as long as every send to the pair goes through it).
 */
export interface PairRateConfig {
  /** Meta's steady pair rate: one message per this many ms. Default 6,000. */
  readonly intervalMs: number;
  /** Most messages sent together before pausing; 1 to 45 (Meta's largest burst). Default 10. */
  readonly burst: number;
}

/**
 * Relais's pair-rate defaults (`PAIR_INTERVAL_MS`, `PAIR_BURST`): Meta's 1 per 6 s, and bursts of 10 —
 * half of Meta's "burst of 20, wait 2 min" example, so a burst never borrows more than 1 min of quota.
 */
export const DEFAULT_PAIR_RATE: PairRateConfig = Object.freeze({ intervalMs: 6_000, burst: 10 });

/** Meta's largest burst to one user. */
export const MAX_PAIR_BURST = 45;

/** Throws a `RangeError` naming the problem when the configuration is out of range. */
export function validatePairRateConfig(config: PairRateConfig): void {
  if (!(Number.isInteger(config.intervalMs) && config.intervalMs >= 1)) {
    throw new RangeError(`pair rate intervalMs must be an integer ≥ 1, got ${config.intervalMs}`);
  }
  if (!(Number.isInteger(config.burst) && config.burst >= 1 && config.burst <= MAX_PAIR_BURST)) {
    throw new RangeError(`pair rate burst must be an integer from 1 to ${MAX_PAIR_BURST} (Meta's largest burst), got ${config.burst}`);
  }
}

/** How far back the send history of a pair matters: the caller keeps (at least) the sends within it. */
export function pairWindowMs(config: PairRateConfig = DEFAULT_PAIR_RATE): number {
  validatePairRateConfig(config);
  return config.burst * config.intervalMs;
}

/**
 * How long (ms) to wait before the next send to this (business number, recipient) pair; 0 when it may go
 * now. `recentSendsToPair` holds when earlier sends to the pair went (epoch ms, any order); sends older
 * than {@link pairWindowMs} are ignored, and sends stamped after `now` (another clock) count.
 */
export function pairDelayMs(recentSendsToPair: readonly number[], now: number, config: PairRateConfig = DEFAULT_PAIR_RATE): number {
  const windowMs = pairWindowMs(config);
  const inWindow = recentSendsToPair.filter((t) => t > now - windowMs).sort((a, b) => a - b);
  if (inWindow.length < config.burst) return 0;
  // The next send may go once only burst − 1 of these remain in its window: when send number
  // (length − burst), counting from 0, is exactly windowMs old.
  const mustExpire = inWindow[inWindow.length - config.burst]!;
  return Math.max(0, mustExpire + windowMs - now);
}

/**
 * An opaque key for (business number, recipient): the pacing history's key and the FIFO group of the
 * conversation. Recipients never appear in keys, queue attributes or logs; the number stays readable.
 */
export function pairKey(phoneNumberId: string, recipient: string): string {
  return `${phoneNumberId}:${createHash('sha256').update(recipient).digest('hex').slice(0, 32)}`;
}
