/**
 * 管理号 (management number), 15 characters, for life:
 *
 *   YYYY  QQQ  SSSSSSS  C
 *   year  qualification serial (catalog)  sequence within year+qualification  check
 *
 * The check character is ISO 7064 MOD 11-2 over the 14 digits (the same system as the
 * resident ID's last character: 0-9 or X), so a mistyped number is caught before any look-up.
 */
const WEIGHTS = Array.from({ length: 14 }, (_, i) => 2 ** (14 - i) % 11);

export function managementNoCheckChar(digits14: string): string {
  let sum = 0;
  for (let i = 0; i < 14; i++) sum += (digits14.charCodeAt(i) - 48) * WEIGHTS[i];
  const v = (12 - (sum % 11)) % 11;
  return v === 10 ? 'X' : String(v);
}

export function formatManagementNo(year: number, qualificationSerial: number, seq: number): string {
  if (!(year >= 1000 && year <= 9999) || !(qualificationSerial >= 1 && qualificationSerial <= 999) || !(seq >= 1 && seq <= 9_999_999)) {
    throw new RangeError(`management number out of range: ${year}/${qualificationSerial}/${seq}`);
  }
  const digits = `${year}${String(qualificationSerial).padStart(3, '0')}${String(seq).padStart(7, '0')}`;
  return digits + managementNoCheckChar(digits);
}

export function isValidManagementNo(s: string): boolean {
  return /^\d{14}[\dX]$/.test(s) && managementNoCheckChar(s.slice(0, 14)) === s[14];
}

export function parseManagementNo(s: string): { year: number; qualificationSerial: number; seq: number } | undefined {
  if (!isValidManagementNo(s)) return undefined;
  return { year: Number(s.slice(0, 4)), qualificationSerial: Number(s.slice(4, 7)), seq: Number(s.slice(7, 14)) };
}
