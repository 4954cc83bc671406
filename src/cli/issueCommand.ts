import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { availableParallelism, hostname } from 'node:os';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { loadConfig } from '../config';
import { createServices, type Services } from '../services';
import { submitBatch } from '../issue/batch/submitBatch';
import { BatchWorker, rowsInFlight } from '../issue/batch/BatchWorker';
import { collectGarbage } from '../runtime/collectGarbage';
import type { BatchError, BatchStatus, Issuer } from '../registry/RegistryStore';

/** Rows the summary shows of each kind; `ecert batches status --json` lists every one. */
const SHOWN_ERRORS = 20;
const SHOWN_CONFLICTS = 50;

/** The local operator issues on behalf of every body (it holds the keys anyway). */
const OPERATOR_ID = 'iss_cli-operator';

export function issueCommand(program: Command, setCode: (c: number) => void): void {
  program
    .command('issue')
    .description('batch issuance from a CSV or JSON file, with a progress bar; resumable: run it again after an interruption')
    .requiredOption('--file <path>', 'cohort file (.csv, or .txt/.tsv tab-separated: UTF-8, GB18030 or UTF-16 as Excel saves them; .json: array of issue requests)')
    .option('--out <dir>', 'also write the issued PDFs into this directory')
    .action(async (opts: { file: string; out?: string }) => {
      const config = loadConfig();
      const s = await createServices(config, { renderThreads: config.renderThreads ?? availableParallelism() });
      try {
        setCode(await runIssue(s, opts));
      } finally {
        await s.registry.close();
        await s.documents.close();
      }
    });
}

