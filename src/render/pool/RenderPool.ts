import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { EcertError, ERROR_CODES, type ErrorCode } from '../../core/errors';
import type { IssueRequest } from '../../core/types';
import type { BuiltCertificate } from '../../issue/buildCertificateDocument';
import type { DocumentBuilder } from './DocumentBuilder';
import type { KeyStore } from '../../keys/KeyStore';
import type { TsaSettings } from '../../ltv/tsp/createTimestamper';
import { collectGarbage } from '../../runtime/collectGarbage';
import { compiledEntry } from '../../runtime/compiledEntry.mjs';
import { FontSet } from '../fonts/FontSet';
import { sharedFontBytes } from '../fonts/fontBytes';

/** A render worker's request to sign with a token-held seal key (see src/sign/RemoteSigner.ts). */
export interface SignRequest {
  sign: { rid: number; sealId: string; certSha256: string; data: Uint8Array };
}
export interface SignReply {
  signed: { rid: number; signature?: Uint8Array; error?: WorkerError };
}
type WorkerError = { code?: ErrorCode; zh?: string; en?: string; message?: string; details?: Record<string, unknown> };

export interface RenderTask {
  id: number;
  req: IssueRequest;
  ids: { managementNo: string; version: number; signingTime: string; annotation?: import('../../core/types').AnnotationData };
  publicUrl: string;
}

interface Slot {
  worker: Worker;
  busy: number;
  /** Released documents' buffers, going back to this worker with the next flush. */
  released: ArrayBuffer[];
}

/**
 * Document bytes received from the workers between two forced full collections of this
 * thread's heap (src/runtime/collectGarbage.ts; 20–45 ms of this thread each). Introduced when
 * a document's bytes went back to its render thread's allocator only once this thread's
 * collector dropped their ArrayBuffer: the two render threads' malloc arenas held ~32 MB each
 * without it, ~10 MB with it (/proc/PID/smaps). Issuance now releases its documents
 * (`release`), so the arenas no longer wait for it; it still bounds this heap, which V8
 * otherwise lets grow to ~90 MB early in a batch (heapTotal, against 58–64 MB): a
 * 100,000-row `ecert issue` rose to 320–328 MB at ~37 s with none after the first, and stayed
 * at 270–282 MB with one every 16, 64 or 256 MB of documents (RSS sampled every 0.5 s, this
 * machine). A forced collection also throws away the code V8 has compiled (V8 flushes it on
 * `gc()`, `node --trace-opt`: hot functions optimised again after each one), so every 16 MB
 * (~470 documents) cost a batch ~0.04 ms of this thread and ~0.1 ms of V8's compiler and
 * marking threads a certificate more than every 64 MB (/proc/PID/task/TID/stat, 5 rounds of
 * 2,000 rows each).
 */
const COLLECT_AFTER_BYTES = 64 * 1024 * 1024;

/**
 * Tasks posted to a worker at a time (it renders two at once and starts the rest in order,
 * renderWorker.ts). A batch's registry commits and forced collections hold this thread for
 * 5–35 ms now and then (SQLite's checkpoints held it 30–100 ms before they moved to a thread
 * of their own, src/registry/WalCheckpointer.ts), during which it can post nothing; with two
 * tasks a worker each render thread idled ~17 % of a SQLite batch in such gaps, with 16 (~50 ms
 * of rendering) ~2 % (gaps measured in the workers, 4,000-row batches, this machine). A task
 * waits behind at most 15 others of its worker: some 50 ms with file keys.
 */
const TASKS_PER_WORKER = 16;

/**
 * Renders and signs documents in worker threads (one per core by default), so a batch uses
 * every core while the main thread keeps the registry and HTTP. Each worker loads its own
 * fonts and keys once; tasks queue when all are busy.
 *
 * Seal keys in a PKCS #11 token are used by the main thread only: Cryptoki's initialisation
 * and login are per process (PKCS #11 v2.40 §5.4, §5.6), so workers opening the module
 * each would share one login and could finalise it under one another. A worker renders and
 * builds the CMS itself and sends only the signed attributes (a few hundred bytes) to the
 * main thread, which signs them in the token off its event loop (C_SignAsync) — one
 * message each way per document, small next to the render.
 */
