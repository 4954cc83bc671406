/**
 * How the notice prints dates: 制发日期 and 批准日期 as `2025年08月15日`, 出生年月 as `1990年01月`
 * (two-digit month and day, as in the official samples).
 */
export function formatChineseDate(isoDate: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!m) throw new RangeError(`not a YYYY-MM-DD date: ${isoDate}`);
  return `${m[1]}年${m[2]}月${m[3]}日`;
}

export function formatChineseYearMonth(isoMonth: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(isoMonth);
  if (!m) throw new RangeError(`not a YYYY-MM month: ${isoMonth}`);
  return `${m[1]}年${m[2]}月`;
}