async function runIssue(s: Services, opts: { file: string; out?: string }): Promise<number> {
  const body = readFileSync(opts.file);
  const type = extname(opts.file).toLowerCase() === '.json' ? 'application/json' : 'text/csv';
  const operator = await operatorIssuer(s);
  // the batch is claimed exclusively: a service on the same registry leaves it to this run
  const owner = `cli:${process.pid}@${hostname()}`;
  const { batchId, total, existing } = await submitBatch(body, type, operator, s, { owner });
  // the parsed file is garbage now (src/runtime/collectGarbage.ts); a resumed batch parsed nothing
  if (!existing) collectGarbage();
  if (existing) await s.registry.setBatchOwner(batchId, owner);
  await s.registry.releaseBatchLeases(batchId);
  const before = (await s.registry.getBatch(batchId))!;
  process.stderr.write(`${existing ? 'resuming' : 'started'} batch ${batchId}: ${total} rows, ${before.done} issued, ${before.failed} failed before this run\n`);

  const interactive = process.stderr.isTTY;
  const bar = new cliProgress.SingleBar(
    { format: '{bar} {percentage}% | {value}/{total} | {rate}/s | ETA {eta_formatted}', stream: process.stderr, noTTYOutput: true, notTTYSchedule: 2000, hideCursor: interactive },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  const already = before.done + before.failed;
  bar.start(total, already, { rate: '0' });
  // the bar shows the registry's counters (rows finished by anyone), not this process's guesses
  const refresh = async () => {
    const b = await s.registry.getBatch(batchId, { errorLimit: 0 });
    if (!b) return b;
    const finished = b.done + b.failed;
    bar.update(finished, { rate: (((finished - already) * 1000) / Math.max(1, Date.now() - started)).toFixed(0) });
    return b;
  };
  const timer = setInterval(() => void refresh().catch(() => undefined), 500);
  let after: BatchStatus;
  try {
    for (;;) {
      const worker = new BatchWorker(s, {
        batchId,
        untilEmpty: true,
        claim: rowsInFlight(s.documents),
        leaseMs: 60_000,
      }).start();
      await worker.done();
      after = (await refresh())!;
      if (after.pending === 0) break;
      // rows still leased elsewhere (a process that stopped) or waiting for a retry: follow them
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    clearInterval(timer);
    bar.stop();
    await s.registry.setBatchOwner(batchId, null).catch(() => undefined);
  }

  let written = 0;
  if (opts.out) {
    const dir = resolve(opts.out);
    mkdirSync(dir, { recursive: true });
    for await (const { rowNo, managementNo } of s.registry.listBatchCertificates(batchId)) {
      const doc = await s.registry.getDocument(managementNo);
      if (doc) {
        writeFileSync(join(dir, `${String(rowNo).padStart(6, '0')}-${managementNo}.pdf`), doc.pdf);
        written++;
      }
    }
  }
  const secs = (Date.now() - started) / 1000;
  process.stdout.write(
    `\n批次 batch ${batchId}\n` +
      `  总数 total     ${after.total}\n  已签发 issued  ${after.done}\n  失败 failed    ${after.failed}\n  待处理 pending ${after.pending}\n` +
      `  本次用时 this run ${secs.toFixed(1)} s\n` +
      (opts.out ? `  PDFs → ${resolve(opts.out)} (${written})\n` : ''),
  );
  // every failed row counts, however many (the registry lists them page by page); the summary
  // keeps the first SHOWN_ERRORS and SHOWN_CONFLICTS of them
  const conflicts: BatchError[] = [];
  const others: BatchError[] = [];
  let conflictCount = 0;
  let otherCount = 0;
  for await (const e of s.registry.listBatchErrors(batchId)) {
    if (e.code === 'ERR_CONFLICTS_WITH_EXISTING') {
      if (conflictCount++ < SHOWN_CONFLICTS) conflicts.push(e);
    } else if (otherCount++ < SHOWN_ERRORS) others.push(e);
  }
  if (others.length) process.stdout.write(`\n  错误 errors (${type === 'text/csv' ? '行号即 Excel 中的行号，表头为第 1 行 / rows as Excel numbers them, the header is row 1' : '行号为数组元素序号 / rows are the 1-based array elements'}):\n`);
  for (const e of others) process.stdout.write(`  行 row ${e.row}: ${e.code} ${e.message}\n`);
  if (otherCount > others.length) process.stdout.write(`  … ${otherCount - others.length} more errors (ecert batches status ${batchId} --json lists them all)\n`);
  if (conflicts.length) {
    process.stdout.write(`\n  与已签发证书冲突 conflicts with issued certificates (${conflictCount}); to correct one, re-issue it:\n`);
    for (const e of conflicts) {
      const no = /\d{14}[\dX]/.exec(e.message)?.[0] ?? '<管理号>';
      const fields = /(?:differing fields|不同字段)[:：]\s*([^/]+?)(?:\s*\/|$)/.exec(e.message)?.[1]?.trim() ?? '';
      process.stdout.write(`  行 row ${e.row}: ${no} (${fields})\n    ecert certificates reissue ${no} --file ${shellQuote(opts.file)} --row ${e.row} --reason "更正 correction"\n`);
    }
    if (conflictCount > conflicts.length) process.stdout.write(`  … ${conflictCount - conflicts.length} more conflicts (ecert batches status ${batchId} --json lists them all)\n`);
  }
  return after.failed > 0 || after.pending > 0 ? 1 : 0;
}

function shellQuote(s: string): string {
  return /^[\w./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export async function operatorIssuer(s: Services): Promise<Issuer> {
  const all = s.catalog.list().map((q) => q.code);
  const found = (await s.registry.listIssuers()).find((i) => i.id === OPERATOR_ID);
  if (found) return found;
  const issuer: Issuer = { id: OPERATOR_ID, bodyCode: '*', name: '命令行操作员 CLI operator', qualifications: all };
  // no API key: the operator works only through the CLI (an unguessable hash nobody holds)
  await s.registry.createIssuer({ ...issuer, keyHash: `cli-${crypto.randomUUID()}`, actor: 'cli', now: s.clock() });
  return issuer;
}
