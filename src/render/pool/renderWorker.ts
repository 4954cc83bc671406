/**
 * A worker thread of the RenderPool: loads catalog, keys and fonts once, then renders and
 * signs documents on request. Errors travel back with their stable code.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadCatalog } from '../../catalog/loadCatalog';
import { isEcertError } from '../../core/errors';
import { loadKeyStore } from '../../keys';
import { FontSet } from '../fonts/FontSet';
import { adoptFontBytes } from '../fonts/fontBytes';
import { buildCertificateDocument } from '../../issue/buildCertificateDocument';
import { EcertError, ERROR_CODES } from '../../core/errors';
import type { RenderTask, SignReply, SignRequest } from './RenderPool';
import { createTimestamper, type TsaSettings } from '../../ltv/tsp/createTimestamper';

const { keysDir, passphrase, tsa, fonts } = workerData as { keysDir: string; passphrase?: string; tsa?: TsaSettings; fonts?: Record<string, SharedArrayBuffer> };
adoptFontBytes(fonts);

// token-held seal keys sign in the main thread (see RenderPool)
const signing = new Map<number, { resolve: (b: Buffer) => void; reject: (e: unknown) => void }>();
let nextRid = 1;
const remoteSign = (sealId: string, certSha256: string, data: Buffer) =>
  new Promise<Buffer>((resolve, reject) => {
    const rid = nextRid++;
    signing.set(rid, { resolve, reject });
    parentPort!.postMessage({ sign: { rid, sealId, certSha256, data: new Uint8Array(data) } } satisfies SignRequest);
  });

// issue 14: each document gets its signature timestamp here, from the configured TSA or the development one
const timestamper = tsa ? createTimestamper({ ...tsa, keysDir, passphrase, clock: () => new Date() }) : undefined;
const deps = { catalog: loadCatalog(), keys: loadKeyStore(keysDir, { passphrase, remoteSign }), fonts: FontSet.load(), timestamper };

/**
 * Renders at the same time at most: two, so that a render waiting for a token-held key's
 * signature (the main thread's C_SignAsync) overlaps the next one. Tasks beyond them wait
 * here, in order: the pool keeps more than two in this thread (RenderPool's TASKS_PER_WORKER)
 * so that it has work while the main thread is busy with a registry commit.
 */
const CONCURRENT_RENDERS = 2;
const waiting: RenderTask[] = [];
let rendering = 0;

parentPort!.on('message', (t: RenderTask | SignReply | { released: ArrayBuffer[] }) => {
  // documents the main thread is done with (RenderPool.release): this thread's collector frees them
  if ('released' in t) return;
  if ('signed' in t) return settleSignature(t.signed);
  waiting.push(t);
  startRenders();
});
parentPort!.postMessage({ ready: true });

function startRenders(): void {
  while (rendering < CONCURRENT_RENDERS && waiting.length) {
    rendering++;
    void render(waiting.shift()!).finally(() => {
      rendering--;
      startRenders();
    });
  }
}

async function render(t: RenderTask): Promise<void> {
  try {
    const built = await buildCertificateDocument(t.req, { ...t.ids, signingTime: new Date(t.ids.signingTime) }, { ...deps, publicUrl: t.publicUrl });
    const pdf = built.pdf.buffer.slice(built.pdf.byteOffset, built.pdf.byteOffset + built.pdf.length) as ArrayBuffer;
    parentPort!.postMessage({ id: t.id, pdf, sha256: built.sha256, data: built.data, sharedPart: built.sharedPart }, [pdf]);
  } catch (e) {
    parentPort!.postMessage({ id: t.id, error: isEcertError(e) ? { code: e.code, zh: e.bilingual.zh, en: e.bilingual.en, details: e.details } : { message: (e as Error).message } });
  }
}

function settleSignature({ rid, signature, error }: SignReply['signed']): void {
  const p = signing.get(rid);
  signing.delete(rid);
  if (!p) return;
  if (signature) p.resolve(Buffer.from(signature));
  else if (error?.code && error.code in ERROR_CODES) {
    const base = ERROR_CODES[error.code];
    const rest = (text: string | undefined, b: string, sep: string) => (text && text.startsWith(b + sep) ? text.slice(b.length + sep.length) : undefined);
    p.reject(new EcertError(error.code, { zh: rest(error.zh, base.zh, '：'), en: rest(error.en, base.en, ': '), details: error.details }));
  } else p.reject(new Error(error?.message ?? 'signing failed'));
}
