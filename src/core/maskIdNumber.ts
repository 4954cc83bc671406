/**
 * The public form of an ID number, the only form that leaves the registry (reports, pages, QR
 * claims, logs).
 *
 * What the public also sees — name, sex, birth year-month (printed on the certificate) — must
 * leave at least MIN_CANDIDATES numbers that fit (security.md, "Privacy of the ID number").
 * A GB 11643 resident ID is region(6) + birth date(8) + sequence(3, its parity = sex) + check(1).
 * Assume the worst: the region is known. With the day of birth (28–31 values) and the
 * sequence (500 values of the right parity) hidden, and the check character hidden too (it would
 * divide the candidates by 11), at least 28 × 500 = 14,000 numbers remain. So a resident ID
 * shows its 6 region digits and nothing after them: `110105************`.
 *
 * Other documents (passports, permits: 5–20 letters and digits) show their first character
 * only when at least 7 stay hidden (≥ 10^7 candidates even if all hidden are digits), else none.
 *
 * Idempotent, and safe on the masked forms of earlier versions (first 6 and last 4 kept, e.g.
 * `110105********002X`): masking a masked value gives the current form, because the current
 * form keeps only characters the earlier one kept. Public views re-mask stored values.
 */
export const MIN_CANDIDATES = 10_000;

export function maskIdNumber(idNumber: string): string {
  const s = idNumber.trim();
  if (s.length === 18 || s.length === 15) return s.slice(0, 6) + '*'.repeat(s.length - 6);
  if (s.length >= 8) return s.slice(0, 1) + '*'.repeat(s.length - 1);
  return '*'.repeat(s.length);
}
