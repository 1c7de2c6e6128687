import type { ConsentSnapshot } from '../consent/consent.js';
import type { MessageFailureReason } from '../../contracts/events/outbound/reasons.js';
import type { MessageCategory } from '../../contracts/events/outbound/vocabulary.js';
import type { TemplateInfo } from '../templates/template-registry.js';
import { checkConsent, checkTemplateStatus, type PolicySettings } from './policy.js';

/**
 * The sender's second look at a template message, just before calling Meta: the gate accepted it against the
 * template as it was then, and a pause, a disable or a re-categorisation may have arrived while it was queued.
 * Pure: the caller reads the template (and, when needed, the contact's consent) and passes `now`.
 *
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-pausing
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-categorization
 */

/**
 * Longest a paused template's message is held for the pause to end: SQS's longest delay and the step the sender
 * re-checks at. A message is held only once its pause ends within it; held longer, it would block its
 * conversation's FIFO group (later messages to the same person, in the same lane) for hours.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-delay-queues.html
 */
export const MAX_TEMPLATE_HOLD_MS = 15 * 60_000;

export type SendTimeTemplateVerdict =
  /** Send, billed as `category` (the template's category now); `recategorised` when it differs from the accepted one. */
  | { readonly action: 'send'; readonly category: MessageCategory; readonly recategorised: boolean }
  /** The pause ends within `delayMs`: put the message back for that long and look again. */
  | { readonly action: 'hold'; readonly delayMs: number; readonly message: string }
  /** Do not send; Relais will not try again (the message says what to do). */
  | { readonly action: 'fail'; readonly reason: MessageFailureReason; readonly message: string };

export interface SendTimeTemplateInput {
  /** The template the message names. */
  readonly name: string;
  readonly language: string;
  /** What the registry holds now; `undefined` when the template is no longer known (deleted, another account). */
  readonly template: TemplateInfo | undefined;
  /** The billing category the gate accepted the message with. */
  readonly acceptedCategory: MessageCategory;
  /** Epoch ms. */
  readonly now: number;
  /** @default MAX_TEMPLATE_HOLD_MS */
  readonly maxHoldMs?: number;
}

/**
 * Rules, in order:
 * 1. No template of that name and language → `fail` `template_unknown`.
 * 2. `PAUSED` with a known end (Meta's first pause lasts 3 h, the second 6 h): ended already → `send` (Meta is
 *    the judge: a pause still in force is refused with 132015, which fails the message as `template_paused`);
 *    ending within `maxHoldMs` → `hold` until then; later, or with no known end → `fail` `template_paused`,
 *    saying until when, so the producer can send again after it.
 * 3. Any other status than `APPROVED` → `fail`: `DISABLED` `template_disabled`, the rest `template_not_approved`.
 * 4. `APPROVED` → `send` with the template's category now, which becomes the message's billing category.
 *    When it differs from the accepted one, the caller checks consent for it ({@link consentAtSend}).
 */
export function templateAtSend(input: SendTimeTemplateInput): SendTimeTemplateVerdict {
  const label = `Template "${input.name}" (${input.language})`;
  const template = input.template;
  if (template === undefined) {
    return { action: 'fail', reason: 'template_unknown', message: `${label} is no longer known for this business account (deleted since the message was accepted?).` };
  }
  const refusal = checkTemplateStatus(label, template);
  if (refusal !== undefined) {
    const until = template.status === 'PAUSED' && template.pause?.until !== undefined ? Date.parse(template.pause.until) : Number.NaN;
    if (Number.isFinite(until)) {
      const remaining = until - input.now;
      if (remaining <= 0) return send(template.category, input.acceptedCategory);
      if (remaining <= (input.maxHoldMs ?? MAX_TEMPLATE_HOLD_MS)) {
        return { action: 'hold', delayMs: remaining, message: `${label} is paused until ${template.pause!.until}: the message waits for the pause to end.` };
      }
    }
    const reason: MessageFailureReason =
      refusal.reason === 'template_paused' ? 'template_paused' : refusal.reason === 'template_disabled' ? 'template_disabled' : 'template_not_approved';
    return { action: 'fail', reason, message: `${refusal.message} It changed while the message was queued; it was not sent.` };
  }
  return send(template.category, input.acceptedCategory);
}

function send(category: MessageCategory, accepted: MessageCategory): SendTimeTemplateVerdict {
  return { action: 'send', category, recategorised: category !== accepted };
}

/**
 * Consent for a template whose category changed while its message was queued (a utility template Meta moved to
 * marketing): the gate's consent rule for the new category (`opted_out` always refuses; a category that needs an
 * opt-in refuses without one, `consent_missing`). `undefined`: the message may go.
 */
export function consentAtSend(
  category: MessageCategory,
  consent: ConsentSnapshot,
  settings: Pick<PolicySettings, 'requireOptIn'>,
): { readonly reason: Extract<MessageFailureReason, 'opted_out' | 'consent_missing'>; readonly message: string } | undefined {
  const refusal = checkConsent(category, consent, settings);
  if (refusal === undefined) return undefined;
  const reason = refusal.reason === 'opted_out' ? 'opted_out' : 'consent_missing';
  return { reason, message: `${refusal.message} The template became ${category} while the message was queued; it was not sent.` };
}
