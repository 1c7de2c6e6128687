import { z } from 'zod';
import { describeIssues } from '../../errors.js';

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
  /** For a PAUSED template, when Meta said it paused it and, when its pause has a known length, when it ends (ISO 8601). */
  readonly pause?: { readonly since: string; readonly until?: string };
  /**
   * The WhatsApp Business Account the template belongs to. Left out, the entry serves every account
   * (a deployment with a single account, or templates copied to every account under one name).
   */
  readonly businessAccountId?: string;
}

/**
 * The port the send path reads templates through. This module's static implementation serves templates
 * from configuration until the template sync (reading Meta's `message_templates`) provides its own.
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

/**
 * A registry over a fixed list of templates. A lookup naming an account prefers that account's entry,
 * then an entry without an account. A lookup without an account takes the entry without an account, or
 * else the only account-scoped entry of that name and language; when several accounts hold one and none
 * is unscoped the answer would be a guess, so it is `undefined`.
 */
export function createStaticTemplateRegistry(templates: readonly TemplateInfo[]): TemplateRegistry {
  const byKey = new Map<string, TemplateInfo[]>();
  for (const template of templates) {
    const key = `${template.name}\u0000${normaliseTemplateLanguage(template.language)}`;
    const list = byKey.get(key);
    if (list === undefined) byKey.set(key, [template]);
    else list.push(template);
  }

  function lookup(businessAccountId: string | undefined, name: string, language: string): TemplateInfo | undefined {
    const candidates = byKey.get(`${name}\u0000${normaliseTemplateLanguage(language)}`) ?? [];
    const unscoped = candidates.find((t) => t.businessAccountId === undefined);
    if (businessAccountId !== undefined) return candidates.find((t) => t.businessAccountId === businessAccountId) ?? unscoped;
    if (unscoped !== undefined) return unscoped;
    return candidates.length === 1 ? candidates[0] : undefined;
  }

  return {
    find: (businessAccountId, name, language) => Promise.resolve(lookup(businessAccountId, name, language)),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------------------

const PARAMETER_NAME = /^[a-z_][a-z0-9_]{0,127}$/;

/** "is required" for a missing field, `otherwise` for a value of the wrong type. */
function requiredOr(otherwise: string) {
  return { error: (issue: { input: unknown }) => (issue.input === undefined ? 'is required' : otherwise) };
}

const TemplateInfoSchema = z
  .strictObject({
    name: z.string(requiredOr('must be a string')).regex(/^[a-z0-9_]{1,512}$/, { error: 'must be 1 to 512 lowercase letters, digits or _' }),
    language: z
      .string(requiredOr('must be a string'))
      .regex(/^[a-z]{2,3}(?:[_-][A-Z]{2})?$/, { error: 'must be a template language code such as fr, en_US or pt_BR' }),
    status: z
      .string(requiredOr('must be a string'))
      .regex(/^[A-Z][A-Z_]{0,63}$/, { error: "must be Meta's status in capitals, e.g. APPROVED, PAUSED or DISABLED" }),
    category: z.enum(['marketing', 'utility', 'authentication'], requiredOr('must be one of marketing, utility, authentication')),
    parameterFormat: z.enum(['positional', 'named'], { error: 'must be positional or named' }).optional(),
    parameters: z
      .strictObject({
        header: z.number().int().min(0).max(1).optional(),
        body: z
          .union([
            z.number().int().min(0).max(100),
            z.array(z.string().regex(PARAMETER_NAME, { error: 'must be lowercase letters, digits and _, starting with a letter or _' })),
          ])
          .optional(),
        buttons: z.array(z.number().int().min(0).max(9)).max(10).optional(),
      })
      .optional(),
    businessAccountId: z.string().regex(/^[0-9]{1,32}$/, { error: 'must be a Graph API id (digits only)' }).optional(),
  })
  .superRefine((value, ctx) => {
    const body = value.parameters?.body;
    if (Array.isArray(body)) {
      if (value.parameterFormat === 'positional') {
        ctx.addIssue({ code: 'custom', path: ['parameters', 'body'], message: 'lists parameter names but parameterFormat is positional (give a count instead)' });
      }
      const seen = new Set<string>();
      body.forEach((name, i) => {
        if (seen.has(name)) ctx.addIssue({ code: 'custom', path: ['parameters', 'body', i], message: `repeats the parameter name "${name}"` });
        seen.add(name);
      });
    } else if (typeof body === 'number' && body > 0 && value.parameterFormat === 'named') {
      ctx.addIssue({ code: 'custom', path: ['parameters', 'body'], message: 'is a count but parameterFormat is named (list the parameter names instead)' });
    }
    const buttons = value.parameters?.buttons ?? [];
    if (new Set(buttons).size !== buttons.length) ctx.addIssue({ code: 'custom', path: ['parameters', 'buttons'], message: 'button indexes must be unique' });
  });

/** The JSON the deployed stack passes as configuration: an array of {@link TemplateInfo}. */
const TemplateRegistryConfigSchema = z.array(TemplateInfoSchema, { error: 'must be a JSON array of templates' });

/**
 * Parses and validates the template configuration (a JSON array of {@link TemplateInfo}). Unknown fields
 * are refused, so a misspelt key surfaces. Throws an `Error` whose message names each bad entry by its
 * position and, when readable, its name and language, e.g.
 * `template registry config: entry 2 (order_shipped/en_US): status: must be Meta's status in capitals…`.
 * The same template (account, name and language) configured twice is refused too.
 */
export function parseTemplateRegistryConfig(json: string): TemplateInfo[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new Error(`template registry config is not valid JSON: ${(error as Error).message}`);
  }
  const result = TemplateRegistryConfigSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const [index, ...rest] = issue.path;
      if (typeof index !== 'number') return issue.path.length === 0 ? issue.message : describeIssues([issue])[0]!;
      const problem = rest.length === 0 ? issue.message : describeIssues([{ path: rest, message: issue.message }])[0]!;
      return `${entryLabel(raw, index)}: ${problem}`;
    });
    throw new Error(`template registry config: ${lines.join('; ')}`);
  }
  const templates = result.data;
  const seen = new Map<string, number>();
  const duplicates: string[] = [];
  templates.forEach((t, index) => {
    const key = `${t.businessAccountId ?? '*'}\u0000${t.name}\u0000${normaliseTemplateLanguage(t.language)}`;
    const first = seen.get(key);
    if (first !== undefined) duplicates.push(`${entryLabel(raw, index)} repeats entry ${first} (same name, language and account)`);
    else seen.set(key, index);
  });
  if (duplicates.length > 0) throw new Error(`template registry config: ${duplicates.join('; ')}`);
  return templates;
}

function entryLabel(raw: unknown, index: number): string {
  const entry = Array.isArray(raw) ? (raw[index] as unknown) : undefined;
  if (typeof entry === 'object' && entry !== null) {
    const { name, language } = entry as { name?: unknown; language?: unknown };
    if (typeof name === 'string' && typeof language === 'string') return `entry ${index} (${name.slice(0, 80)}/${language.slice(0, 16)})`;
    if (typeof name === 'string') return `entry ${index} (${name.slice(0, 80)})`;
  }
  return `entry ${index}`;
}
