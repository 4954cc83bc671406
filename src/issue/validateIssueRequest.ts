import { z } from 'zod';
import type { Catalog } from '../catalog/Catalog';
import { EcertError, type ErrorCode } from '../core/errors';
import type { IdType, IssueRequest } from '../core/types';
import { checkResidentId } from './residentId';
import { checkName, NAME_RULES, normalizeIdNumber } from '../core/personName';
import { qualificationHint, resolveQualification, resolveSpecialty } from '../catalog/resolveQualification';
import { excelDamage } from './excelDamage';
import { normaliseIdType, normaliseSex } from './holderForms';
import { issueMessages } from '../core/issueMessages';
import { normaliseDate, normaliseMonth } from './normaliseDate';

export const ID_TYPES = ['resident-id', 'passport', 'hk-macao-permit', 'taiwan-permit', 'foreign-permanent-resident', 'other'] as const satisfies readonly IdType[];

/**
 * The issue request body of contract.md. Shape only: the rules that need the catalog, the
 * calendar or each other are checked in validateIssueRequest, each with its own code.
 * Also the source of the OpenAPI document.
 */
export const issueRequestSchema = z
  .object({
    qualification: z.string().min(1).max(64).describe('code from GET /api/v1/qualifications, or its Chinese title (税务师, 注册建筑师（一级）)'),
    specialty: z.string().min(1).max(32).optional().describe('专业类别: required exactly for qualifications with specialties'),
    holder: z
      .object({
        name: z.string().min(1).max(64),
        idType: z.string().max(32).default('resident-id').describe(ID_TYPES.join(' | ')),
        idNumber: z.string().min(1).max(32),
        sex: z.string().max(8).describe('男 | 女 (also 男性/女性, M/F, male/female, 1/2 of GB/T 2261.1)'),
        birth: z.string().max(32).describe('YYYY-MM (also 1990/1, 1990年1月, 199001)'),
      })
      .strict(),
    approvalDate: z.string().max(32).describe('YYYY-MM-DD (also 2025/6/30, 2025.6.30, 2025年6月30日, 20250630)'),
    issueDate: z.string().max(32).describe('YYYY-MM-DD'),
  })
  .strict();

/** Whether a name fits its field on the certificate's page (src/render/layout/nameFit.ts). */
export type NameFit = (name: string, style: 1 | 2) => boolean;

export interface ValidateContext {
  catalog: Catalog;
  now: Date;
  nameFits?: NameFit;
  /**
   * The name of a field (a path of the request body, e.g. `holder.idNumber`) as the submitter
   * wrote it: the CSV header cell (证件号码) for batch rows read from a CSV; the path itself by default.
   */
  columnOf?: (field: string) => string;
}

const DATE_FORMS = { zh: '可写作 2025-06-30、2025-6-30、2025/6/30、2025.6.30、2025年6月30日 或 20250630', en: 'write it as 2025-06-30, 2025-6-30, 2025/6/30, 2025.6.30, 2025年6月30日 or 20250630' };
const MONTH_FORMS = { zh: '可写作 1990-01、1990-1、1990/1、1990.1、1990年1月、199001 或完整日期', en: 'write it as 1990-01, 1990-1, 1990/1, 1990.1, 1990年1月, 199001 or a whole date' };
const SEX_HINT = { zh: '须为“男”或“女”（也可写作 男性/女性、M/F，或 GB/T 2261.1 的代码 1/2）', en: 'must be 男 or 女 (also 男性/女性, M/F, male/female, or the GB/T 2261.1 codes 1/2)' };
const ID_TYPE_NAMES = '居民身份证 / resident-id、护照 / passport、港澳居民来往内地通行证 / hk-macao-permit、台湾居民来往大陆通行证 / taiwan-permit、外国人永久居留身份证 / foreign-permanent-resident、其他 / other';

/** A value as echoed in a message: the submitter's own data, shown only to the submitter (never logged). */
function shown(value: unknown): { zh: string; en: string } {
  if (value === undefined || value === null || value === '') return { zh: '（空）', en: '(empty)' };
  const t = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  const cut = Array.from(t).length > 60 ? `${Array.from(t).slice(0, 60).join('')}…` : t;
  return { zh: `「${cut}」`, en: `"${cut}"` };
}

/** Dates of the JSON API and of CSV cells alike (src/issue/normaliseDate.ts); numbers (Excel serials in JSON) as their digits. */
function asText(v: unknown): unknown {
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : v;
}

