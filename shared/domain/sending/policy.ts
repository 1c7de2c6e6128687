import { getCountryCallingCode, isSupportedCountry } from 'libphonenumber-js';
import type { SendRejectionReason } from '../../contracts/events/outbound/reasons.js';
import type { SendRequestData } from '../../contracts/events/outbound/send-request.js';
import type { TemplateMessage } from '../../contracts/events/outbound/templates.js';
import type { MessageCategory, SendLane } from '../../contracts/events/outbound/vocabulary.js';
import type { ConsentSnapshot } from '../consent/consent.js';
import { hydratedTextProblem } from '../templates/hydration.js';
import type { TemplateInfo } from '../templates/template-registry.js';
import type { WindowState } from '../windows/customer-service-window.js';

export type { TemplateInfo } from '../templates/template-registry.js';

/**
 * The policy gate: whether Relais may send a request now, under which category and on which lane. Pure:
 * the caller loads the contact, window, consent, template and recent marketing sends, and passes `now`.
 */

export interface PolicySettings {
  /**
   * Relais's own cap on marketing templates per contact, kept below Meta's per-user marketing limit
   * (error 131049, which punishes retries for 24 h). Default: 1 per 24 h.
   */
  readonly marketingCap: {
    readonly max: number;
    readonly perMs: number;
    /**
     * Leave marketing templates sent inside an open customer service window out of the cap, as Meta leaves
     * them out of its per-user limit. Off by default: the cap protects customers from repeated promotions
     * whatever the window.
     */
    readonly exemptInsideWindow?: boolean;
  };
  /** Categories that need a recorded opt-in (`opted_in`) before sending. Default: `['marketing']`. */
  readonly requireOptIn: readonly MessageCategory[];
  /**
   * Country calling codes (digits, no `+`) whose numbers get no marketing templates: Meta delivers none
   * to US numbers at present. Default: `['1']` (the whole North American numbering plan, conservatively).
   */
  readonly noMarketingCountryCallingCodes: readonly string[];
}

export const DEFAULT_POLICY_SETTINGS: PolicySettings = Object.freeze({
  marketingCap: Object.freeze({ max: 1, perMs: 24 * 60 * 60 * 1000 }),
  requireOptIn: Object.freeze(['marketing'] as const),
  noMarketingCountryCallingCodes: Object.freeze(['1'] as const),
});

export interface PolicyInput {
  readonly request: SendRequestData;
  /** Epoch milliseconds. */
  readonly now: number;
  /** The recipient's contact, `undefined` when Relais has never seen them (not on hold then). */
  readonly contact: { readonly onHold: boolean } | undefined;
  /** The customer service window at `now`. */
  readonly window: WindowState;
  readonly consent: ConsentSnapshot;
  /** For a template request: the registry's template of that name and language, `undefined` if unknown. */
  readonly template: TemplateInfo | undefined;
  /**
   * When marketing templates that counted toward the cap were sent to this contact (epoch ms): the sends
   * for which an earlier decision said `countsTowardMarketingCap`. Only those within `perMs` matter.
   */
  readonly recentMarketingSends: readonly number[];
  readonly settings: PolicySettings;
}

export type PolicyDecision =
  | {
      readonly allowed: true;
      /** `service` for free-form messages and mark-as-read; the template's own category otherwise. */
      readonly category: MessageCategory;
      readonly lane: SendLane;
      /**
       * A marketing template sent while the customer service window is closed. Meta does not count
       * marketing templates inside an open window toward its per-user limit, so neither does Relais.
       * The caller records `now` among the contact's marketing sends when this is `true`.
       */
      readonly countsTowardMarketingCap: boolean;
      /** The caller's `category` hint when it differed from `category` (reported, never obeyed). */
      readonly ignoredCategoryHint?: MessageCategory;
    }
  | { readonly allowed: false; readonly reason: SendRejectionReason; readonly message: string };

/** A refusal of the gate: a stable reason and a message naming the rule. */
export type Refusal = Extract<PolicyDecision, { allowed: false }>;

