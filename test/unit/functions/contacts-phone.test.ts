/**
 * One phone rule: every string the send contract (`POST /messages`, `SendRequested`) accepts as `to`, the
 * Contacts API accepts as a contact reference and as an import row's phone, and the other way round.
 * Seeded from `FUZZ_SEED` (printed on failure by fast-check, and in the test names).
 */
import fc from 'fast-check';
import { getCountries, getCountryCallingCode } from 'libphonenumber-js';
import { beforeEach, describe, expect, it } from 'vitest';
import { createGetContact } from '#functions/get-contact.js';
import { createImportContacts } from '#functions/import-contacts.js';
import { parseSendRequest } from '#shared/contracts/events/outbound/send-request.js';
import { apiEvent, createCapturingPublisher, createFakeContactStore, makeDeps, WABA, withErrors } from './contacts-fake-store.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 7_2026);
const RUNS = 2_000;

const CALLING_CODES = [...new Set(getCountries().map((c) => getCountryCallingCode(c)))];

/** Phone-like strings: a real calling code and more digits most of the time, sometimes anything after a `+`. */
const phoneLike = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...CALLING_CODES), fc.stringMatching(/^[0-9]{0,14}$/)).map(([cc, rest]) => `+${cc}${rest}`) },
  // National numbers of the usual lengths, where most valid numbers are.
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...CALLING_CODES), fc.stringMatching(/^[1-9][0-9]{6,10}$/)).map(([cc, rest]) => `+${cc}${rest}`) },
  { weight: 2, arbitrary: fc.stringMatching(/^\+[0-9]{1,17}$/) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => `+${s}`),
      fc.constantFrom('+', '+0', '+00331234567', '+33 612345678', '+33-612345678', '+٣٣٦١٢٣٤٥٦٧٨', '+３３６１２３４５６７８', '+33612345678\n', '+33612345678🎉'),
    ),
  },
);

function sendAccepts(to: string): boolean {
  const parsed = parseSendRequest({
    metadata: { schemaVersion: 1, idempotencyKey: 'order-42:shipped' },
    data: { phoneNumberId: '106540352242922', to, message: { type: 'text', body: 'Merci 🎉' } },
  });
  return parsed.ok;
}

describe(`one phone rule for sends and contacts (FUZZ_SEED=${SEED})`, () => {
  let get: ReturnType<typeof withErrors>;
  let importRows: ReturnType<typeof withErrors>;

  beforeEach(() => {
    const deps = makeDeps(createFakeContactStore(), createCapturingPublisher());
    get = withErrors(createGetContact(deps));
    importRows = withErrors(createImportContacts(deps));
  });

  /** The Contacts API takes it as a reference: an unknown contact (404), not a refused reference (400). */
  async function contactsAccept(phone: string): Promise<boolean> {
    const res = await get(apiEvent('GET /accounts/{businessAccountId}/contacts/{contactRef}', { path: { businessAccountId: WABA, contactRef: phone } }));
    expect([400, 404], JSON.stringify(res.body)).toContain(res.status);
    return res.status === 404;
  }

  /** An import row names the contact by it (dry: a valid row would be imported, so only the 422 report is read). */
  async function importAccepts(phone: string): Promise<boolean> {
    const res = await importRows(
      apiEvent('POST /accounts/{businessAccountId}/contacts/import', {
        path: { businessAccountId: WABA },
        headers: { 'content-type': 'application/x-ndjson' },
        body: JSON.stringify({ phone }),
      }),
    );
    expect([200, 422], JSON.stringify(res.body)).toContain(res.status);
    return res.status === 200;
  }

  it('accepts +554361758977 (an 8-digit Brazilian mobile that Meta rewrites) for a send and as a contact', async () => {
    expect(sendAccepts('+554361758977')).toBe(true);
    expect(await contactsAccept('+554361758977')).toBe(true);
    expect(await importAccepts('+554361758977')).toBe(true);
  });

  it(`agrees with the send contract on ${RUNS} generated numbers, as contact reference and as import phone`, async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(phoneLike, async (phone) => {
        const send = sendAccepts(phone);
        if (send) accepted++;
        expect(await contactsAccept(phone), phone).toBe(send);
        // Import rows trim their cells, so only untrimmed-stable values are compared there.
        if (phone.trim() === phone) expect(await importAccepts(phone), phone).toBe(send);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // Both sides of the rule were exercised, so agreement was about something.
    expect(accepted).toBeGreaterThan(RUNS / 20);
    expect(accepted).toBeLessThan(RUNS - RUNS / 20);
    // 2,000 handler calls: on 2 loaded cores this can exceed vitest's 5 s default, which would fail it for time, not for a disagreement.
  }, 60_000);
});
