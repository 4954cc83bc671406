import type { Catalog } from '../../catalog/Catalog';
import { resolveQualification, resolveSpecialty } from '../../catalog/resolveQualification';
import { EcertError, isEcertError, type ErrorCode } from '../../core/errors';
import { normalizeIdNumber } from '../../core/personName';
import type { Issuer } from '../../registry/RegistryStore';
import { inIssuerScope } from '../authorizeIssuer';
import { validateIssueRequest, type NameFit } from '../validateIssueRequest';
import type { BatchRowInput } from './parseBatchInput';

/**
 * A row refused when its batch was submitted, stored in place of its request: the worker
 * fails it with this code and message (src/issue/batch/BatchWorker.ts). The message is
 * "zh / en" as the worker stores every row error.
 */
export interface RejectedRow {
  $rejected: { code: ErrorCode; message: string };
}

export function rejectionOf(payload: unknown): RejectedRow['$rejected'] | undefined {
  const r = (payload as Partial<RejectedRow> | null)?.$rejected;
  return r && typeof r.code === 'string' && typeof r.message === 'string' ? r : undefined;
}

export interface CheckBatchContext {
  catalog: Catalog;
  now: Date;
  nameFits?: NameFit;
  issuer: Issuer;
}

/**
 * The rows of a batch as they stream from the parser (parseBatchInput.ts), each checked when
 * the batch is submitted, so its error names the column as the file's header spells it and
 * the value as written (the worker re-validates the others when it issues them):
 *
 * - a second (or later) row with the same ID number and the same qualification and specialty
 *   as an earlier row fails with ERR_DUPLICATE_IN_BATCH naming that row (one Map entry of
 *   about 60 bytes per holder and qualification: 200,000 rows stay well under 50 MB);
 * - a valid row whose ID number (of the same document type) an earlier valid row gives to a
 *   holder of another name or birth month fails with ERR_ID_NUMBER_OTHER_HOLDER naming that
 *   row: one number belongs to one person, so one of the two rows has a wrong number;
 * - a row the parser could not read (parseBatchInput.ts: its cells shifted) fails with its error;
 * - a row failing validateIssueRequest, or outside the issuer's qualifications, fails with its code.
 */
export function* checkBatchRows(rows: Iterable<BatchRowInput>, ctx: CheckBatchContext): Generator<BatchRowInput> {
  const firstRow = new Map<string, number>();
  /** ID type and number → its first valid row and a 21-bit hash of that row's name and birth month, in one number (holderMark). */
  const holders = new Map<string, number>();
  for (const row of rows) {
    const columnOf = (field: string) => row.columns?.[field] ?? field;
    const identity = row.unreadable ? undefined : identityOf(row.payload, ctx.catalog);
    const earlier = identity ? firstRow.get(identity.key) : undefined;
    if (identity && earlier === undefined) firstRow.set(identity.key, row.rowNo);
    try {
      if (row.unreadable) throw row.unreadable;
      if (identity && earlier !== undefined) throw duplicateError(identity, earlier, columnOf);
      const req = validateIssueRequest(row.payload, { catalog: ctx.catalog, now: ctx.now, nameFits: ctx.nameFits, columnOf });
      // most rows are resident IDs: their key is the number itself (no second string per row)
      const holderKey = req.holder.idType === 'resident-id' ? req.holder.idNumber : `${req.holder.idType}\u0000${req.holder.idNumber}`;
      const first = holders.get(holderKey);
      const mark = holderMark(req.holder);
      if (first === undefined) holders.set(holderKey, row.rowNo * HOLDER_MARKS + mark);
      else if (first % HOLDER_MARKS !== mark) throw otherHolderError(Math.floor(first / HOLDER_MARKS), req.holder, row.payload, columnOf);
      if (!inIssuerScope(ctx.issuer, req.qualification)) {
        const q = ctx.catalog.get(req.qualification);
        throw new EcertError('ERR_FORBIDDEN', {
          zh: `${columnOf('qualification')}「${String(row.payload.qualification)}」：本凭据未获准签发 ${q.code}（${q.title}）`,
          en: `${columnOf('qualification')} "${String(row.payload.qualification)}": this credential may not issue ${q.code} (${q.title})`,
          details: { field: 'qualification' },
        });
      }
      yield row;
    } catch (e) {
      if (!isEcertError(e) || e.status >= 500) throw e;
      const rejected: RejectedRow = { $rejected: { code: e.code, message: rowMessage(e.bilingual) } };
      yield { rowNo: row.rowNo, payload: rejected as unknown as Record<string, unknown>, columns: row.columns };
    }
  }
}

