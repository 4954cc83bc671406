/**
 * Public form of an ID number: the first 6 and last 4 characters kept, the rest as `*`
 * (`110105********002X`), as the contract's report shows. Short numbers (passports) keep
 * at most their first 2 and last 2 characters. This is the only form that leaves the registry.
 */
export function maskIdNumber(idNumber: string): string {
  const s = idNumber.trim();
  if (s.length >= 15) return s.slice(0, 6) + '*'.repeat(s.length - 10) + s.slice(-4);
  if (s.length >= 6) return s.slice(0, 2) + '*'.repeat(s.length - 4) + s.slice(-2);
  return '*'.repeat(s.length);
}
