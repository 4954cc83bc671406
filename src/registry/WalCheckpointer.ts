import { Worker } from 'node:worker_threads';

export interface CheckpointOutcome {
  /** Frames in the WAL, and how many of them are now in the database file. */
  logFrames: number;
  checkpointedFrames: number;
}

/**
 * PASSIVE checkpoints of one SQLite database (https://www.sqlite.org/wal.html#ckpt) run by a
 * connection of their own in a worker thread (walCheckpointWorker.mjs), so that copying the
 * WAL back into the database file and its fsync never hold the writing thread's event loop:
 * SQLite's automatic checkpoint runs inside the COMMIT that crosses its threshold, and held
 * the main thread 30–100 ms every ~16 MB of a batch (SqliteStore's COMMITs timed, this
 * machine) while the render threads ran out of work and HTTP requests waited.
 *
 * The caller runs one checkpoint at a time. The worker starts on the first checkpoint and
 * keeps the process alive only while one is under way; one that fails to start or dies
 * rejects its checkpoint and is started again on the next.
 */
export class WalCheckpointer {
  private worker?: Worker;
  private pending?: { resolve: (o: CheckpointOutcome) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

  /** `timeoutMs`: a checkpoint not answered by then ends its thread (the writes waiting for it go on). */
  constructor(private readonly opts: { file: string; busyTimeoutMs: number; timeoutMs?: number }) {}

  run(): Promise<CheckpointOutcome> {
    if (this.pending) return Promise.reject(new Error('a checkpoint is already running'));
    const worker = (this.worker ??= this.spawn());
    // a checkpoint under way keeps the process alive, as the writes waiting for it would
    worker.ref();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.lost(worker, new Error('WAL checkpoint timed out')), this.opts.timeoutMs ?? 60_000);
      this.pending = { resolve, reject, timer };
      worker.postMessage('checkpoint');
    });
  }

  /** After the writer's own connections are closed: the worker's, the last, checkpoints what is left. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    worker.ref();
    await new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.postMessage('close');
    });
    // a checkpoint still waiting for its answer gets none now (the thread is gone)
    this.settle(new Error('WAL checkpointer closed'));
  }

  private spawn(): Worker {
    const { file, busyTimeoutMs } = this.opts;
    const worker = new Worker(new URL('./walCheckpointWorker.mjs', import.meta.url), { workerData: { file, busyTimeoutMs } });
    worker.unref();
    worker.on('message', (m: { log: number; checkpointed: number; error?: string }) => {
      if (this.worker !== worker) return; // a thread given up on (timed out, closed)
      this.settle(m.error ? new Error(`WAL checkpoint: ${m.error}`) : { logFrames: m.log, checkpointedFrames: m.checkpointed });
    });
    worker.on('error', (e) => this.lost(worker, e));
    worker.on('exit', (code) => this.lost(worker, new Error(`WAL checkpoint thread exited (${code})`)));
    return worker;
  }

  private lost(worker: Worker, e: Error): void {
    if (this.worker !== worker) return; // closed
    this.worker = undefined;
    void worker.terminate();
    this.settle(e);
  }

  private settle(outcome: CheckpointOutcome | Error): void {
    this.worker?.unref(); // an idle checkpoint thread never keeps the process alive
    const p = this.pending;
    this.pending = undefined;
    if (!p) return;
    clearTimeout(p.timer);
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }
}
