import { describe, expect, it } from 'vitest';
import { residentIdCheckChar } from '../../src/issue/residentId';
import { assertRegistrySeq, formatManagementNo, isSampleManagementNo, isValidManagementNo, managementNoCheckChar, parseManagementNo, SAMPLE_SEQ_FROM, sampleManagementNo } from '../../src/registry/managementNumber';

/** ISO/IEC 7064 MOD 11-2 by the standard's recursive (Horner) method, written independently of the module. */
function mod11_2(digits: string): string {
  let p = 0;
  for (const d of digits) p = ((p + Number(d)) * 2) % 11;
  const c = (12 - p) % 11;
  return c === 10 ? 'X' : String(c);
}

describe('管理号', () => {
  it('is YYYY + 3-digit serial + 7-digit sequence + MOD 11-2 check, 15 characters', () => {
    const no = formatManagementNo(2025, 17, 123);
    expect(no).toBe('20250170000123' + mod11_2('20250170000123'));
    expect(no).toBe('202501700001231');
    expect(no).toHaveLength(15);
    expect(parseManagementNo(no)).toEqual({ year: 2025, qualificationSerial: 17, seq: 123 });
    expect(formatManagementNo(2030, 999, 9_999_999).slice(0, 14)).toBe('20309999999999');
  });

  it('uses the check system of the resident ID (GB 11643: the published example 11010519491231002X)', () => {
    expect(mod11_2('11010519491231002')).toBe('X');
    // MOD 11-2 is a pure system: leading zeros do not change the check, so both implementations must agree
    for (let i = 0; i < 2000; i++) {
      const d = String((BigInt(i) * 7_919_000_003_167n + 12_345n) % 10n ** 14n).padStart(14, '0'); // spread over 14 digits, reproducible
      expect(managementNoCheckChar(d)).toBe(mod11_2(d));
      expect(managementNoCheckChar(d)).toBe(residentIdCheckChar(`000${d}`));
    }
  });

  it('produces X as a check character when the sum calls for it', () => {
    let found = '';
    for (let seq = 1; !found; seq++) {
      const no = formatManagementNo(2025, 39, seq);
      if (no.endsWith('X')) found = no;
    }
    expect(isValidManagementNo(found)).toBe(true);
    expect(isValidManagementNo(found.toLowerCase())).toBe(false);
  });

  it('catches every single-digit error and every adjacent transposition', () => {
    const no = formatManagementNo(2025, 39, 4_567_021);
    for (let i = 0; i < 14; i++) {
      for (let d = 0; d <= 9; d++) {
        if (String(d) === no[i]) continue;
        const bad = no.slice(0, i) + d + no.slice(i + 1);
        expect(isValidManagementNo(bad), bad).toBe(false);
      }
      if (i < 13 && no[i] !== no[i + 1]) {
        const swapped = no.slice(0, i) + no[i + 1] + no[i] + no.slice(i + 2);
        expect(isValidManagementNo(swapped), swapped).toBe(false);
      }
    }
  });

  it('refuses malformed numbers and out-of-range parts', () => {
    for (const s of ['', '20250390000001', '2025039000000171', '2025o3900000017', ' 202503900000017', '202500000000011', '202503900000000'.slice(0, 14) + mod11_2('20250390000000')]) {
      expect(isValidManagementNo(s), s).toBe(false);
      expect(parseManagementNo(s)).toBeUndefined();
    }
    expect(isValidManagementNo('09990390000001' + mod11_2('09990390000001'))).toBe(false);
    for (const [y, q, s] of [[999, 1, 1], [2025, 0, 1], [2025, 1000, 1], [2025, 1, 0], [2025, 1, 10_000_000], [2025, 1.5, 1]]) {
      expect(() => formatManagementNo(y, q, s)).toThrow(RangeError);
    }
  });

  it('reserves sequence numbers 9000000-9999999 of every (year, qualification) for samples (issue 12)', () => {
    expect(SAMPLE_SEQ_FROM).toBe(9_000_000);
    expect(sampleManagementNo(2025, 39, 0)).toBe(formatManagementNo(2025, 39, 9_000_000));
    expect(parseManagementNo(sampleManagementNo(2025, 39, 999_999))).toEqual({ year: 2025, qualificationSerial: 39, seq: 9_999_999 });
    expect(() => sampleManagementNo(2025, 39, 1_000_000)).toThrow(RangeError);
    expect(() => sampleManagementNo(2025, 39, -1)).toThrow(RangeError);
    expect(isSampleManagementNo(formatManagementNo(2025, 39, 9_000_000))).toBe(true);
    expect(isSampleManagementNo(formatManagementNo(2025, 39, 8_999_999))).toBe(false);
    expect(isSampleManagementNo(formatManagementNo(2025, 39, 1))).toBe(false);
    // only valid numbers: a mistyped one is no sample (nor anything else)
    const no = formatManagementNo(2025, 39, 9_123_456);
    expect(isSampleManagementNo(no.slice(0, 14) + (no[14] === '0' ? '1' : '0'))).toBe(false);
    expect(() => assertRegistrySeq(2025, 39, 8_999_999)).not.toThrow();
    expect(() => assertRegistrySeq(2025, 39, 9_000_000)).toThrow(expect.objectContaining({ code: 'ERR_MANAGEMENT_NO_EXHAUSTED', details: { year: 2025, qualificationSerial: 39, sampleSeqFrom: 9_000_000 } }));
  });
});
