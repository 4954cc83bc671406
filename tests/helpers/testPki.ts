import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../../src/catalog/loadCatalog';
import { generateKeyMaterial, loadKeyStore, type KeyStore } from '../../src/keys';

/**
 * The test PKI, declared once: keys generated into a temp dir per algorithm, cached for the
 * process (nothing is committed). `makeForeignKeys` is another root with seals of the SAME
 * names: the look-alike an attacker would make.
 */
const cache = new Map<string, Promise<{ dir: string; store: KeyStore }>>();

function sealSpecs() {
  const c = loadCatalog();
  return c.seals.map((s) => ({ id: s.id, name: s.fullName, bodyName: c.body(s.bodyCode).name }));
}

function make(key: string, alg: 'rsa' | 'ecdsa') {
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      const dir = mkdtempSync(join(tmpdir(), `ecert-keys-${key}-`));
      await generateKeyMaterial({ dir, alg, seals: sealSpecs(), now: new Date() });
      return { dir, store: loadKeyStore(dir) };
    })();
    cache.set(key, p);
  }
  return p;
}

export function makeTestKeys(opts: { alg?: 'rsa' | 'ecdsa' } = {}) {
  const alg = opts.alg ?? 'ecdsa';
  return make(alg, alg);
}

export function makeForeignKeys(opts: { alg?: 'rsa' | 'ecdsa' } = {}) {
  const alg = opts.alg ?? 'ecdsa';
  return make(`foreign-${alg}`, alg);
}
