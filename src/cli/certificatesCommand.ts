import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config';
import { EcertError } from '../core/errors';
import { createServices, type Services } from '../services';
import { publicRecord } from '../http/routes/certificateRoutes';
import { revokeCertificate } from '../issue/revokeCertificate';
import { reissueCertificate } from '../issue/reissueCertificate';
import { batchRows } from '../issue/batch/parseBatchInput';
import type { CertificateRecord } from '../registry/RegistryStore';
import { operatorIssuer } from './issueCommand';
import { normalizeIdNumber, normalizeName } from '../core/personName';
import { qualificationHint, resolveQualification } from '../catalog/resolveQualification';
import { isValidManagementNo, MANAGEMENT_NO_LENGTH } from '../registry/managementNumber';

/**
 * `ecert certificates show|search|revoke|reissue` (issue 12): what the issuer API offers,
 * for the local operator, with `--json` for scripts. The operator acts for every body.
 */
export function certificatesCommand(program: Command, setCode: (c: number) => void): void {
  const certs = program.command('certificates').description('look up, search, revoke and re-issue certificates');
  const run = (fn: (s: Services) => Promise<number>) => async () => {
    const s = await createServices(loadConfig(), { ensureKeys: false });
    try {
      setCode(await fn(s));
    } finally {
      await s.registry.close();
      await s.documents.close();
    }
  };

  certs
    .command('show <managementNo>')
    .description('one certificate: record, status, document versions')
    .option('--json', 'print the record as JSON')
    .action((no: string, opts: { json?: boolean }) =>
      run(async (s) => {
        const r = await s.registry.getCertificate(managementNoArg(no));
        if (!r) throw new EcertError('ERR_NOT_FOUND', { details: { managementNo: no } });
        print(s, [r], opts.json, true);
        return 0;
      })(),
    );

  certs
    .command('search')
    .description('certificates matching every criterion given, newest first')
    .option('--management-no <no>', '管理号, or its first characters (2025011: the 2025 certificates of serial 011)')
    .option('--name <name>', 'holder name (as issued, normalised as at issuance)')
    .option('--id-number <idNumber>', 'holder ID number (matched by its digest; never stored)')
    .option('--qualification <code>', 'qualification code or Chinese title')
    .option('--status <status>', 'valid or revoked')
    .option('--limit <n>', 'at most this many (default 50, ≤ 1000)', '50')
    .option('--json', 'print a JSON array')
    .action((opts: { managementNo?: string; name?: string; idNumber?: string; qualification?: string; status?: string; limit: string; json?: boolean }) =>
      run(async (s) => {
        if (opts.status !== undefined && opts.status !== 'valid' && opts.status !== 'revoked') {
          throw new EcertError('ERR_VALIDATION', { zh: '--status 须为 valid 或 revoked', en: '--status must be valid or revoked' });
        }
        const found = await s.registry.searchCertificates({
          managementNoPrefix: opts.managementNo !== undefined ? managementNoPrefixArg(opts.managementNo) : undefined,
          holderName: opts.name !== undefined ? normalizeName(opts.name) : undefined,
          idNumberDigest: opts.idNumber ? s.ids.digest(opts.idNumber) : undefined,
          qualification: opts.qualification !== undefined ? qualificationArg(s, opts.qualification) : undefined,
          status: opts.status as 'valid' | 'revoked' | undefined,
          limit: Number(opts.limit),
        });
        print(s, found, opts.json, false);
        return 0;
      })(),
    );

  certs
    .command('revoke <managementNo>')
    .description('revoke a certificate (who, when, why are kept in the audit log)')
    .requiredOption('--reason <text>', 'why (2-500 characters)')
    .option('--json', 'print the revoked record as JSON')
    .action((no: string, opts: { reason: string; json?: boolean }) =>
      run(async (s) => {
        const r = await revokeCertificate(managementNoArg(no), { reason: opts.reason }, await operatorIssuer(s), s);
        print(s, [r], opts.json, true);
        return 0;
      })(),
    );

  certs
    .command('reissue <managementNo>')
    .description('re-issue a corrected certificate under the same 管理号 (the previous document is superseded)')
    .requiredOption('--reason <text>', 'why (2-500 characters)')
    .option('--file <path>', 'the corrected request: a JSON issue request, or a cohort file (.csv/.json) with --row')
    .option('--row <n>', 'the row of the cohort file as the batch summary names it (CSV: the Excel row, header = 1; JSON: element index)')
    .option('--json', 'print the re-issued record as JSON')
    .action((no: string, opts: { reason: string; file?: string; row?: string; json?: boolean }) =>
      run(async (s) => {
        if (!opts.file) throw new EcertError('ERR_VALIDATION', { zh: '需要 --file 指定更正后的信息', en: '--file with the corrected request is required' });
        const request = correctedRequest(opts.file, opts.row);
        const r = await reissueCertificate(managementNoArg(no), { ...request, reason: opts.reason }, await operatorIssuer(s), s);
        print(s, [r], opts.json, true);
        return 0;
      })(),
    );
}

