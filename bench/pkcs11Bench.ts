/**
 * Issuance with the seal keys in a PKCS #11 token (issue 13), next to the file-key figures:
 * a throw-away SoftHSM2 token (tests/helpers/softhsm.ts), keys generated in it, documents
 * signed there from one thread and from the render pool (signing forwarded to the main thread).
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { generateKeyMaterial, loadKeyStore, type SealKeySpec } from '../src/keys';
import { Pkcs11Token } from '../src/keys/pkcs11/Pkcs11Token';
import { RenderPool } from '../src/render/pool/RenderPool';
import { buildCertificateDocument } from '../src/issue/buildCertificateDocument';
import type { Catalog } from '../src/catalog/Catalog';
import type { FontSet } from '../src/render/fonts/FontSet';
import type { IssueRequest } from '../src/core/types';
import { makeSoftHsm, SOFTHSM_MODULE } from '../tests/helpers/softhsm';

export async function benchPkcs11(args: { work: string; seals: SealKeySpec[]; catalog: Catalog; fonts: FontSet; request: (i: number) => IssueRequest; no: (i: number) => string }) {
  makeSoftHsm([{ label: 'bench-ec', pin: '123456' }, { label: 'bench-rsa', pin: '123456' }]);
  const out: Record<string, number> = {};
  for (const [alg, label] of [['ecdsa', 'bench-ec'], ['rsa', 'bench-rsa']] as const) {
    const pkcs11 = { module: SOFTHSM_MODULE, tokenLabel: label, pin: '123456' };
    const dir = join(args.work, `keys-p11-${alg}`);
    await generateKeyMaterial({ dir, alg, seals: args.seals, now: new Date(), token: new Pkcs11Token(pkcs11) });
    const keys = loadKeyStore(dir, { pkcs11 });
    const one = (i: number) => buildCertificateDocument(args.request(i), { managementNo: args.no(i), version: 1, signingTime: new Date() }, { catalog: args.catalog, keys, fonts: args.fonts, publicUrl: 'http://localhost:3000' });
    for (let i = 0; i < 20; i++) await one(i); // warm-up
    const n = alg === 'rsa' ? 150 : 300;
    let t = performance.now();
    for (let i = 0; i < n; i++) await one(i);
    out[`tokenMsPerCertificate${alg === 'rsa' ? 'Rsa2048' : 'Ecdsa'}`] = Math.round(((performance.now() - t) / n) * 100) / 100;
    if (alg === 'ecdsa') {
      const pool = new RenderPool({ keysDir: dir, threads: availableParallelism(), keys });
      await pool.ready;
      await Promise.all(Array.from({ length: 100 }, (_, i) => pool.build(args.request(i), { managementNo: args.no(i), version: 1, signingTime: new Date() }, 'http://localhost:3000')));
      const m = 2000;
      t = performance.now();
      await Promise.all(Array.from({ length: m }, (_, i) => pool.build(args.request(i), { managementNo: args.no(i), version: 1, signingTime: new Date() }, 'http://localhost:3000')));
      out.tokenCertificatesPerSecondAllCoresEcdsa = Math.round(m / ((performance.now() - t) / 1000));
      await pool.close();
    }
  }
  return out;
}
