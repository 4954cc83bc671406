import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../config';
import { loadCatalog } from '../catalog/loadCatalog';
import { systemClock } from '../core/clock';
import { loadKeyStore } from '../keys';
import { openRegistry } from '../registry/openRegistry';
import { tsaTrustAnchors } from '../ltv/tsp/tsaTrustAnchors';
import { verifyPdf } from '../verify/verifyPdf';
import type { VerificationReport } from '../verify/VerificationReport';
import { printable } from '../core/printable';
import { EcertError } from '../core/errors';

/** Exit codes of contract.md: 0 = TOTAL_PASSED, 1 = TOTAL_FAILED, 2 = INDETERMINATE. */
export const EXIT_CODES = { TOTAL_PASSED: 0, TOTAL_FAILED: 1, INDETERMINATE: 2 } as const;

export function verifyCommand(program: Command, setCode: (c: number) => void): void {
  program
    .command('verify <file>')
    .description('verify a certificate PDF: exit 0 = passed, 1 = failed, 2 = indeterminate')
    .option('--json', 'print the report as JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (e) {
        process.stderr.write(`cannot read ${file}: ${(e as Error).message}\n`);
        setCode(EXIT_CODES.INDETERMINATE);
        return;
      }
      const config = loadConfig();
      const keys = loadKeyStore(config.keysDir, { passphrase: config.keyPassphrase });
      // the registry is consulted when reachable; without it the verdict is at best INDETERMINATE
      const registry = await openRegistry({ dataDir: config.dataDir, databaseUrl: config.databaseUrl })
        .then(async (r) => (await r.ping(), r))
        .catch(() => undefined);
      let report: VerificationReport;
      try {
        if (bytes.subarray(0, 1024).indexOf('%PDF-') < 0) {
          report = {
            evidence: 'pdf',
            indication: 'TOTAL_FAILED',
            subIndication: 'FORMAT_FAILURE',
            checks: [{ id: 'pdf-structure', passed: false, detail: 'not a PDF file' }],
            message: new EcertError('ERR_NOT_PDF').bilingual,
            verifiedAt: new Date().toISOString(),
          };
        } else {
          report = await verifyPdf(bytes, { trustAnchors: keys.trustAnchors, tsaTrustAnchors: tsaTrustAnchors(config), compromisedSeals: keys.compromisedSeals, catalog: loadCatalog(), registry, clock: systemClock });
        }
      } finally {
        await registry?.close();
      }
      process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
      setCode(EXIT_CODES[report.indication]);
    });
}

const VERDICT = {
  TOTAL_PASSED: '通过 PASSED',
  TOTAL_FAILED: '失败 FAILED',
  INDETERMINATE: '无法确认 INDETERMINATE',
} as const;

/** The report for a terminal; every value that a document can supply goes through printable(). */
export function formatReport(r: VerificationReport): string {
  const p = printable;
  const verdict = r.subIndication === 'REVOKED' ? '已撤销 REVOKED' : VERDICT[r.indication];
  let out = `${verdict}${r.subIndication ? ` (${p(r.subIndication)})` : ''}\n${p(r.message.zh)}\n${p(r.message.en)}\n`;
  // issue 15 (加注): the purpose and end date of an annotated copy come first
  if (r.annotation) out = `加注件 Annotated copy · 用途 Purpose: ${p(r.annotation.purposeName.zh)} ${p(r.annotation.purposeName.en)} · 有效期至 Valid until: ${p(r.annotation.validUntil)} (${p(r.annotation.status)})\n${out}`;
  if (r.certificate) {
    const c = r.certificate;
    out += `\n  管理号 ${p(c.managementNo)}\n  资格   ${p(c.qualificationTitle ?? c.qualification)}\n  姓名   ${p(c.holderName)}   证件号码 ${p(c.idNumberMasked)}\n`;
    out += `  批准日期 ${p(c.approvalDate)}   制发日期 ${p(c.issueDate)}\n  发证机构 ${p(c.issuer)}   状态 ${p(c.status)}\n`;
  }
  if (r.signer) out += `\n  印章证书 ${p(r.signer.subject)} (issuer: ${p(r.signer.issuer)}, serial ${p(r.signer.serial)})\n`;
  out += '\n';
  for (const c of r.checks) out += `  ${c.passed ? '✔' : '✘'} ${p(c.id)}: ${p(c.detail)}\n`;
  return out;
}
