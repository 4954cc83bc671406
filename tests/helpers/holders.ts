import { makeResidentId } from '../../src/issue/residentId';

/**
 * Test holders (fictitious). ID numbers are generated with valid GB 11643 check digits so
 * that every test exercises the same validation as production.
 */
export function holder(i = 0, over: Partial<{ name: string; sex: '男' | '女'; birth: string }> = {}) {
  const sex = over.sex ?? (i % 2 ? '女' : '男');
  const birthDay = over.birth ?? `${1970 + (i % 30)}-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`;
  return {
    name: over.name ?? `测试${'甲乙丙丁戊己庚辛壬癸'[i % 10]}${'子丑寅卯辰巳午未申酉'[Math.floor(i / 10) % 10]}`,
    idType: 'resident-id' as const,
    idNumber: makeResidentId({ birth: birthDay, sex, seq: i % 999 }),
    sex,
    birth: birthDay.slice(0, 7),
  };
}

export function issueBody(qualification: string, i = 0, over: Record<string, unknown> = {}) {
  return { qualification, holder: holder(i), approvalDate: '2025-06-30', issueDate: '2025-08-15', ...over };
}

/**
 * An 18-character resident ID number standing on its own (GB 11643: 17 digits and a check digit
 * or X), for asserting that none appears in a public output. Not inside a longer run of letters
 * and digits: a SHA-256 or a serial number in hex holds 18 decimal digits in a row in about one
 * run in a hundred.
 */
export const FULL_ID_NUMBER = /(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])/;
