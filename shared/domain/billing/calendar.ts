/**
 * Days and months in the business's timezone: Meta accrues charges, resets volume tiers and starts rate cards by the
 * WhatsApp Business Account's timezone (https://developers.facebook.com/documentation/business-messaging/whatsapp/pricing),
 * so a message delivered at 23:30 UTC on 31 October is a November charge for a business in Europe/Paris.
 */

/** A calendar month, `YYYY-MM`. */
export const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;
/** A calendar day, `YYYY-MM-DD` (not checked against the month's length). */
export const DAY_PATTERN = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Why `timeZone` is not an IANA timezone Node knows, or `undefined` when it is one (`Europe/Paris`, `UTC`). */
export function timeZoneProblem(timeZone: string): string | undefined {
  try {
    formatterFor(timeZone);
    return undefined;
  } catch {
    return `${JSON.stringify(timeZone.slice(0, 64))} is not an IANA timezone (e.g. Europe/Paris)`;
  }
}

/**
 * Every timezone's offset is a whole number of quarter hours and changes on a quarter hour, so all instants of one
 * quarter hour fall on the same local day: the day is computed once per quarter hour and zone (Intl is slow).
 */
const QUARTER_HOUR_MS = 15 * 60_000;
const MAX_CACHED_DAYS = 50_000;
const days = new Map<string, string>();

/** The day (`YYYY-MM-DD`) of epoch-ms `instant` in `timeZone`. Throws a RangeError on an unknown timezone. */
export function localDay(instant: number, timeZone: string): string {
  const quarter = Math.floor(instant / QUARTER_HOUR_MS);
  const key = `${timeZone}|${quarter}`;
  const cached = days.get(key);
  if (cached !== undefined) return cached;
  const parts = formatterFor(timeZone).formatToParts(new Date(quarter * QUARTER_HOUR_MS));
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? '';
  const day = `${get('year')}-${get('month')}-${get('day')}`;
  if (days.size >= MAX_CACHED_DAYS) days.clear();
  days.set(key, day);
  return day;
}

/** The month (`YYYY-MM`) of a day. */
export function monthOf(day: string): string {
  return day.slice(0, 7);
}
