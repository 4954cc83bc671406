import { Worker } from 'node:worker_threads';
import { EcertError } from '../core/errors';

export interface QrDecoderLimits {
  /** Worker threads decoding at once. */
  threads: number;
  /** Images waiting beyond those being decoded; more is ERR_BUSY (503). */
  maxQueued: number;
  /** Wall-clock budget of one image; past it the worker is ended and replaced. */
  timeoutMs: number;
  /** Pixel budget of an upload (a 40-megapixel phone photo at most). */
  maxInputPixels: number;
  /** Sizes (long side, px) and polarities tried in turn until a code is found. */
  passes: ReadonlyArray<{ side: number; inversion: 'dontInvert' | 'onlyInvert' }>;
  /** Heap of a decoding worker, in MB (V8 resource limits). */
  maxHeapMb: number;
}

export const DEFAULT_QR_LIMITS: QrDecoderLimits = {
  threads: 1,
  maxQueued: 8,
  timeoutMs: 5000,
  maxInputPixels: 40_000_000,
  // dark codes on light first, at a size where a phone photo of the page still has ≥ 3 px a
  // module; then larger; then light-on-dark (screenshots in dark mode)
  passes: [
    { side: 800, inversion: 'dontInvert' },
    { side: 1000, inversion: 'dontInvert' },
    { side: 640, inversion: 'onlyInvert' },
  ],
  maxHeapMb: 128,
};

interface Job {
  id: number;
  bytes: Buffer;
  resolve(text: string | undefined): void;
  reject(e: unknown): void;
}

interface Slot {
  worker: Worker;
  /** Started and loaded: the time limit of a job runs from when a ready worker takes it. */
  ready: boolean;
  job?: Job;
  timer?: NodeJS.Timeout;
}

/**
 * Decodes QR codes from photos and screenshots in worker threads, so an upload never holds
 * the event loop (security.md, "Availability"): a bounded queue (ERR_BUSY past it), a time
 * limit per image (the worker is ended and replaced: ERR_QR_DECODE_TIMEOUT) and a heap limit
 * per worker. A worker that dies rejects its job with a code and is replaced.
 */
export class QrImageDecoder {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly limits: QrDecoderLimits = DEFAULT_QR_LIMITS) {
    for (let i = 0; i < Math.max(1, limits.threads); i++) this.slots.push(this.spawn());
  }

  decode(bytes: Buffer): Promise<string | undefined> {
    if (this.closed) return Promise.reject(new EcertError('ERR_BUSY'));
    if (this.queue.length >= this.limits.maxQueued) return Promise.reject(new EcertError('ERR_BUSY', { details: { retryAfterSeconds: 2 } }));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, bytes, resolve, reject });
      this.drain();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.queue.splice(0)) j.reject(new EcertError('ERR_BUSY'));
    await Promise.all(
      this.slots.map((slot) => {
        this.finish(slot, new EcertError('ERR_BUSY'));
        slot.worker.removeAllListeners('exit');
        return slot.worker.terminate();
      }),
    );
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./qrDecodeWorker.mjs', import.meta.url), {
      workerData: { maxInputPixels: this.limits.maxInputPixels, passes: this.limits.passes },
      resourceLimits: { maxOldGenerationSizeMb: this.limits.maxHeapMb },
    });
    worker.unref(); // an idle decoder never keeps the process alive
    const slot: Slot = { worker, ready: false };
    worker.on('message', (m: { id?: number; text?: string; ready?: boolean }) => {
      if (m.ready) {
        slot.ready = true;
        return this.drain();
      }
      const job = slot.job;
      if (m.id === undefined || job?.id !== m.id) return;
      this.finish(slot);
      job.resolve(m.text);
      this.drain();
    });
    worker.on('error', () => {}); // 'exit' follows and replaces the worker
    worker.once('exit', () => this.replace(slot, new EcertError('ERR_QR_DECODE_FAILED')));
    return slot;
  }

  /** End a slot's worker (if still running), reject its job with `error`, start a new worker. */
  private replace(slot: Slot, error: EcertError): void {
    this.finish(slot, error);
    slot.worker.removeAllListeners('exit');
    void slot.worker.terminate();
    const i = this.slots.indexOf(slot);
    if (i < 0 || this.closed) return;
    this.slots[i] = this.spawn();
    this.drain();
  }

  /** Clear a slot's job and timer; with an error, reject the job. */
  private finish(slot: Slot, error?: EcertError): void {
    const job = slot.job;
    if (slot.timer) clearTimeout(slot.timer);
    slot.job = undefined;
    slot.timer = undefined;
    if (job && error) job.reject(error);
  }

  private drain(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.job || !this.queue.length) continue;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.timer = setTimeout(() => this.replace(slot, new EcertError('ERR_QR_DECODE_TIMEOUT')), this.limits.timeoutMs);
      slot.worker.postMessage({ id: job.id, bytes: job.bytes });
    }
  }
}