export class RenderPool implements DocumentBuilder {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly queue: Array<{ task: RenderTask; resolve: (b: BuiltCertificate) => void; reject: (e: unknown) => void }> = [];
  private nextId = 1;
  private closed = false;
  private receivedBytes = 0;
  /** The worker that rendered each document this thread still holds. */
  private readonly origins = new WeakMap<ArrayBuffer, Slot>();
  private flushScheduled = false;
  private readonly collect: { garbage: () => void; afterBytes: number };
  readonly ready: Promise<void>;

  private readonly threads: number;
  /** The worker's module: the compiled bundle, or the tsx-loaded sources (src/runtime/compiledEntry.mjs). */
  private entry = new URL('./renderWorker.mjs', import.meta.url);
  /** The certificate fonts, read once here and shared with every worker (fontBytes.ts). */
  private readonly fonts = (FontSet.load(), sharedFontBytes());

  constructor(
    private readonly opts: {
      keysDir: string;
      passphrase?: string;
      threads?: number;
      taskTimeoutMs?: number;
      keys?: KeyStore;
      tsa?: TsaSettings;
      /** The forced full collection and how many received document bytes call for one (COLLECT_AFTER_BYTES). */
      collect?: { garbage: () => void; afterBytes: number };
    },
  ) {
    this.threads = Math.max(1, opts.threads ?? availableParallelism());
    this.collect = opts.collect ?? { garbage: collectGarbage, afterBytes: COLLECT_AFTER_BYTES };
    this.ready = compiledEntry('src/render/pool/renderWorker.ts').then(async (compiled) => {
      if (compiled) this.entry = new URL(compiled);
      if (this.closed) return;
      const readies: Promise<void>[] = [];
      for (let i = 0; i < this.threads; i++) {
        const { slot, ready } = this.spawn();
        this.slots.push(slot);
        readies.push(ready);
      }
      this.drain();
      await Promise.all(readies);
    });
  }

  get size(): number {
    return this.threads;
  }

  build(req: IssueRequest, ids: { managementNo: string; version: number; signingTime: Date; annotation?: import('../../core/types').AnnotationData }, publicUrl: string): Promise<BuiltCertificate> {
    if (this.closed) return Promise.reject(new EcertError('ERR_RENDER_WORKER_DIED', { en: 'render pool closed' }));
    return new Promise((resolve, reject) => {
      this.queue.push({ task: { id: this.nextId++, req, ids: { ...ids, signingTime: ids.signingTime.toISOString() }, publicUrl }, resolve, reject });
      this.drain();
    });
  }

