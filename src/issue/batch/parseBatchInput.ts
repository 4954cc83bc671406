import { isUtf8 } from 'node:buffer';
import { parse } from 'csv-parse/sync';
import { parseBoundedJson } from '../../core/boundedJson';
import iconv from 'iconv-lite';
import { EcertError } from '../../core/errors';

export { normaliseDate, normaliseMonth } from '../normaliseDate';

/** One row of a batch as an issue request body (shape of POST /api/v1/certificates). */
export interface BatchRowInput {
  /**
   * The row as the submitter sees it: in a CSV, as Excel numbers the rows of the sheet it
   * opens (the header is row 1, so the first data row is row 2; blank lines skipped here still
   * count, a quoted cell's line breaks do not: recordRows); in a JSON array, the element's
   * 1-based index.
   */
  rowNo: number;
  payload: Record<string, unknown>;
  /** A CSV row that cannot be read as a request (more cells than the header has columns): refused with this error. */
  unreadable?: EcertError;
  /** CSV: request field path (`holder.idNumber`) → the header cell naming its column (证件号码); one object shared by every row. */
  columns?: Readonly<Record<string, string>>;
}

export const MAX_BATCH_ROWS = 200_000;

/**
 * CSV columns, Chinese or English header names (documented in README "Batches"). The
 * first name is the canonical English one.
 */
export const CSV_COLUMNS: Record<string, string[]> = {
  qualification: ['qualification', '资格代码', '职业资格代码', '资格', '职业资格', '资格名称', '职业资格名称'],
  specialty: ['specialty', '专业类别', '专业'],
  name: ['name', '姓名'],
  idType: ['idType', '证件类型'],
  idNumber: ['idNumber', '证件号码', '身份证号码', '身份证号'],
  sex: ['sex', '性别'],
  birth: ['birth', '出生年月'],
  approvalDate: ['approvalDate', '批准日期'],
  issueDate: ['issueDate', '制发日期'],
};
const REQUIRED = ['qualification', 'name', 'idNumber', 'sex', 'birth', 'approvalDate', 'issueDate'];

/**
 * Columns an exam centre's export or template carries besides the certificate's (a row number,
 * contact details, the exam), read past: nothing on a certificate comes from them. Any other
 * unknown column refuses the file, since it may be a misspelt certificate column.
 */
export const IGNORED_COLUMNS = [
  '序号', '编号', '行号', '备注', '说明', '工作单位', '单位', '单位名称', '所在单位', '手机', '手机号', '手机号码', '联系电话', '电话', '联系方式',
  '电子邮箱', '邮箱', '准考证号', '考号', '报名号', '成绩', '考试成绩', '考区', '考点', '地区', '所在地区', '省份', '民族', '学历', '学位',
  'no', 'no.', '#', 'rowno', 'remarks', 'remark', 'note', 'notes', 'employer', 'phone', 'mobile', 'email', 'examno', 'score',
];

/**
 * A header cell as compared with the names above: NFKC (full-width letters and brackets), without
 * white space, invisible characters, `_` and `-` (id_number, Approval Date), the asterisks and a
 * trailing note in brackets of a template (*姓名, 姓名（必填）, 证件号码【18位】), lower case.
 */
function headerKey(cell: string): string {
  return cell
    .normalize('NFKC')
    .replace(/[\s\p{Cf}_-]+/gu, '')
    .replace(/^\*+|\*+$/g, '') // *姓名, 姓名（必填）*
    .replace(/(?:\([^()]*\)|\[[^[\]]*\]|【[^【】]*】)$/u, '')
    .replace(/\*+$/, '') // 姓名*（必填）
    .toLowerCase();
}

const COLUMN_OF_KEY = new Map(Object.entries(CSV_COLUMNS).flatMap(([key, names]) => names.map((n) => [headerKey(n), key] as const)));
const IGNORED_KEYS = new Set(IGNORED_COLUMNS.map(headerKey));

/** Parse a batch body: CSV or tab-separated text (UTF-8 with or without BOM, GB18030/GBK, or UTF-16 with its BOM, as Excel saves them) or a JSON array. */
export function parseBatchInput(body: Buffer, contentType: string): BatchRowInput[] {
  return [...batchRows(body, contentType)];
}

/**
 * The rows of a batch body one by one, as parseBatchInput numbers them: a CSV is parsed a
 * slice of records at a time, so storing a cohort of 100,000 rows never holds them all
 * parsed at once. Errors (format, no rows, too many) are thrown while iterating: the
 * consumer (one registry transaction) then stores nothing.
 */
