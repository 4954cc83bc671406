import { describe, expect, it } from 'vitest';
import { normaliseDate, normaliseMonth } from '../../src/issue/normaliseDate';
import { excelSerialDate } from '../../src/issue/excelSerialDate';

describe('normaliseDate / normaliseMonth', () => {
  it('reads the spellings of spreadsheets and forms, and leaves anything else as it is', () => {
    for (const s of ['2025-06-30', '2025-6-30', '2025/06/30', '2025/6/30', '2025.6.30', '2025年6月30日', '2025年06月30日', '20250630', ' 2025-6-30 ']) expect(normaliseDate(s)).toBe('2025-06-30');
    for (const s of ['1990-01', '1990-1', '1990/01', '1990/1', '1990.1', '1990年1月', '199001', '1990-01-15', '1990/1/1', '1990年1月1日', '19900101']) expect(normaliseMonth(s)).toBe('1990-01');
    // with a time of day: Excel's date-and-time cells, ISO 8601 in China's zone
    for (const s of ['2025/6/30 0:00', '2025-06-30 00:00:00', '2025-06-30T00:00:00', '2025-06-30T14:30:00.000+08:00', '2025年6月30日 9:05']) expect(normaliseDate(s)).toBe('2025-06-30');
    expect(normaliseMonth('1990/1/1 0:00')).toBe('1990-01');
    for (const s of ['2025-06-30T00:00:00Z', '2025-06-29T16:00:00-05:00', '2025-06-30 25', '2025-06-30T', '45838 0:00']) expect(normaliseDate(s)).not.toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const s of ['45838', '30/06/2025', '6/30/2025', 'yesterday', '']) expect(normaliseDate(s)).toBe(s);
    expect(normaliseMonth('32874')).toBe('32874');
  });
});

describe('excelSerialDate (ECMA-376 Part 1 §18.17.4.1, Excel 1900 date system)', () => {
  it('maps serials as Excel does, including the fictitious 1900-02-29 (serial 60)', () => {
    // reference values: Excel's =DATE(y,m,d) shown as a number
    expect(excelSerialDate('1')).toBe('1900-01-01');
    expect(excelSerialDate('59')).toBe('1900-02-28');
    expect(excelSerialDate('60')).toBeUndefined();
    expect(excelSerialDate('61')).toBe('1900-03-01');
    expect(excelSerialDate('32874')).toBe('1990-01-01');
    expect(excelSerialDate('45292')).toBe('2024-01-01');
    expect(excelSerialDate('45838')).toBe('2025-06-30');
    expect(excelSerialDate('45838.0')).toBe('2025-06-30');
    expect(excelSerialDate('45839')).toBe('2025-07-01');
    expect(excelSerialDate('0')).toBeUndefined();
    expect(excelSerialDate('2025-06-30')).toBeUndefined();
    expect(excelSerialDate('45838.5')).toBeUndefined();
  });
});
