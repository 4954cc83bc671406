import type { Command } from 'commander';
import { loadConfig } from '../config';
import { EcertError } from '../core/errors';
import { isValidManagementNo } from '../registry/managementNumber';
import { renewArchives } from '../ltv/renewArchives';
import { createServices } from '../services';

/**
 * `ecert ltv renew [--all | --no N …] [--json]` (issue 14): archive revisions (PAdES B-LTA) for
 * the documents due: never archived, or whose newest document timestamp reaches its renewal
 * date (src/ltv/renewalDue.ts). Idempotent (what is not due is left alone) and resumable (each
 * document commits on its own). Exit 0 when every due document was renewed, 1 when some failed.
 */
export function ltvCommand(program: Command, setCode: (c: number) => void): void {
  const ltv = program.command('ltv').description('long-term validation of stored documents (PAdES B-LTA)');
  ltv
    .command('renew')
    .description('add validation data (DSS) and a document timestamp to every stored document due, or to the given ones')
    .option('--all', 'every document due')
    .option('--no <managementNo...>', 'only these certificates (管理号)')
    .option('--concurrency <n>', 'documents renewed at a time', (v) => Number(v), 4)
    .option('--json', 'print the summary as JSON')
    .action(async (opts: { all?: boolean; no?: string[] | boolean; concurrency: number; json?: boolean }) => {
      // commander turns `--no <x>` into a negation of `x` unless declared as above; read what was given
      const nos = Array.isArray(opts.no) ? opts.no : undefined;
      if (!opts.all && !nos) throw new EcertError('ERR_BAD_REQUEST', { zh: '请指定 --all 或 --no 管理号', en: 'give --all or --no <managementNo…>' });
      if (opts.all && nos) throw new EcertError('ERR_BAD_REQUEST', { zh: '--all 与 --no 不能同时使用', en: '--all and --no exclude each other' });
      for (const n of nos ?? []) if (!isValidManagementNo(n)) throw new EcertError('ERR_VALIDATION', { zh: `管理号无效：${n}`, en: `not a valid 管理号: ${n}` });
      if (!(opts.concurrency >= 1 && opts.concurrency <= 64)) throw new EcertError('ERR_BAD_REQUEST', { zh: '--concurrency 须为 1 到 64', en: '--concurrency must be 1 to 64' });
      const s = await createServices(loadConfig(), { ensureKeys: false });
      try {
        const tty = process.stderr.isTTY && !opts.json;
        const summary = await renewArchives(
          { registry: s.registry, timestamper: s.timestamper, revocation: s.revocation, sealTrustAnchors: s.keys.trustAnchors, clock: s.clock },
          { managementNos: nos, concurrency: opts.concurrency, onProgress: tty ? (p) => process.stderr.write(`\r已更新 renewed ${p.renewed}  失败 failed ${p.failed.length}`) : undefined },
        );
        if (tty) process.stderr.write('\n');
        if (opts.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
        else {
          process.stdout.write(`长期验证 LTV renew: 已更新 renewed ${summary.renewed}, 失败 failed ${summary.failed.length}\n`);
          for (const f of summary.failed.slice(0, 50)) process.stdout.write(`  ${f.managementNo} v${f.version}: ${f.code} ${f.message}\n`);
        }
        setCode(summary.failed.length ? 1 : 0);
      } finally {
        await s.documents.close();
        await s.registry.close();
      }
    });
}
