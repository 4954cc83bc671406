/**
 * Excel date serial numbers (ECMA-376 Part 1 §18.17.4.1, the 1900 date system, Excel's default
 * on Windows and on Mac since Excel 2016): serial 1 is 1900-01-01, and serial 60 is the
 * non-existent 1900-02-29 kept for Lotus 1-2-3 compatibility, so from serial 61 on the date is
 * 1899-12-30 plus the serial in days. =DATE(2025,6,30) is 45838.
 *
 * A cell in this form means Excel stored a date but the column was formatted as a number (or
 * General) when the CSV was saved. We do NOT convert it (README "Batches"): a workbook in the
 * 1904 date system (old Mac Excel) gives serials 1462 days smaller for the same date, and a
 * wrong date on a certificate is worse than a rejected row. The message names the 1900-system
 * reading so the issuer can check it.
 */
export const EXCEL_SERIAL = /^(\d{1,6})(?:\.0+)?$/;

/** The calendar date (YYYY-MM-DD) of a whole serial in the 1900 date system, or undefined outside 1..2958465 (9999-12-31). */
export function excelSerialDate(cell: string): string | undefined {
  const m = EXCEL_SERIAL.exec(cell.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  if (n < 1 || n > 2958465 || n === 60) return undefined;
  const epoch = n < 60 ? Date.UTC(1899, 11, 31) : Date.UTC(1899, 11, 30);
  return new Date(epoch + n * 86_400_000).toISOString().slice(0, 10);
}
