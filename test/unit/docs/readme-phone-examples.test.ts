/**
 * The customer numbers the READMEs tell a newcomer to act as in the sandbox must be numbers Relais accepts,
 * or following the docs they could never reply to their own test customer.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import { toE164 } from '#shared/domain/contacts/phone.js';

const README_FILES = ['README.md', 'infra/local/sandbox/README.md'];
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Every `wa_id` written after `/_sandbox/customers/` or as `actAsCustomer('…')` in `file`. */
function exampleCustomers(file: string): string[] {
  const text = readFileSync(`${ROOT}${file}`, 'utf8');
  return [...text.matchAll(/_sandbox\/customers\/(\d+)|actAsCustomer\('(\d+)'/g)].map((m) => (m[1] ?? m[2])!);
}

describe('sandbox customers in the READMEs', () => {
  it.each(README_FILES)('%s shows at least one, and Relais accepts every one it shows as a phone number', (file) => {
    const numbers = exampleCustomers(file);
    expect(numbers.length).toBeGreaterThan(0);
    expect(numbers.filter((waId) => toE164(`+${waId}`) === undefined)).toEqual([]);
  });
});