export function* batchRows(body: Buffer, contentType: string): Generator<BatchRowInput> {
  if (!body.length) throw new EcertError('ERR_EMPTY_BODY');
  const workbook = WORKBOOKS.find((w) => body.subarray(0, w.magic.length).equals(w.magic));
  if (workbook) {
    throw new EcertError('ERR_UNSUPPORTED_MEDIA_TYPE', {
      zh: `这是 Excel 工作簿（${workbook.kind}），不是 CSV：请在 Excel 中“另存为”“CSV UTF-8（逗号分隔）(*.csv)”或“Unicode 文本 (*.txt)”后提交；证件号码列须先设置为“文本”格式`,
      en: `this is an Excel workbook (${workbook.kind}), not a CSV: in Excel, Save As "CSV UTF-8 (Comma delimited) (*.csv)" or "Unicode Text (*.txt)" and submit that; format the ID number column as Text first`,
    });
  }
  const type = contentType.toLowerCase();
  const rows = type.includes('json') ? parseJson(body) : type.includes('csv') || type.startsWith('text/plain') || type.startsWith('text/tab-separated-values') ? parseCsv(body) : unsupported();
  let n = 0;
  for (const row of rows) {
    if (++n > MAX_BATCH_ROWS) throw new EcertError('ERR_PAYLOAD_TOO_LARGE', { zh: `每批最多 ${MAX_BATCH_ROWS} 行，请拆分为几个文件分别提交`, en: `at most ${MAX_BATCH_ROWS} rows per batch: split the file and submit the parts` });
    yield row;
  }
  if (!n) throw new EcertError('ERR_VALIDATION', { zh: '批量文件没有数据行', en: 'the batch has no rows' });
}

/**
 * Spreadsheet files submitted as they are: their signatures (ECMA-376 Part 2 §8: an .xlsx is a
 * ZIP package, APPNOTE.TXT §4.3.7 local file header PK\x03\x04; an .xls a Compound File,
 * [MS-CFB] §2.2 header signature D0 CF 11 E0 A1 B1 1A E1).
 */
const WORKBOOKS = [
  { magic: Buffer.from('504b0304', 'hex'), kind: '.xlsx' },
  { magic: Buffer.from('d0cf11e0a1b11ae1', 'hex'), kind: '.xls' },
];

function unsupported(): never {
  throw new EcertError('ERR_UNSUPPORTED_MEDIA_TYPE', { zh: '请使用 text/csv（或 text/tab-separated-values）或 application/json', en: 'send text/csv (or text/tab-separated-values) or application/json' });
}

function parseJson(body: Buffer): BatchRowInput[] {
  const { bytes, decode } = textBytes(body);
  const data = parseBoundedJson(decode(bytes));
  const list = Array.isArray(data) ? data : (data as { rows?: unknown })?.rows;
  if (!Array.isArray(list)) throw new EcertError('ERR_VALIDATION', { zh: '应为签发请求的 JSON 数组（或 {"rows": [...]}）', en: 'expected a JSON array of issue requests (or {"rows": [...]})', details: { field: '(body)' } });
  return list.map((payload, i) => ({ rowNo: i + 1, payload: (payload && typeof payload === 'object' ? payload : { value: payload }) as Record<string, unknown> }));
}

/**
 * A text file's bytes without a UTF-8 BOM, and how to decode them (or a slice of them cut
 * between characters): UTF-8 when the whole file is valid UTF-8, else GB18030 (a superset of
 * GBK and GB2312, as Excel saves on Chinese Windows). A file with a UTF-16 byte order mark
 * (Excel's "Unicode 文本 (*.txt)", tab-separated UTF-16LE) is re-encoded as UTF-8 first: in
 * UTF-16 the bytes 0x0A and 0x22 also occur inside characters (上 is 0A 4E), which csvSlices
 * relies on them not to.
 */
function textBytes(body: Buffer): { bytes: Buffer; decode: (slice: Buffer) => string } {
  const utf16 = utf16Text(body);
  if (utf16 !== undefined) return { bytes: Buffer.from(utf16, 'utf8'), decode: (b) => b.toString('utf8') };
  const bytes = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? body.subarray(3) : body;
  return { bytes, decode: isUtf8(bytes) ? (b) => b.toString('utf8') : (b) => iconv.decode(b, 'gb18030') };
}

