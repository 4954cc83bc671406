import { chinaDate } from '../issue/validateIssueRequest';

/**
 * The rules of 加注 (annotated copies) as CPTA states them (../shared/reference/domain.md,
 * "加注"): each copy is valid for at most 90 days; counted back from the day of a request, one
 * certificate has at most 3 valid annotations. Dates are China Standard Time calendar days
 * (UTC+8, chinaDate), as printed on the copy.
 */
export const ANNOTATION_POLICY = {
  /** Longest validity of one copy, in calendar days including the day it is made. */
  maxValidDays: 90,
  /** Valid (not withdrawn, not expired) annotations of one certificate at any time, at most. */
  maxValid: 3,
} as const;

const DAY = 86_400_000;

/** `YYYY-MM-DD` plus `n` days. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
}

/**
 * The last day a copy made at `now` for `validDays` days is valid: valid on `validDays`
 * calendar days (China time) counting the day it is made, so 1 = today only.
 */
export function validUntilFor(now: Date, validDays: number): string {
  return addDays(chinaDate(now), validDays - 1);
}

/** Expired once the verifier's China date is after the end date. */
export function isAnnotationExpired(validUntil: string, now: Date): boolean {
  return chinaDate(now) > validUntil;
}

/** The first day another annotation becomes possible when the limit is reached: the day after the earliest end date. */
export function nextAnnotationPossible(validUntils: readonly string[]): string {
  return addDays([...validUntils].sort()[0], 1);
}

export type AnnotationState = 'valid' | 'expired' | 'withdrawn';

/** What a holder, an issuer or a verifier is told of one annotation at `now`. */
export function annotationState(a: { status: 'active' | 'withdrawn'; validUntil: string }, now: Date): AnnotationState {
  if (a.status === 'withdrawn') return 'withdrawn';
  return isAnnotationExpired(a.validUntil, now) ? 'expired' : 'valid';
}

/** `2026年02月23日` as printed on the copy. */
export function chineseDate(day: string): string {
  const [y, m, d] = day.split('-');
  return `${y}年${m}月${d}日`;
}
