import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../src/catalog/loadCatalog';
import { generateKeyMaterial, readKeyIndex } from '../../../src/keys';
import { markCompromised } from '../../../src/keys/keyLifecycle';
import { makeTestServer } from '../../helpers/testServices';
import { readPemCertificates } from '../../../src/keys/pem';
import { buildOcspRequest, checkRevocation, ocspResponseNonce } from '../../../src/ltv/revocation';
import { octets } from '../../../src/sign/der';

/**
 * GET /pki/crl/<ca>.crl and POST /pki/ocsp (src/http/routes/pkiRoutes.ts) on a real server
 * on 127.0.0.1:0, queried by `openssl ocsp -url` and `openssl crl`.
 */
let env: Awaited<ReturnType<typeof makeTestServer>>;
let keysDir: string;
let work: string;
let base: string;
let rootId: string;

function openssl(args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn('openssl', args);
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', () => resolve(out));
  });
}

beforeAll(async () => {
  keysDir = mkdtempSync(join(tmpdir(), 'ecert-pki-keys-'));
  work = mkdtempSync(join(tmpdir(), 'ecert-pki-work-'));
  const c = loadCatalog();
  await generateKeyMaterial({ dir: keysDir, alg: 'rsa', seals: c.seals.map((s) => ({ id: s.id, name: s.fullName, bodyName: c.body(s.bodyCode).name })), now: new Date(Date.now() - 86_400_000) });
  env = await makeTestServer({ config: { keysDir } });
  base = `http://127.0.0.1:${new URL(env.url).port}`;
  const idx = readKeyIndex(keysDir);
  rootId = idx.root;
  writeFileSync(join(work, 'root.pem'), readFileSync(join(keysDir, 'roots', `${idx.root}.cert.pem`)));
  writeFileSync(join(work, 'seal.pem'), readFileSync(join(keysDir, 'seals', 'mohrss', `${idx.seals.mohrss}.cert.pem`)));
}, 120_000);
afterAll(async () => {
  await env?.close();
  rmSync(keysDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('PKI routes of the development CA', () => {
  it('openssl ocsp -url against POST /pki/ocsp: good, then revoked after `keys revoke`', async () => {
    const args = ['ocsp', '-issuer', join(work, 'root.pem'), '-cert', join(work, 'seal.pem'), '-CAfile', join(work, 'root.pem'), '-url', `${base}/pki/ocsp`];
    let out = await openssl(args);
    expect(out).toContain('Response verify OK');
    expect(out).toMatch(/seal\.pem: good/);
    const since = new Date(Date.now() - 3_600_000);
    markCompromised(keysDir, 'mohrss', since, new Date());
    out = await openssl(args);
    expect(out).toContain('Response verify OK');
    expect(out).toMatch(/seal\.pem: revoked/);
    expect(out).toContain('Reason: keyCompromise');
  });

  it('GET /pki/crl/<root>.crl: DER CRL that openssl verifies; unknown CA → 404 with the error body', async () => {
    const res = await fetch(`${base}/pki/crl/${rootId}.crl`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pkix-crl');
    writeFileSync(join(work, 'x.crl'), Buffer.from(await res.arrayBuffer()));
    expect(await openssl(['crl', '-inform', 'DER', '-in', join(work, 'x.crl'), '-CAfile', join(work, 'root.pem'), '-noout'])).toContain('verify OK');
    const serial = (await openssl(['x509', '-in', join(work, 'seal.pem'), '-noout', '-serial'])).trim().split('=')[1];
    expect((await openssl(['crl', '-inform', 'DER', '-in', join(work, 'x.crl'), '-noout', '-text'])).replace(/\s/g, '').toUpperCase()).toContain(`SERIALNUMBER:${serial}`);
    for (const id of ['0123456789abcdef', 'nope', '..%2f..%2fetc']) {
      const r = await fetch(`${base}/pki/crl/${id}.crl`);
      expect(r.status).toBe(404);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('ERR_NOT_FOUND');
    }
  });

  it('GET /pki/ocsp/<base64 request> (RFC 6960 Appendix A.1) answers like POST', async () => {
    const root = readPemCertificates(readFileSync(join(work, 'root.pem'), 'utf8'))[0];
    const seal = readPemCertificates(readFileSync(join(work, 'seal.pem'), 'utf8'))[0];
    const { der, nonce } = buildOcspRequest(seal, root);
    const r = await fetch(`${base}/pki/ocsp/${encodeURIComponent(der.toString('base64'))}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/ocsp-response');
    const resp = Buffer.from(await r.arrayBuffer());
    expect(ocspResponseNonce(resp)).toEqual(octets(nonce!));
    expect(checkRevocation({ cert: seal, issuer: root, data: { ocsps: [resp], crls: [] }, at: new Date() }).source).toBe('ocsp');
    // a URL that is not percent-decodable is refused by the router (400, the usual error body)
    const bad = await fetch(`${base}/pki/ocsp/%%%`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('ERR_BAD_REQUEST');
    for (const junk of ['aGVsbG8=', 'x'.repeat(12_000), '%2F%2F']) {
      const g = await fetch(`${base}/pki/ocsp/${junk}`);
      expect(g.status).toBe(200);
      expect(Buffer.from(await g.arrayBuffer())).toEqual(Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x01]));
    }
  });

  it('garbage → 200 malformedRequest; a huge body → 413; the service keeps answering', async () => {
    for (const body of [Buffer.from('GET / HTTP/1.1'), Buffer.from([0x30, 0x80, 0x00, 0x00]), Buffer.alloc(0)]) {
      const r = await fetch(`${base}/pki/ocsp`, { method: 'POST', headers: { 'Content-Type': 'application/ocsp-request' }, body: new Uint8Array(body) });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('application/ocsp-response');
      expect(Buffer.from(await r.arrayBuffer())).toEqual(Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x01]));
    }
    const big = await fetch(`${base}/pki/ocsp`, { method: 'POST', headers: { 'Content-Type': 'application/ocsp-request' }, body: new Uint8Array(200_000) });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe('ERR_PAYLOAD_TOO_LARGE');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
