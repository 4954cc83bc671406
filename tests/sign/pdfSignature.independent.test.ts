import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestServices, type TestEnv } from '../helpers/testServices';
import { issueBody } from '../helpers/holders';
import { renderPng, tmpFile, zbar } from '../helpers/pdfTools';
import { validateIssueRequest } from '../../src/issue/validateIssueRequest';
import { buildCertificateDocument } from '../../src/issue/buildCertificateDocument';
import { verifyQrToken } from '../../src/qr/qrToken';

/**
 * Issue #3: our signatures checked by independent verifiers: poppler's pdfsig (with and
 * without the root in an NSS database), OpenSSL's CMS implementation on the extracted
 * SignedData, and MuPDF. For RSA and ECDSA seals both.
 */
function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`;
}

function byteRange(pdf: Buffer): [number, number, number, number] {
  const m = /\/ByteRange \[(\d+) (\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(pdf.toString('latin1'))!;
  return [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
}

describe.each(['rsa', 'ecdsa'] as const)('PAdES signature checked by independent tools (%s)', (alg) => {
  let env: TestEnv;
  let pdf: Buffer;
  let pdfPath: string;
  let nssDir: string;
  let rootPem: string;

  beforeAll(async () => {
    env = await makeTestServices({ alg });
    const q = env.s.catalog.list().find((x) => x.style === 1 && !x.specialties?.length)!;
    const req = validateIssueRequest(issueBody(q.code, 1), { catalog: env.s.catalog, now: env.s.clock() });
    const doc = await buildCertificateDocument(req, { managementNo: `2025${String(q.serial).padStart(3, '0')}00000011`, version: 1, signingTime: new Date() }, env.s);
    pdf = doc.pdf;
    // the document's SHA-256 comes out of the signer, continued from the ByteRange digest's prefix (signPreparedPdf.ts)
    expect(doc.sha256).toBe(createHash('sha256').update(pdf).digest('hex'));
    pdfPath = tmpFile('cert.pdf', pdf);
    const dir = mkdtempSync(join(tmpdir(), 'ecert-nss-'));
    rootPem = join(dir, 'root.pem');
    writeFileSync(rootPem, env.s.keys.trustAnchorsPem());
    nssDir = join(dir, 'nss');
    execFileSync('mkdir', ['-p', nssDir]);
    execFileSync('certutil', ['-N', '-d', `sql:${nssDir}`, '--empty-password']);
    execFileSync('certutil', ['-A', '-d', `sql:${nssDir}`, '-n', 'ecert-root', '-t', 'CT,C,C', '-i', rootPem]);
  });
  afterAll(() => env?.close());

  it('pdfsig: valid, total document signed, ETSI.CAdES.detached; trusted with the root in NSS', () => {
    const plain = run('pdfsig', [pdfPath]);
    expect(plain).toContain('Signature is Valid');
    expect(plain).toContain('Total document signed');
    expect(plain).toContain('ETSI.CAdES.detached');
    expect(plain).toContain('SHA-256');
    const trusted = run('pdfsig', ['-nssdir', `sql:${nssDir}`, pdfPath]);
    expect(trusted).toContain('Signature is Valid');
    expect(trusted).toContain('Certificate is Trusted');
  });

  it('openssl cms -verify accepts the extracted CMS over the ByteRange content, with no signing-time attribute', () => {
    const [, a, b, c] = byteRange(pdf);
    const hex = pdf.subarray(a + 1, b - 1).toString('latin1');
    const der = Buffer.from(hex, 'hex');
    // DER length from the header (SEQUENCE, long form)
    const len = der[1] & 0x80 ? der.subarray(2, 2 + (der[1] & 0x7f)).reduce((n, x) => n * 256 + x, 0) + 2 + (der[1] & 0x7f) : der[1] + 2;
    const dir = mkdtempSync(join(tmpdir(), 'ecert-cms-'));
    writeFileSync(join(dir, 'sig.der'), der.subarray(0, len));
    writeFileSync(join(dir, 'content.bin'), Buffer.concat([pdf.subarray(0, a), pdf.subarray(b, b + c)]));
    const out = run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', join(dir, 'sig.der'), '-content', join(dir, 'content.bin'), '-CAfile', rootPem, '-purpose', 'any', '-out', '/dev/null']);
    expect(out).toContain('Verification successful');
    const asn1 = run('openssl', ['asn1parse', '-inform', 'DER', '-in', join(dir, 'sig.der')]);
    expect(asn1).toContain('id-smime-aa-signingCertificateV2');
    expect(asn1).toContain('messageDigest');
    expect(asn1).not.toContain('signingTime');
  });

  it('mutool reports the document unchanged since signing, and changed after a byte flips', () => {
    // MuPDF 1.21 has no trust store of its own: it reports the certificate as unknown, and
    // its digest check as "unchanged since signing".
    const out = run('mutool', ['sign', '-v', pdfPath]);
    expect(out).toContain('The document is unchanged since signing.');
    expect(out).toContain('Distinguished name');
    const t = Buffer.from(pdf);
    t[t.indexOf('/Producer (ecert)') + 11] = 'E'.charCodeAt(0);
    expect(run('mutool', ['sign', '-v', tmpFile('t.pdf', t)])).not.toContain('The document is unchanged since signing.');
  });

  it('changing any byte in the signed range makes pdfsig report the signature invalid', () => {
    const [, a, b] = byteRange(pdf);
    for (const at of [10, Math.floor(a / 2), a - 3, b + 5, pdf.length - 20]) {
      const t = Buffer.from(pdf);
      t[at] = t[at] === 0x41 ? 0x42 : 0x41;
      const out = run('pdfsig', [tmpFile('t.pdf', t)]);
      expect(out, `byte ${at}`).not.toContain('Signature is Valid');
    }
  });

  it('the QR code rendered from the page decodes to a URL whose token verifies against the JWKS', async () => {
    const [url] = zbar(renderPng(pdf, 150));
    // the compact token (issue 11): upper-case base URL in alphanumeric mode, decimal token
    expect(url).toMatch(/^HTTP:\/\/LOCALHOST:3000\/V\/\d+$/);
    const claims = await verifyQrToken(url.split('/V/')[1], env.s.keys.jwks());
    expect(claims.n).toMatch(/^2025/);
    // no ID number in the QR (the decimal token may contain any run of digits: compare the real one)
    expect(url).not.toContain(issueBody('any', 1).holder.idNumber);
    expect(claims.i).toBeUndefined();
  });
});