/**
 * Decides a send request. The rules run in this order and the first that refuses gives the reason:
 *
 * 1. **Mark-as-read** is always allowed (category `service`, lane `priority`): it sends the user nothing.
 * 2. **Free-form messages** (text, media, interactive, reaction…) are category `service`, whatever the
 *    caller's hint:
 *    1. the customer service window must be open, else `window_closed` (Meta would answer 131047);
 *    2. consent for `service`: `opted_out` refuses; if `service` is in `requireOptIn`, anything but
 *       `opted_in` is `consent_missing`.
 *
 *    A contact on hold still gets replies inside the window: the user wrote to us and is waiting.
 * 3. **Templates**, checked from facts about the request itself to facts about the recipient to facts
 *    about time, so the reason names the first thing the caller has to change:
 *    1. `template_unknown`: no template of that name and language is known;
 *    2. its status is not `APPROVED`: `template_paused` (Meta error 132015; the message says until when, when
 *       Meta's pause has a known length), `template_disabled` (132016), `template_not_approved` for any other
 *       status (pending, rejected, in appeal, archived…);
 *    3. `template_parameters_invalid`: the parameters do not fit what the template is known to take (header
 *       count, body count or names, button indexes, positional versus named: Meta errors 132000 and 132012), or
 *       the text they fill in is over Meta's limits (body 1024 characters, text header 60: error 132005);
 *    4. the category is the template's (the caller's hint is ignored, and reported when it differs);
 *    5. `contact_on_hold`: a template is business-initiated, and sends to a held contact are suspended;
 *    6. consent for the template's category: `opted_out` refuses whatever the settings; a category in
 *       `requireOptIn` without `opted_in` is `consent_missing`;
 *    7. `marketing_to_us_number`: a marketing template to a number in a blocked calling code, or to a
 *       BSUID whose country prefix has that calling code (`US.` is +1);
 *    8. `marketing_cap_reached`: a marketing template outside the window when `max` sends already fall
 *       within `perMs` before `now` (a send exactly `perMs` ago no longer counts). Inside an open window
 *       the cap is not applied, as Meta does not count those sends.
 *
 *    Marketing goes to the `bulk` lane; utility and authentication to `priority`, so one-time passwords
 *    never wait behind a campaign.
 *
 * Messages name the rule and the template, never the recipient.
 */
export function decideSend(input: PolicyInput): PolicyDecision {
  const { request, window, consent, settings } = input;
  const message = request.message;

  if (message.type === 'markRead') return allow('service', request.category, false);

  if (message.type !== 'template') {
    if (!window.open) {
      return refuse(
        'window_closed',
        'The customer service window is closed (no message from the user in the last 24 h): free-form messages can only be sent inside it, so send an approved template instead (Meta error 131047).',
      );
    }
    const consentRefusal = checkConsent('service', consent, settings);
    if (consentRefusal !== undefined) return consentRefusal;
    return allow('service', request.category, false);
  }

  const template = input.template;
  const label = `Template "${message.name}" (${message.language})`;
  if (template === undefined) {
    return refuse('template_unknown', `${label} is not known for this business account: create it, or sync templates, before sending it.`);
  }
  const statusRefusal = checkTemplateStatus(label, template);
  if (statusRefusal !== undefined) return statusRefusal;
  const parameterProblem = checkParameters(message, template) ?? hydratedTextProblem(message, template);
  if (parameterProblem !== undefined) return refuse('template_parameters_invalid', `${label} ${parameterProblem}.`);

  const category: MessageCategory = template.category;
  if (input.contact?.onHold === true) {
    return refuse('contact_on_hold', 'Sends to this contact are on hold: templates (business-initiated messages) are suspended until the hold is lifted; replies inside an open customer service window still go.');
  }
  const consentRefusal = checkConsent(category, consent, settings);
  if (consentRefusal !== undefined) return consentRefusal;

  if (category === 'marketing') {
    const code = blockedCallingCode(request, settings.noMarketingCountryCallingCodes);
    if (code !== undefined) {
      return refuse('marketing_to_us_number', `Marketing templates are not sent to +${code} numbers: Meta does not deliver marketing templates to US numbers at present.`);
    }
    const counted = !window.open || settings.marketingCap.exemptInsideWindow !== true;
    if (counted) {
      const { max, perMs } = settings.marketingCap;
      const recent = countRecent(input.recentMarketingSends, input.now, perMs);
      if (recent >= max) {
        return refuse(
          'marketing_cap_reached',
          `This contact already received ${recent} marketing template(s) in the last ${describeDuration(perMs)} (cap: ${max}); try again later.`,
        );
      }
    }
  }
  return allow(category, request.category, category === 'marketing' && (!window.open || settings.marketingCap.exemptInsideWindow !== true));
}

