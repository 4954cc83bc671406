import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/loadCatalog';
import { validateIssueRequest } from '../../src/issue/validateIssueRequest';
import type { EcertError } from '../../src/core/errors';
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

  it('removes the white space between Han characters that name lists pad names with, and keeps it in other names', () => {
    const name = (n: string) => validateIssueRequest(withHolder({ name: n }), { catalog, now }).holder.name;
    for (const [typed, want] of [['王\u3000明', '王明'], ['王  明', '王明'], [' 欧阳 明 月 ', '欧阳明月'], ['张\t三', '张三'], ['John  Smith', 'John Smith'], ['阿卜杜·热合曼', '阿卜杜·热合曼'], ['李 John', '李 John'], ['MARY 王', 'MARY 王']] as const) {
      expect(name(typed), typed).toBe(want);
    }
  });

  it('names unknown fields by their paths, without echoing the object that holds the ID number', () => {
    for (const [body, fields] of [
      [{ ...base(), remarks: 'x' }, ['remarks']],
      [withHolder({ phone: '13800000000', email: 'a@b' }), ['holder.phone', 'holder.email']],
    ] as const) {
      let err: EcertError | undefined;
      try {
        validateIssueRequest(body, { catalog, now });
      } catch (e) {
        err = e as EcertError;
      }
      expect(err).toMatchObject({ code: 'ERR_VALIDATION', details: { field: fields[0] } });
      for (const f of fields) expect(err!.bilingual.zh + err!.bilingual.en).toContain(f);
      expect(err!.bilingual.zh + err!.bilingual.en).not.toContain(id.slice(0, 10));
    }
  });

  it('drops the invisible characters that copying from a web page or a document brings along (ID numbers, dates)', () => {
    const spaced = id.slice(0, 6) + '\u00a0' + id.slice(6, 14) + '\u3000' + id.slice(14);
    for (const idNumber of [`${id}\u200b`, `\ufeff${id}`, `\u200e${id}\u200f`, id.slice(0, 9) + '\u00ad' + id.slice(9), id.slice(0, 3) + '\u2060' + id.slice(3), spaced]) {
      expect(validateIssueRequest(withHolder({ idNumber }), { catalog, now }).holder.idNumber, JSON.stringify(idNumber)).toBe(id);
    }
    const r = validateIssueRequest({ ...base(), approvalDate: '\u200b2025-06-30', issueDate: '2025-08-15\u200b', holder: { ...base().holder, birth: '1990-01\u2060' } }, { catalog, now });
    expect([r.approvalDate, r.issueDate, r.holder.birth]).toEqual(['2025-06-30', '2025-08-15', '1990-01']);
    // the apostrophe a spreadsheet user types to keep a number as text, exported with the cell
    expect(validateIssueRequest(withHolder({ idNumber: `'${id}` }), { catalog, now }).holder.idNumber).toBe(id);
    // other visible characters are not dropped
    for (const idNumber of [`${id}'`, `-${id}`, `${id.slice(0, 6)}'${id.slice(6)}`]) expect(codeOf(withHolder({ idNumber })), idNumber).toBe('ERR_ID_NUMBER_FORMAT');
  });

  it('reads the sex and the ID document type as forms and sheets write them (src/issue/holderForms.ts), nothing ambiguous', () => {
    const female = makeResidentId({ birth: '1990-01-15', sex: '女', seq: 4 });
    for (const [sex, idNumber, want] of [['男性', id, '男'], ['m', id, '男'], ['Ｍ', id, '男'], ['Male', id, '男'], ['1', id, '男'], [' 女 ', female, '女'], ['F', female, '女'], ['女性', female, '女'], ['2', female, '女']] as const) {
      expect(validateIssueRequest(withHolder({ sex, idNumber }), { catalog, now }).holder.sex).toBe(want);
    }
    for (const [idType, want] of [['身份证', 'resident-id'], ['二代身份证', 'resident-id'], ['第二代居民身份证', 'resident-id'], ['回乡证', 'hk-macao-permit'], ['台胞证', 'taiwan-permit'], ['护照', 'passport'], ['PASSPORT', 'passport'], ['外国人永久居留证', 'foreign-permanent-resident']] as const) {
      const idNumber = want === 'resident-id' ? id : want === 'passport' ? 'E12345678' : want === 'hk-macao-permit' ? 'H01234567' : want === 'taiwan-permit' ? '01234567' : 'USA110090011508';
      expect(validateIssueRequest(withHolder({ idType, idNumber }), { catalog, now }).holder.idType, idType).toBe(want);
    }
    // a sex the certificate cannot state, and documents that are not identity documents, are refused
    for (const sex of ['0', '9', '未知', 'X', '男女']) expect(codeOf(withHolder({ sex }))).toBe('ERR_SEX');
    for (const idType of ['港澳通行证', '驾驶证', '居住证']) expect(codeOf(withHolder({ idType }))).toBe('ERR_ID_TYPE');
  });

  it('words a malformed body in Chinese as fully as in English (zod\'s zh-CN locale)', () => {
    for (const body of [withHolder({ sex: 5 }), withHolder({ sex: '男'.repeat(20) }), { ...base(), extra: 1 }, 'not an object']) {
      let e: { code?: string; bilingual?: { zh: string; en: string } } = {};
      try {
        validateIssueRequest(body, { catalog, now });
      } catch (x) {
        e = x as typeof e;
      }
      expect(e.code).toBe('ERR_VALIDATION');
      expect(e.bilingual!.zh).not.toMatch(/Invalid|expected|Too big|Unrecognized/);
      expect(e.bilingual!.zh).toMatch(/无效输入|过大|未知的字段/);
      expect(e.bilingual!.en).toMatch(/Invalid|Too big|unknown field/);
    }
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
      ['ERR_SEX', withHolder({ sex: 'X' })],
      ['ERR_SEX', withHolder({ sex: '0' })], // GB/T 2261.1 未知的性别: a certificate states the sex
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

  describe('Excel-friendly input (issue 12)', () => {
    const errorOf = (body: unknown, columnOf?: (f: string) => string) => {
      try {
        validateIssueRequest(body, { catalog, now, columnOf });
      } catch (e) {
        return e as { code: string; bilingual: { zh: string; en: string }; details: { field: string } };
      }
      throw new Error('no error');
    };
    /** The header of a CSV as an issuing body writes it. */
    const zhColumns: Record<string, string> = { qualification: '资格名称', 'holder.idNumber': '证件号码', 'holder.birth': '出生年月', approvalDate: '批准日期', issueDate: '制发日期', 'holder.sex': '性别', 'holder.name': '姓名', specialty: '专业' };
    const zh = (f: string) => zhColumns[f] ?? f;

    it('accepts the same date forms in the JSON API as in CSV files', () => {
      for (const [a, i, b] of [
        ['2025-6-30', '2025-8-15', '1990-1'],
        ['2025/06/30', '2025/08/15', '1990/01'],
        ['2025.6.30', '2025.8.15', '1990.1'],
        ['2025年6月30日', '2025年8月15日', '1990年1月'],
        ['20250630', '20250815', '199001'],
      ]) {
        const r = validateIssueRequest({ ...base(), approvalDate: a, issueDate: i, holder: { ...base().holder, birth: b } }, { catalog, now });
        expect([r.approvalDate, r.issueDate, r.holder.birth]).toEqual(['2025-06-30', '2025-08-15', '1990-01']);
      }
    });

    it('accepts a qualification by its Chinese title, and suggests the closest codes and titles for a typo', () => {
      expect(validateIssueRequest({ ...base(), qualification: '注册建筑师（一级）' }, { catalog, now }).qualification).toBe('registered-architect-1');
      expect(validateIssueRequest({ ...base(), qualification: '一级注册建筑师职业资格证书' }, { catalog, now }).qualification).toBe('registered-architect-1');
      const e = errorOf({ ...base(), qualification: '注册建筑帅' }, zh);
      expect(e.code).toBe('ERR_UNKNOWN_QUALIFICATION');
      expect(e.bilingual.zh).toContain('资格名称「注册建筑帅」');
      expect(e.bilingual.en).toContain('资格名称 "注册建筑帅"');
      for (const m of [e.bilingual.zh, e.bilingual.en]) expect(m).toMatch(/registered-architect-1.*一级注册建筑师职业资格/);
    });

    it('names the column (as given) and the value in both languages for every field error', () => {
      const cases: Array<[string, unknown, string, string]> = [
        ['ERR_ID_NUMBER_CHECKSUM', withHolder({ idNumber: id.slice(0, 17) + (id[17] === '0' ? '1' : '0') }), '证件号码', id.slice(0, 17)],
        ['ERR_ID_NUMBER_FORMAT', withHolder({ idNumber: '12345' }), '证件号码', '12345'],
        ['ERR_SEX', withHolder({ sex: '9' }), '性别', '9'],
        ['ERR_SEX_MISMATCH', withHolder({ sex: '女' }), '性别', '女'],
        ['ERR_ID_NUMBER_BIRTH_MISMATCH', withHolder({ birth: '1990/2' }), '出生年月', '1990/2'],
        ['ERR_DATE_FORMAT', { ...base(), approvalDate: '30/06/2025' }, '批准日期', '30/06/2025'],
        ['ERR_DATE_FORMAT', withHolder({ birth: '1990-13' }), '出生年月', '1990-13'],
        ['ERR_DATE_FUTURE', { ...base(), issueDate: '2025/9/2' }, '制发日期', '2025/9/2'],
        ['ERR_DATE_ORDER', { ...base(), approvalDate: '2025年8月16日' }, '批准日期', '2025年8月16日'],
        ['ERR_NAME_INVALID', withHolder({ name: '张三<b>' }), '姓名', '张三<b>'],
        ['ERR_SPECIALTY_NOT_ALLOWED', { ...base(), specialty: '土木建筑工程' }, '专业', '土木建筑工程'],
        ['ERR_UNKNOWN_SPECIALTY', { ...base(), qualification: '监理工程师', specialty: '电子工程' }, '专业', '电子工程'],
      ];
      for (const [code, body, column, value] of cases) {
        const e = errorOf(body, zh);
        expect(e.code, `${code} ${column}`).toBe(code);
        expect(e.bilingual.zh, code).toContain(`${column}「${value}`);
        expect(e.bilingual.en, code).toContain(`${column} "${value}`);
        // as fully in Chinese as in English: the Chinese message says more than the code's title and the value
        expect(e.bilingual.zh.length, code).toBeGreaterThan(`${column}「${value}」`.length + 8);
      }
      // the JSON API names the field path
      expect(errorOf(withHolder({ sex: 'X' })).bilingual.en).toContain('holder.sex "X"');
    });

    it('explains ID numbers Excel turned into numbers: scientific notation, the lost 16th–18th digits, the lost final X', () => {
      const x = '11010519491231002X'; // contract.md's example (GB 11643-1999 check character X)
      const damaged = ['1.10101E+17', '1.10105E+17', '1.1E+17', '1.10105e+17', '1.10105E17', '1.10105e17', x.slice(0, 15) + '000', x.slice(0, 17)];
      for (const v of damaged) {
        const e = errorOf(withHolder({ idNumber: v }), zh);
        expect(e.code, v).toBe('ERR_EXCEL_ALTERED');
        expect(e.details.field).toBe('holder.idNumber');
        expect(e.bilingual.zh, v).toContain(`证件号码「${v}」`);
        expect(e.bilingual.en, v).toContain(`证件号码 "${v}"`);
        expect(e.bilingual.zh, v).toMatch(/Excel/);
        expect(e.bilingual.en, v).toMatch(/Excel/);
        expect(e.bilingual.zh, v).toMatch(/设置单元格格式为“文本”|补上 X/);
        expect(e.bilingual.en, v).toMatch(/Format Cells to Text|Add the X/);
      }
      expect(errorOf(withHolder({ idNumber: '1.10105E+17' })).bilingual.zh).toContain('科学计数法');
      expect(errorOf(withHolder({ idNumber: x.slice(0, 17) })).bilingual.en).toContain('final X was lost');
      // a JSON number is refused as such
      expect(errorOf(withHolder({ idNumber: 110105199001150031 })).code).toBe('ERR_ID_NUMBER_FORMAT');
    });

    it('explains dates stored as Excel serial numbers (1900 date system) and does not convert them', () => {
      for (const [field, body, value, date] of [
        ['批准日期', { ...base(), approvalDate: '45838' }, '45838', '2025-06-30'],
        ['制发日期', { ...base(), issueDate: '45884.0' }, '45884.0', '2025-08-15'],
        ['出生年月', withHolder({ birth: '32874' }), '32874', '1990-01-01'],
      ] as const) {
        const e = errorOf(body, zh);
        expect(e.code).toBe('ERR_EXCEL_ALTERED');
        expect(e.bilingual.zh).toContain(`${field}「${value}」`);
        expect(e.bilingual.en).toContain(`${field} "${value}"`);
        expect(e.bilingual.zh).toContain(`1900 日期系统为 ${date}`);
        expect(e.bilingual.en).toContain(`${date} in Excel's 1900 date system`);
        expect(e.bilingual.zh).toContain('设置单元格格式');
      }
      // a serial as a JSON number is explained the same way
      expect(errorOf({ ...base(), approvalDate: 45838 }).code).toBe('ERR_EXCEL_ALTERED');
    });
  });
});
