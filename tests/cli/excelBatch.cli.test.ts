import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { cliEnv, ecert } from './cliHarness';
import { holder } from '../helpers/holders';

/**
 * Issue 12, "Excel-friendly batches", end to end through `ecert issue --file`: the summary
 * names rows as Excel shows them, columns as the header spells them and the values as written.
 * The fixture is generated here: a cohort sheet as an issuing body saves it from Excel on
 * Chinese Windows (GB18030, CRLF, Chinese headers, qualification by its Chinese title), with
 * blank lines and the damage Excel does (an ID in scientific notation, a date as a serial),
 * a repeated holder and a misspelt qualification. Holders are tests/helpers/holders.ts's fictitious ones.
 */
describe('ecert issue --file with an Excel-made CSV', () => {
  it('reports Excel row numbers, columns and values in the summary and in batches status; reissue --row takes the same numbers', async () => {
    const env = await cliEnv();
    const [a, b, c, d, e] = [0, 1, 2, 3, 4].map((i) => holder(900 + i));
    const line = (q: string, h: typeof a, over: { id?: string; approval?: string } = {}) =>
      [q, h.name, over.id ?? h.idNumber, h.sex, h.birth.replace('-', '/'), over.approval ?? '2025/6/30', '2025年8月15日'].join(',');
    const sheet = (bName = b.name) =>
      [
        '职业资格,姓名,证件号码,性别,出生年月,批准日期,制发日期', // row 1
        line('税务师', a), // 2
        '', // 3 (blank)
        line('税务师', c, { id: '1.10105E+17' }), // 4
        line('tax-adviser', { ...b, name: bName }), // 5
        ',,,,,,', // 6 (separators only: blank)
        line('税务师职业资格', a), // 7: same holder and qualification as row 2
        line('税务师', d, { approval: '45838' }), // 8: an Excel date serial
        line('税务帅', e), // 9: misspelt
      ].join('\r\n') + '\r\n';
    const file = join(env.ECERT_DATA_DIR, '考生名单.csv');
    writeFileSync(file, iconv.encode(sheet(), 'gb18030'));

    const r = ecert(['issue', '--file', file], env);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/已签发 issued\s+2/);
    expect(r.stdout).toMatch(/失败 failed\s+4/);
    const rowLine = (n: number) => r.stdout.split('\n').find((l) => l.includes(`行 row ${n}:`)) ?? '';
    expect(rowLine(4)).toContain('ERR_EXCEL_ALTERED');
    expect(rowLine(4)).toContain('证件号码「1.10105E+17」');
    expect(rowLine(4)).toContain('证件号码 "1.10105E+17"');
    expect(rowLine(4)).toContain('设置单元格格式为“文本”');
    expect(rowLine(4)).toContain('Format Cells to Text');
    expect(rowLine(7)).toContain('ERR_DUPLICATE_IN_BATCH');
    expect(rowLine(7)).toContain('与第 2 行重复');
    expect(rowLine(7)).toContain('same as row 2');
    expect(rowLine(8)).toContain('ERR_EXCEL_ALTERED');
    expect(rowLine(8)).toContain('批准日期「45838」');
    expect(rowLine(8)).toContain('2025-06-30');
    expect(rowLine(9)).toContain('ERR_UNKNOWN_QUALIFICATION');
    expect(rowLine(9)).toContain('职业资格「税务帅」');
    expect(rowLine(9)).toContain('tax-adviser（税务师职业资格）');
    expect(rowLine(9)).toContain('tax-adviser (税务师职业资格)');
    // no error is numbered as a record index (2nd data record = row 4, not row 2 or 3)
    expect(r.stdout).not.toMatch(/行 row [1356]:/);

    const batchId = /batch (b_[0-9a-f]{32})/.exec(r.stderr)![1];
    const status = JSON.parse(ecert(['batches', 'status', batchId, '--json'], env).stdout);
    expect(status.errors.map((x: { row: number; code: string }) => [x.row, x.code])).toEqual([
      [4, 'ERR_EXCEL_ALTERED'], [7, 'ERR_DUPLICATE_IN_BATCH'], [8, 'ERR_EXCEL_ALTERED'], [9, 'ERR_UNKNOWN_QUALIFICATION'],
    ]);

    // the sheet again with row 5's name corrected: the conflict is listed with row 5, and reissue --row 5 takes that row
    const corrected = join(env.ECERT_DATA_DIR, '考生名单-更正.csv');
    writeFileSync(corrected, iconv.encode(sheet('周壹'), 'gb18030'));
    const again = ecert(['issue', '--file', corrected], env);
    const cmd = /ecert certificates reissue (\S+) --file \S+ --row (\d+) --reason/.exec(again.stdout);
    expect(cmd, again.stdout).not.toBeNull();
    expect(cmd![2]).toBe('5');
    // found only when issued, the conflict still names the column as the header does, with both values
    expect(again.stdout).toContain(`姓名「周壹」（已签发：「${b.name}」）`);
    const conflict = JSON.parse(ecert(['batches', 'status', /batch (b_[0-9a-f]{32})/.exec(again.stderr)![1], '--json'], env).stdout).errors.find((x: { row: number }) => x.row === 5);
    expect(conflict).toMatchObject({ code: 'ERR_CONFLICTS_WITH_EXISTING' });
    expect(conflict.message).toContain(`姓名 "周壹" (issued: "${b.name}")`);
    const re = ecert(['certificates', 'reissue', cmd![1], '--file', corrected, '--row', '5', '--reason', '姓名更正', '--json'], env);
    expect(re.code, re.stderr).toBe(0);
    expect(JSON.parse(re.stdout)).toMatchObject({ currentVersion: 2, holder: { name: '周壹' } });
  }, 180_000);
});
