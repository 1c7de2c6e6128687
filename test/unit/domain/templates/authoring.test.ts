import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { characterCount, describeAuthoringProblems, validateTemplateCreation } from '#shared/domain/templates/authoring.js';

// Valid bodies follow the shapes of Meta's creation examples (our own names and values):
// https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/marketing-templates/custom-marketing-templates
// https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/utility-templates/utility-templates
// https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/authentication-templates/copy-code-button-authentication-templates

const SEED = Number(process.env['FUZZ_SEED'] ?? 20_261_204);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 500);
const seedNote = `FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`;

type Json = Record<string, unknown>;

/** An image header, a positional body with examples, a footer, two quick replies and a dynamic URL button. */
function marketing(): Json {
  return {
    name: 'soldes_hiver_2026',
    language: 'fr',
    category: 'MARKETING',
    components: [
      { type: 'HEADER', format: 'IMAGE', example: { header_handle: ['4::aW1hZ2UvanBlZw==:ARb1'] } },
      {
        type: 'BODY',
        text: 'Bonjour {{1}} ! Les soldes d’hiver commencent ❄️ : {{2}} sur toute la boutique, jusqu’à dimanche.',
        example: { body_text: [['Zoé', '-30 %']] },
      },
      { type: 'FOOTER', text: 'Répondez STOP pour ne plus recevoir nos offres' },
      {
        type: 'BUTTONS',
        buttons: [
          { type: 'QUICK_REPLY', text: 'Voir les offres' },
          { type: 'QUICK_REPLY', text: 'Arrêter les promos' },
          { type: 'URL', text: 'Boutique', url: 'https://boutique.example.fr/soldes/{{1}}', example: ['https://boutique.example.fr/soldes/hiver'] },
        ],
      },
    ],
  };
}

/** Meta's named-parameter utility example, reworded. */
function utilityNamed(): Json {
  return {
    name: 'order_confirmation_named',
    language: 'en_US',
    category: 'UTILITY',
    parameter_format: 'NAMED',
    components: [
      { type: 'HEADER', format: 'TEXT', text: 'Order {{order_number}} confirmed', example: { header_text_named_params: [{ param_name: 'order_number', example: '8675309' }] } },
      {
        type: 'BODY',
        text: 'Thank you, {{first_name}}! Your order {{order_number}} ships on {{ship_date}}. 🚚',
        example: {
          body_text_named_params: [
            { param_name: 'first_name', example: 'Pablo' },
            { param_name: 'order_number', example: '8675309' },
            { param_name: 'ship_date', example: 'May 4' },
          ],
        },
      },
    ],
  };
}

/** Meta's copy-code authentication body: lower-case category and types, as Meta's example writes them. */
function authenticationCopyCode(): Json {
  return {
    name: 'login_code',
    language: 'en_US',
    category: 'authentication',
    message_send_ttl_seconds: 300,
    components: [
      { type: 'body', add_security_recommendation: true },
      { type: 'footer', code_expiration_minutes: 10 },
      { type: 'buttons', buttons: [{ type: 'otp', otp_type: 'copy_code', text: 'Copy code' }] },
    ],
  };
}

function authenticationOneTap(): Json {
  return {
    name: 'login_one_tap',
    language: 'pt_BR',
    category: 'AUTHENTICATION',
    components: [
      { type: 'BODY', add_security_recommendation: false },
      {
        type: 'BUTTONS',
        buttons: [
          {
            type: 'OTP',
            otp_type: 'ONE_TAP',
            text: 'Copiar código',
            autofill_text: 'Preencher',
            supported_apps: [{ package_name: 'br.com.exemplo.app', signature_hash: 'K8a/AINcGX7' }],
          },
        ],
      },
    ],
  };
}

function problemsOf(body: unknown): string[] {
  const result = validateTemplateCreation(body);
  return result.ok ? [] : describeAuthoringProblems(result.problems);
}

/** Sets `value` at `path` in a deep copy of `body` (`undefined` deletes). */
function edit(body: Json, path: ReadonlyArray<string | number>, value: unknown): Json {
  const copy = structuredClone(body);
  let target: any = copy;
  for (const key of path.slice(0, -1)) target = target[key];
  const last = path[path.length - 1]!;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
}

