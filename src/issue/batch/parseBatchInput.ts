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
  if (!body.length) throw new EcertError('ERR_EMPTY_BODY');
  const type = contentType.toLowerCase();
  const rows = type.includes('json') ? parseJson(body) : type.includes('csv') || type.startsWith('text/plain') ? parseCsv(body) : unsupported();
  if (!rows.length) throw new EcertError('ERR_VALIDATION', { zh: '批量文件没有数据行', en: 'the batch has no rows' });
  if (rows.length > MAX_BATCH_ROWS) throw new EcertError('ERR_PAYLOAD_TOO_LARGE', { en: `at most ${MAX_BATCH_ROWS} rows per batch` });
  return rows;
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

function parseCsv(body: Buffer): BatchRowInput[] {
  let records: string[][];
  try {
    records = parse(decodeText(body), { relax_column_count: true, skip_empty_lines: true, trim: true, max_record_size: 4096 });
  } catch (e) {
    throw new EcertError('ERR_VALIDATION', { zh: 'CSV 格式错误', en: `CSV: ${(e as Error).message.slice(0, 200)}`, details: { field: '(csv)' } });
  }
  const [header, ...data] = records;
  if (!header) throw new EcertError('ERR_VALIDATION', { en: 'empty CSV' });
  const columns = header.map((h) => {
    const key = Object.entries(CSV_COLUMNS).find(([, names]) => names.some((n) => n.toLowerCase() === h.trim().toLowerCase()))?.[0];
    if (!key) throw new EcertError('ERR_VALIDATION', { zh: `未知的列名「${h}」`, en: `unknown column "${h}"`, details: { field: h } });
    return key;
  });
  const missing = REQUIRED.filter((k) => !columns.includes(k));
  if (missing.length) throw new EcertError('ERR_VALIDATION', { zh: `缺少列：${missing.join('、')}`, en: `missing columns: ${missing.join(', ')}`, details: { field: missing[0] } });
  return data.map((cells, i) => {
    const v: Record<string, string> = {};
    columns.forEach((k, c) => (v[k] = (cells[c] ?? '').trim()));
    const payload: Record<string, unknown> = {
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
    return { rowNo: i + 1, payload };
  });
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
