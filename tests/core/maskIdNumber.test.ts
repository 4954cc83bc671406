import { describe, expect, it } from 'vitest';
import { MIN_CANDIDATES, maskIdNumber } from '../../src/core/maskIdNumber';
import { makeResidentId, residentIdCheckChar } from '../../src/issue/residentId';

/**
 * How many resident IDs fit what the public sees: the masked form, sex and birth year-month.
 * Worst case for the holder: the region is taken as known even when the mask hides it. Every
 * visible character of the mask must match, and the check character must be right.
 */
function candidates(masked: string, sex: '男' | '女', birth: string, region: string): number {
  const [y, m] = birth.split('-').map(Number);
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  let n = 0;
  for (let d = 1; d <= days; d++) {
    for (let seq = 0; seq < 1000; seq++) {
      if ((seq % 2 === 1) !== (sex === '男')) continue;
      const first17 = `${region}${birth.replace('-', '')}${String(d).padStart(2, '0')}${String(seq).padStart(3, '0')}`;
      const id = first17 + residentIdCheckChar(first17);
      if ([...masked].every((c, i) => c === '*' || c === id[i])) n++;
    }
  }
  return n;
}

describe('maskIdNumber', () => {
  it(`leaves at least ${MIN_CANDIDATES} resident IDs given name, sex, birth year-month and the check rule (worst month, any region)`, () => {
    const cases: Array<{ region: string; birth: string; sex: '男' | '女'; seq: number }> = [
      { region: '110105', birth: '1949-12-31', sex: '女', seq: 1 },
      { region: '810000', birth: '2001-02-28', sex: '男', seq: 7 }, // a fixed region (HK residence permit) and the shortest month
      { region: '440305', birth: '1990-04-15', sex: '男', seq: 123 },
      { region: '650102', birth: '1984-02-29', sex: '女', seq: 499 },
    ];
    for (const c of cases) {
      const id = makeResidentId(c);
      const masked = maskIdNumber(id);
      expect(masked).not.toContain(id.slice(6));
      expect(masked).toHaveLength(18);
      const n = candidates(masked, c.sex, c.birth.slice(0, 7), c.region);
      expect(n, `${masked}: ${n} candidates`).toBeGreaterThanOrEqual(MIN_CANDIDATES);
    }
  });

  it('was broken before: the earlier form (first 6 + last 4) left about 3 candidates', () => {
    const id = makeResidentId({ region: '110105', birth: '1990-04-15', sex: '男', seq: 123 });
    const earlier = id.slice(0, 6) + '********' + id.slice(-4);
    expect(candidates(earlier, '男', '1990-04', '110105')).toBeLessThan(10);
  });

  it('re-masks the stored forms of earlier versions to the current form, and is idempotent', () => {
    expect(maskIdNumber('110105********002X')).toBe('110105************');
    expect(maskIdNumber(maskIdNumber('11010519491231002X'))).toBe(maskIdNumber('11010519491231002X'));
    expect(maskIdNumber('E1*****78')).toBe('E********');
  });

  it('keeps at least 7 characters of other document numbers hidden', () => {
    expect(maskIdNumber('E12345678')).toBe('E********');
    expect(maskIdNumber('H1234567')).toBe('H*******');
    expect(maskIdNumber('1234567')).toBe('*******');
    expect(maskIdNumber('12345')).toBe('*****');
  });
});
