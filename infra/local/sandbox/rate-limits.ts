/**
 * Meta's two send limits (https://developers.facebook.com/documentation/business-messaging/whatsapp/throughput, https://developers.facebook.com/documentation/business-messaging/whatsapp/messaging-limits), as token buckets on the sandbox clock:
 * - throughput per business number: `throughputPerSecond` messages per second, one second's worth of burst;
 *   over it → 130429;
 * - pair rate per (business number, customer): one message per `perSeconds`, `burst` messages borrowable
 *   ahead (Meta: bursts of up to 45 in 6 s, then ~2 min after a burst of 20, i.e. the refill of 20 tokens at
 *   one per 6 s); over it → 131056.
 * A refused message takes no token.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly capacity: number,
    private readonly refillPerMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.updatedAt = now;
  }

  tryTake(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Gives back a token taken for a message that was then refused by a later check. */
  giveBack(): void {
    this.tokens = Math.min(this.capacity, this.tokens + 1);
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.refillPerMs);
    this.updatedAt = Math.max(this.updatedAt, now);
  }
}

export interface RateLimitConfig {
  readonly throughputPerSecond: number;
  readonly pairRate: { readonly perSeconds: number; readonly burst: number };
}

export type RateVerdict = 'ok' | 'throughput' | 'pair_rate';

export class RateLimiter {
  private readonly throughput = new Map<string, TokenBucket>();
  private readonly pairs = new Map<string, TokenBucket>();
  private readonly perNumber = new Map<string, number>();

  constructor(private readonly config: RateLimitConfig) {}

  /** Sets one number's throughput (a throughput upgrade to 1,000 mps); its bucket starts afresh. */
  setThroughput(phoneNumberId: string, perSecond: number): void {
    this.perNumber.set(phoneNumberId, perSecond);
    this.throughput.delete(phoneNumberId);
  }

  /** Takes one token from the number's bucket and one from the pair's, or neither. */
  take(phoneNumberId: string, customerKey: string, now: number): RateVerdict {
    const perSecond = this.perNumber.get(phoneNumberId) ?? this.config.throughputPerSecond;
    const numberBucket = this.bucket(this.throughput, phoneNumberId, now, perSecond, perSecond / 1000);
    if (!numberBucket.tryTake(now)) return 'throughput';
    const { perSeconds, burst } = this.config.pairRate;
    const pairBucket = this.bucket(this.pairs, `${phoneNumberId}|${customerKey}`, now, burst, 1 / (perSeconds * 1000));
    if (!pairBucket.tryTake(now)) {
      numberBucket.giveBack();
      return 'pair_rate';
    }
    return 'ok';
  }

  private bucket(map: Map<string, TokenBucket>, id: string, now: number, capacity: number, refillPerMs: number): TokenBucket {
    let bucket = map.get(id);
    if (bucket === undefined) {
      bucket = new TokenBucket(capacity, refillPerMs, now);
      map.set(id, bucket);
    }
    return bucket;
  }
}