function allow(category: MessageCategory, hint: MessageCategory | undefined, countsTowardMarketingCap: boolean): PolicyDecision {
  return {
    allowed: true,
    category,
    lane: category === 'marketing' ? 'bulk' : 'priority',
    countsTowardMarketingCap,
    ...(hint !== undefined && hint !== category ? { ignoredCategoryHint: hint } : {}),
  };
}

function refuse(reason: SendRejectionReason, message: string): Refusal {
  return { allowed: false, reason, message };
}

/**
 * Consent for a message of `category`: `opted_out` refuses whatever the settings; a category in `requireOptIn`
 * without `opted_in` is `consent_missing`. The gate applies it at acceptance, the sender again when the
 * template's category changed while the message was queued.
 */
export function checkConsent(category: MessageCategory, consent: ConsentSnapshot, settings: Pick<PolicySettings, 'requireOptIn'>): Refusal | undefined {
  const status = consent[category].status;
  if (status === 'opted_out') return refuse('opted_out', `The recipient opted out of ${category} messages.`);
  if (settings.requireOptIn.includes(category) && status !== 'opted_in') {
    return refuse('consent_missing', `No opt-in is recorded for ${category} messages to this recipient, and ${category} messages need one.`);
  }
  return undefined;
}

/** Sends at `t` with `now - perMs < t`: inside the cap window (later timestamps count too, conservatively). */
function countRecent(sends: readonly number[], now: number, perMs: number): number {
  let count = 0;
  for (const t of sends) if (t > now - perMs) count++;
  return count;
}

/**
 * The blocked calling code the recipient falls under, if any. A phone number is matched by prefix
 * (calling codes are prefix-free); a BSUID by the calling code of its ISO country prefix (`US.` → `1`).
 */
function blockedCallingCode(request: SendRequestData, blocked: readonly string[]): string | undefined {
  if (blocked.length === 0) return undefined;
  if (request.to !== undefined) {
    const digits = request.to.replace(/^\+/, '');
    return blocked.find((code) => code !== '' && digits.startsWith(code));
  }
  if (request.recipientUserId !== undefined) {
    const country = request.recipientUserId.slice(0, 2);
    if (!isSupportedCountry(country)) return undefined;
    const code = getCountryCallingCode(country);
    return blocked.includes(code) ? code : undefined;
  }
  return undefined;
}

function describeDuration(ms: number): string {
  const hours = ms / 3_600_000;
  if (Number.isInteger(hours)) return `${hours} h`;
  const minutes = ms / 60_000;
  if (Number.isInteger(minutes)) return `${minutes} min`;
  return `${Math.round(ms / 1000)} s`;
}

/**
 * How the request's parameters fail to fit the template, as the end of a sentence naming the component,
 * or `undefined` when they fit (or the template's parameters are not known).
 */
