/**
 * The date spellings of spreadsheets and forms, normalised in ONE place for the JSON API
 * (POST /api/v1/certificates, JSON batches) and CSV batches alike (validateIssueRequest.ts).
 * What does not match is returned unchanged, for the validator to reject with the value as given.
 */

/** Without white space at either end and invisible format characters (Unicode Cf: zero-width space, direction marks) anywhere. */
const visible = (s: string) => s.replace(/\p{Cf}/gu, '').trim();

/**
 * A time after the date: Excel saves a cell formatted as date and time as `2025/6/30 0:00`
 * (its default format for a typed date with a time), a form or a script as ISO 8601
 * `2025-06-30T00:00:00`. The date is the day that time falls on in China; a time in another
 * zone (`Z`, `-05:00`) could fall on another day there and is not read.
 */
const TIME_OF_DAY = /(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:\+08:?00)?$/;

/** 2025-6-30, 2025/06/30, 2025.6.30, 2025年6月30日, 20250630 (any of them with a time) → 2025-06-30. */
export function normaliseDate(s: string): string {
  const t = visible(s).replace(TIME_OF_DAY, '');
  const m = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/.exec(t) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(t);
  return m ? `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}` : t;
}

/**
 * 1990-1, 1990/01, 1990.1, 1990年1月, 199001 → 1990-01. A whole date (1990-01-15, 1990/1/1,
 * 1990年1月1日, 19900101) gives its month: Excel turns a typed "1990-1" into the date 1990-01-01.
 */
export function normaliseMonth(s: string): string {
  const t = visible(s);
  const m = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$/.exec(t) ?? /^(\d{4})(\d{2})$/.exec(t);
  if (m) return `${m[1]}-${m[2].padStart(2, '0')}`;
  const d = normaliseDate(t);
  return /^\d{4}-\d{2}-\d{2}$/.test(d) ? d.slice(0, 7) : t;
}
