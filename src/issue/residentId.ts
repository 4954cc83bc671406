/**
 * The 18-character resident identity number of GB 11643-1999: 6-digit region, 8-digit
 * birth date YYYYMMDD, 3-digit sequence (odd = male), and a check character computed with
 * ISO 7064 MOD 11-2 (weights 2^(17-i) mod 11; value 10 written as X).
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

export function residentIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i];
  return CHECK[sum % 11];
}

export type ResidentIdProblem = 'format' | 'checksum' | 'birth';

export interface ResidentIdInfo {
  ok: boolean;
  problem?: ResidentIdProblem;
  /** YYYY-MM-DD */
  birth?: string;
  sex?: '男' | '女';
}

export function checkResidentId(id: string): ResidentIdInfo {
  if (!/^\d{17}[\dX]$/.test(id)) return { ok: false, problem: 'format' };
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return { ok: false, problem: 'birth' };
  if (residentIdCheckChar(id.slice(0, 17)) !== id[17]) return { ok: false, problem: 'checksum' };
  return { ok: true, birth: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`, sex: Number(id[16]) % 2 === 1 ? '男' : '女' };
}

/** A valid resident ID for tests and samples (fictitious: region 110105 unless given). */
export function makeResidentId(opts: { region?: string; birth: string; sex: '男' | '女'; seq?: number }): string {
  const region = opts.region ?? '110105';
  const seq = (opts.seq ?? 0) % 500;
  const third = opts.sex === '男' ? 1 : 0;
  const first17 = `${region}${opts.birth.replace(/-/g, '')}${String(seq * 2 + third).padStart(3, '0').slice(-3)}`;
  return first17 + residentIdCheckChar(first17);
}
