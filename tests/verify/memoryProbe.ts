/**
 * Run as its own process with --expose-gc by tests/verify/memory.test.ts (Node's `gc` is not
 * available inside the test runner): verify `ECERT_PROBE_UPLOADS` hostile uploads
 * (./hostileUploads.ts) in process and print the resident and heap sizes after a full
 * garbage collection, before and after, as one JSON line.
 */
import { generateKeyPairSync } from 'node:crypto';
import { loadCatalog } from '../../src/catalog/loadCatalog';
import { makeCertificate } from '../../src/keys/x509';
import { FontSet } from '../../src/render/fonts/FontSet';
import { trustedCertificatesCached } from '../../src/verify/cms/verifyCms';
import { verifyPdf } from '../../src/verify/verifyPdf';
import { hostileUploads } from './hostileUploads';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const n = Number(process.env.ECERT_PROBE_UPLOADS ?? 200);
const catalog = loadCatalog();
const root = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const anchor = makeCertificate({ subject: { cn: 'Probe Root' }, publicKey: root.publicKey, issuerKey: root.privateKey, serial: Buffer.from([1]), notBefore: new Date(Date.now() - 86400_000), notAfter: new Date('2050-01-01T00:00:00Z'), ca: true });
const deps = { trustAnchors: [anchor], catalog, clock: () => new Date() };
const uploads = await hostileUploads({ catalog, fonts: FontSet.load() });

const verdicts: Record<string, number> = {};
const run = async (from: number, to: number) => {
  for (let i = from; i < to; i++) {
    const r = await verifyPdf(await uploads.upload(i), deps);
    const k = `${r.indication}/${r.subIndication ?? ''}`;
    verdicts[k] = (verdicts[k] ?? 0) + 1;
  }
};
const settle = async () => {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  const m = process.memoryUsage();
  return { rssMB: m.rss / 2 ** 20, heapUsedMB: m.heapUsed / 2 ** 20, externalMB: m.external / 2 ** 20 };
};
await run(0, 5); // warm-up: code, fonts, caches of the genuine path
const before = await settle();
const t = performance.now();
await run(5, 5 + n);
const seconds = (performance.now() - t) / 1000;
const after = await settle();
process.stdout.write(
  JSON.stringify({ uploads: n, uploadBytes: uploads.firstSize, seconds, before, after, rssGrowthMB: after.rssMB - before.rssMB, heapGrowthMB: after.heapUsedMB - before.heapUsedMB, verdicts, trustedCached: trustedCertificatesCached() }) + '\n',
);
