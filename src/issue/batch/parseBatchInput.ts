import { parse } from 'csv-parse/sync';
import { parseBoundedJson } from '../../core/boundedJson';
import iconv from 'iconv-lite';
import { EcertError } from '../../core/errors';

/** One row of a batch as an issue request body (shape of POST /api/v1/certificates). */
export interface BatchRowInput {
  rowNo: number;
  payload: Record<string, unknown>;
}

export const MAX_BATCH_ROWS = 200_000;

/**
 * CSV columns, Chinese or English header names (documented in README "Batches"). The
 * first name is the canonical English one.
 */
export const CSV_COLUMNS: Record<string, string[]> = {
  qualification: ['qualification', '资格代码', '职业资格代码', '资格'],
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

const ID_TYPES: Record<string, string> = {
  居民身份证: 'resident-id',
  身份证: 'resident-id',
  护照: 'passport',
  港澳居民来往内地通行证: 'hk-macao-permit',
  台湾居民来往大陆通行证: 'taiwan-permit',
  外国人永久居留身份证: 'foreign-permanent-resident',
  其他: 'other',
};

/** Parse a batch body: CSV (UTF-8 with or without BOM, or GB18030/GBK as Excel saves it) or a JSON array. */
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
  const type = contentType.toLowerCase();
  const rows = type.includes('json') ? parseJson(body) : type.includes('csv') || type.startsWith('text/plain') ? parseCsv(body) : unsupported();
  let n = 0;
  for (const row of rows) {
    if (++n > MAX_BATCH_ROWS) throw new EcertError('ERR_PAYLOAD_TOO_LARGE', { en: `at most ${MAX_BATCH_ROWS} rows per batch` });
    yield row;
  }
  if (!n) throw new EcertError('ERR_VALIDATION', { zh: '批量文件没有数据行', en: 'the batch has no rows' });
}

function unsupported(): never {
  throw new EcertError('ERR_UNSUPPORTED_MEDIA_TYPE', { zh: '请使用 text/csv 或 application/json', en: 'send text/csv or application/json' });
}

function parseJson(body: Buffer): BatchRowInput[] {
  const data = parseBoundedJson(decodeText(body));
  const list = Array.isArray(data) ? data : (data as { rows?: unknown })?.rows;
  if (!Array.isArray(list)) throw new EcertError('ERR_VALIDATION', { en: 'expected a JSON array of issue requests', details: { field: '(body)' } });
  return list.map((payload, i) => ({ rowNo: i + 1, payload: (payload && typeof payload === 'object' ? payload : { value: payload }) as Record<string, unknown> }));
}

/** UTF-8 (BOM stripped) when the bytes are valid UTF-8, else GB18030 (a superset of GBK and GB2312). */
export function decodeText(body: Buffer): string {
  const b = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? body.subarray(3) : body;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    return iconv.decode(b, 'gb18030');
  }
}

/** Characters of CSV text parsed at a time (cut at a record boundary, see csvSlices). */
const CSV_SLICE = 1 << 16;

function* parseCsv(body: Buffer): Generator<BatchRowInput> {
  let header: string[] | undefined;
  let columns: string[] = [];
  let rowNo = 0;
  let linesBefore = 0;
  for (const slice of csvSlices(decodeText(body), CSV_SLICE)) {
    let records: string[][];
    try {
      records = parse(slice, { relax_column_count: true, skip_empty_lines: true, trim: true, max_record_size: 4096 });
    } catch (e) {
      // csv-parse counts lines from the start of the slice
      const message = (e as Error).message.replace(/\bline (\d+)/g, (_, n: string) => `line ${Number(n) + linesBefore}`);
      throw new EcertError('ERR_VALIDATION', { zh: 'CSV 格式错误', en: `CSV: ${message.slice(0, 200)}`, details: { field: '(csv)' } });
    }
    for (let i = slice.indexOf('\n'); i >= 0; i = slice.indexOf('\n', i + 1)) linesBefore++;
    if (!header && records.length) {
      header = records.shift()!;
      columns = csvColumns(header);
    }
    for (const cells of records) yield { rowNo: ++rowNo, payload: csvPayload(columns, cells) };
  }
  if (!header) throw new EcertError('ERR_VALIDATION', { en: 'empty CSV' });
}

/**
 * CSV text in slices of about `size` characters, each ending at a record boundary: a line
 * break outside quotes, i.e. after an even number of quote characters (RFC 4180 §2: quotes
 * open and close a field, and a quote inside one is doubled, so the parity holds).
 */
export function* csvSlices(text: string, size: number): Generator<string> {
  let start = 0;
  let quotes = 0;
  let scanned = 0;
  while (start < text.length) {
    let end = -1;
    for (let i = scanned; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) quotes++;
      else if (c === 0x0a && quotes % 2 === 0 && i + 1 - start >= size) {
        end = i + 1;
        break;
      }
    }
    if (end < 0) end = text.length;
    yield text.slice(start, end);
    start = scanned = end;
  }
}

function csvColumns(header: string[]): string[] {
  const columns = header.map((h) => {
    const key = Object.entries(CSV_COLUMNS).find(([, names]) => names.some((n) => n.toLowerCase() === h.trim().toLowerCase()))?.[0];
    if (!key) throw new EcertError('ERR_VALIDATION', { zh: `未知的列名「${h}」`, en: `unknown column "${h}"`, details: { field: h } });
    return key;
  });
  const missing = REQUIRED.filter((k) => !columns.includes(k));
  if (missing.length) throw new EcertError('ERR_VALIDATION', { zh: `缺少列：${missing.join('、')}`, en: `missing columns: ${missing.join(', ')}`, details: { field: missing[0] } });
  return columns;
}

function csvPayload(columns: string[], cells: string[]): Record<string, unknown> {
  const v: Record<string, string> = {};
  columns.forEach((k, c) => (v[k] = (cells[c] ?? '').trim()));
  return {
    qualification: v.qualification,
    ...(v.specialty ? { specialty: v.specialty } : {}),
    holder: {
      name: v.name,
      idType: v.idType ? (ID_TYPES[v.idType] ?? v.idType) : 'resident-id',
      idNumber: v.idNumber,
      sex: v.sex,
      birth: normaliseMonth(v.birth),
    },
    approvalDate: normaliseDate(v.approvalDate),
    issueDate: normaliseDate(v.issueDate),
  };
}

/** Dates as spreadsheets write them: 2025-6-30, 2025/06/30, 2025.6.30, 2025年6月30日, 20250630 → 2025-06-30. */
export function normaliseDate(s: string): string {
  const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(s) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  return m ? `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}` : s;
}

/** 1990-1, 1990/01, 1990.1, 1990年1月, 199001 → 1990-01. */
export function normaliseMonth(s: string): string {
  const m = /^(\d{4})[-/.年](\d{1,2})月?$/.exec(s) ?? /^(\d{4})(\d{2})$/.exec(s);
  return m ? `${m[1]}-${m[2].padStart(2, '0')}` : s;
}
