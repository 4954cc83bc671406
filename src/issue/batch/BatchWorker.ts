import { randomUUID } from 'node:crypto';
import { isEcertError } from '../../core/errors';
import type { Issuer } from '../../registry/RegistryStore';
import type { Services } from '../../services';
import { issueCertificate } from '../issueCertificate';

export interface BatchWorkerOptions {
  /** Only this batch (the CLI); otherwise any batch. */
  batchId?: string;
  /** Rows claimed at a time. */
  claim?: number;
  /** A claimed row not finished within this time can be claimed by another worker. */
  leaseMs?: number;
  idleMs?: number;
  /** Stop when there is nothing left to claim (the CLI) instead of polling. */
  untilEmpty?: boolean;
  onRow?: (outcome: 'issued' | 'failed', rowNo: number) => void;
}

/**
 * Claims batch rows from the registry and issues them. Every instance runs workers against
 * the same registry; rows are claimed with leases (PostgreSQL: FOR UPDATE SKIP LOCKED), and
 * a row is marked done in the same transaction that issues its certificate, so a crash at any
 * point leaves it either issued once or pending again: never twice, never lost.
 */
export class BatchWorker {
  readonly id = `w_${randomUUID()}`;
  private stopped = false;
  private loop?: Promise<void>;
  private readonly issuers = new Map<string, Issuer>();

  constructor(
    private readonly s: Services,
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
    const { claim = 8, leaseMs = 120_000, idleMs = 300 } = this.opts;
    while (!this.stopped) {
      let rows;
      try {
        rows = await this.s.registry.claimBatchRows({ batchId: this.opts.batchId, limit: claim, workerId: this.id, now: this.s.clock(), leaseMs });
      } catch (e) {
        this.s.logger.warn({ err: e }, 'batch worker: claim failed, retrying');
        await sleep(idleMs * 5);
        continue;
      }
      if (!rows.length) {
        if (this.opts.untilEmpty) return;
        await sleep(idleMs);
        continue;
      }
      // rows are issued concurrently: with a render pool every core is busy, and each row's
      // registry transaction stays its own
      await Promise.all(rows.map((row) => this.issueRow(row)));
    }
  }

  private async issueRow(row: { batchId: string; rowNo: number; payload: unknown; issuerId: string }): Promise<void> {
    try {
      const issuer = await this.issuer(row.issuerId);
      await issueCertificate(row.payload, issuer, this.s, { batchId: row.batchId, rowNo: row.rowNo });
      this.opts.onRow?.('issued', row.rowNo);
    } catch (e) {
      if (isEcertError(e) && e.status < 500) {
        await this.s.registry.failBatchRow({ batchId: row.batchId, rowNo: row.rowNo, code: e.code, message: `${e.bilingual.zh} / ${e.bilingual.en}` });
        this.opts.onRow?.('failed', row.rowNo);
      } else {
        // infrastructure trouble: leave the lease to expire, the row is retried
        this.s.logger.error({ err: e, batchId: row.batchId, rowNo: row.rowNo }, 'batch row failed, will retry');
      }
    }
  }

  private async issuer(id: string): Promise<Issuer> {
    let issuer = this.issuers.get(id);
    if (!issuer) {
      issuer = (await this.s.registry.listIssuers()).find((i) => i.id === id);
      if (!issuer) throw new Error(`batch issuer ${id} not found`);
      this.issuers.set(id, issuer);
    }
    return issuer;
  }
}

export function startBatchWorkers(s: Services, count: number): { stop(): Promise<void> } {
  const workers = Array.from({ length: count }, () => new BatchWorker(s).start());
  return { stop: async () => void (await Promise.all(workers.map((w) => w.stop()))) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
