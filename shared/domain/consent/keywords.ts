import type { ConsentCategory } from './consent.js';

/**
 * Consent keywords in inbound messages. Meta mandates none; Relais ships common ones and each business
 * can replace them.
 *
 * Decision: a keyword counts only when it is the whole message, once case, accents, surrounding spaces,
 * punctuation and emoji are ignored ("Stop", " STOP! ", "arrêt." opt out). A keyword inside a sentence
 * does not: "don't stop" and "stop sending me the wrong size" are conversations, not opt-outs, and an
 * operator sees them. This follows the carrier-SMS convention of single-word commands and avoids
 * suppressing a customer who did not ask to be.
 */
export interface KeywordConfig {
  readonly optOut: readonly string[];
  readonly optIn: readonly string[];
  /** Quick-reply payloads (template buttons) that mean "stop marketing", compared like keywords. */
  readonly optOutButtonPayloads: readonly string[];
  /** Categories a keyword or button opt-out/opt-in applies to. @default ['marketing'] */
  readonly categories: readonly ConsentCategory[];
}

export const DEFAULT_KEYWORDS: KeywordConfig = Object.freeze<KeywordConfig>({
  optOut: ['STOP', 'STOPP', 'ARRET', 'ARRÊT', 'DESABONNER', 'DÉSABONNER', 'UNSUBSCRIBE', 'BAJA', 'STOP PROMOTIONS'],
  optIn: ['START', 'REPRENDRE'],
  optOutButtonPayloads: ['STOP_PROMOTIONS', 'STOP_PROMO', 'UNSUBSCRIBE', 'OPT_OUT', 'STOP'],
  categories: ['marketing'],
});

/** Lower-case, accents removed, surrounding non-letters removed, inner whitespace collapsed. */
export function normaliseKeyword(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '')
    .replace(/[\s_]+/gu, ' ');
}

export type KeywordMatch = { readonly action: 'opt_out' | 'opt_in'; readonly keyword: string };

/** The consent action a whole inbound text asks for, if any. */
export function matchConsentKeyword(text: string, config: KeywordConfig = DEFAULT_KEYWORDS): KeywordMatch | undefined {
  if (text.length > 64) return undefined;
  const said = normaliseKeyword(text);
  if (said === '') return undefined;
  const optOut = config.optOut.find((k) => normaliseKeyword(k) === said);
  if (optOut !== undefined) return { action: 'opt_out', keyword: optOut };
  const optIn = config.optIn.find((k) => normaliseKeyword(k) === said);
  if (optIn !== undefined) return { action: 'opt_in', keyword: optIn };
  return undefined;
}

/** Whether a template quick-reply tap (payload, or its label when the payload is absent) is an opt-out. */
export function isOptOutButton(button: { payload?: string | undefined; text: string }, config: KeywordConfig = DEFAULT_KEYWORDS): boolean {
  if (button.payload !== undefined && config.optOutButtonPayloads.some((p) => normaliseKeyword(p) === normaliseKeyword(button.payload!))) {
    return true;
  }
  return matchConsentKeyword(button.text, config)?.action === 'opt_out';
}