export function validateIssueRequest(body: unknown, ctx: ValidateContext): IssueRequest {
  const label = ctx.columnOf ?? ((f: string) => f);
  const raw = body as { holder?: Record<string, unknown> } & Record<string, unknown>;
  /** Throw `code` for `field`, naming its column and value in both languages, with a hint. */
  const fail = (code: ErrorCode, field: string, value: unknown, hint?: { zh?: string; en?: string }): never => {
    const v = shown(value);
    const column = label(field);
    throw new EcertError(code, {
      zh: `${column}${v.zh}${hint?.zh ? `：${hint.zh}` : ''}`,
      en: `${column} ${v.en}${hint?.en ? `: ${hint.en}` : ''}`,
      details: { field },
    });
  };
  if (raw && typeof raw === 'object' && raw.holder && typeof raw.holder === 'object' && typeof raw.holder.idNumber === 'number') {
    fail('ERR_ID_NUMBER_FORMAT', 'holder.idNumber', raw.holder.idNumber, {
      zh: '证件号码须为文本（字符串），不能是数字：数字会丢失位数和末尾的 X',
      en: 'the ID number must be text (a string), not a number: numbers lose digits and the final X',
    });
  }
  const input =
    raw && typeof raw === 'object' && !Array.isArray(raw)
      ? {
          ...raw,
          ...('approvalDate' in raw ? { approvalDate: asText(raw.approvalDate) } : {}),
          ...('issueDate' in raw ? { issueDate: asText(raw.issueDate) } : {}),
          ...(raw.holder && typeof raw.holder === 'object' && 'birth' in raw.holder ? { holder: { ...raw.holder, birth: asText(raw.holder.birth) } } : {}),
        }
      : raw;
  const parsed = issueRequestSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue.code === 'unrecognized_keys') {
      // named by their own paths (holder.phone), without the object around them: it holds the ID number
      const fields = issue.keys.map((k) => [...issue.path, k].join('.'));
      throw new EcertError('ERR_VALIDATION', {
        zh: `未知的字段 ${fields.join('、')}：签发请求只有 qualification、specialty、holder（name、idType、idNumber、sex、birth）、approvalDate、issueDate，请删除其余字段`,
        en: `unknown field${fields.length > 1 ? 's' : ''} ${fields.join(', ')}: an issue request has only qualification, specialty, holder (name, idType, idNumber, sex, birth), approvalDate, issueDate; remove the others`,
        details: { field: fields[0] },
      });
    }
    const field = issue.path.join('.') || '(body)';
    const value = issue.path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string | number, unknown>)[k as string | number] : undefined), input);
    const m = issueMessages(issue);
    throw new EcertError('ERR_VALIDATION', {
      zh: `字段 ${label(field)}${field === '(body)' ? '' : shown(value).zh} 无效：${m.zh}`,
      en: `${label(field)}${field === '(body)' ? '' : ` ${shown(value).en}`}: ${m.en}`,
      details: { field },
    });
  }
  const b = parsed.data;

  // qualification (code or Chinese title, src/catalog/resolveQualification.ts) and specialty
  const resolved = resolveQualification(ctx.catalog, b.qualification.trim());
  if (!resolved.qualification) {
    fail('ERR_UNKNOWN_QUALIFICATION', 'qualification', b.qualification, qualificationHint(resolved.suggestions));
  }
  const q = resolved.qualification!;
  let specialty: string | undefined;
  if (q.specialties) {
    const names = q.specialties.map((s) => s.name);
    if (!b.specialty) fail('ERR_SPECIALTY_REQUIRED', 'specialty', b.specialty, { zh: `${q.title}须填写：${names.join('、')}`, en: `${q.code} needs one of ${names.join(', ')}` });
    const sp = resolveSpecialty(q, b.specialty!);
    if (!sp) fail('ERR_UNKNOWN_SPECIALTY', 'specialty', b.specialty, { zh: `${q.title}的专业类别为：${names.join('、')}`, en: `${q.code} has ${names.join(', ')}` });
    specialty = sp!.name;
  } else if (b.specialty) fail('ERR_SPECIALTY_NOT_ALLOWED', 'specialty', b.specialty, { zh: `${q.title}没有专业类别，请留空`, en: `leave it empty for ${q.code}` });

  // holder
  let name: string;
  try {
    name = checkName(b.holder.name);
  } catch (e) {
    const rule = (e as EcertError).details?.rule as string;
    const broken = NAME_RULES.find((r) => r.id === rule);
    throw new EcertError('ERR_NAME_INVALID', {
      zh: `${label('holder.name')}${shown(b.holder.name).zh}：${broken?.zh ?? ''}`,
      en: `${label('holder.name')} ${shown(b.holder.name).en}: ${broken?.en ?? ''}`,
      details: { field: 'holder.name', rule },
    });
  }
  if (ctx.nameFits && !ctx.nameFits(name, q.style)) {
    throw new EcertError('ERR_NAME_INVALID', {
      zh: `${label('holder.name')}${shown(name).zh}：姓名过长，超出证书上姓名栏的宽度`,
      en: `${label('holder.name')} ${shown(name).en}: too long for the name field of the certificate page`,
      details: { field: 'holder.name', rule: 'fits-field' },
    });
  }
  const idType = normaliseIdType(b.holder.idType) ?? fail('ERR_ID_TYPE', 'holder.idType', b.holder.idType, { zh: `可选：${ID_TYPE_NAMES}`, en: `one of ${ID_TYPE_NAMES}` });
  const idNumber = normalizeIdNumber(b.holder.idNumber);
  const idColumn = label('holder.idNumber');
  const damage = excelDamage(idType === 'resident-id' ? 'resident-id' : 'id', idNumber, idColumn);
  if (damage) fail('ERR_EXCEL_ALTERED', 'holder.idNumber', b.holder.idNumber, damage);
  const sex = normaliseSex(b.holder.sex) ?? fail('ERR_SEX', 'holder.sex', b.holder.sex, SEX_HINT);
  const birth = normaliseMonth(b.holder.birth);
  if (!isMonth(birth)) {
    const d = excelDamage('month', b.holder.birth, label('holder.birth'));
    if (d) fail('ERR_EXCEL_ALTERED', 'holder.birth', b.holder.birth, d);
    fail('ERR_DATE_FORMAT', 'holder.birth', b.holder.birth, MONTH_FORMS);
  }
  if (idType === 'resident-id') {
    const r = checkResidentId(idNumber);
    if (r.problem === 'format') {
      fail('ERR_ID_NUMBER_FORMAT', 'holder.idNumber', b.holder.idNumber, {
        zh: `居民身份证号码应为 18 位：17 位数字加 1 位校验码（数字或 X）（GB 11643-1999），此处为 ${Array.from(idNumber).length} 位`,
        en: `a resident ID has 18 characters: 17 digits and a check digit or X (GB 11643-1999); this one has ${Array.from(idNumber).length}`,
      });
    }
    if (r.problem === 'birth') fail('ERR_ID_NUMBER_FORMAT', 'holder.idNumber', b.holder.idNumber, { zh: '第 7–14 位不是真实的出生日期（GB 11643-1999）', en: 'characters 7–14 are not a real birth date (GB 11643-1999)' });
    if (r.problem === 'checksum') fail('ERR_ID_NUMBER_CHECKSUM', 'holder.idNumber', b.holder.idNumber, { zh: '第 18 位校验码与前 17 位不符（GB 11643-1999），请核对是否抄错', en: 'the 18th (check) character does not match the first 17 (GB 11643-1999): check the number for a typo' });
    if (r.birth!.slice(0, 7) !== birth) fail('ERR_ID_NUMBER_BIRTH_MISMATCH', 'holder.birth', b.holder.birth, { zh: `${idColumn}中的出生年月为 ${r.birth!.slice(0, 7)}`, en: `the ${idColumn} says ${r.birth!.slice(0, 7)}` });
    if (r.sex !== sex) fail('ERR_SEX_MISMATCH', 'holder.sex', b.holder.sex, { zh: `${idColumn}第 17 位表示“${r.sex}”`, en: `the 17th digit of the ${idColumn} says ${r.sex}` });
  } else if (!/^[A-Z0-9]{5,20}$/.test(idNumber)) fail('ERR_ID_NUMBER_FORMAT', 'holder.idNumber', b.holder.idNumber, { zh: '应为 5–20 位字母或数字', en: '5 to 20 letters and digits' });

  // dates (calendar days in China Standard Time)
  const approvalDate = normaliseDate(b.approvalDate);
  const issueDate = normaliseDate(b.issueDate);
  for (const [field, value, raw] of [['approvalDate', approvalDate, b.approvalDate], ['issueDate', issueDate, b.issueDate]] as const) {
    if (isDate(value)) continue;
    const d = excelDamage('date', raw, label(field));
    if (d) fail('ERR_EXCEL_ALTERED', field, raw, d);
    fail('ERR_DATE_FORMAT', field, raw, DATE_FORMS);
  }
  const today = chinaDate(ctx.now);
  if (approvalDate > today) fail('ERR_DATE_FUTURE', 'approvalDate', b.approvalDate, { zh: `晚于今天（${today}）`, en: `after today (${today})` });
  if (issueDate > today) fail('ERR_DATE_FUTURE', 'issueDate', b.issueDate, { zh: `晚于今天（${today}）`, en: `after today (${today})` });
  if (approvalDate > issueDate) fail('ERR_DATE_ORDER', 'approvalDate', b.approvalDate, { zh: `晚于${label('issueDate')}（${issueDate}）`, en: `is after the ${label('issueDate')} ${issueDate}` });
  const birthYear = Number(birth.slice(0, 4));
  if (birthYear < 1900 || birth > today.slice(0, 7) || Number(approvalDate.slice(0, 4)) - birthYear < 16) {
    fail('ERR_BIRTH_INVALID', 'holder.birth', b.holder.birth, { zh: '须在 1900 年或以后出生，且批准时年满 16 岁', en: 'born 1900 or later and at least 16 at approval' });
  }

  return { qualification: q.code, ...(specialty ? { specialty } : {}), holder: { name, idType, idNumber, sex, birth }, approvalDate, issueDate };
}

function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}

function isMonth(s: string): boolean {
  const m = /^(\d{4})-(\d{2})$/.exec(s);
  return !!m && +m[2] >= 1 && +m[2] <= 12;
}

/** YYYY-MM-DD of `now` in Asia/Shanghai (UTC+8, no daylight saving since 1991). */
export function chinaDate(now: Date): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}
