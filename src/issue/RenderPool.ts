import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { EcertError, ERROR_CODES, type ErrorCode } from '../core/errors';
import type { IssueRequest } from '../core/types';
import type { BuiltCertificate } from './buildCertificateDocument';
import type { DocumentBuilder } from './DocumentBuilder';
import type { KeyStore } from '../keys/KeyStore';

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
  private readonly pending = new Map<number, { resolve: (b: BuiltCertificate) => void; reject: (e: unknown) => void; slot: Slot }>();
  private readonly queue: Array<{ task: RenderTask; resolve: (b: BuiltCertificate) => void; reject: (e: unknown) => void }> = [];
  private nextId = 1;
  readonly ready: Promise<void>;

  constructor(opts: { keysDir: string; passphrase?: string; threads?: number; keys?: KeyStore }) {
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
      worker.on('message', (m: Partial<SignRequest> & { id?: number; pdf?: ArrayBuffer; sha256?: string; data?: BuiltCertificate['data']; error?: WorkerError }) => {
        if (m.sign) {
          const { rid, sealId, certSha256, data } = m.sign;
          const keys = opts.keys;
          (keys ? keys.signFor(sealId, certSha256, Buffer.from(data)) : Promise.reject(new EcertError('ERR_KEYS_MISSING', { en: 'render pool has no key store for token-held keys' }))).then(
            (sig) => worker.postMessage({ signed: { rid, signature: new Uint8Array(sig) } } satisfies SignReply),
            (e: unknown) =>
              worker.postMessage({ signed: { rid, error: e instanceof EcertError ? { code: e.code, zh: e.bilingual.zh, en: e.bilingual.en, details: e.details } : { message: (e as Error).message } } } satisfies SignReply),
          );
          return;
        }
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