describe('validateTemplateCreation: bodies written as Meta documents them pass', () => {
  it.each([
    ['a marketing template with an image header, quick replies and a dynamic URL', marketing()],
    ['a utility template with named parameters', utilityNamed()],
    ['a copy-code authentication template', authenticationCopyCode()],
    ['a one-tap authentication template', authenticationOneTap()],
    [
      'a utility template with a location header, RTL text and a phone button',
      {
        name: 'appointment_ar',
        language: 'ar',
        category: 'UTILITY',
        components: [
          { type: 'HEADER', format: 'LOCATION' },
          { type: 'BODY', text: 'مرحبا {{1}}، موعدك في العيادة يوم {{2}}. نراك قريبا!', example: { body_text: [['سارة', 'الخميس']] } },
          { type: 'BUTTONS', buttons: [{ type: 'PHONE_NUMBER', text: 'اتصل بنا', phone_number: '+971501234567' }] },
        ],
      },
    ],
    [
      'a marketing template with a coupon code and a body without parameters',
      {
        name: 'coupon_ete',
        language: 'es_MX',
        category: 'MARKETING',
        components: [
          { type: 'BODY', text: '¡Verano con descuento! Usa el código en caja. ☀️🏖️' },
          { type: 'BUTTONS', buttons: [{ type: 'COPY_CODE', example: 'VERANO25' }, { type: 'URL', text: 'Tienda', url: 'https://tienda.example.mx' }] },
        ],
      },
    ],
  ])('%s', (_label, body) => {
    const result = validateTemplateCreation(body);
    expect(result.ok ? [] : describeAuthoringProblems(result.problems)).toEqual([]);
    expect(result.ok && result.body.name).toBe((body as Json)['name']);
  });
});

