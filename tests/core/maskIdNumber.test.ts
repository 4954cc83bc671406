import { describe, expect, it } from 'vitest';
import { maskIdNumber } from '../../src/core/maskIdNumber';

describe('maskIdNumber', () => {
  it('keeps the first 6 and last 4 of a resident ID (contract example)', () => {
    expect(maskIdNumber('11010519491231002X')).toBe('110105********002X');
  });
  it('masks short document numbers too', () => {
    expect(maskIdNumber('E12345678')).toBe('E1*****78');
    expect(maskIdNumber('1234')).toBe('****');
  });
});