/** The text of a body that starts with a UTF-16 byte order mark (FF FE little-endian, FE FF big-endian; Unicode §23.8), else undefined. */
function utf16Text(body: Buffer): string | undefined {
  if (body[0] === 0xff && body[1] === 0xfe) return body.subarray(2).toString('utf16le');
  if (body[0] === 0xfe && body[1] === 0xff) return Buffer.from(body.subarray(2, 2 + ((body.length - 2) & ~1))).swap16().toString('utf16le');
  return undefined;
}

/**
 * The cell separator of a CSV: a tab when the header row has more tabs than commas outside
 * quotes (Excel's "Unicode 文本" and "文本文件（制表符分隔）", or cells pasted from a sheet), else a
 * comma (RFC 4180). Both are single bytes in UTF-8 and GB18030 (see csvSlices).
 */
function csvDelimiter(bytes: Buffer): ',' | '\t' {
  let tabs = 0;
  let commas = 0;
  let quoted = false;
  for (let i = 0; i < Math.min(bytes.length, 4096); i++) {
    const c = bytes[i];
    if (c === 0x22) quoted = !quoted;
    else if (quoted) continue;
    else if (c === 0x0a || c === 0x0d) {
      if (tabs + commas) break; // the first line with cells: the header
    } else if (c === 0x09) tabs++;
    else if (c === 0x2c) commas++;
  }
  return tabs > commas ? '\t' : ',';
}

/**
 * Bytes of a CSV file decoded and parsed at a time (cut at a record boundary, see csvSlices):
 * the slices are decoded one by one, so the file is never held as one string besides its bytes
 * (~16 MB for a 100,000-row cohort).
 */
const CSV_SLICE = 1 << 17;

/**
 * The row (1-based) of each record of `text` as Excel numbers the rows of a CSV it opens, and
 * the rows `text` takes: a line break outside quotes ends a row; one inside a quoted field
 * (RFC 4180 §2.6) stays in its cell, which Excel shows as a cell of several lines in ONE row,
 * so the records after it are not pushed down. Blank or white-space-only lines start no record
 * (csv-parse skips them: skip_empty_lines with trim) but are rows of the sheet. Line ends:
 * CRLF, LF or a lone CR. (csv-parse's own `info.lines` counts physical lines, and loses count
 * with CRLF line ends.)
 */
function recordRows(text: string, delimiter: string): { starts: number[]; rows: number } {
  // a line of separators only is a record (of empty cells), as csv-parse reads it
  const tabIsBlank = delimiter !== '\t';
  const starts: number[] = [];
  let row = 1;
  let inQuotes = false;
  let blank = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c === 0x0a || c === 0x0d) && !inQuotes) {
      if (c === 0x0d && text.charCodeAt(i + 1) === 0x0a) i++;
      if (!blank) starts.push(row);
      row++;
      blank = true;
      continue;
    }
    if (c === 0x22) inQuotes = !inQuotes;
    if (c !== 0x20 && !(c === 0x09 && tabIsBlank)) blank = false;
  }
  if (!blank) starts.push(row);
  return { starts, rows: row - 1 };
}

/** Line breaks in `s` (CRLF, LF or CR: one each). */
function lineBreaks(s: string): number {
  return s.match(/\r\n|\n|\r/g)?.length ?? 0;
}

