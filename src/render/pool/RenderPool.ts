import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { EcertError, ERROR_CODES, type ErrorCode } from '../../core/errors';
import type { IssueRequest } from '../../core/types';
import type { BuiltCertificate } from '../../issue/buildCertificateDocument';
import type { DocumentBuilder } from './DocumentBuilder';

export interface RenderTask {
  id: number;
  req: IssueRequest;
  ids: { managementNo: string; version: number; signingTime: string };
  publicUrl: string;
}

interface Slot {
  worker: Worker;
  busy: number;
}

/**
 * Renders and signs documents in worker threads (one per core by default), so a batch uses
 * every core while the main thread keeps the registry and HTTP. Each worker loads its own
 * fonts and keys once; tasks queue when all are busy.
 */
export class RenderPool implements DocumentBuilder {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, { resolve: (b: BuiltCertificate) => void; reject: (e: unknown) => void; slot: Slot }>();
  private readonly queue: Array<{ task: RenderTask; resolve: (b: BuiltCertificate) => void; reject: (e: unknown) => void }> = [];
  private nextId = 1;
  readonly ready: Promise<void>;

  constructor(opts: { keysDir: string; passphrase?: string; threads?: number }) {
    const n = Math.max(1, opts.threads ?? availableParallelism());
    const readies: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const worker = new Worker(new URL('./renderWorker.mjs', import.meta.url), {
        workerData: { keysDir: opts.keysDir, passphrase: opts.passphrase },
      });
      const slot: Slot = { worker, busy: 0 };
      readies.push(new Promise((resolve, reject) => {
        worker.once('error', reject);
        worker.once('message', () => resolve());
      }));
      worker.on('message', (m: { id?: number; pdf?: ArrayBuffer; sha256?: string; data?: BuiltCertificate['data']; error?: { code?: ErrorCode; zh?: string; en?: string; message?: string; details?: Record<string, unknown> } }) => {
        if (m.id === undefined) return;
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        p.slot.busy--;
        if (m.error) {
          const e = m.error;
          p.reject(e.code && e.code in ERROR_CODES ? new EcertError(e.code, { details: e.details, zh: stripPrefix(e.code, e.zh, 'zh'), en: stripPrefix(e.code, e.en, 'en') }) : new Error(e.message));
        } else p.resolve({ pdf: Buffer.from(m.pdf!), sha256: m.sha256!, data: m.data! });
        this.drain();
      });
      this.slots.push(slot);
    }
    this.ready = Promise.all(readies).then(() => undefined);
  }

  get size(): number {
    return this.slots.length;
  }

  build(req: IssueRequest, ids: { managementNo: string; version: number; signingTime: Date }, publicUrl: string): Promise<BuiltCertificate> {
    return new Promise((resolve, reject) => {
      this.queue.push({ task: { id: this.nextId++, req, ids: { ...ids, signingTime: ids.signingTime.toISOString() }, publicUrl }, resolve, reject });
      this.drain();
    });
  }

  private drain(): void {
    while (this.queue.length) {
      const slot = this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
      if (slot.busy >= 2) return; // two in flight per worker keeps it busy without hoarding
      const { task, resolve, reject } = this.queue.shift()!;
      slot.busy++;
      this.pending.set(task.id, { resolve, reject, slot });
      slot.worker.postMessage(task);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

/** The worker sends the full bilingual message; rebuild the error from its detail part. */
function stripPrefix(code: ErrorCode, text: string | undefined, lang: 'zh' | 'en'): string | undefined {
  const base = ERROR_CODES[code][lang];
  if (!text || text === base) return undefined;
  return text.startsWith(base) ? text.slice(base.length + (lang === 'zh' ? 1 : 2)) : text;
}