describe('validateTemplateCreation: each problem is named with its path', () => {
  it.each<[string, Json, string]>([
    ['a name with capitals or a dash', edit(marketing(), ['name'], 'Soldes-Hiver'), 'name: must be lowercase letters, digits and _ only'],
    ['a name over 512 characters', edit(marketing(), ['name'], 'a'.repeat(513)), 'name: must be at most 512 characters (it has 513)'],
    ['a missing name', edit(marketing(), ['name'], undefined), 'name: is required'],
    ['a language with a dash', edit(marketing(), ['language'], 'en-US'), 'language: must be a template language code such as en_US'],
    ['an unknown category', edit(marketing(), ['category'], 'PROMO'), 'category: must be one of MARKETING, UTILITY, AUTHENTICATION'],
    ['a body over 1024 characters', edit(marketing(), ['components', 1, 'text'], `Salut {{1}} et {{2}} ${'é'.repeat(1010)}.`), 'components[1].text: must be at most 1024 characters (it has 1032)'],
    ['a header over 60 characters', edit(utilityNamed(), ['components', 0, 'text'], `Order {{order_number}} ${'x'.repeat(38)}`), 'components[0].text: must be at most 60 characters (it has 61)'],
    ['a footer over 60 characters', edit(marketing(), ['components', 2, 'text'], 'f'.repeat(61)), 'components[2].text: must be at most 60 characters (it has 61)'],
    ['a footer with a parameter', edit(marketing(), ['components', 2, 'text'], 'Code {{1}} !'), 'components[2].text: must not have parameters'],
    ['a body starting with a parameter', edit(marketing(), ['components', 1, 'text'], '{{1}}, les soldes : {{2}} !'), 'components[1].text: starts with the parameter {{1}}'],
    ['a body ending with a parameter', edit(marketing(), ['components', 1, 'text'], 'Bonjour {{1}}, soldes : {{2}}'), 'components[1].text: ends with the parameter {{2}}'],
    ['adjacent parameters', edit(marketing(), ['components', 1, 'text'], 'Bonjour {{1}}{{2}} !'), 'components[1].text: has the parameters {{1}} and {{2}} side by side'],
    ['parameters separated only by a space', edit(marketing(), ['components', 1, 'text'], 'Bonjour {{1}} {{2}} !'), 'side by side'],
    ['a gap in the numbering', edit(marketing(), ['components', 1, 'text'], 'Bonjour {{1}}, soldes {{3}} !'), 'components[1].text: numbers its parameters {{1}}, {{3}}: they must run from {{1}} to {{2}}'],
    ['a missing body example', edit(marketing(), ['components', 1, 'example'], undefined), 'components[1].example.body_text: is required: one example value for each of the 2 parameter(s)'],
    ['too few body examples', edit(marketing(), ['components', 1, 'example'], { body_text: [['Zoé']] }), 'components[1].example.body_text: gives 1 example value(s) for 2 parameter(s)'],
    ['a flat body example', edit(marketing(), ['components', 1, 'example'], { body_text: ['Zoé', '-30 %'] }), 'components[1].example.body_text: must be a list inside a list'],
    ['an empty example value', edit(marketing(), ['components', 1, 'example'], { body_text: [['Zoé', ' ']] }), 'components[1].example.body_text[0][1]: must be a non-empty example value'],
    ['a media header without a sample handle', edit(marketing(), ['components', 0, 'example'], undefined), 'components[0].example.header_handle: is required for a IMAGE header'],
    ['a header without a format', edit(marketing(), ['components', 0, 'format'], undefined), 'components[0].format: is required'],
    ['a named parameter in a positional template', edit(marketing(), ['components', 1, 'text'], 'Bonjour {{prenom}} !'), 'components[1].text: uses the named parameter {{prenom}} but parameter_format is positional'],
    ['a number in a named template', edit(utilityNamed(), ['components', 1, 'text'], 'Thanks {{1}}, order {{order_number}} ships {{ship_date}}.'), 'components[1].text: uses the positional parameter {{1}} but parameter_format is named'],
    ['a malformed placeholder', edit(marketing(), ['components', 1, 'text'], 'Bonjour {{ Prénom }} !'), 'components[1].text: has {{ Prénom }}, which is not a parameter'],
    [
      'a named example missing',
      edit(utilityNamed(), ['components', 1, 'example', 'body_text_named_params'], [{ param_name: 'first_name', example: 'Pablo' }, { param_name: 'order_number', example: '1' }]),
      'components[1].example.body_text_named_params: has no example for {{ship_date}}',
    ],
    [
      'a named example for a name the text does not use',
      edit(utilityNamed(), ['components', 0, 'example', 'header_text_named_params'], [{ param_name: 'order_number', example: '1' }, { param_name: 'city', example: 'Lyon' }]),
      'components[0].example.header_text_named_params: gives examples for "city", which the text does not use',
    ],
    ['two parameters in a header', edit(utilityNamed(), ['components', 0, 'text'], 'Order {{order_number}} for {{first_name}}'), 'components[0].text: has 2 parameters: a header takes at most 1'],
    ['a missing BODY', edit(marketing(), ['components'], (marketing()['components'] as unknown[]).slice(0, 1)), 'components: must include a BODY component'],
    ['two BODY components', edit(marketing(), ['components', 2], { type: 'BODY', text: 'Encore' }), 'components[2].type: repeats BODY (already components[1])'],
    ['an unknown component type', edit(marketing(), ['components', 2, 'type'], 'SIDEBAR'), 'components[2].type: must be one of HEADER, BODY, FOOTER, BUTTONS'],
  ])('%s', (_label, body, expected) => {
    const problems = problemsOf(body);
    expect(problems.some((line) => line.includes(expected)), `${expected}\nnot in:\n${problems.join('\n')}`).toBe(true);
  });

  it('counts characters as code points: 1024 emoji-rich characters pass, 1025 do not', () => {
    const prefix = 'Olá {{1}}, chegou 📦 — ';
    const fill = (length: number) => `${prefix}${'🎉'.repeat(length - characterCount(prefix) - 1)}.`;
    const fits = edit(marketing(), ['components', 1], { type: 'BODY', text: fill(1024), example: { body_text: [['Zé']] } });
    expect((fill(1024)).length).toBeGreaterThan(1024);
    expect(problemsOf(fits)).toEqual([]);
    const over = edit(marketing(), ['components', 1], { type: 'BODY', text: fill(1025), example: { body_text: [['Zé']] } });
    expect(problemsOf(over)).toEqual(['components[1].text: must be at most 1024 characters (it has 1025)']);
  });
});

