import { EcertError } from '../core/errors';

/**
 * 管理号 (management number): one per certificate, for life (a re-issue keeps it).
 *
 *   YYYY   QQQ                   SSSSSSS                         C
 *   year   qualification serial  sequence within (year, serial)  check character
 *   2025   017                   0000123                         1     → 202501700001231
 *
 * - YYYY: the year of the issue date (制发日期).
 * - QQQ: the catalog entry's serial (001-999), so the number tells the qualification at a glance.
 * - SSSSSSS: 0000001-8999999, drawn by the registry in the issuing transaction (gapless);
 *   9000000-9999999 is the sample range (SAMPLE_SEQ_FROM): `ecert samples` only, never drawn.
 * - C: ISO/IEC 7064:2003 MOD 11-2 (pure system, modulus 11, radix 2) over the 14 digits,
 *   the check of the 18-digit resident ID (GB 11643-1999): 0-9 or X (X = 10). It detects
 *   every single-digit error and every transposition of adjacent digits, so a mistyped
 *   number is refused before any registry look-up.
 */
export const MANAGEMENT_NO_LENGTH = 15;
/** year 1000-9999, serial 001-999, sequence 0000001-9999999, check. */
const MANAGEMENT_NO_SHAPE = /^[1-9]\d{3}(?!000)\d{3}(?!0{7})\d{7}[\dX]$/;

/**
 * Issue 12 ("Samples cannot pass for certificates"): the sequence numbers of each (year,
 * qualification) from here up are reserved for samples (src/cli/samplesCommand.ts). The
 * registry never draws one (assertRegistrySeq, src/registry/SqlRegistryStore.ts reserveGroup),
 * and the verifier reports a document or QR token with such a number as a sample
 * (src/verify/sampleOutcome.ts).
 *
 * | sequence              | use                                   |
 * |-----------------------|---------------------------------------|
 * | 0000001 – 8999999     | certificates, drawn by the registry   |
 * | 9000000 – 9999999     | samples, never in the registry        |
 */
export const SAMPLE_SEQ_FROM = 9_000_000;
const SEQ_MAX = 9_999_999;

/** ISO/IEC 7064 MOD 11-2 weights for 14 digits: 2^(15-i) mod 11, i = 1..14 (the check has weight 2^0). */
const WEIGHTS = Array.from({ length: 14 }, (_, i) => 2 ** (14 - i) % 11);

/** The MOD 11-2 check character of 14 decimal digits. */
export function managementNoCheckChar(digits14: string): string {
  if (!/^\d{14}$/.test(digits14)) throw new RangeError('14 decimal digits expected');
  let sum = 0;
  for (let i = 0; i < 14; i++) sum += (digits14.charCodeAt(i) - 48) * WEIGHTS[i];
  const v = (12 - (sum % 11)) % 11; // Σ aᵢ·wᵢ + C ≡ 1 (mod 11)
  return v === 10 ? 'X' : String(v);
}

export function formatManagementNo(year: number, qualificationSerial: number, seq: number): string {
  if (!isIntIn(year, 1000, 9999) || !isIntIn(qualificationSerial, 1, 999) || !isIntIn(seq, 1, 9_999_999)) {
    throw new RangeError(`management number out of range: year ${year}, serial ${qualificationSerial}, sequence ${seq}`);
  }
  const digits = `${year}${String(qualificationSerial).padStart(3, '0')}${String(seq).padStart(7, '0')}`;
  return digits + managementNoCheckChar(digits);
}

/**
 * Shape (a year from 1000, a serial and a sequence from 1, 0-9/X last) and check character.
 * Lower-case x is not accepted: callers normalise first.
 */
export function isValidManagementNo(s: string): boolean {
  return typeof s === 'string' && MANAGEMENT_NO_SHAPE.test(s) && managementNoCheckChar(s.slice(0, 14)) === s[14];
}

export function parseManagementNo(s: string): { year: number; qualificationSerial: number; seq: number } | undefined {
  if (!isValidManagementNo(s)) return undefined;
  return { year: Number(s.slice(0, 4)), qualificationSerial: Number(s.slice(4, 7)), seq: Number(s.slice(7, 14)) };
}

/** Whether a 管理号 (valid shape and check character) has a sequence number of the sample range. */
export function isSampleManagementNo(no: string): boolean {
  const p = parseManagementNo(no);
  return p !== undefined && p.seq >= SAMPLE_SEQ_FROM;
}

/** The `index`-th (from 0) sample 管理号 of (year, qualification serial). */
export function sampleManagementNo(year: number, qualificationSerial: number, index: number): string {
  if (!isIntIn(index, 0, SEQ_MAX - SAMPLE_SEQ_FROM)) throw new RangeError(`sample index out of range: ${index}`);
  return formatManagementNo(year, qualificationSerial, SAMPLE_SEQ_FROM + index);
}

/**
 * The registry's guard (called with the sequence's new last value before its numbers are used):
 * a draw that would enter the sample range fails, and its transaction with it, instead of
 * issuing a number a sample could carry.
 */
export function assertRegistrySeq(year: number, qualificationSerial: number, lastSeq: number): void {
  if (lastSeq >= SAMPLE_SEQ_FROM) {
    throw new EcertError('ERR_MANAGEMENT_NO_EXHAUSTED', {
      zh: `${year} 年资格序号 ${String(qualificationSerial).padStart(3, '0')} 的顺序号已用至 ${SAMPLE_SEQ_FROM - 1}（${SAMPLE_SEQ_FROM} 起为样本号段）`,
      en: `${year}, qualification serial ${String(qualificationSerial).padStart(3, '0')}: sequence numbers up to ${SAMPLE_SEQ_FROM - 1} are used (${SAMPLE_SEQ_FROM} and up are the sample range)`,
      details: { year, qualificationSerial, sampleSeqFrom: SAMPLE_SEQ_FROM },
    });
  }
}

function isIntIn(n: number, min: number, max: number): boolean {
  return Number.isInteger(n) && n >= min && n <= max;
}