  /**
   * Gives a document's bytes back to the worker that rendered them: their ArrayBuffer is
   * transferred to it (detached here, so `pdf` reads as empty afterwards), one message per
   * worker for all released in the same turn of the event loop.
   *
   * Why: a document's bytes are external memory of this thread's heap, which V8 adds to the
   * old generation's growth since its last full collection when deciding to start one
   * (the bytes are freed only when a collection finds their ArrayBuffer dead). A batch's
   * main thread allocates little else, so it scavenged rarely while ~20 MB/s of documents
   * went through it, and the documents alone started a full collection (concurrent marking on
   * V8's platform threads, finishing on this one) every ~0.4 s: 76 of them in a SQLite bench
   * run, 58 with release and the forced collections above, 39 with release alone
   * (--trace-gc-nvp, this machine). Detaching drops the bytes from this heap's account at once.
   */
  release(pdf: Uint8Array): void {
    const buffer = pdf.buffer as ArrayBuffer;
    const slot = this.origins.get(buffer);
    if (!slot) return; // not one of ours, or released already
    this.origins.delete(buffer);
    slot.released.push(buffer);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.closed) return;
      for (const slot of this.slots) {
        if (!slot.released.length) continue;
        const buffers = slot.released.splice(0);
        slot.worker.postMessage({ released: buffers }, buffers);
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const q of this.queue.splice(0)) q.reject(new EcertError('ERR_RENDER_WORKER_DIED', { en: 'render pool closed' }));
    await Promise.all(
      this.slots.map((slot) => {
        slot.worker.removeAllListeners('exit');
        this.failSlot(slot, new EcertError('ERR_RENDER_WORKER_DIED', { en: 'render pool closed' }));
        return slot.worker.terminate();
      }),
    );
  }

  private spawn(): { slot: Slot; ready: Promise<void> } {
    const worker = new Worker(this.entry, {
      workerData: { keysDir: this.opts.keysDir, passphrase: this.opts.passphrase, tsa: this.opts.tsa, fonts: this.fonts },
      // a small young generation: a render's garbage is short-lived; `ecert issue` of 20,000 rows then holds ~390 MB instead of ~490 MB, at the same rate
      resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 256 },
    });
    const slot: Slot = { worker, busy: 0, released: [] };
    const ready = new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', () => resolve());
    });
    worker.on('message', (m: WorkerAnswer & Partial<SignRequest>) => {
      if (m.sign) return this.signForWorker(worker, m.sign);
      if (m.id === undefined) return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.settle(m.id, p);
      if (m.error) {
        const e = m.error;
        p.reject(e.code && e.code in ERROR_CODES ? new EcertError(e.code, { details: e.details, zh: stripPrefix(e.code, e.zh, 'zh'), en: stripPrefix(e.code, e.en, 'en') }) : new Error(e.message));
      } else {
        this.origins.set(m.pdf!, slot);
        p.resolve({ pdf: Buffer.from(m.pdf!), sha256: m.sha256!, data: m.data!, ...(m.sharedPart && { sharedPart: m.sharedPart }) });
        this.receivedBytes += m.pdf!.byteLength;
        if (this.receivedBytes >= this.collect.afterBytes) {
          this.receivedBytes = 0;
          setImmediate(this.collect.garbage);
        }
      }
      this.drain();
    });
    // a worker that dies (crash, out of memory, process.exit) rejects what it held and is replaced
    worker.on('error', () => {});
    worker.once('exit', (code) => this.replace(slot, new EcertError('ERR_RENDER_WORKER_DIED', { en: `exit code ${code}` })));
    return { slot, ready };
  }

  private signForWorker(worker: Worker, { rid, sealId, certSha256, data }: SignRequest['sign']): void {
    const keys = this.opts.keys;
    (keys ? keys.signFor(sealId, certSha256, Buffer.from(data)) : Promise.reject(new EcertError('ERR_KEYS_MISSING', { en: 'render pool has no key store for token-held keys' }))).then(
      (sig) => worker.postMessage({ signed: { rid, signature: new Uint8Array(sig) } } satisfies SignReply),
      (e: unknown) =>
        worker.postMessage({ signed: { rid, error: e instanceof EcertError ? { code: e.code, zh: e.bilingual.zh, en: e.bilingual.en, details: e.details } : { message: (e as Error).message } } } satisfies SignReply),
    );
  }

  private replace(slot: Slot, error: EcertError): void {
    slot.worker.removeAllListeners('exit');
    void slot.worker.terminate();
    this.failSlot(slot, error);
    const i = this.slots.indexOf(slot);
    if (i < 0 || this.closed) return;
    const { slot: fresh, ready } = this.spawn();
    ready.catch(() => {}); // a replacement that fails to start exits, and is replaced in turn
    this.slots[i] = fresh;
    this.drain();
  }

  private failSlot(slot: Slot, error: EcertError): void {
    for (const [id, p] of this.pending) {
      if (p.slot !== slot) continue;
      this.settle(id, p);
      p.reject(error);
    }
  }

  private settle(id: number, p: Pending): void {
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.slot.busy--;
  }

  private drain(): void {
    while (this.queue.length && this.slots.length) {
      const slot = this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
      if (slot.busy >= TASKS_PER_WORKER) return;
      const { task, resolve, reject } = this.queue.shift()!;
      slot.busy++;
      // a task that never answers (a worker stuck in a loop) ends its worker: nothing waits forever
      const timer = setTimeout(() => this.replace(slot, new EcertError('ERR_RENDER_WORKER_DIED', { en: 'render task timed out' })), this.opts.taskTimeoutMs ?? 30_000);
      timer.unref();
      this.pending.set(task.id, { resolve, reject, slot, timer });
      slot.worker.postMessage(task);
    }
  }
}

interface Pending {
  resolve: (b: BuiltCertificate) => void;
  reject: (e: unknown) => void;
  slot: Slot;
  timer: NodeJS.Timeout;
}

interface WorkerAnswer {
  id?: number;
  pdf?: ArrayBuffer;
  sha256?: string;
  data?: BuiltCertificate['data'];
  sharedPart?: BuiltCertificate['sharedPart'];
  error?: WorkerError;
}

/** The worker sends the full bilingual message; rebuild the error from its detail part. */
function stripPrefix(code: ErrorCode, text: string | undefined, lang: 'zh' | 'en'): string | undefined {
  const base = ERROR_CODES[code][lang];
  if (!text || text === base) return undefined;
  return text.startsWith(base) ? text.slice(base.length + (lang === 'zh' ? 1 : 2)) : text;
}