describe('validateTemplateCreation: buttons', () => {
  const withButtons = (buttons: unknown[]) => edit(marketing(), ['components', 3, 'buttons'], buttons);
  const quick = (text: string) => ({ type: 'QUICK_REPLY', text });
  const url = { type: 'URL', text: 'Site', url: 'https://example.com' };

  it('refuses quick replies interleaved with other buttons, and accepts them grouped at either end', () => {
    expect(problemsOf(withButtons([quick('Oui'), url, quick('Non')]))).toEqual([
      'components[3].buttons[1]: is a URL button between quick replies: group the quick replies together, before or after the other buttons',
    ]);
    expect(problemsOf(withButtons([url, quick('Oui'), quick('Non')]))).toEqual([]);
    expect(problemsOf(withButtons([quick('Oui'), quick('Non'), url]))).toEqual([]);
  });

  it('refuses more than 10 buttons and more URL, phone or copy-code buttons than Meta allows', () => {
    expect(problemsOf(withButtons(Array.from({ length: 11 }, (_, i) => quick(`Choix ${i}`))))).toEqual(['components[3].buttons: holds 11 buttons: at most 10']);
    expect(problemsOf(withButtons([url, url, url]))).toEqual(['components[3].buttons: holds 3 URL buttons: at most 2']);
    const phone = { type: 'PHONE_NUMBER', text: 'Appeler', phone_number: '+33123456789' };
    expect(problemsOf(withButtons([phone, phone]))).toEqual(['components[3].buttons: holds 2 phone number buttons: at most 1']);
  });

  it('refuses a label over 25 characters (emoji counted once) and a missing one', () => {
    expect(problemsOf(withButtons([quick('😀'.repeat(25))]))).toEqual([]);
    expect(problemsOf(withButtons([quick('😀'.repeat(26))]))).toEqual(['components[3].buttons[0].text: must be at most 25 characters (it has 26)']);
    expect(problemsOf(withButtons([{ type: 'QUICK_REPLY' }]))).toEqual(["components[3].buttons[0].text: is required: the QUICK_REPLY button's label"]);
  });

  it('refuses a URL variable anywhere but the end, more than one, a URL over 2000 characters and a variable without example', () => {
    expect(problemsOf(withButtons([{ ...url, url: 'https://example.com/{{1}}/track', example: ['https://example.com/a/track'] }]))).toEqual([
      'components[3].buttons[0].url: has its variable before the end: a URL variable may only end the address, e.g. https://example.com/track/{{1}}',
    ]);
    expect(problemsOf(withButtons([{ ...url, url: 'https://example.com/{{1}}/{{2}}', example: ['x'] }]))[0]).toContain('has 2 variables');
    expect(problemsOf(withButtons([{ ...url, url: `https://example.com/${'p'.repeat(1981)}` }]))).toEqual(['components[3].buttons[0].url: must be at most 2000 characters (it has 2001)']);
    expect(problemsOf(withButtons([{ ...url, url: 'https://example.com/{{1}}' }]))[0]).toContain('components[3].buttons[0].example: is required for a URL with a variable');
  });

  it('refuses a copy-code example over 15 characters or missing', () => {
    expect(problemsOf(withButtons([{ type: 'COPY_CODE', example: 'CODE_ÉTÉ_2026_XL' }]))).toEqual(['components[3].buttons[0].example: must be at most 15 characters (it has 16)']);
    expect(problemsOf(withButtons([{ type: 'COPY_CODE' }]))).toEqual(['components[3].buttons[0].example: is required: a sample code, up to 15 characters']);
  });

  it('refuses an OTP button outside an authentication template', () => {
    expect(problemsOf(withButtons([{ type: 'OTP', otp_type: 'COPY_CODE' }]))).toEqual(['components[3].buttons[0].type: OTP buttons belong to AUTHENTICATION templates only']);
  });
});

