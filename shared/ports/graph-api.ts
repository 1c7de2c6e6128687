/**
 * Meta's Cloud API as the sender sees it: one call per message, one result that says whether Meta can have
 * acted on it. The HTTP implementation is `shared/adapters/graph-api.ts`.
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages
 */

/** The outcome of one send call. */
export type GraphSendResult =
  | {
      outcome: 'accepted';
      /** Meta's id for the message (`messages[0].id`). */
      wamid: string;
      /** `messages[0].message_status`, returned for templates (`held_for_quality_assessment` under pacing). */
      messageStatus?: 'accepted' | 'held_for_quality_assessment';
      /** `contacts[0].wa_id`: the recipient's WhatsApp id (when sent to a phone number). */
      waId?: string;
      /** `contacts[0].user_id`: the recipient's BSUID (when sent to a BSUID). */
      userId?: string;
      httpStatus: number;
    }
  | { outcome: 'marked_read'; httpStatus: number }
  | { outcome: 'error'; httpStatus: number; error: GraphSendError }
  | {
      outcome: 'unknown';
      cause: 'timeout' | 'network' | 'unreadable_response';
      /** What happened, for logs: an error code or a description of the body's shape, never its content. */
      detail: string;
    };

/** Meta's error (`{error: {message, type, code, error_data: {details}, fbtrace_id}}`), as far as it was readable. */
export interface GraphSendError {
  /** Meta's error code; the sender classifies by it. Absent when the body was not Graph JSON or nothing was sent. */
  code?: number;
  /** `error_user_title`, or the title in `message` (`"(#130429) Rate limit hit"` → `"Rate limit hit"`). */
  title?: string;
  message?: string;
  /** `error_data.details`: Meta's explanation. */
  details?: string;
  fbtraceId?: string;
}

export interface GraphApiClient {
  /**
   * Sends one message (or a mark-as-read request, recognised by `status: "read"` in `body`) from the business
   * phone number `phoneNumberId`. `body` is Meta's JSON body, e.g. from `toGraphMessage`.
   *
   * @throws TypeError when `phoneNumberId` is not a Graph id (digits) or `body` cannot be serialised; nothing is sent.
   */
  sendMessage(phoneNumberId: string, body: Record<string, unknown>): Promise<GraphSendResult>;
}
