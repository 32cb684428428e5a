// What the database can hold, checked where a caller's value enters: a value past these bounds is
// the caller's mistake (400), not a failed query (500).

/** PostgreSQL's BIGINT (stored event and audit IDs). */
export const MAX_BIGINT = 9_223_372_036_854_775_807n;

/** A decimal ID that fits a BIGINT column. */
export function isBigintId(text: string): boolean {
  return /^\d{1,19}$/.test(text) && BigInt(text) <= MAX_BIGINT;
}

/** A UUID in its text form, as a UUID column takes it. */
export function isUuid(text: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text);
}

/**
 * Dates from year 1 to 9999: JavaScript accepts years 0 and ±275760, which PostgreSQL and ISO
 * 8601's four-digit years do not.
 */
export function isStorableDate(date: Date): boolean {
  const year = date.getUTCFullYear();
  return !Number.isNaN(date.getTime()) && year >= 1 && year <= 9999;
}
