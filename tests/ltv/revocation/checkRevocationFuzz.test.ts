import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyMaterial, readKeyIndex } from '../../../src/keys';
import { readPemCertificates } from '../../../src/keys/pem';
import { buildOcspRequest, checkRevocation, createDevelopmentCa } from '../../../src/ltv/revocation';

/**
 * checkRevocation on mutated OCSP responses and CRLs (seeded, reproducible): it never throws,
 * and never says 'good' of a changed response or CRL (every byte is either signed, the
 * signature, or structure whose change breaks parsing or the signature check).
 */
let dir: string;
let root: Buffer;
let seal: Buffer;
let ocsp: Buffer;
let crl: Buffer;
const now = new Date();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecert-rev-fuzz-'));
  await generateKeyMaterial({ dir, alg: 'ecdsa', seals: [{ id: 's', name: 'S', bodyName: 'B' }], now: new Date(now.getTime() - 86_400_000) });
  const idx = readKeyIndex(dir);
  root = readPemCertificates(readFileSync(join(dir, 'roots', `${idx.root}.cert.pem`), 'utf8'))[0];
  seal = readPemCertificates(readFileSync(join(dir, 'seals', 's', `${idx.seals.s}.cert.pem`), 'utf8'))[0];
  const ca = createDevelopmentCa({ keysDir: dir });
  ocsp = ca.respondOcsp(buildOcspRequest(seal, root).der, now);
  crl = ca.buildCrl(idx.root, now)!;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), (x >>> 0) / 2 ** 32);
}

describe('checkRevocation on hostile input', () => {
  it('mutated OCSP responses and CRLs: no exception, never good', () => {
    const r = rng(20261204);
    const base = { ocsp, crl };
    const goods: string[] = [];
    for (const kind of ['ocsp', 'crl'] as const) {
      const orig = base[kind];
      for (let i = 0; i < 4000; i++) {
        const m = Buffer.from(orig);
        const op = Math.floor(r() * 3);
        const at = Math.floor(r() * m.length);
        let mutated: Buffer;
        if (op === 0) {
          m[at] ^= 1 << Math.floor(r() * 8);
          mutated = m;
        } else if (op === 1) mutated = Buffer.concat([m.subarray(0, at), m.subarray(at + 1 + Math.floor(r() * 4))]);
        else mutated = Buffer.concat([m.subarray(0, at), Buffer.from([Math.floor(r() * 256)]), m.subarray(at)]);
        const data = kind === 'ocsp' ? { ocsps: [mutated], crls: [] } : { ocsps: [], crls: [mutated] };
        const res = checkRevocation({ cert: seal, issuer: root, data, at: now });
        if (res.status === 'good') goods.push(`${kind} op ${op} at ${at}/${orig.length}`);
      }
    }
    expect(goods).toEqual([]);
    expect(checkRevocation({ cert: Buffer.from('x'), issuer: root, data: { ocsps: [ocsp], crls: [] }, at: now }).status).toBe('unknown');
  });
});
