/**
 * The local SQS emulator's body check follows SQS's character set
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html, MessageBody:
 * #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF), and patching fauxqs fails loudly
 * when fauxqs no longer ships the check it was written for.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { SQS_INVALID_BODY_CHARACTER, widenBodyCheck } from '#infra/local/emulators.js';

const FUZZ_SEED = Number(process.env['FUZZ_SEED'] ?? 20261203);
const FILE = 'node_modules/fauxqs/dist/sqs/sqsTypes.js';

/** A code point SQS accepts, drawn from each of its ranges. */
const allowedCodePoint = fc.oneof(
  fc.constantFrom(0x09, 0x0a, 0x0d),
  fc.integer({ min: 0x20, max: 0xd7ff }),
  fc.integer({ min: 0xe000, max: 0xfffd }),
  fc.integer({ min: 0x10000, max: 0x10ffff }),
);
const allowedText = fc.array(allowedCodePoint, { maxLength: 40 }).map((points) => String.fromCodePoint(...points));
/** One UTF-16 unit SQS refuses: a control character, a lone surrogate, or a noncharacter U+FFFE/U+FFFF. */
const refusedUnit = fc.oneof(
  fc.integer({ min: 0x00, max: 0x08 }),
  fc.constantFrom(0x0b, 0x0c),
  fc.integer({ min: 0x0e, max: 0x1f }),
  fc.integer({ min: 0xd800, max: 0xdfff }),
  fc.constantFrom(0xfffe, 0xffff),
).map((unit) => String.fromCharCode(unit));

describe('the SQS body character set', () => {
  it('accepts any text of allowed characters, emoji and other astral characters included', () => {
    fc.assert(
      fc.property(allowedText, (body) => !SQS_INVALID_BODY_CHARACTER.test(body)),
      { seed: FUZZ_SEED, numRuns: 2_000 },
    );
    expect(SQS_INVALID_BODY_CHARACTER.test('Merci 🎉 👍🏽 𝒜 👨‍👩‍👧 שלום')).toBe(false);
  });

  it('refuses text holding one refused unit anywhere (a lone surrogate stays refused even next to emoji)', () => {
    fc.assert(
      // The "x" on each side keeps a surrogate lone: next to `before` or `after` it could otherwise pair up.
      fc.property(allowedText, refusedUnit, allowedText, (before, unit, after) => SQS_INVALID_BODY_CHARACTER.test(`${before}x${unit}x${after}`)),
      { seed: FUZZ_SEED, numRuns: 2_000 },
    );
  });
});

describe('widening fauxqs body check', () => {
  it('recompiles the check fauxqs 1.9.2 ships in place, so every module holding it tests the SQS set', () => {
    // eslint-disable-next-line no-control-regex
    const shipped = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD]/;
    const heldElsewhere = shipped;
    expect(shipped.test('👍')).toBe(true);

    widenBodyCheck(shipped, FILE);

    expect(heldElsewhere.test('👍')).toBe(false);
    expect(heldElsewhere.test('\uFFFF')).toBe(true);
    expect(heldElsewhere.test('\uD83D')).toBe(true);
  });

  it('accepts a check already widened (a second emulator in the same process)', () => {
    const widened = new RegExp(SQS_INVALID_BODY_CHARACTER.source, SQS_INVALID_BODY_CHARACTER.flags);

    expect(() => widenBodyCheck(widened, FILE)).not.toThrow();
    expect(widened.test('🎉')).toBe(false);
  });

  it.each([
    ['no longer a RegExp', 'a string', /no longer exports the RegExp INVALID_MESSAGE_BODY_CHAR/],
    ['a different pattern', /[^\x20-\uFFFD]/, /changed its message-body check .*sqsTypes\.js \(now \/\[\^\\x20-\\uFFFD\]\/\)/],
    ['the same pattern with other flags', /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD]/i, /changed its message-body check/],
  ])('refuses to patch a check that is %s, naming the file', (_label, check, message) => {
    expect(() => widenBodyCheck(check, FILE)).toThrow(message);
  });
});
