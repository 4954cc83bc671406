import { randomUUID } from 'node:crypto';
import { isEcertError } from '../../core/errors';
import type { ClaimedRow, Issuer } from '../../registry/RegistryStore';
import type { Services } from '../../services';
import { issueCertificate, type IssueDeps } from '../issueCertificate';
import { rejectionOf } from './checkBatchRows';

export interface BatchWorkerOptions {
  /** Only this batch (the CLI); otherwise any batch not owned by a CLI run. */
  batchId?: string;
  /** Rows in flight at most (claimed as earlier ones finish). */
  claim?: number;
  /** A claimed row not finished within this time can be claimed by another worker. */
  leaseMs?: number;
  idleMs?: number;
  /** Stop when there is nothing left to claim (the CLI) instead of polling. */
  untilEmpty?: boolean;
  /** Attempts of a row failing for a non-validation reason before it is failed (default 5). */
  maxAttempts?: number;
  /** Back-off before the first retry, doubled on each further one (default 2 s). */
  backoffMs?: number;
  onRow?: (outcome: 'issued' | 'failed' | 'retry', rowNo: number) => void;
}

/**
 * Rows a worker keeps in flight per render thread: up to 16 queued at the thread (RenderPool.ts),
 * the rest reserved and waiting for it, or waiting for their group commit: the registry lets
 * batch commits linger up to 60 ms to fill a transaction (src/registry/SqlRegistryStore.ts),
 * and a group's rows finish together, after which the worker claims again once half are done.
 * With 48, a PostgreSQL instance's one render thread had nothing to do in 25–29 % of samples
 * taken every 2 ms (its rows waiting in commit groups and claims), and issued 445–457/s; with 96,
 * 6–18 % and 496–541/s (2,000-row batches, this machine). Two SQLite render threads were busy
 * either way, and a 20,000-row `ecert issue` peaked at the same RSS (258–261 MB).
 */
const ROWS_PER_RENDER_THREAD = 96;

export function rowsInFlight(documents: object): number {
  return ROWS_PER_RENDER_THREAD * Math.max(1, (documents as { size?: number }).size ?? 1);
}

export type BatchWorkerDeps = IssueDeps & Pick<Services, 'logger'>;

/**
 * Claims batch rows from the registry and issues them. Every instance runs workers against
 * the same registry; rows are claimed with leases (PostgreSQL: FOR UPDATE SKIP LOCKED), and
 * a row is marked done in the transaction that commits its certificate, so a crash at any
 * point leaves it either issued once or pending again: never twice, never lost. Rows are a
 * pipeline: a new claim as soon as half the rows in flight are finished, so the render pool
 * never runs dry while the registry's short transactions go on.
 *
 * A row failing validation (4xx) fails at once with its code; any other failure (signer,
 * registry) is retried with exponential back-off, then failed with its error after
 * `maxAttempts`: never leased forever. Issuers are re-read on every claim, so a disabled
 * credential's rows fail with ERR_ISSUER_DISABLED within one claim cycle (the registry also
 * fails them when the credential is disabled, and refuses to commit in its name).
 */
export class BatchWorker {
  readonly id = `w_${randomUUID()}`;
  private stopped = false;
  private loop?: Promise<void>;
  private issuers = new Map<string, Issuer>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly s: BatchWorkerDeps,
    private readonly opts: BatchWorkerOptions = {},
  ) {}

  start(): this {
    this.loop = this.run();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  /** Resolves when untilEmpty and no row is left. */
  done(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  private async run(): Promise<void> {
    const { claim = rowsInFlight(this.s.documents), leaseMs = 120_000, idleMs = 300 } = this.opts;
    while (!this.stopped) {
      let rows;
      try {
        rows = await this.s.registry.claimBatchRows({ batchId: this.opts.batchId, limit: claim - this.inFlight.size, workerId: this.id, now: this.s.clock(), leaseMs });
        if (rows.length) this.issuers = new Map((await this.s.registry.listIssuers()).map((i) => [i.id, i]));
      } catch (e) {
        this.s.logger.warn({ err: e }, 'batch worker: claim failed, retrying');
        await sleep(idleMs * 5);
        continue;
      }
      for (const row of rows) {
        const p: Promise<void> = this.issueRow(row).finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
      }
      if (!rows.length && !this.inFlight.size) {
        if (this.opts.untilEmpty) return;
        await sleep(idleMs);
        continue;
      }
      // claim again once half of what is in flight has finished (or everything, when nothing was claimable)
      const target = rows.length ? Math.floor(claim / 2) : 0;
      while (this.inFlight.size > target) await Promise.race(this.inFlight);
    }
    await Promise.all(this.inFlight);
  }

  private async issueRow(row: ClaimedRow): Promise<void> {
    const ref = { batchId: row.batchId, rowNo: row.rowNo };
    try {
      const issuer = this.issuers.get(row.issuerId);
      if (!issuer || issuer.disabled) {
        await this.s.registry.failBatchRow({ ...ref, code: 'ERR_ISSUER_DISABLED', message: '发证机构凭据已停用 / The issuer credential is disabled' });
        this.opts.onRow?.('failed', row.rowNo);
        return;
      }
      // refused when the batch was submitted (checkBatchRows.ts): its error names the file's column
      const rejected = rejectionOf(row.payload);
      if (rejected) {
        await this.s.registry.failBatchRow({ ...ref, code: rejected.code, message: rejected.message });
        this.opts.onRow?.('failed', row.rowNo);
        return;
      }
      // a CSV batch's errors name its columns as its header does
      const columns = row.columns;
      await issueCertificate(row.payload, issuer, this.s, { ...ref, ...(columns && { columnOf: (f: string) => columns[f] ?? f }) });
      this.opts.onRow?.('issued', row.rowNo);
    } catch (e) {
      try {
        if (isEcertError(e) && e.status < 500) {
          await this.s.registry.failBatchRow({ ...ref, code: e.code, message: `${e.bilingual.zh} / ${e.bilingual.en}` });
          this.opts.onRow?.('failed', row.rowNo);
        } else {
          // infrastructure trouble: retried after a back-off, failed after a bounded number of attempts
          const code = isEcertError(e) ? e.code : 'ERR_INTERNAL';
          const message = isEcertError(e) ? `${e.bilingual.zh} / ${e.bilingual.en}` : `服务器内部错误 / ${(e as Error)?.message ?? e}`;
          const outcome = await this.s.registry.deferBatchRow({ ...ref, code, message, now: this.s.clock(), maxAttempts: this.opts.maxAttempts ?? 5, backoffMs: this.opts.backoffMs ?? 2000 });
          this.s.logger.error({ err: e, ...ref, outcome }, 'batch row failed');
          this.opts.onRow?.(outcome, row.rowNo);
        }
      } catch (e2) {
        // the registry itself is down: the lease expires and the row is claimed again
        this.s.logger.error({ err: e2, ...ref }, 'batch row: registry unavailable, the lease will expire');
      }
    }
  }
}

export function startBatchWorkers(s: BatchWorkerDeps, count: number, opts: BatchWorkerOptions = {}): { stop(): Promise<void> } {
  const workers = Array.from({ length: count }, () => new BatchWorker(s, opts).start());
  return { stop: async () => void (await Promise.all(workers.map((w) => w.stop()))) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