function* parseCsv(body: Buffer): Generator<BatchRowInput> {
  let header: string[] | undefined;
  let columns: Array<string | undefined> = [];
  let names: Record<string, string> = {};
  /** Rows (as Excel counts them) and lines (as a text editor does) of the file before the current slice (slices start at a record boundary, see csvSlices). */
  let rowsBefore = 0;
  let linesBefore = 0;
  const { bytes, decode } = textBytes(body);
  const delimiter = csvDelimiter(bytes);
  for (const chunk of csvSlices(bytes, CSV_SLICE)) {
    const slice = decode(chunk);
    let records: string[][];
    try {
      records = parse(slice, { delimiter, relax_column_count: true, skip_empty_lines: true, trim: true, max_record_size: 4096 });
    } catch (e) {
      throw csvSyntaxError(e as Error & { code?: string; lines?: number }, linesBefore);
    }
    const { starts, rows } = recordRows(slice, delimiter);
    if (starts.length !== records.length) {
      // never numbered by guess: a wrong row number would send a correction to the wrong holder
      throw new EcertError('ERR_VALIDATION', { zh: `CSV 格式错误：第 ${rowsBefore + 1} 行之后的记录无法确定行号`, en: `CSV: cannot tell the rows of the records after row ${rowsBefore + 1}`, details: { field: '(csv)' } });
    }
    for (let r = 0; r < records.length; r++) {
      const cells = records[r];
      const rowNo = rowsBefore + starts[r];
      if (!header) {
        header = cells;
        ({ columns, names } = csvColumns(header, rowNo));
        continue;
      }
      // a row Excel wrote with only separators (",,,,": cells once formatted, now empty) is blank
      if (cells.every((c) => c === '')) continue;
      yield { rowNo, payload: csvPayload(columns, cells), columns: names, ...extraCells(header.length, cells) };
    }
    rowsBefore += rows;
    linesBefore += lineBreaks(slice);
  }
  if (!header) throw new EcertError('ERR_VALIDATION', { zh: 'CSV 文件为空', en: 'empty CSV' });
}

/** csv-parse's errors (by their code) in both languages; `line` as a text editor numbers the file's lines. */
const CSV_SYNTAX: Record<string, { zh: (line: number) => string; en: (line: number) => string }> = {
  CSV_QUOTE_NOT_CLOSED: {
    zh: (l) => `到第 ${l} 行文件结束时仍有双引号没有闭合：某个单元格以双引号开始，却没有结束它的双引号`,
    en: (l) => `a double quote is still open where the file ends, on line ${l}: a cell starts with a quote that nothing closes`,
  },
  CSV_INVALID_CLOSING_QUOTE: {
    zh: (l) => `第 ${l} 行：双引号括起的单元格在结束引号之后还有字符；单元格中的双引号须写成两个（""）`,
    en: (l) => `line ${l}: characters after the closing quote of a quoted cell; a quote inside a cell is written twice ("")`,
  },
  INVALID_OPENING_QUOTE: {
    zh: (l) => `第 ${l} 行：未加引号的单元格中有双引号；这样的单元格须整体用双引号括起，其中的双引号写成两个（""）`,
    en: (l) => `line ${l}: a double quote inside an unquoted cell; quote the whole cell and write the quote twice ("")`,
  },
  CSV_MAX_RECORD_SIZE: {
    zh: (l) => `第 ${l} 行的记录过长（超过 4096 字节）：多半是某个双引号没有闭合，把后面的行并进了一个单元格`,
    en: (l) => `the record on line ${l} is too long (over 4096 bytes): most likely an unclosed quote took the following lines into one cell`,
  },
};

function csvSyntaxError(e: Error & { code?: string; lines?: number }, linesBefore: number): EcertError {
  // csv-parse counts lines from the start of the slice
  const line = linesBefore + (e.lines ?? 1);
  const known = e.code ? CSV_SYNTAX[e.code] : undefined;
  return new EcertError('ERR_VALIDATION', {
    zh: `CSV 格式错误：${known ? known.zh(line) : `第 ${line} 行无法解析`}`,
    en: `CSV: ${known ? known.en(line) : e.message.replace(/\bline (\d+)/g, (_, n: string) => `line ${Number(n) + linesBefore}`).slice(0, 200)}`,
    details: { field: '(csv)', line },
  });
}

/**
 * A row with cells beyond the header's columns: the cells have shifted (an unquoted comma in a
 * name, 张,三), so no cell can be trusted to be the column it stands under. Empty cells past
 * the header are not: Excel writes them for a column once formatted.
 */
function extraCells(columns: number, cells: string[]): { unreadable?: EcertError } {
  const extra = cells.slice(columns).filter((c) => c !== '');
  if (!extra.length) return {};
  const shown = extra.slice(0, 3).join(', ');
  return {
    unreadable: new EcertError('ERR_CSV_EXTRA_CELLS', {
      zh: `该行有 ${cells.length} 个单元格，表头只有 ${columns} 列，多出「${shown}」：通常是某个单元格（如姓名）含英文逗号而没有用双引号括起来，其后各列都错了位`,
      en: `the row has ${cells.length} cells, the header ${columns} columns, extra "${shown}": usually a cell (a name, say) contains a comma without double quotes, and every column after it is shifted`,
    }),
  };
}

