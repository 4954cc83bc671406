import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../src/catalog/loadCatalog';
import { checkBatchRows, rejectionOf } from '../../../src/issue/batch/checkBatchRows';
import { batchRows } from '../../../src/issue/batch/parseBatchInput';
import type { Issuer } from '../../../src/registry/RegistryStore';
import { holder } from '../../helpers/holders';

const catalog = loadCatalog();
const now = new Date('2025-09-01T00:00:00Z');
const issuer: Issuer = { id: 'iss_test', bodyCode: 'mohrss', name: 'test', qualifications: catalog.list().map((q) => q.code).filter((c) => c !== 'tax-adviser') };
const check = (csv: string) =>
  [...checkBatchRows(batchRows(Buffer.from(csv), 'text/csv'), { catalog, now, issuer })].map((r) => ({ row: r.rowNo, rejected: rejectionOf(r.payload) }));

/** Fixture generated here: a cohort as an issuing body keeps it in Excel (Chinese headers, test holders of tests/helpers/holders.ts). */
function sheet(rows: string[][]): string {
  return ['职业资格,专业类别,姓名,证件号码,性别,出生年月,批准日期,制发日期', ...rows.map((r) => r.join(','))].join('\r\n');
}
const row = (i: number, qualification: string, specialty = '', over: Partial<Record<'idNumber' | 'approvalDate', string>> = {}) => {
  const h = holder(i);
  return [qualification, specialty, h.name, over.idNumber ?? h.idNumber, h.sex, h.birth.replace('-', '/'), over.approvalDate ?? '2025/6/30', '2025年8月15日'];
};

