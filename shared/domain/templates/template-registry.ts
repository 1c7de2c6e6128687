/**
 * What the send path needs to know about a message template: whether Meta lets it be sent (`status`), the
 * category Meta holds for it (which decides consent, caps, lane and price) and, when known, the shape of
 * its variables so a request that does not fit is refused before Meta answers 132000.
 */
export interface TemplateInfo {
  /** The template's name (lowercase letters, digits and `_`). Names repeat across languages. */
  readonly name: string;
  /** The language code, as the send API spells it (`en_US`); `en-US` (as webhooks spell it) is the same. */
  readonly language: string;
  /** Meta's status: `APPROVED`, `PENDING`, `REJECTED`, `PAUSED`, `DISABLED`… Only `APPROVED` can be sent. */
  readonly status: string;
  /** The category Meta holds for the template at the time of use. */
  readonly category: 'marketing' | 'utility' | 'authentication';
  /** `positional` (`{{1}}`, Meta's default) or `named` (`{{first_name}}`). */
  readonly parameterFormat?: 'positional' | 'named';
  /**
   * The variables each component takes, when known; a component left out is not checked.
   * - `header`: how many header parameters (0, or 1 for a variable text or a media/location header);
   * - `body`: how many positional parameters, or the names of the named ones;
   * - `buttons`: the indexes of the buttons that take a parameter (dynamic URL, copy code, quick-reply payload, flow).
   * - `optionalButtons`: indexes of buttons whose parameter the request may give or leave out (a quick reply's
   *   payload, a flow's token); a request giving one is not refused for it.
   */
  readonly parameters?: {
    readonly header?: number;
    readonly body?: number | readonly string[];
    readonly buttons?: readonly number[];
    readonly optionalButtons?: readonly number[];
  };
  /**
   * The template's text with its `{{…}}` placeholders, when Meta's components are known: the header's (a text
   * header) and the body's. The gate fills them with a request's parameters to check Meta's length limits.
   */
  readonly text?: { readonly header?: string; readonly body?: string };
  /** For a PAUSED template, when Meta said it paused it and, when its pause has a known length, when it ends (ISO 8601). */
  readonly pause?: { readonly since: string; readonly until?: string };
  /**
   * The WhatsApp Business Account the template belongs to. Left out, the entry serves every account
   * (a deployment with a single account, or templates copied to every account under one name).
   */
  readonly businessAccountId?: string;
}

/**
 * The port the send path reads templates through. Its implementation is `shared/adapters/template-registry.ts`,
 * over the template registry on DynamoDB (kept by the template sync and Meta's template webhooks).
 */
export interface TemplateRegistry {
  /**
   * The template of that name and language for the business account, or `undefined` when none is known.
   * `businessAccountId` may be `undefined` when the caller did not name the account.
   */
  find(businessAccountId: string | undefined, name: string, language: string): Promise<TemplateInfo | undefined>;
}

/** `en_US`, `en-US` and `EN_us` compare equal: Meta's send API and its webhooks spell locales differently. */
export function normaliseTemplateLanguage(language: string): string {
  return language.trim().replace(/-/g, '_').toLowerCase();
}
