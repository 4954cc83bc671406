import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config';
import { createServices } from '../services';
import { buildCertificateDocument } from '../issue/buildCertificateDocument';
import { makeResidentId } from '../issue/residentId';
import { sampleManagementNo } from '../registry/managementNumber';
import type { IssueRequest } from '../core/types';

/** Fictitious holders for sample certificates (not real people). */
const SAMPLE_NAMES = ['张伟', '王芳', '李娜', '刘洋', '陈静', '杨帆', '赵磊', '黄敏', '周杰', '吴霞', '欧阳明月', '阿依古丽·买买提'];

/**
 * `ecert samples`: one signed sample per catalog entry (every level) into --out, for looking
 * at and for checking with PDF readers. Issue 12: a sample cannot pass for a certificate. It
 * carries 样本 SAMPLE across its page (src/render/sampleWatermark.ts), `sample: true` in its
 * embedded data and its QR token, and a 管理号 of the sample range, which the registry never
 * draws (src/registry/managementNumber.ts); it is not entered in the registry, and the verifier
 * reports it as TOTAL_FAILED / SAMPLE (src/verify/sampleOutcome.ts).
 */
export function samplesCommand(program: Command, setCode: (c: number) => void): void {
  program
    .command('samples')
    .description('write one signed sample per qualification and level, marked 样本 SAMPLE (never verifiable as a certificate)')
    .option('--out <dir>', 'output directory', 'samples')
    .action(async (opts: { out: string }) => {
      const s = await createServices(loadConfig());
      try {
        const out = resolve(opts.out);
        mkdirSync(out, { recursive: true });
        const now = s.clock();
        const entries = s.catalog.list();
        for (const [i, q] of entries.entries()) {
          const sex = i % 2 === 0 ? '男' : '女';
          const birth = `${1975 + (i % 20)}-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 27) + 1).padStart(2, '0')}`;
          const req: IssueRequest = {
            qualification: q.code,
            ...(q.specialties?.length ? { specialty: q.specialties[i % q.specialties.length].name } : {}),
            holder: { name: SAMPLE_NAMES[i % SAMPLE_NAMES.length], idType: 'resident-id', idNumber: makeResidentId({ birth, sex, seq: i }), sex, birth: birth.slice(0, 7) },
            approvalDate: '2025-06-30',
            issueDate: '2025-08-15',
          };
          const managementNo = sampleManagementNo(2025, q.serial, i);
          const doc = await buildCertificateDocument(req, { managementNo, version: 1, signingTime: now, sample: true }, s);
          writeFileSync(join(out, `${q.code}.pdf`), doc.pdf);
        }
        process.stdout.write(`wrote ${entries.length} samples (marked 样本 SAMPLE, not certificates) to ${out}\n`);
        setCode(0);
      } finally {
        await s.registry.close();
      }
    });
}
