/**
 * Amounts in integer micro-units of their currency (1 EUR = 1,000,000 micros): rates, charges and totals are never
 * floating point, so a month's sum is exact and equals the sum of its lines. A single amount stays a JS number (a
 * safe integer: up to 9 × 10^15 micros, 9 billion units of any currency); totals are summed as `bigint`.
 */

export const MICROS_PER_UNIT = 1_000_000;

/** Up to 9 whole digits: 999,999,999.999999 is 10^15 micros, inside a safe integer. */
const DECIMAL = /^(\d{1,9})(?:\.(\d{1,6}))?$/;

export type MicrosParse = { readonly ok: true; readonly micros: number } | { readonly ok: false; readonly problem: string };

/**
 * A decimal amount as Meta's rate cards write it (`0.0456`, `381.4`, `.05`, `1,25` with a decimal comma), in micros.
 * Refused, naming why: a sign, an exponent, more than 6 decimals (finer than a micro-unit), or no digits.
 */
export function parseDecimalMicros(text: string): MicrosParse {
  const trimmed = text.trim().replace(/^\./, '0.');
  const normalised = /^\d+,\d+$/.test(trimmed) ? trimmed.replace(',', '.') : trimmed;
  const match = DECIMAL.exec(normalised);
  if (match === null) {
    if (/^-/.test(normalised)) return { ok: false, problem: 'must not be negative' };
    if (/^\d+\.\d{7,}$/.test(normalised)) return { ok: false, problem: 'has more than 6 decimals (finer than a micro-unit)' };
    if (/^\d{10,}(\.\d*)?$/.test(normalised)) return { ok: false, problem: 'is too large (at most 999999999.999999)' };
    return { ok: false, problem: 'must be a decimal amount such as 0.0456' };
  }
  const whole = Number(match[1]);
  const fraction = Number((match[2] ?? '').padEnd(6, '0'));
  return { ok: true, micros: whole * MICROS_PER_UNIT + fraction };
}

/** `118600` → `"0.1186"`: micros as a decimal, without trailing zeros past the unit (for CSV and tables). */
export function formatMicros(micros: number | bigint): string {
  const value = BigInt(micros);
  const negative = value < 0n;
  const absolute = negative ? -value : value;
  const whole = absolute / 1_000_000n;
  const fraction = (absolute % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}

/** The sum of micro amounts, exact whatever their number. */
export function sumMicros(amounts: Iterable<number | bigint>): bigint {
  let total = 0n;
  for (const amount of amounts) total += BigInt(amount);
  return total;
}

/**
 * `rate` less `discountBasisPoints` (1 bp = 0.01 %), rounded half up to the micro: how a volume tier's discount applies
 * when a tier is given as a percentage.
 */
export function discounted(rate: number, discountBasisPoints: number): number {
  const numerator = BigInt(rate) * BigInt(10_000 - discountBasisPoints);
  return Number((numerator + 5_000n) / 10_000n);
}