/**
 * A 管理号 as the operator typed it (full width, spaces, lower-case x: normalised), refused when
 * it cannot be one: the operator is told what is wrong with it, where the public API answers
 * 404 to anything it does not hold (src/registry/managementNumber.ts).
 */
function managementNoArg(typed: string): string {
  const no = normalizeIdNumber(typed);
  if (isValidManagementNo(no)) return no;
  const shaped = /^\d{14}[\dX]$/.test(no);
  throw new EcertError('ERR_VALIDATION', {
    zh: `管理号「${typed}」${shaped ? '校验位不符，请核对是否抄错' : `应为 ${MANAGEMENT_NO_LENGTH} 位：年份 4 位、资格序号 3 位、流水号 7 位、校验位 1 位（数字或 X）`}`,
    en: `management number "${typed}": ${shaped ? 'the check character does not match, check it for a typo' : `${MANAGEMENT_NO_LENGTH} characters expected: year (4), qualification serial (3), sequence (7), check (0-9 or X)`}`,
    details: { field: 'managementNo' },
  });
}

/** A 管理号 or its first characters, as typed (normalised as managementNoArg does). */
function managementNoPrefixArg(typed: string): string {
  const no = normalizeIdNumber(typed);
  if (no.length === MANAGEMENT_NO_LENGTH) return managementNoArg(typed);
  if (/^\d{1,14}$/.test(no)) return no;
  throw new EcertError('ERR_VALIDATION', {
    zh: `--management-no「${typed}」：应为管理号或其开头的 1–14 位数字`,
    en: `--management-no "${typed}": a management number or its first 1-14 digits`,
    details: { field: 'managementNo' },
  });
}

/** A qualification by code or Chinese title, as batches take it (resolveQualification), or ERR_UNKNOWN_QUALIFICATION with suggestions. */
function qualificationArg(s: Services, typed: string): string {
  const r = resolveQualification(s.catalog, typed.trim());
  if (r.qualification) return r.qualification.code;
  const hint = qualificationHint(r.suggestions);
  throw new EcertError('ERR_UNKNOWN_QUALIFICATION', { zh: `--qualification「${typed}」：${hint.zh}`, en: `--qualification "${typed}": ${hint.en}` });
}

/** A JSON issue request, or one row of a cohort file (numbered as parseBatchInput numbers rows), found without holding the others. */
function correctedRequest(file: string, row: string | undefined): Record<string, unknown> {
  const body = readFileSync(file);
  const isJson = extname(file).toLowerCase() === '.json';
  if (row === undefined) {
    if (!isJson) throw new EcertError('ERR_VALIDATION', { zh: 'CSV 文件须用 --row 指定行', en: 'a CSV file needs --row' });
    const data = JSON.parse(body.toString('utf8')) as unknown;
    if (data && typeof data === 'object' && !Array.isArray(data)) return data as Record<string, unknown>;
    throw new EcertError('ERR_VALIDATION', { zh: 'JSON 数组须用 --row 指定行', en: 'a JSON array needs --row' });
  }
  // rows numbered as the batch summary names them: Excel's row for a CSV (header = row 1), the element index for JSON
  for (const r of batchRows(body, isJson ? 'application/json' : 'text/csv')) {
    if (r.rowNo !== Number(row)) continue;
    if (r.unreadable) throw r.unreadable;
    return r.payload;
  }
  throw new EcertError('ERR_NOT_FOUND', { zh: `文件中没有第 ${row} 行（CSV 按 Excel 行号，表头为第 1 行）`, en: `no row ${row} in the file (CSV rows as Excel numbers them, the header is row 1)` });
}

function print(s: Services, records: CertificateRecord[], json: boolean | undefined, single: boolean): void {
  const pub = records.map((r) => publicRecord(r, s));
  if (json) {
    process.stdout.write(JSON.stringify(single ? pub[0] : pub, null, 2) + '\n');
    return;
  }
  if (!records.length) process.stdout.write('没有匹配的证书 no matching certificate\n');
  for (const r of records) {
    process.stdout.write(
      `${r.managementNo}  ${r.status === 'valid' ? '有效 valid' : '已撤销 revoked'}  ${r.qualification}${r.specialty ? ` (${r.specialty})` : ''}  ${r.holderName}  ${r.idNumberMasked}  批准 ${r.approvalDate}  制发 ${r.issueDate}  v${r.currentVersion}\n`,
    );
    if (single) {
      for (const d of r.documents) process.stdout.write(`  v${d.version} ${d.sha256} ${d.createdAt}${d.supersededAt ? ` superseded ${d.supersededAt}` : ''}\n`);
      if (r.status === 'revoked') process.stdout.write(`  revoked ${r.revokedAt} by ${r.revokedBy}: ${r.revocationReason}\n`);
    }
  }
}