/** The registry keeps 500 characters of a row's message (src/registry/SqlRegistryStore.ts): both languages are cut to fit, neither dropped. */
const MAX_MESSAGE = 500;

export function rowMessage(m: { zh: string; en: string }): string {
  const room = MAX_MESSAGE - 3;
  if (m.zh.length + m.en.length <= room) return `${m.zh} / ${m.en}`;
  const zhRoom = Math.max(room - m.en.length, Math.floor(room * 0.4));
  const zh = m.zh.length > zhRoom ? `${m.zh.slice(0, zhRoom - 1)}…` : m.zh;
  const en = m.en.length > room - zh.length ? `${m.en.slice(0, room - zh.length - 1)}…` : m.en;
  return `${zh} / ${en}`;
}

interface Identity {
  key: string;
  idNumber: string;
  idNumberRaw: string;
  code: string;
  title: string;
  specialty?: string;
}

/** Holder and qualification of a row as far as they can be read, valid or not (a certificate's identity less its approval date). */
function identityOf(payload: Record<string, unknown>, catalog: Catalog): Identity | undefined {
  const holder = payload.holder as { idNumber?: unknown } | undefined;
  if (typeof payload.qualification !== 'string' || typeof holder?.idNumber !== 'string') return undefined;
  const idNumber = normalizeIdNumber(holder.idNumber);
  const q = resolveQualification(catalog, payload.qualification.trim()).qualification;
  if (!idNumber || !q) return undefined;
  const sp = typeof payload.specialty === 'string' ? payload.specialty.trim() : '';
  const specialty = resolveSpecialty(q, sp)?.name ?? sp;
  // a short key (the qualification's serial, not its code): one per row is kept
  return { key: `${idNumber}\u0000${q.serial}\u0000${specialty}`, idNumber, idNumberRaw: holder.idNumber, code: q.code, title: q.title, ...(specialty ? { specialty } : {}) };
}

function duplicateError(id: Identity, earlier: number, columnOf: (f: string) => string): EcertError {
  const what = {
    zh: `${columnOf('holder.idNumber')}「${id.idNumberRaw}」、${columnOf('qualification')} ${id.code}（${id.title}）${id.specialty ? `、${columnOf('specialty')}「${id.specialty}」` : ''}`,
    en: `${columnOf('holder.idNumber')} "${id.idNumberRaw}", ${columnOf('qualification')} ${id.code} (${id.title})${id.specialty ? `, ${columnOf('specialty')} "${id.specialty}"` : ''}`,
  };
  return new EcertError('ERR_DUPLICATE_IN_BATCH', {
    zh: `与第 ${earlier} 行重复（${what.zh}）；同一人同一资格只签发一张证书，请删除或更正其中一行`,
    en: `same as row ${earlier} (${what.en}); one certificate per holder and qualification: delete or correct one of the rows`,
    details: { field: 'holder.idNumber', row: earlier },
  });
}

/**
 * A holder's name and birth month as a 21-bit FNV-1a hash: 100,000 rows' holders then take
 * ~8 MB (a number per ID number) instead of ~19 MB as strings; two different holders share a
 * hash once in 2 million pairs, and that row is then not flagged.
 */
const HOLDER_MARKS = 2 ** 21;
function holderMark(h: { name: string; birth: string }): number {
  let x = 0x811c9dc5;
  for (const c of `${h.name}\u0000${h.birth}`) x = Math.imul(x ^ c.codePointAt(0)!, 0x01000193);
  return (x >>> 0) % HOLDER_MARKS;
}

function otherHolderError(earlierRow: number, h: { name: string; birth: string }, payload: Record<string, unknown>, columnOf: (f: string) => string): EcertError {
  const raw = String((payload.holder as { idNumber?: unknown } | undefined)?.idNumber ?? '');
  return new EcertError('ERR_ID_NUMBER_OTHER_HOLDER', {
    zh: `${columnOf('holder.idNumber')}「${raw}」与第 ${earlierRow} 行相同，但${columnOf('holder.name')}或${columnOf('holder.birth')}不同（本行：${h.name}、${h.birth}）：同一证件号码只属于一个人，请核对两行的证件号码`,
    en: `${columnOf('holder.idNumber')} "${raw}" is the same as on row ${earlierRow}, but the ${columnOf('holder.name')} or ${columnOf('holder.birth')} differs (this row: ${h.name}, ${h.birth}): one number belongs to one person: check the ID numbers of both rows`,
    details: { field: 'holder.idNumber', row: earlierRow },
  });
}
