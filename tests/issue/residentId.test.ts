import { describe, expect, it } from 'vitest';
import { checkResidentId, makeResidentId, residentIdCheckChar } from '../../src/issue/residentId';

describe('resident ID (GB 11643-1999, ISO 7064 MOD 11-2)', () => {
  it('computes the check character of the contract example and of a published example', () => {
    expect(residentIdCheckChar('11010519491231002')).toBe('X');
    expect(checkResidentId('11010519491231002X')).toEqual({ ok: true, birth: '1949-12-31', sex: '女' });
  });
  it('rejects wrong check digits, formats and impossible birth dates', () => {
    expect(checkResidentId('110105194912310021').problem).toBe('checksum');
    expect(checkResidentId('11010519491231002x').problem).toBe('format');
    expect(checkResidentId('1101051949123100').problem).toBe('format');
    expect(checkResidentId('110105194902300028').problem).toBe('birth');
  });
  it('makes valid IDs for any birth and sex', () => {
    for (let i = 0; i < 200; i++) {
      const sex = i % 2 ? '女' : '男';
      const id = makeResidentId({ birth: `19${50 + (i % 50)}-0${1 + (i % 9)}-1${i % 10}`, sex, seq: i });
      expect(checkResidentId(id)).toMatchObject({ ok: true, sex });
    }
  });
});