/**
 * A CSV file's bytes in slices of about `size`, each ending at a record boundary: a line feed
 * outside quotes, i.e. after an even number of quote characters (RFC 4180 §2: quotes open and
 * close a field, and a quote inside one is doubled, so the parity holds). Bytes 0x0A and 0x22
 * are never part of a multi-byte character in UTF-8 or GB18030 (GB 18030-2005 §6: their
 * second and later bytes are 0x30–0x39 or 0x40–0xFE), so each slice decodes on its own.
 */
export function* csvSlices(bytes: Buffer, size: number): Generator<Buffer> {
  let start = 0;
  let quotes = 0;
  while (start < bytes.length) {
    let end = -1;
    for (let i = start; i < bytes.length; i++) {
      const c = bytes[i];
      if (c === 0x22) quotes++;
      else if (c === 0x0a && quotes % 2 === 0 && i + 1 - start >= size) {
        end = i + 1;
        break;
      }
    }
    if (end < 0) end = bytes.length;
    yield bytes.subarray(start, end);
    start = end;
  }
}

/** The request path of each CSV column key (errors name the column by the header's spelling). */
const FIELD_OF: Record<string, string> = {
  qualification: 'qualification',
  specialty: 'specialty',
  name: 'holder.name',
  idType: 'holder.idType',
  idNumber: 'holder.idNumber',
  sex: 'holder.sex',
  birth: 'holder.birth',
  approvalDate: 'approvalDate',
  issueDate: 'issueDate',
};

/**
 * The column key of each header cell (undefined: read past, an empty header cell as Excel writes
 * for a touched blank column, or one of IGNORED_COLUMNS).
 */
function csvColumns(header: string[], line: number): { columns: Array<string | undefined>; names: Record<string, string> } {
  const names: Record<string, string> = {};
  const columns = header.map((h, i) => {
    const spelled = headerKey(h);
    if (spelled === '' || IGNORED_KEYS.has(spelled)) return undefined;
    const key = COLUMN_OF_KEY.get(spelled);
    if (!key) {
      throw new EcertError('ERR_VALIDATION', {
        zh: `第 ${line} 行第 ${i + 1} 列：未知的列名「${h}」，可用的列名见说明（如 ${Object.values(CSV_COLUMNS).map((n) => n[1]).join('、')}）；${IGNORED_COLUMNS.slice(0, 4).join('、')} 等列会被略过`,
        en: `row ${line}, column ${i + 1}: unknown column "${h}"; known columns: ${Object.values(CSV_COLUMNS).map((n) => `${n[0]} / ${n[1]}`).join(', ')}; columns such as ${IGNORED_COLUMNS.slice(0, 4).join(', ')} are read past`,
        details: { field: h },
      });
    }
    if (names[FIELD_OF[key]]) {
      throw new EcertError('ERR_VALIDATION', { zh: `第 ${line} 行：「${names[FIELD_OF[key]]}」与「${h}」是同一列`, en: `row ${line}: "${names[FIELD_OF[key]]}" and "${h}" are the same column`, details: { field: h } });
    }
    names[FIELD_OF[key]] = h.trim();
    return key;
  });
  const missing = REQUIRED.filter((k) => !columns.includes(k));
  if (missing.length) {
    throw new EcertError('ERR_VALIDATION', {
      zh: `第 ${line} 行缺少列：${missing.map((k) => CSV_COLUMNS[k][1]).join('、')}`,
      en: `row ${line} lacks the columns ${missing.map((k) => `${k} / ${CSV_COLUMNS[k][1]}`).join(', ')}`,
      details: { field: missing[0] },
    });
  }
  return { columns, names };
}

/**
 * The cells of a row as an issue request, as written: dates and months are normalised by the
 * validator (src/issue/normaliseDate.ts) for CSV and JSON alike, so a rejected cell is quoted as it is in the file.
 */
function csvPayload(columns: Array<string | undefined>, cells: string[]): Record<string, unknown> {
  const v: Record<string, string> = {};
  columns.forEach((k, c) => k && (v[k] = (cells[c] ?? '').trim()));
  return {
    qualification: v.qualification,
    ...(v.specialty ? { specialty: v.specialty } : {}),
    holder: {
      name: v.name,
      idType: v.idType || 'resident-id', // a Chinese name as written: the validator reads it (src/issue/holderForms.ts)
      idNumber: v.idNumber,
      sex: v.sex,
      birth: v.birth,
    },
    approvalDate: v.approvalDate,
    issueDate: v.issueDate,
  };
}
