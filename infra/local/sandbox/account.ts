/**
 * The account side Meta keeps for a WhatsApp Business Account: the portfolio's messaging limit, each number's
 * quality rating and throughput level, the account's restrictions, and the template creations of the last
 * hour. The control endpoints change it; `GET /{phoneNumberId}` and the template endpoints read it.
 */

/** Messaging limits of a business portfolio (https://developers.facebook.com/documentation/business-messaging/whatsapp/messaging-limits). */
export const MESSAGING_LIMITS = [250, 2000, 10000, 100000, 'UNLIMITED'] as const;
export type MessagingLimit = (typeof MESSAGING_LIMITS)[number];

/** The `TIER_*` spelling of a limit, as `phone_number_quality_update` and `whatsapp_business_manager_messaging_limit` give it. */
export function limitTier(limit: MessagingLimit): string {
  switch (limit) {
    case 250:
      return 'TIER_250';
    case 2000:
      return 'TIER_2K';
    case 10000:
      return 'TIER_10K';
    case 100000:
      return 'TIER_100K';
    case 'UNLIMITED':
      return 'TIER_UNLIMITED';
  }
}

export type QualityRating = 'GREEN' | 'YELLOW' | 'RED' | 'UNKNOWN';
/** `STANDARD` is 80 messages per second, `HIGH` 1,000 (https://developers.facebook.com/documentation/business-messaging/whatsapp/throughput). */
export type ThroughputLevel = 'STANDARD' | 'HIGH';

export interface Restriction {
  readonly type: string;
  /** Unix seconds. */
  readonly expiration: number;
}

/** Templates a WABA may create per hour (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/overview). */
export const TEMPLATE_CREATIONS_PER_HOUR = 100;
const HOUR_MS = 3_600_000;

export class AccountState {
  messagingLimit: MessagingLimit = 2000;
  restrictions: Restriction[] = [];
  private readonly quality = new Map<string, QualityRating>();
  private readonly throughput = new Map<string, ThroughputLevel>();
  private creations: number[] = [];

  qualityOf(phoneNumberId: string): QualityRating {
    return this.quality.get(phoneNumberId) ?? 'GREEN';
  }

  setQuality(phoneNumberId: string, rating: QualityRating): void {
    this.quality.set(phoneNumberId, rating);
  }

  throughputOf(phoneNumberId: string): ThroughputLevel {
    return this.throughput.get(phoneNumberId) ?? 'STANDARD';
  }

  setThroughput(phoneNumberId: string, level: ThroughputLevel): void {
    this.throughput.set(phoneNumberId, level);
  }

  /** Records a template creation at `now` if the hour's budget allows it; false when it is spent. */
  takeCreation(now: number): boolean {
    this.creations = this.creations.filter((at) => now - at < HOUR_MS);
    if (this.creations.length >= TEMPLATE_CREATIONS_PER_HOUR) return false;
    this.creations.push(now);
    return true;
  }
}
