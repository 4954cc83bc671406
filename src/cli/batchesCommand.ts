import type { Command } from 'commander';
import { loadConfig } from '../config';
import { EcertError } from '../core/errors';
import { createServices } from '../services';

/** Failed rows shown without --json. */
const SHOWN = 50;

/** `ecert batches status <id> [--json]` (issue 12): the registry's counters and failed rows. */
export function batchesCommand(program: Command, setCode: (c: number) => void): void {
  const batches = program.command('batches').description('batch progress');
  batches
    .command('status <batchId>')
    .description('progress and failed rows of a batch; exit 0 when finished without failures, 1 with failures, 2 while rows are pending')
    .option('--json', 'print the status as JSON')
    .action(async (batchId: string, opts: { json?: boolean }) => {
      const s = await createServices(loadConfig(), { ensureKeys: false });
      try {
        const b = await s.registry.getBatch(batchId, { errorLimit: opts.json ? 0 : SHOWN });
        if (!b) throw new EcertError('ERR_NOT_FOUND', { details: { batchId } });
        if (opts.json) {
          // every failed row, however many (the registry reads them page by page)
          const errors = [];
          for await (const e of s.registry.listBatchErrors(batchId)) errors.push(e);
          process.stdout.write(JSON.stringify({ ...b, errors }, null, 2) + '\n');
        } else {
          process.stdout.write(
            `批次 batch ${b.id} (${b.issuerId}${b.owner ? `, claimed by ${b.owner}` : ''})\n` +
              `  总数 total ${b.total}  已签发 issued ${b.done}  失败 failed ${b.failed}  待处理 pending ${b.pending}\n` +
              `  created ${b.createdAt}${b.finishedAt ? `  finished ${b.finishedAt}` : ''}\n`,
          );
          for (const e of b.errors) process.stdout.write(`  行 row ${e.row}: ${e.code} ${e.message}\n`);
          if (b.failed > b.errors.length) process.stdout.write(`  … ${b.failed - b.errors.length} more (--json lists them all)\n`);
        }
        setCode(b.pending > 0 ? 2 : b.failed > 0 ? 1 : 0);
      } finally {
        await s.registry.close();
      }
    });
}
