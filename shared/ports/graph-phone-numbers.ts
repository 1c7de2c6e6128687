/**
 * Meta's listing of a WhatsApp Business Account's phone numbers, as the health consumer reads it: one page per call,
 * Meta's errors as values (the {@link GraphTemplateResult} of the template client, which shares its HTTP call). The
 * HTTP implementation is `createGraphPhoneNumbers` in `shared/adapters/graph-templates.ts`.
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/reference/whatsapp-business-account/phone-numbers-api
 */
import type { GraphTemplateResult } from './graph-templates.js';

/** One number as `GET /{waba-id}/phone_numbers` lists it. Ids are strings: they exceed 2^53. */
export interface GraphPhoneNumber {
  readonly id: string;
  /** As Meta formats it (`+1 555-078-3881`). */
  readonly displayPhoneNumber: string;
  /** `quality_rating`: `GREEN`, `YELLOW`, `RED`, `UNKNOWN`, as sent. */
  readonly qualityRating?: string;
  /** `throughput.level`: `STANDARD` (80 msg/s), `HIGH` (1,000 msg/s), `NOT_APPLICABLE`, as sent. */
  readonly throughputLevel?: string;
  /** `status` of the number (`CONNECTED`, `FLAGGED`, `RESTRICTED`, …), as sent. */
  readonly status?: string;
  /** `whatsapp_business_manager_messaging_limit` (`TIER_2K`, …): the portfolio's limit. */
  readonly messagingLimitTier?: string;
}

export interface GraphPhoneNumberPage {
  readonly numbers: readonly GraphPhoneNumber[];
  /** The cursor of the next page when Meta says there is one (`paging.next`). */
  readonly after?: string;
  /** Entries of `data` that were not numbers this client can read, by position. */
  readonly unreadable: readonly { readonly index: number; readonly problem: string }[];
}

export interface GraphPhoneNumbers {
  /** One page of `GET /{version}/{waba-id}/phone_numbers`, from the cursor `after`. */
  listPhoneNumbers(wabaId: string, page?: { readonly after?: string }): Promise<GraphTemplateResult<GraphPhoneNumberPage>>;
}
