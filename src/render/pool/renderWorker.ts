/**
 * A worker thread of the RenderPool: loads catalog, keys and fonts once, then renders and
 * signs documents on request. Errors travel back with their stable code.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadCatalog } from '../../catalog/loadCatalog';
import { isEcertError } from '../../core/errors';
import { loadKeyStore } from '../../keys';
import { FontSet } from '../fonts/FontSet';
import { buildCertificateDocument } from '../../issue/buildCertificateDocument';
import type { RenderTask } from './RenderPool';

const { keysDir, passphrase } = workerData as { keysDir: string; passphrase?: string };
const deps = { catalog: loadCatalog(), keys: loadKeyStore(keysDir, { passphrase }), fonts: FontSet.load() };

parentPort!.on('message', async (t: RenderTask) => {
  try {
    const built = await buildCertificateDocument(t.req, { ...t.ids, signingTime: new Date(t.ids.signingTime) }, { ...deps, publicUrl: t.publicUrl });
    const pdf = built.pdf.buffer.slice(built.pdf.byteOffset, built.pdf.byteOffset + built.pdf.length) as ArrayBuffer;
    parentPort!.postMessage({ id: t.id, pdf, sha256: built.sha256, data: built.data }, [pdf]);
  } catch (e) {
    parentPort!.postMessage({ id: t.id, error: isEcertError(e) ? { code: e.code, zh: e.bilingual.zh, en: e.bilingual.en, details: e.details } : { message: (e as Error).message } });
  }
});
parentPort!.postMessage({ ready: true });
