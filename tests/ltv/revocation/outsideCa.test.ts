import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPemCertificates } from '../../../src/keys/pem';
import { buildOcspRequest, checkRevocation, createRevocationSource } from '../../../src/ltv/revocation';

/**
 * An outside CA run by `openssl ca` in a temp dir: a root, a delegated OCSP responder
 * (id-kp-OCSPSigning, RFC 6960 §4.2.2.2) answering through `openssl ocsp -index` behind a
 * loopback HTTP server, and a CRL from `openssl ca -gencrl`. createRevocationSource fetches
 * over HTTP (AIA OCSP, else the CRL distribution point); checkRevocation reads the answers.
 */
const run = promisify(execFile);
let d: string;
let server: Server;
let port: number;
let keysDir: string;
const requests: string[] = [];

const ossl = (args: string[]) => {
  const r = spawnSync('openssl', args, { cwd: d, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const der = (f: string) => readPemCertificates(readFileSync(join(d, f), 'utf8'))[0];

function issue(name: string, ext: string) {
  ossl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  writeFileSync(join(d, `${name}.ext`), ext);
  ossl(['ca', '-batch', '-config', 'ca.cnf', '-in', `${name}.csr`, '-out', `${name}.pem`, '-extfile', `${name}.ext`, '-days', '30', '-notext']);
}

beforeAll(async () => {
  d = mkdtempSync(join(tmpdir(), 'ecert-outside-ca-'));
  keysDir = mkdtempSync(join(tmpdir(), 'ecert-outside-keys-')); // no development roots here
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      try {
        if (req.method === 'POST' && req.url === '/ocsp') {
          const id = Math.random().toString(36).slice(2);
          writeFileSync(join(d, `req-${id}.der`), Buffer.concat(chunks));
          await run('openssl', ['ocsp', '-index', 'index.txt', '-CA', 'root.pem', '-rsigner', 'ocsp.pem', '-rkey', 'ocsp.key', '-reqin', `req-${id}.der`, '-respout', `resp-${id}.der`, '-nmin', '60'], { cwd: d });
          res.writeHead(200, { 'Content-Type': 'application/ocsp-response' }).end(readFileSync(join(d, `resp-${id}.der`)));
        } else if (req.method === 'GET' && req.url === '/crl') {
          await run('openssl', ['ca', '-config', 'ca.cnf', '-gencrl', '-out', 'crl.pem'], { cwd: d });
          await run('openssl', ['crl', '-in', 'crl.pem', '-outform', 'DER', '-out', 'crl.der'], { cwd: d });
          res.writeHead(200, { 'Content-Type': 'application/pkix-crl' }).end(readFileSync(join(d, 'crl.der')));
        } else if (req.url === '/hang') {
          /* never answers: the client's time limit must end it */
        } else if (req.url === '/huge') res.writeHead(200).end(Buffer.alloc(3 << 20));
        else res.writeHead(404).end();
      } catch (e) {
        res.writeHead(500).end(String(e));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  writeFileSync(join(d, 'index.txt'), '');
  writeFileSync(join(d, 'serial'), '1000\n');
  writeFileSync(join(d, 'crlnumber'), '01\n');
  writeFileSync(
    join(d, 'ca.cnf'),
    `[ca]\ndefault_ca=d\n[d]\ndir=${d}\ndatabase=${d}/index.txt\nserial=${d}/serial\ncrlnumber=${d}/crlnumber\nnew_certs_dir=${d}\ncertificate=${d}/root.pem\nprivate_key=${d}/root.key\ndefault_md=sha256\ndefault_crl_days=7\npolicy=p\nunique_subject=no\n[p]\ncommonName=supplied\n`,
  );
  ossl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'root.key', '-out', 'root.pem', '-subj', '/CN=Outside Test Root', '-days', '60', '-addext', 'basicConstraints=critical,CA:true', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  issue('ocsp', 'extendedKeyUsage=OCSPSigning\nkeyUsage=critical,digitalSignature\n');
  issue('seal', `keyUsage=critical,digitalSignature,nonRepudiation\nauthorityInfoAccess=OCSP;URI:${url}/ocsp\ncrlDistributionPoints=URI:${url}/crl\n`);
  issue('noeku', 'keyUsage=critical,digitalSignature\n'); // a certificate of the CA without id-kp-OCSPSigning
  issue('crlonly', `keyUsage=critical,digitalSignature\ncrlDistributionPoints=URI:${url}/crl\n`);
  issue('hang', `keyUsage=critical,digitalSignature\nauthorityInfoAccess=OCSP;URI:${url}/hang\n`);
  issue('huge', `keyUsage=critical,digitalSignature\nauthorityInfoAccess=OCSP;URI:${url}/huge\n`);
  issue('nourl', 'keyUsage=critical,digitalSignature\n');
}, 120_000);
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  rmSync(d, { recursive: true, force: true });
  rmSync(keysDir, { recursive: true, force: true });
});

describe('revocation data from an outside CA', () => {
  it('OCSP over HTTP from the AIA URL: good, then revoked after `openssl ca -revoke`', async () => {
    const now = () => new Date();
    const src = createRevocationSource({ keysDir, clock: now, timeoutMs: 10_000 });
    const root = der('root.pem');
    const seal = der('seal.pem');
    const data = await src.fetch(seal, root);
    expect(data.ocsps).toHaveLength(1);
    expect(requests).toContain('POST /ocsp');
    let r = checkRevocation({ cert: seal, issuer: root, data, at: now() });
    expect(r).toMatchObject({ status: 'good', source: 'ocsp' });
    expect(r.checks.find((c) => c.id === 'ocsp.signature')?.detail).toContain('delegated');
    // independent check of what we fetched
    writeFileSync(join(d, 'fetched.der'), data.ocsps[0]);
    expect(ossl(['ocsp', '-respin', 'fetched.der', '-issuer', 'root.pem', '-cert', 'seal.pem', '-CAfile', 'root.pem', '-no_nonce'])).toMatch(/seal\.pem: good/);

    ossl(['ca', '-config', 'ca.cnf', '-revoke', 'seal.pem', '-crl_reason', 'keyCompromise']);
    const after = await src.fetch(seal, root);
    r = checkRevocation({ cert: seal, issuer: root, data: after, at: now() });
    expect(r).toMatchObject({ status: 'revoked', source: 'ocsp' });
    expect(r.revokedAt!.getTime()).toBeGreaterThan(Date.now() - 120_000);
    // a signature time-stamped before the revocation: good at that time
    expect(checkRevocation({ cert: seal, issuer: root, data: after, at: new Date(Date.now() - 3_600_000) }).status).toBe('good');
  });

  it('a response signed by a certificate of the CA that lacks id-kp-OCSPSigning is refused (RFC 6960 §4.2.2.2)', async () => {
    const root = der('root.pem');
    const seal = der('seal.pem');
    writeFileSync(join(d, 'q.der'), buildOcspRequest(seal, root).der);
    ossl(['ocsp', '-index', 'index.txt', '-CA', 'root.pem', '-rsigner', 'noeku.pem', '-rkey', 'noeku.key', '-reqin', 'q.der', '-respout', 'noeku-resp.der', '-nmin', '60']);
    const forged = readFileSync(join(d, 'noeku-resp.der'));
    const r = checkRevocation({ cert: seal, issuer: root, data: { ocsps: [forged], crls: [] }, at: new Date() });
    expect(r.status).toBe('unknown');
    expect(r.checks.find((c) => c.id === 'ocsp.responder')).toMatchObject({ passed: false, detail: expect.stringContaining('lacks id-kp-OCSPSigning') });
    // openssl agrees: the response does not verify against the root
    const o = spawnSync('openssl', ['ocsp', '-respin', 'noeku-resp.der', '-CAfile', 'root.pem', '-issuer', 'root.pem', '-cert', 'seal.pem', '-no_nonce'], { cwd: d, encoding: 'utf8' });
    expect(o.status).not.toBe(0);
    expect(o.stderr).toContain('missing ocspsigning usage');
  });

  it('CRL from the distribution point when the certificate names no OCSP responder', async () => {
    const src = createRevocationSource({ keysDir, clock: () => new Date() });
    const root = der('root.pem');
    const cert = der('crlonly.pem');
    const data = await src.fetch(cert, root);
    expect(data).toMatchObject({ ocsps: [] });
    expect(data.crls).toHaveLength(1);
    expect(checkRevocation({ cert, issuer: root, data, at: new Date() })).toMatchObject({ status: 'good', source: 'crl' });
    ossl(['ca', '-config', 'ca.cnf', '-revoke', 'crlonly.pem', '-crl_reason', 'keyCompromise']);
    const again = await src.fetch(cert, root);
    expect(checkRevocation({ cert, issuer: root, data: again, at: new Date() })).toMatchObject({ status: 'revoked', source: 'crl' });
  });

  it('timeout, oversized answer, no URL → ERR_REVOCATION_UNAVAILABLE', async () => {
    const src = createRevocationSource({ keysDir, clock: () => new Date(), timeoutMs: 500 });
    const root = der('root.pem');
    const t0 = Date.now();
    await expect(src.fetch(der('hang.pem'), root)).rejects.toMatchObject({ code: 'ERR_REVOCATION_UNAVAILABLE', status: 503, message: expect.stringMatching(/OCSP http:\/\/127\.0\.0\.1:\d+\/hang: .*(timeout|aborted)/i) });
    expect(Date.now() - t0).toBeLessThan(5_000);
    await expect(src.fetch(der('huge.pem'), root)).rejects.toMatchObject({ code: 'ERR_REVOCATION_UNAVAILABLE', message: expect.stringContaining('byte cap') });
    await expect(src.fetch(der('nourl.pem'), root)).rejects.toMatchObject({ code: 'ERR_REVOCATION_UNAVAILABLE', message: expect.stringContaining('names no OCSP responder') });
    // unreachable: a port nothing listens on
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const fetchTo = ((_u: string, init: RequestInit) => fetch(`http://127.0.0.1:${deadPort}/ocsp`, init)) as unknown as typeof fetch;
    // a replayed response (another request's nonce) is refused
    const old = (await createRevocationSource({ keysDir, clock: () => new Date() }).fetch(der('seal.pem'), root)).ocsps[0];
    const replay = (async () => new Response(new Uint8Array(old), { status: 200, headers: { 'Content-Type': 'application/ocsp-response' } })) as unknown as typeof fetch;
    await expect(createRevocationSource({ keysDir, clock: () => new Date(), fetch: replay }).fetch(der('seal.pem'), root)).rejects.toMatchObject({ code: 'ERR_REVOCATION_UNAVAILABLE', message: expect.stringContaining('another nonce') });
    const dead = createRevocationSource({ keysDir, clock: () => new Date(), fetch: fetchTo, timeoutMs: 2_000 });
    await expect(dead.fetch(der('seal.pem'), root)).rejects.toMatchObject({ code: 'ERR_REVOCATION_UNAVAILABLE' });
  });
});