describe('validateTemplateCreation: authentication templates', () => {
  it('requires exactly one OTP button', () => {
    const noButtons = { ...authenticationCopyCode(), components: (authenticationCopyCode()['components'] as unknown[]).slice(0, 2) };
    expect(problemsOf(noButtons)).toEqual(['components: must include a BUTTONS component with one OTP button (copy code, one-tap or zero-tap): AUTHENTICATION templates need one']);
    const two = edit(authenticationCopyCode(), ['components', 2, 'buttons'], [
      { type: 'otp', otp_type: 'copy_code' },
      { type: 'otp', otp_type: 'copy_code' },
    ]);
    expect(problemsOf(two)).toEqual(['components[2].buttons: must hold exactly one OTP button (it has 2)']);
  });

  it('refuses a header, body text, footer text, URL buttons and an unknown otp_type', () => {
    const body = authenticationCopyCode();
    const components = body['components'] as Json[];
    const bad = {
      ...body,
      components: [
        { type: 'HEADER', format: 'IMAGE', example: { header_handle: ['h'] } },
        { ...components[0], text: '{{1}} est votre code 🔐' },
        { type: 'FOOTER', text: 'Expire bientôt', code_expiration_minutes: 91 },
        { type: 'BUTTONS', buttons: [{ type: 'OTP', otp_type: 'MAGIC_LINK' }, { type: 'URL', text: 'Site', url: 'https://example.com' }] },
      ],
    };
    expect(problemsOf(bad)).toEqual([
      'components[0]: an AUTHENTICATION template has no header (Meta sets its text; media are not supported)',
      'components[1].text: must be left out: Meta writes the text of AUTHENTICATION templates ("<code> is your verification code.")',
      'components[2].text: must be left out: an AUTHENTICATION footer only takes code_expiration_minutes',
      'components[2].code_expiration_minutes: must be a whole number of minutes from 1 to 90',
      'components[3].buttons[0].otp_type: must be COPY_CODE, ONE_TAP or ZERO_TAP',
      'components[3].buttons[1].type: is URL: an AUTHENTICATION template takes only its OTP button (no URL, quick reply or other buttons)',
    ]);
  });

  it('requires the Android apps for one-tap and zero-tap, and the zero-tap terms', () => {
    const noApps = edit(authenticationOneTap(), ['components', 1, 'buttons', 0, 'supported_apps'], undefined);
    expect(problemsOf(noApps)[0]).toContain('components[1].buttons[0].supported_apps: is required for ONE_TAP');
    const badHash = edit(authenticationOneTap(), ['components', 1, 'buttons', 0, 'supported_apps', 0, 'signature_hash'], 'short');
    expect(problemsOf(badHash)).toEqual(["components[1].buttons[0].supported_apps[0].signature_hash: must be the app's 11-character signing key hash"]);
    const zeroTap = edit(authenticationOneTap(), ['components', 1, 'buttons', 0, 'otp_type'], 'ZERO_TAP');
    expect(problemsOf(zeroTap)).toEqual(["components[1].buttons[0].zero_tap_terms_accepted: must be true: zero-tap templates need Meta's zero-tap terms accepted"]);
    expect(problemsOf(edit(zeroTap, ['components', 1, 'buttons', 0, 'zero_tap_terms_accepted'], true))).toEqual([]);
  });
});

describe(`validateTemplateCreation never throws (${seedNote})`, () => {
  const anyJson = fc.jsonValue({ maxDepth: 6 });
  /** A valid body with one value replaced at a random depth: near misses reach the deep rules. */
  const mutated = fc
    .tuple(fc.constantFrom(marketing(), utilityNamed(), authenticationCopyCode(), authenticationOneTap()), fc.array(fc.oneof(fc.string(), fc.nat({ max: 5 })), { minLength: 1, maxLength: 6 }), anyJson)
    .map(([body, path, value]) => {
      const copy: any = structuredClone(body);
      let target: any = copy;
      for (const key of path.slice(0, -1)) {
        if (target === null || typeof target !== 'object' || !(key in target)) break;
        target = target[key];
      }
      if (target !== null && typeof target === 'object') target[path[path.length - 1]!] = value;
      return copy as unknown;
    });

  it('answers any JSON with ok or a non-empty list of problems, each with a message', () => {
    fc.assert(
      fc.property(fc.oneof(anyJson, mutated, fc.anything()), (input) => {
        const result = validateTemplateCreation(input);
        if (result.ok) {
          expect(result.body).toBeTypeOf('object');
        } else {
          expect(result.problems.length).toBeGreaterThan(0);
          for (const problem of result.problems) expect(problem.message.length).toBeGreaterThan(0);
          expect(describeAuthoringProblems(result.problems).length).toBe(result.problems.length);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
