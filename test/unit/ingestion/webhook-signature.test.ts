import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signWebhookBody, verifyWebhookSignature } from '#shared/domain/ingestion/webhook-signature.js';

const SECRET = 'app-secret-under-test';
const body = Buffer.from('{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[]}],"emoji":"😮"}', 'utf8');

describe('verifyWebhookSignature', () => {
  it('accepts the HMAC-SHA256 of the raw bytes keyed with the app secret', () => {
    expect(verifyWebhookSignature(body, signWebhookBody(body, SECRET), [SECRET])).toBe('valid');
  });

  it('matches a known vector computed independently (openssl dgst -sha256 -hmac)', () => {
    // printf '%s' 'hello' | openssl dgst -sha256 -hmac 'key'
    const header = 'sha256=9307b3b915efb5171ff14d8cb55fbcc798c6c0ef1456d66ded1a6aa723a58b7b';
    expect(verifyWebhookSignature(Buffer.from('hello'), header, ['key'])).toBe('valid');
  });

  it('accepts upper-case hex and surrounding whitespace in the header', () => {
    const header = `  ${signWebhookBody(body, SECRET).replace(/[0-9a-f]{64}$/, (hex) => hex.toUpperCase())} `;
    expect(verifyWebhookSignature(body, header, [SECRET])).toBe('valid');
  });

  it('reports a missing header as missing', () => {
    expect(verifyWebhookSignature(body, undefined, [SECRET])).toBe('missing');
    expect(verifyWebhookSignature(body, '', [SECRET])).toBe('missing');
  });

  it('reports a header without the sha256= prefix or with short hex as malformed', () => {
    const hex = signWebhookBody(body, SECRET).slice('sha256='.length);
    expect(verifyWebhookSignature(body, hex, [SECRET])).toBe('malformed');
    expect(verifyWebhookSignature(body, `sha1=${hex}`, [SECRET])).toBe('malformed');
    expect(verifyWebhookSignature(body, `sha256=${hex.slice(2)}`, [SECRET])).toBe('malformed');
  });

  it('rejects a body signed with another secret', () => {
    expect(verifyWebhookSignature(body, signWebhookBody(body, 'another-secret'), [SECRET])).toBe('mismatch');
  });

  it('rejects a signature of the re-serialised JSON when the raw bytes differ (non-ASCII escaped)', () => {
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8'))).replace('😮', '\\ud83d\\ude2e'));
    expect(verifyWebhookSignature(body, signWebhookBody(reserialised, SECRET), [SECRET])).toBe('mismatch');
  });

  it('accepts either secret while an app secret is being rotated', () => {
    expect(verifyWebhookSignature(body, signWebhookBody(body, 'old'), ['new', 'old'])).toBe('valid');
    expect(verifyWebhookSignature(body, signWebhookBody(body, 'new'), ['new', 'old'])).toBe('valid');
    expect(verifyWebhookSignature(body, signWebhookBody(body, 'other'), ['new', 'old'])).toBe('mismatch');
  });

  it('rejects any body changed after signing (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 512 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (bytes, at, flip) => {
        const signed = signWebhookBody(bytes, SECRET);
        const tampered = Uint8Array.from(bytes);
        const i = at % tampered.length;
        tampered[i] = (tampered[i]! ^ flip) & 0xff;
        return verifyWebhookSignature(bytes, signed, [SECRET]) === 'valid' && verifyWebhookSignature(tampered, signed, [SECRET]) === 'mismatch';
      }),
    );
  });
});