describe('checkBatchRows', () => {
  it('passes valid rows through unchanged, with their Excel row numbers', () => {
    const out = check(sheet([row(1, '一级注册建筑师'), row(2, 'supervising-engineer', '土木建筑工程')]));
    expect(out).toEqual([{ row: 2, rejected: undefined }, { row: 3, rejected: undefined }]);
  });

  it('flags a repeated ID number with the same qualification and specialty as ERR_DUPLICATE_IN_BATCH naming the first row, in both languages', () => {
    const h = holder(7);
    const out = check(
      sheet([
        row(7, 'registered-architect-1'), // 2
        row(7, 'registered-architect-2'), // 3: same holder, another qualification: fine
        row(8, 'supervising-engineer', '土木建筑工程'), // 4
        row(7, '注册建筑师（一级）', '', { approvalDate: '2025/7/1' }), // 5: same as row 2 (by Chinese title, another date)
        row(8, 'supervising-engineer', '水利工程'), // 6: another specialty: fine
        row(8, 'supervising-engineer', 'civil'), // 7: the specialty by code: same as row 4
        row(7, 'registered-architect-1', '', { idNumber: h.idNumber.toLowerCase() }), // 8: same ID, lower-case: same as row 2
      ]),
    );
    expect(out.map((r) => [r.row, r.rejected?.code ?? 'ok'])).toEqual([
      [2, 'ok'], [3, 'ok'], [4, 'ok'], [5, 'ERR_DUPLICATE_IN_BATCH'], [6, 'ok'], [7, 'ERR_DUPLICATE_IN_BATCH'], [8, 'ERR_DUPLICATE_IN_BATCH'],
    ]);
    const [zh, en] = out[3].rejected!.message.split(' / ');
    expect(zh).toContain('与第 2 行重复');
    expect(zh).toContain(`证件号码「${h.idNumber}」`);
    expect(zh).toContain('职业资格 registered-architect-1（一级注册建筑师职业资格）');
    expect(en).toContain('same as row 2');
    expect(en).toContain(`证件号码 "${h.idNumber}"`);
    expect(out[5].rejected!.message).toContain('与第 4 行重复');
    expect(out[5].rejected!.message).toContain('专业类别「土木建筑工程」');
  });

  it('refuses invalid rows at submission with the column as the header spells it, and rows outside the issuer\'s qualifications', () => {
    const out = check(sheet([row(1, 'registered-architect-1', '', { idNumber: '1.10105E+17' }), row(2, '注册建筑帅'), row(3, '税务师'), row(4, 'registered-architect-1', '', { approvalDate: '45838' })]));
    expect(out.map((r) => [r.row, r.rejected?.code])).toEqual([[2, 'ERR_EXCEL_ALTERED'], [3, 'ERR_UNKNOWN_QUALIFICATION'], [4, 'ERR_FORBIDDEN'], [5, 'ERR_EXCEL_ALTERED']]);
    expect(out[0].rejected!.message).toMatch(/证件号码「1\.10105E\+17」.* \/ .*证件号码 "1\.10105E\+17"/);
    expect(out[1].rejected!.message).toMatch(/职业资格「注册建筑帅」.*registered-architect-1.* \/ .*职业资格 "注册建筑帅".*registered-architect-1/);
    expect(out[2].rejected!.message).toMatch(/职业资格「税务师」.*tax-adviser.* \/ .*职业资格 "税务师".*tax-adviser/);
    expect(out[3].rejected!.message).toMatch(/批准日期「45838」.*2025-06-30.* \/ .*批准日期 "45838".*2025-06-30/);
  });

  it('flags an ID number an earlier row gives to a holder of another name (one number, one person), naming that row', () => {
    const h = holder(11);
    const other = [...row(11, 'fire-engineer-1')];
    other[2] = holder(12).name; // the ID number of row 2 typed for another holder
    const out = check(sheet([row(11, 'registered-architect-1'), row(11, 'registered-architect-2'), other, [...row(11, 'constructor-1').slice(0, 2), ` ${h.name} `, ...row(11, 'constructor-1').slice(3)]]));
    expect(out.map((r) => [r.row, r.rejected?.code ?? 'ok'])).toEqual([[2, 'ok'], [3, 'ok'], [4, 'ERR_ID_NUMBER_OTHER_HOLDER'], [5, 'ok']]); // 3: same person, another qualification; 5: the same name written with spaces
    const [zh, en] = out[2].rejected!.message.split(' / ');
    expect(zh).toContain(`证件号码「${h.idNumber}」与第 2 行相同`);
    expect(zh).toContain(`本行：${holder(12).name}`);
    expect(en).toContain(`证件号码 "${h.idNumber}" is the same as on row 2`);
  });

  it('refuses a row whose cells shifted (an unquoted comma in a name) instead of reading its columns wrongly; empty trailing cells are fine', () => {
    const shifted = row(5, 'registered-architect-1');
    shifted.splice(2, 1, '张', '三'); // 张,三: one cell more than the header
    const out = check(sheet([shifted, [...row(6, 'registered-architect-1'), '', ''], row(5, 'registered-architect-1')]));
    expect(out.map((r) => [r.row, r.rejected?.code ?? 'ok'])).toEqual([[2, 'ERR_CSV_EXTRA_CELLS'], [3, 'ok'], [4, 'ok']]); // row 4: not a duplicate of the unreadable row 2
    const [zh, en] = out[0].rejected!.message.split(' / ');
    expect(zh).toContain('该行有 9 个单元格，表头只有 8 列，多出「2025年8月15日」');
    expect(zh).toContain('双引号');
    expect(en).toContain('the row has 9 cells, the header 8 columns, extra "2025年8月15日"');
  });

  it('keeps streaming: 50,000 rows with one duplicate at the end, the earlier row found', () => {
    const rows = Array.from({ length: 50_000 }, (_, i) => row(i, 'registered-architect-1'));
    rows.push(row(12_345, 'registered-architect-1'));
    const out = [...checkBatchRows(batchRows(Buffer.from(sheet(rows)), 'text/csv'), { catalog, now, issuer })];
    const bad = out.filter((r) => rejectionOf(r.payload));
    // holder() repeats ID numbers every lcm(30 birth years, 999 sequence numbers, …) rows at most: only the appended row is a duplicate
    expect(bad.map((r) => r.rowNo)).toEqual([50_002]);
    expect(rejectionOf(bad[0].payload)!.message).toContain(`与第 ${12_345 + 2} 行重复`);
  });
});
