import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/loadCatalog';
import { validateIssueRequest } from '../../src/issue/validateIssueRequest';
import { makeResidentId } from '../../src/issue/residentId';
import { nameFitter } from '../../src/render/layout/nameFit';
import { FontSet } from '../../src/render/fonts/FontSet';

const catalog = loadCatalog();
const now = new Date('2025-09-01T00:00:00Z');
const id = makeResidentId({ birth: '1990-01-15', sex: '男', seq: 3 });
const base = () => ({
  qualification: 'registered-architect-1',
  holder: { name: '张三', idType: 'resident-id', idNumber: id, sex: '男', birth: '1990-01' },
  approvalDate: '2025-06-30',
  issueDate: '2025-08-15',
});
const codeOf = (body: unknown) => {
  try {
    validateIssueRequest(body, { catalog, now });
    return 'OK';
  } catch (e) {
    return (e as { code: string }).code;
  }
};
const withHolder = (h: Record<string, unknown>) => ({ ...base(), holder: { ...base().holder, ...h } });

describe('validateIssueRequest', () => {
  it('accepts a valid request and normalises it', () => {
    const r = validateIssueRequest({ ...base(), holder: { ...base().holder, name: ' 张三 ', idNumber: id.toLowerCase() } }, { catalog, now });
    expect(r.holder).toEqual({ name: '张三', idType: 'resident-id', idNumber: id, sex: '男', birth: '1990-01' });
  });

  it('accepts names with rare characters, minority and foreign names', () => {
    for (const name of ['王㛃', '李𠇔', '阿依古丽·买买提', 'John Smith', '欧阳娜娜']) expect(codeOf(withHolder({ name }))).toBe('OK');
  });

  it('gives each rule its own code', () => {
    const cases: Array<[string, unknown]> = [
      ['ERR_VALIDATION', 'not an object'],
      ['ERR_VALIDATION', { ...base(), extra: 1 }],
      ['ERR_VALIDATION', { ...base(), holder: undefined }],
      ['ERR_UNKNOWN_QUALIFICATION', { ...base(), qualification: '设备点检师' }],
      ['ERR_SPECIALTY_REQUIRED', { ...base(), qualification: 'supervising-engineer' }],
      ['ERR_UNKNOWN_SPECIALTY', { ...base(), qualification: 'supervising-engineer', specialty: '电子工程' }],
      ['ERR_SPECIALTY_NOT_ALLOWED', { ...base(), specialty: '土木建筑工程' }],
      ['ERR_ID_TYPE', withHolder({ idType: 'driving-licence' })],
      ['ERR_ID_NUMBER_FORMAT', withHolder({ idNumber: '12345' })],
      ['ERR_ID_NUMBER_FORMAT', { ...base(), holder: { ...base().holder, idType: 'passport', idNumber: 'E1' } }],
      ['ERR_ID_NUMBER_CHECKSUM', withHolder({ idNumber: id.slice(0, 17) + (id[17] === '0' ? '1' : '0') })],
      ['ERR_ID_NUMBER_BIRTH_MISMATCH', withHolder({ birth: '1990-02' })],
      ['ERR_SEX', withHolder({ sex: 'M' })],
      ['ERR_SEX_MISMATCH', withHolder({ sex: '女' })],
      ['ERR_DATE_FORMAT', { ...base(), approvalDate: '2025-02-30' }],
      ['ERR_DATE_FORMAT', { ...base(), issueDate: '15/08/2025' }],
      ['ERR_DATE_FORMAT', withHolder({ birth: '1990-13' })],
      ['ERR_DATE_ORDER', { ...base(), approvalDate: '2025-08-16' }],
      ['ERR_DATE_FUTURE', { ...base(), issueDate: '2025-09-02' }],
      ['ERR_BIRTH_INVALID', { ...base(), holder: { ...base().holder, idType: 'passport', idNumber: 'E12345678', birth: '2015-01' } }],
      ['ERR_NAME_INVALID', withHolder({ name: '张三<script>' })],
      ['ERR_NAME_INVALID', withHolder({ name: '张\u0000三' })],
      ['ERR_NAME_INVALID', withHolder({ name: '张三1' })],
      ['ERR_NAME_INVALID', withHolder({ name: '张'.repeat(41) })],
    ];
    for (const [code, body] of cases) expect(codeOf(body), JSON.stringify(body)).toBe(code);
  });

  it('refuses each class of deceptive name with the rule it breaks (security.md, "Names")', () => {
    const ruleOf = (name: string) => {
      try {
        validateIssueRequest(withHolder({ name }), { catalog, now });
        return 'OK';
      } catch (e) {
        return (e as { code: string; details?: { rule?: string } }).code + ':' + (e as { details?: { rule?: string } }).details?.rule;
      }
    };
    const cases: Array<[string, string]> = [
      ['张\u0007三', 'control'],
      ['张\u009b三', 'control'],
      ['张\u200b三', 'format'], // zero-width space
      ['张\u200d三', 'format'], // zero-width joiner
      ['张三\u202e', 'format'], // right-to-left override
      ['张\u00ad三', 'format'], // soft hyphen
      ['张三\ufe0f', 'variation-selector'],
      ['葛\u{e0100}', 'variation-selector'],
      ['张\ue000三', 'private-use'],
      ['张\u3164三', 'invisible'], // Hangul filler
      ['\u3164', 'invisible'],
      ['张\u2800三', 'invisible'], // Braille blank
      ['\u0301\u0302', 'marks-only'],
      ['\u0301张三', 'marks-only'],
      ['Аnna Smith', 'mixed-scripts'], // Cyrillic А
      ['Jοhn Smith', 'mixed-scripts'], // Greek ο
      ['张三Петров', 'mixed-scripts'],
    ];
    for (const [name, rule] of cases) expect(ruleOf(name), JSON.stringify(name)).toBe(`ERR_NAME_INVALID:${rule}`);
  });

  it('refuses a name that does not fit its field on the page, and measures with the real fonts', () => {
    const fits = nameFitter(() => FontSet.load());
    const ctx = { catalog, now, nameFits: fits };
    expect(() => validateIssueRequest(withHolder({ name: '欧阳'.repeat(12) }), ctx)).not.toThrow(); // 24 ideographs: 312 pt of 322
    expect(() => validateIssueRequest(withHolder({ name: '欧阳'.repeat(13) }), ctx)).toThrow(expect.objectContaining({ code: 'ERR_NAME_INVALID', details: { field: 'holder.name', rule: 'fits-field' } }));
    expect(() => validateIssueRequest(withHolder({ name: 'Maximilian Alexander Wolfgang Montgomery' }), ctx)).not.toThrow();
    expect(() => validateIssueRequest(withHolder({ name: 'WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW' }), ctx)).toThrow(expect.objectContaining({ code: 'ERR_NAME_INVALID' }));
  });

  it('normalises names and ID numbers the same way for issuance and look-up (NFC, full width, spaces)', () => {
    const r = validateIssueRequest(withHolder({ name: 'John\u3000\u3000Ｓｍｉｔｈ ', idNumber: id.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))) }), { catalog, now });
    expect(r.holder.name).toBe('John Smith');
    expect(r.holder.idNumber).toBe(id);
    const decomposed = validateIssueRequest(withHolder({ name: 'Jose\u0301 Garci\u0301a' }), { catalog, now });
    expect(decomposed.holder.name).toBe('José García'.normalize('NFC'));
  });

  it('names the failing field in the error details', () => {
    try {
      validateIssueRequest(withHolder({ sex: '女' }), { catalog, now });
    } catch (e) {
      expect((e as { details: unknown }).details).toEqual({ field: 'holder.sex' });
    }
  });

  it('judges "future" by the calendar day in China (UTC+8)', () => {
    const lateUtc = new Date('2025-08-14T17:00:00Z'); // already 2025-08-15 in Beijing
    expect(() => validateIssueRequest(base(), { catalog, now: lateUtc })).not.toThrow();
  });
});
