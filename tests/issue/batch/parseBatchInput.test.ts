import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, csvSlices, IGNORED_COLUMNS, normaliseDate, normaliseMonth, parseBatchInput } from '../../../src/issue/batch/parseBatchInput';
import { loadCatalog } from '../../../src/catalog/loadCatalog';
import { validateIssueRequest } from '../../../src/issue/validateIssueRequest';
import type { EcertError } from '../../../src/core/errors';

const CSV_ZH = '资格代码,专业类别,姓名,证件号码,性别,出生年月,批准日期,制发日期\nsupervising-engineer,土木建筑工程,张三,11010519491231002X,女,1949/12,2025/6/30,2025年8月15日\n';

describe('parseBatchInput', () => {
  it('reads Chinese headers, UTF-8 with a BOM; cells as written (dates are normalised by the validator), numbered as Excel rows, columns as the header spells them', () => {
    const rows = parseBatchInput(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(CSV_ZH)]), 'text/csv');
    expect(rows).toEqual([
      {
        rowNo: 2,
        payload: {
          qualification: 'supervising-engineer',
          specialty: '土木建筑工程',
          holder: { name: '张三', idType: 'resident-id', idNumber: '11010519491231002X', sex: '女', birth: '1949/12' },
          approvalDate: '2025/6/30',
          issueDate: '2025年8月15日',
        },
        columns: {
          qualification: '资格代码', specialty: '专业类别', 'holder.name': '姓名', 'holder.idNumber': '证件号码',
          'holder.sex': '性别', 'holder.birth': '出生年月', approvalDate: '批准日期', issueDate: '制发日期',
        },
      },
    ]);
  });

  it('reads GB18030 (GBK) as Excel saves it on Chinese Windows', () => {
    const rows = parseBatchInput(iconv.encode(CSV_ZH, 'gb18030'), 'text/csv; charset=gbk');
    expect((rows[0].payload.holder as { name: string }).name).toBe('张三');
  });

  it("reads Excel's Unicode text (UTF-16LE with its BOM, tab-separated, CRLF) and UTF-16BE, numbered as Excel rows", () => {
    // fixture written here: what Excel's 另存为 → Unicode 文本 (*.txt) writes for the sheet of CSV_ZH,
    // plus a blank row, a row of empty cells and a cell with a tab and a line break (quoted)
    const tsv = [
      CSV_ZH.trim().split('\n')[0].replace(/,/g, '\t'), // 1
      '', // 2: blank
      CSV_ZH.trim().split('\n')[1].replace(/,/g, '\t'), // 3
      '\t\t\t\t\t\t\t', // 4: a row of empty cells
      ['supervising-engineer', '土木建筑工程', '"上官\t燕\n二"', '11010519491231002X', '女', '1949-12', '2025-06-30', '2025-08-15'].join('\t'), // 5
      ['supervising-engineer', '土木建筑工程', '上官', '110105194912310029', '女', '1949-12', '2025-06-30', '2025-08-15'].join('\t'), // 6
    ].join('\r\n') + '\r\n';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(tsv, 'utf16le')]);
    expect(le.includes(0x0a) && le.indexOf(Buffer.from('上', 'utf16le')) > 0).toBe(true); // 上 is 0A 4E: a line feed byte inside a character
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(tsv, 'utf16le').swap16()]);
    // and Excel's 文本文件（制表符分隔）on Chinese Windows: the same text in GB18030 (GBK)
    const gbk = iconv.encode(tsv, 'gb18030');
    for (const [body, type] of [[le, 'text/plain'], [be, 'text/tab-separated-values'], [Buffer.from(tsv), 'text/csv'], [gbk, 'text/plain']] as const) {
      const rows = parseBatchInput(body, type);
      expect(rows.map((r) => [r.rowNo, (r.payload.holder as { name: string }).name, (r.payload.holder as { idNumber: string }).idNumber])).toEqual([
        [3, '张三', '11010519491231002X'],
        [5, '上官\t燕\n二', '11010519491231002X'],
        [6, '上官', '110105194912310029'],
      ]);
      expect(rows[0].columns).toMatchObject({ 'holder.name': '姓名', 'holder.idNumber': '证件号码' });
      expect(rows[0].payload).toMatchObject({ qualification: 'supervising-engineer', specialty: '土木建筑工程', approvalDate: '2025/6/30' });
    }
    // a comma in a tab-separated cell is text, a tab in a comma-separated quoted cell too
    const [tabRow] = parseBatchInput(Buffer.from('姓名\t证件号码\t资格代码\t性别\t出生年月\t批准日期\t制发日期\n张,三\t1\ttax-adviser\t男\t1990-01\t2025-06-30\t2025-08-15\n'), 'text/csv');
    expect(tabRow.payload.holder).toMatchObject({ name: '张,三', idNumber: '1' });
    expect(tabRow.unreadable).toBeUndefined();
  });

  it('refuses an Excel workbook (.xlsx, .xls) with what to save it as, whatever the content type says', () => {
    // the first bytes of each format (ZIP local file header; Compound File header), then filler
    const xlsx = Buffer.concat([Buffer.from('504b030414000600080000002100', 'hex'), Buffer.from('[Content_Types].xml'), Buffer.alloc(64)]);
    const xls = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(504)]);
    for (const [body, kind] of [[xlsx, '.xlsx'], [xls, '.xls']] as const) {
      for (const type of ['text/csv', 'application/json', 'application/octet-stream']) {
        let err: unknown;
        try {
          parseBatchInput(body, type);
        } catch (e) {
          err = e;
        }
        expect(err).toMatchObject({ code: 'ERR_UNSUPPORTED_MEDIA_TYPE' });
        expect((err as EcertError).bilingual.zh).toContain(`Excel 工作簿（${kind}）`);
        expect((err as EcertError).bilingual.en).toContain('CSV UTF-8');
      }
    }
  });

  it('reads English headers, and leaves Chinese ID type names to the validator (the same forms as the JSON API)', () => {
    const csv = 'qualification,name,idType,idNumber,sex,birth,approvalDate,issueDate\ntax-adviser,Li Lei,护照,E12345678,男,1990-01,2025-06-30,2025-08-15\ntax-adviser,Li Mei,,E12345679,女,1990-01,2025-06-30,2025-08-15\n';
    const [row, noType] = parseBatchInput(Buffer.from(csv), 'text/csv');
    expect(row.payload.holder).toMatchObject({ name: 'Li Lei', idType: '护照', idNumber: 'E12345678' });
    expect(validateIssueRequest(row.payload, { catalog: loadCatalog(), now: new Date('2025-09-01T00:00:00Z') }).holder.idType).toBe('passport');
    expect(noType.payload.holder).toMatchObject({ idType: 'resident-id' }); // an empty cell: a resident ID
  });

  it('numbers CSV rows as Excel shows them: one row a record however many lines its quoted cells take, blank lines counted, separator-only rows skipped', () => {
    // fixture written here: the shapes Excel (and hand editing) leave in a CSV export
    const csv = [
      '姓名,证件号码,资格代码,性别,出生年月,批准日期,制发日期,,', // 1: header, two empty header cells (a touched blank column)
      '', // 2: blank line
      '甲,1,tax-adviser,男,1990-01,2025-06-30,2025-08-15,,', // 3
      ',,,,,,,,', // 4: a row Excel writes with only separators
      '   ', // 5: white space only
      '"乙\n二",2,tax-adviser,男,1990-01,2025-06-30,2025-08-15', // 6: a quoted line break (Excel: a cell of two lines in one row)
      '丙,3,tax-adviser,男,1990-01,2025-06-30,2025-08-15', // 7
      '\r', // 8: a CRLF blank line
      '"丁\r\n\r\n四",4,tax-adviser,男,1990-01,2025-06-30,2025-08-15', // 9
      '戊,5,tax-adviser,男,1990-01,2025-06-30,2025-08-15', // 10, no final line break
    ].join('\n');
    const rows = parseBatchInput(Buffer.from(csv), 'text/csv');
    expect(rows.map((r) => [r.rowNo, (r.payload.holder as { idNumber: string }).idNumber])).toEqual([[3, '1'], [6, '2'], [7, '3'], [9, '4'], [10, '5']]);
    // the same with CRLF line ends throughout (Excel on Windows)
    const crlf = parseBatchInput(Buffer.from(csv.replace(/\r?\n/g, '\r\n')), 'text/csv');
    expect(crlf.map((r) => r.rowNo)).toEqual([3, 6, 7, 9, 10]);
  });

  it('explains CSV syntax errors in both languages with the line of the file, also past the first slice', () => {
    const header = 'qualification,name,idNumber,sex,birth,approvalDate,issueDate';
    const good = 'tax-adviser,王五,11010519491231002X,女,1949/12,2025/6/30,2025/8/15';
    const errorOf = (csv: string) => {
      try {
        parseBatchInput(Buffer.from(csv), 'text/csv');
      } catch (e) {
        return e as { code: string; bilingual: { zh: string; en: string }; details: { line: number } };
      }
      throw new Error('no error');
    };
    const cases: Array<[string, number, string, string]> = [
      [`${header}\n${good}\ntax-adviser,"王五,1\n`, 3, '双引号没有闭合', 'still open'],
      [`${header}\ntax-adviser,"王"五,1\n`, 2, '结束引号之后还有字符', 'after the closing quote'],
      [`${header}\ntax-adviser,王"五,1\n`, 2, '未加引号的单元格中有双引号', 'inside an unquoted cell'],
      // 30,000 lines first: the error is in a later slice, and still named by the file's line
      [`${header}\n${Array(30_000).fill(good).join('\n')}\ntax-adviser,王"五,1\n`, 30_002, '未加引号的单元格中有双引号', 'inside an unquoted cell'],
    ];
    for (const [csv, line, zh, en] of cases) {
      const e = errorOf(csv);
      expect(e.code).toBe('ERR_VALIDATION');
      expect(e.details.line).toBe(line);
      expect(e.bilingual.zh).toContain(`第 ${line} 行`);
      expect(e.bilingual.zh).toContain(zh);
      expect(e.bilingual.zh).not.toMatch(/[A-Za-z]{4,}/); // no English inside the Chinese
      expect(e.bilingual.en).toContain(`line ${line}`);
      expect(e.bilingual.en).toContain(en);
    }
  });

  it('takes a JSON array', () => {
    const rows = parseBatchInput(Buffer.from(JSON.stringify([{ qualification: 'a' }, { qualification: 'b' }])), 'application/json');
    expect(rows.map((r) => r.rowNo)).toEqual([1, 2]);
  });

  it("reads a template's spellings of the headers, and reads past an export's bookkeeping columns (IGNORED_COLUMNS)", () => {
    // fixture written here: headers as exam centres' templates and exports write them
    const header = ['序号', '*姓名', '身份证号码（18位）', '性别 ', 'Approval Date', '出生年月(YYYY-MM)', '资格名称【必填】', '制发日期*', '工作单位', '手机号码', '备注', '考试成绩'];
    const row = ['1', '张三', '11010519491231002X', '女', '2025-06-30', '1949-12', 'supervising-engineer', '2025-08-15', '某设计院', '13800000000', '补考', '88'];
    const [r] = parseBatchInput(Buffer.from(`${header.join(',')}\n${row.join(',')}\n`), 'text/csv');
    expect(r.payload).toEqual({
      qualification: 'supervising-engineer',
      holder: { name: '张三', idType: 'resident-id', idNumber: '11010519491231002X', sex: '女', birth: '1949-12' },
      approvalDate: '2025-06-30',
      issueDate: '2025-08-15',
    });
    // messages name the column as the header spells it
    expect(r.columns).toMatchObject({ 'holder.name': '*姓名', 'holder.idNumber': '身份证号码（18位）', approvalDate: 'Approval Date' });
    for (const rowNoColumn of ['No.', '#', 'NO']) {
      const [x] = parseBatchInput(Buffer.from(`${rowNoColumn},qualification,name,idNumber,sex,birth,approvalDate,issueDate\n1,tax-adviser,李四,E1,男,1990-01,2025-06-30,2025-08-15\n`), 'text/csv');
      expect(x.payload.qualification, rowNoColumn).toBe('tax-adviser');
    }
    for (const h of ['id_number', 'ID-Number', 'ｉｄＮｕｍｂｅｒ']) {
      const [x] = parseBatchInput(Buffer.from(`qualification,name,${h},sex,birth,approvalDate,issueDate\ntax-adviser,李四,E1,男,1990-01,2025-06-30,2025-08-15\n`), 'text/csv');
      expect((x.payload.holder as { idNumber: string }).idNumber, h).toBe('E1');
    }
    // no bookkeeping column is a certificate column
    for (const c of IGNORED_COLUMNS) expect(Object.values(CSV_COLUMNS).flat().map((n) => n.toLowerCase())).not.toContain(c.toLowerCase());
    // an unknown column still refuses the file: it may be a misspelt certificate column (专业类型 for 专业类别)
    expect(() => parseBatchInput(Buffer.from(`${header.join(',')},专业类型\n${row.join(',')},x\n`), 'text/csv')).toThrow(expect.objectContaining({ code: 'ERR_VALIDATION', bilingual: expect.objectContaining({ zh: expect.stringContaining('未知的列名「专业类型」') }) }));
  });

  it('rejects unknown and missing columns, empty bodies, bad JSON and other types with codes', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as { code: string }).code;
      }
      return 'none';
    };
    expect(code(() => parseBatchInput(Buffer.from('姓名,爱好\n张三,x\n'), 'text/csv'))).toBe('ERR_VALIDATION');
    expect(code(() => parseBatchInput(Buffer.from('姓名\n张三\n'), 'text/csv'))).toBe('ERR_VALIDATION');
    expect(code(() => parseBatchInput(Buffer.alloc(0), 'text/csv'))).toBe('ERR_EMPTY_BODY');
    expect(code(() => parseBatchInput(Buffer.from('[{'), 'application/json'))).toBe('ERR_INVALID_JSON');
    expect(code(() => parseBatchInput(Buffer.from('x'), 'image/png'))).toBe('ERR_UNSUPPORTED_MEDIA_TYPE');
    expect(code(() => parseBatchInput(Buffer.from('qualification,name,idNumber,sex,birth,approvalDate,issueDate\n'), 'text/csv'))).toBe('ERR_VALIDATION');
  });

  it('normalises the date spellings of spreadsheets and leaves garbage for the validator', () => {
    expect(['2025-6-3', '2025/06/03', '2025.6.3', '2025年6月3日', '20250603'].map(normaliseDate)).toEqual(Array(5).fill('2025-06-03'));
    expect(['1990-1', '1990/01', '1990年1月', '199001'].map(normaliseMonth)).toEqual(Array(4).fill('1990-01'));
    expect(normaliseDate('yesterday')).toBe('yesterday');
  });

  it('parses a large CSV a slice at a time, cutting only between records (quoted line breaks and quotes kept whole)', () => {
    const text = 'a,"x\ny",b\n"q""\n",2,3\nplain,4,5\n"multi\nline\nfield",6,7\n';
    for (const size of [1, 3, 8, 20, 1000]) {
      const slices = [...csvSlices(Buffer.from(text), size)].map((b) => b.toString('utf8'));
      expect(slices.join('')).toBe(text);
      // every slice ends after a complete record: an even number of quotes
      for (const s of slices) expect((s.match(/"/g) ?? []).length % 2).toBe(0);
    }
    // 20,000 rows (more than one slice) with a quoted name containing a line break: the same rows as one parse would give
    const header = 'qualification,name,idNumber,sex,birth,approvalDate,issueDate';
    const rows = Array.from({ length: 20_000 }, (_, i) => `tax-adviser,"王""${i}""\n",11010519491231002X,女,1949/12,2025/6/30,2025/8/15`);
    const parsed = parseBatchInput(Buffer.from([header, ...rows].join('\r\n')), 'text/csv');
    expect(parsed).toHaveLength(20_000);
    // each record takes two lines of the file and one row of the sheet: row i is 2 + i (the header is row 1), across slices too
    expect(parsed.map((r) => r.rowNo)).toEqual(Array.from({ length: 20_000 }, (_, i) => 2 + i));
    expect((parsed[14321].payload.holder as { name: string }).name).toBe('王"14321"');
    // the same sheet as Excel saves it on Chinese Windows (GB18030), decoded a slice at a time: the same rows
    const gb = parseBatchInput(iconv.encode([header, ...rows].join('\r\n'), 'gb18030'), 'text/csv');
    expect(gb).toEqual(parsed);
  });
});
