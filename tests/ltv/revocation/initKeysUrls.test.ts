import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../src/catalog/loadCatalog';
import { readKeyIndex } from '../../../src/keys';
import { initKeys } from '../../../src/services';

/** `ecert keys init` (src/services.ts initKeys): seal certificates name the service's CRL and OCSP URLs (openssl x509 -text). */
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function sealText(publicUrl: string | undefined, port: number) {
  const dir = mkdtempSync(join(tmpdir(), 'ecert-initkeys-'));
  dirs.push(dir);
  return initKeys({ keysDir: dir, publicUrl, port }, loadCatalog(), { alg: 'ecdsa', now: new Date() }).then(() => {
    const idx = readKeyIndex(dir);
    const pem = readFileSync(join(dir, 'seals', 'mohrss', `${idx.seals.mohrss}.cert.pem`));
    return { root: idx.root, text: spawnSync('openssl', ['x509', '-noout', '-text'], { input: pem, encoding: 'utf8' }).stdout };
  });
}

describe('development seal certificates name the development CA’s URLs', () => {
  it('from config.publicUrl', async () => {
    const { root, text } = await sealText('https://ecert.example.org', 3000);
    expect(text).toContain(`URI:https://ecert.example.org/pki/crl/${root}.crl`);
    expect(text).toContain('OCSP - URI:https://ecert.example.org/pki/ocsp');
  });
  it('else http://localhost:<port>', async () => {
    const { root, text } = await sealText(undefined, 8123);
    expect(text).toContain(`URI:http://localhost:8123/pki/crl/${root}.crl`);
    expect(text).toContain('OCSP - URI:http://localhost:8123/pki/ocsp');
  });
});