function checkParameters(message: TemplateMessage, template: TemplateInfo): string | undefined {
  const components = message.components ?? {};
  const expected = template.parameters ?? {};

  const textual = [
    ...(components.header?.type === 'text' ? [{ component: 'header', name: components.header.parameterName }] : []),
    ...(components.body ?? []).map((p) => ({ component: 'body', name: p.parameterName })),
  ];
  const format = template.parameterFormat ?? (Array.isArray(expected.body) ? 'named' : typeof expected.body === 'number' && expected.body > 0 ? 'positional' : undefined);
  if (format === 'named') {
    const unnamed = textual.find((p) => p.name === undefined);
    if (unnamed !== undefined) return `takes named parameters, but the ${unnamed.component} parameters have no parameterName`;
  } else if (format === 'positional') {
    const named = textual.find((p) => p.name !== undefined);
    if (named !== undefined) return `takes positional parameters, but the ${named.component} parameters have a parameterName`;
  }

  if (expected.header !== undefined) {
    const given = components.header === undefined ? 0 : 1;
    if (given !== expected.header) return `header takes ${plural(expected.header, 'parameter')}, the request gives ${given}`;
  }

  if (expected.body !== undefined) {
    const given = components.body ?? [];
    if (typeof expected.body === 'number') {
      if (given.length !== expected.body) return `body takes ${plural(expected.body, 'parameter')}, the request gives ${given.length}`;
    } else {
      const names = new Set(expected.body);
      const givenNames = new Set(given.map((p) => p.parameterName).filter((n): n is string => n !== undefined));
      const missing = expected.body.filter((n) => !givenNames.has(n));
      const unexpected = [...givenNames].filter((n) => !names.has(n));
      if (missing.length > 0 || unexpected.length > 0) {
        const parts = [
          ...(missing.length > 0 ? [`missing ${missing.join(', ')}`] : []),
          ...(unexpected.length > 0 ? [`unexpected ${unexpected.join(', ')}`] : []),
        ];
        return `body takes the named parameters ${expected.body.length === 0 ? '(none)' : expected.body.join(', ')}; the request has ${parts.join(' and ')}`;
      }
    }
  }

  if (expected.buttons !== undefined) {
    const want = [...new Set(expected.buttons)].sort((a, b) => a - b);
    const optional = new Set(expected.optionalButtons ?? []);
    const givenAll = [...new Set((components.buttons ?? []).map((b) => b.index))].sort((a, b) => a - b);
    // A quick reply's payload or a flow's token may be given or left out; every other button must match exactly.
    const given = givenAll.filter((index) => !optional.has(index) || want.includes(index));
    if (want.length !== given.length || want.some((index, i) => index !== given[i])) {
      const mayAlso = optional.size === 0 ? '' : ` (and may give ${indexList([...optional].sort((a, b) => a - b))})`;
      return `buttons take parameters at ${indexList(want)}${mayAlso}, the request gives ${indexList(givenAll)}`;
    }
  }
  return undefined;
}

/**
 * Why a template's status keeps it from being sent, or `undefined` when it is `APPROVED`
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-pausing).
 */
/**
 * Whether Meta lets the template be sent now: only `APPROVED`. `PAUSED` is `template_paused` (saying until when,
 * when known), `DISABLED` `template_disabled`, any other status `template_not_approved`. `label` names the
 * template in the message. The gate applies it at acceptance, the sender again just before calling Meta.
 */
export function checkTemplateStatus(label: string, template: TemplateInfo): Refusal | undefined {
  const status = template.status;
  if (status === 'APPROVED') return undefined;
  if (status === 'PAUSED') {
    const until = template.pause?.until;
    const when =
      until !== undefined
        ? `until about ${until} (Meta unpauses it then)`
        : template.pause?.since !== undefined
          ? `since ${template.pause.since}, with no end Meta announced (it ends when Meta unpauses it, or an unpause is requested)`
          : 'for now';
    return refuse('template_paused', `${label} has status PAUSED: Meta paused it for low quality ${when}, and refuses it meanwhile (error 132015).`);
  }
  if (status === 'DISABLED') {
    return refuse('template_disabled', `${label} has status DISABLED: Meta disabled it for low quality and refuses it (error 132016); create a new template or appeal.`);
  }
  return refuse('template_not_approved', `${label} has status ${status}: only APPROVED templates can be sent.`);
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function indexList(indexes: readonly number[]): string {
  return indexes.length === 0 ? 'no index' : `index ${indexes.join(', ')}`;
}
