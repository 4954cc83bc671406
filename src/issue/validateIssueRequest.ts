import { z } from 'zod';
import type { Catalog } from '../catalog/Catalog';
import { EcertError, type ErrorCode } from '../core/errors';
import type { IdType, IssueRequest } from '../core/types';
import { checkResidentId } from './residentId';
import { checkName, normalizeIdNumber } from '../core/personName';

export const ID_TYPES = ['resident-id', 'passport', 'hk-macao-permit', 'taiwan-permit', 'foreign-permanent-resident', 'other'] as const satisfies readonly IdType[];

/**
 * The issue request body of contract.md. Shape only: the rules that need the catalog, the
 * calendar or each other are checked in validateIssueRequest, each with its own code.
 * Also the source of the OpenAPI document.
 */
export const issueRequestSchema = z
  .object({
    qualification: z.string().min(1).max(64).describe('code from GET /api/v1/qualifications'),
    specialty: z.string().min(1).max(32).optional().describe('专业类别: required exactly for qualifications with specialties'),
    holder: z
      .object({
        name: z.string().min(1).max(64),
        idType: z.string().max(32).default('resident-id').describe(ID_TYPES.join(' | ')),
        idNumber: z.string().min(1).max(32),
        sex: z.string().max(4).describe('男 | 女'),
        birth: z.string().max(16).describe('YYYY-MM'),
      })
      .strict(),
    approvalDate: z.string().max(16).describe('YYYY-MM-DD'),
    issueDate: z.string().max(16).describe('YYYY-MM-DD'),
  })
  .strict();

/** Whether a name fits its field on the certificate's page (src/render/layout/nameFit.ts). */
export type NameFit = (name: string, style: 1 | 2) => boolean;

export function validateIssueRequest(body: unknown, ctx: { catalog: Catalog; now: Date; nameFits?: NameFit }): IssueRequest {
  const parsed = issueRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.') || '(body)';
    throw new EcertError('ERR_VALIDATION', { zh: `字段 ${field} 无效`, en: `${field}: ${issue.message}`, details: { field } });
  }
  const b = parsed.data;
  const fail = (code: ErrorCode, field: string, en?: string): never => {
    throw new EcertError(code, { en, details: { field } });
  };

  // qualification and specialty
  if (!ctx.catalog.has(b.qualification)) fail('ERR_UNKNOWN_QUALIFICATION', 'qualification');
  const q = ctx.catalog.get(b.qualification);
  let specialty: string | undefined;
  if (q.specialties) {
    if (!b.specialty) fail('ERR_SPECIALTY_REQUIRED', 'specialty', `one of ${q.specialties.map((s) => s.name).join(', ')}`);
    const sp = q.specialties.find((s) => s.name === b.specialty!.trim() || s.code === b.specialty!.trim());
    if (!sp) fail('ERR_UNKNOWN_SPECIALTY', 'specialty', `one of ${q.specialties.map((s) => s.name).join(', ')}`);
    specialty = sp!.name;
  } else if (b.specialty) fail('ERR_SPECIALTY_NOT_ALLOWED', 'specialty');

  // holder
  const name = checkName(b.holder.name);
  if (ctx.nameFits && !ctx.nameFits(name, q.style)) {
    throw new EcertError('ERR_NAME_INVALID', { zh: '姓名过长，超出证书上姓名栏的宽度', en: 'too long for the name field of the certificate page', details: { field: 'holder.name', rule: 'fits-field' } });
  }
  if (!(ID_TYPES as readonly string[]).includes(b.holder.idType)) fail('ERR_ID_TYPE', 'holder.idType', `one of ${ID_TYPES.join(', ')}`);
  const idType = b.holder.idType as IdType;
  const idNumber = normalizeIdNumber(b.holder.idNumber);
  const sex = b.holder.sex.trim();
  if (sex !== '男' && sex !== '女') fail('ERR_SEX', 'holder.sex');
  const birth = b.holder.birth.trim();
  if (!isMonth(birth)) fail('ERR_DATE_FORMAT', 'holder.birth', 'YYYY-MM');
  if (idType === 'resident-id') {
    const r = checkResidentId(idNumber);
    if (r.problem === 'format' || r.problem === 'birth') fail('ERR_ID_NUMBER_FORMAT', 'holder.idNumber', '18 characters: 17 digits and a check digit or X, with a real birth date');
    if (r.problem === 'checksum') fail('ERR_ID_NUMBER_CHECKSUM', 'holder.idNumber');
    if (r.birth!.slice(0, 7) !== birth) fail('ERR_ID_NUMBER_BIRTH_MISMATCH', 'holder.birth');
    if (r.sex !== sex) fail('ERR_SEX_MISMATCH', 'holder.sex');
  } else if (!/^[A-Z0-9]{5,20}$/.test(idNumber)) fail('ERR_ID_NUMBER_FORMAT', 'holder.idNumber', '5 to 20 letters and digits');

  // dates (calendar days in China Standard Time)
  const approvalDate = b.approvalDate.trim();
  const issueDate = b.issueDate.trim();
  if (!isDate(approvalDate)) fail('ERR_DATE_FORMAT', 'approvalDate', 'YYYY-MM-DD');
  if (!isDate(issueDate)) fail('ERR_DATE_FORMAT', 'issueDate', 'YYYY-MM-DD');
  const today = chinaDate(ctx.now);
  if (approvalDate > today) fail('ERR_DATE_FUTURE', 'approvalDate');
  if (issueDate > today) fail('ERR_DATE_FUTURE', 'issueDate');
  if (approvalDate > issueDate) fail('ERR_DATE_ORDER', 'approvalDate');
  const birthYear = Number(birth.slice(0, 4));
  if (birthYear < 1900 || birth > today.slice(0, 7) || Number(approvalDate.slice(0, 4)) - birthYear < 16) {
    fail('ERR_BIRTH_INVALID', 'holder.birth', 'born 1900 or later and at least 16 at approval');
  }

  return { qualification: q.code, ...(specialty ? { specialty } : {}), holder: { name, idType, idNumber, sex: sex as '男' | '女', birth }, approvalDate, issueDate };
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
