import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestServices, type TestEnv } from '../helpers/testServices';
import { issueBody } from '../helpers/holders';
import { makeOpensslTsa, type OpensslTsa } from '../helpers/opensslTimestamp';
import { tmpFile } from '../helpers/pdfTools';
import { issueCertificate } from '../../src/issue/issueCertificate';
import { appendLtvRevision, type ValidationData } from '../../src/pdf/appendLtvRevision';
import { inspectSignatures } from '../../src/verify/pdf/inspectSignatures';
import { cmsCertificates } from '../../src/verify/cms/countCertificates';
import { verifyPdf } from '../../src/verify/verifyPdf';

/**
 * PAdES B-LT/B-LTA updates (ETSI EN 319 142-1 §5.4, §5.5) on a real issued certificate, with
 * tokens from an independent TSA (`openssl ts -reply`), checked by independent readers
 * (qpdf, pdfsig, mutool, openssl ts -verify, openssl ocsp/crl) and by our verifier.
 */
let env: TestEnv;
let tsa: OpensslTsa;
let pdf: Buffer;
let vd: ValidationData;
let lta: Buffer;
let lta2: Buffer;
const verify = (b: Buffer) => verifyPdf(b, { trustAnchors: env.s.keys.trustAnchors, tsaTrustAnchors: [...env.s.tsaTrustAnchors, tsa.certsDer()[0]], catalog: env.s.catalog, registry: env.s.registry, clock: env.s.clock });

beforeAll(async () => {
  env = await makeTestServices();
  tsa = makeOpensslTsa();
  const q = env.s.catalog.list()[0];
  const issuer = { id: 'iss_ltv', bodyCode: q.issuingBody, name: 't', qualifications: [q.code] };
  await env.s.registry.createIssuer({ ...issuer, keyHash: 'x', actor: 'test', now: env.s.clock() });
  const r = await issueCertificate(issueBody(q.code, 3), issuer, env.s);
  pdf = (await env.s.registry.getDocument(r.record.managementNo))!.pdf;
  const seal = inspectSignatures(pdf).signatures[0];
  vd = { certs: [...cmsCertificates(seal.cms), ...env.s.keys.trustAnchors, ...tsa.certsDer()], ocsps: [tsa.ocspDer()], crls: [tsa.crlDer()] };
  lta = await appendLtvRevision(pdf, vd, (d) => tsa.stamp(d));
  // renewal: a second document timestamp, the DSS extended by a new CRL only
  lta2 = await appendLtvRevision(lta, { certs: vd.certs, ocsps: [], crls: [tsa.crlDer()] }, (d) => tsa.stamp(d));
}, 60_000);
afterAll(() => env?.close());

/** The bytes a ByteRange [0 a b c] covers. */
const covered = (bytes: Buffer, br: number[]) => Buffer.concat([bytes.subarray(br[0], br[0] + br[1]), bytes.subarray(br[2], br[2] + br[3])]);

describe('appendLtvRevision', () => {
  it('appends one revision after the last %%EOF, leaving every byte before it unchanged', () => {
    expect(lta.subarray(0, pdf.length).equals(pdf)).toBe(true);
    expect(lta2.subarray(0, lta.length).equals(lta)).toBe(true);
    const ins = inspectSignatures(lta2);
    expect(ins.revisionEnds).toEqual([pdf.length, lta.length, lta2.length]);
    expect(ins.signatures).toHaveLength(1);
    expect(ins.documentTimestamps.map((t) => [t.revision, t.byteRange[2] + t.byteRange[3]])).toEqual([
      [2, lta.length],
      [3, lta2.length],
    ]);
    // deduplicated by bytes: the renewal adds only the new CRL (openssl's CRL number differs)
    expect(ins.dss!.certs).toHaveLength(new Set(vd.certs.map((c) => c.toString('hex'))).size);
    expect(ins.dss!.ocsps).toHaveLength(1);
    expect(ins.dss!.crls).toHaveLength(2);
    expect(ins.dss!.ocsps[0].equals(vd.ocsps[0])).toBe(true);
  });

  it('writes a classic xref section with /Prev, nothing freed, and a catalog changed only in /DSS /AcroForm /Extensions', () => {
    const tail = lta.subarray(pdf.length).toString('latin1');
    expect(tail).toMatch(/\nxref\n/);
    expect(tail).not.toMatch(/ f\r\n/);
    expect(tail).toMatch(/\/Prev \d+/);
    expect(tail).toMatch(/\/Type \/DocTimeStamp \/Filter \/Adobe\.PPKLite \/SubFilter \/ETSI\.RFC3161/);
    expect(tail).toMatch(/\/Extensions << \/ADBE << \/BaseVersion \/1\.7 \/ExtensionLevel 5 >> >>/);
    expect(tail).toMatch(/\/Rect \[0 0 0 0\]/);
  });

  it('passes qpdf --check, mutool, and pdfsig (seal valid, document timestamps listed)', () => {
    for (const [name, bytes] of [['lta.pdf', lta], ['lta2.pdf', lta2]] as const) {
      const path = tmpFile(name, bytes);
      const qpdf = spawnSync('qpdf', ['--check', path], { encoding: 'utf8' });
      expect(qpdf.status, qpdf.stdout + qpdf.stderr).toBe(0);
      expect(qpdf.stdout).toMatch(/No syntax or stream encoding errors found/);
      const mutool = spawnSync('mutool', ['info', path], { encoding: 'utf8' });
      expect(mutool.status, mutool.stderr).toBe(0);
      expect(mutool.stderr).not.toMatch(/error/i);
      const sig = spawnSync('pdfsig', [path], { encoding: 'utf8' });
      const out = sig.stdout + sig.stderr;
      const n = bytes === lta ? 2 : 3;
      expect(out).toContain(`Signature #${n}`);
      expect(out).not.toContain(`Signature #${n + 1}`);
      // the seal (signature #1) still valid; the document timestamps listed by field, signed by the TSA
      // (poppler does not validate RFC 3161 document timestamps: "Signature Type: unknown")
      const first = out.split('Signature #2')[0];
      expect(first).toMatch(/Signature Validation: Signature is Valid/);
      expect(first).toMatch(/Signature Type: ETSI\.CAdES\.detached/);
      expect(first).toMatch(/Not total document signed/);
      const last = out.split(`Signature #${n}`)[1];
      expect(last).toMatch(new RegExp(`Signature Field Name: ecert-doc-timestamp-${n - 1}`));
      expect(last).toMatch(/Signer Certificate Common Name: Test TSA/);
      expect(last).toMatch(/Total document signed/);
    }
  });

  it('openssl ts -verify accepts each document timestamp over the bytes its ByteRange covers', () => {
    const ins = inspectSignatures(lta2);
    expect(ins.documentTimestamps).toHaveLength(2);
    for (const t of ins.documentTimestamps) {
      expect(tsa.verify(t.token, covered(lta2, t.byteRange))).toMatch(/Verification: OK/);
      // and refuses it over other bytes
      expect(tsa.verify(t.token, Buffer.concat([covered(lta2, t.byteRange), Buffer.from('x')]))).not.toMatch(/Verification: OK/);
    }
  });

  it('stores DSS entries that openssl reads: the OCSP response verifies, the CRLs parse', () => {
    const ins = inspectSignatures(lta2);
    const dir = tsa.dir;
    writeFileSync(join(dir, 'dss-ocsp.der'), ins.dss!.ocsps[0]);
    const ocsp = spawnSync('openssl', ['ocsp', '-respin', 'dss-ocsp.der', '-CAfile', 'root.pem', '-resp_text'], { cwd: dir, encoding: 'utf8' });
    expect(ocsp.stdout + ocsp.stderr).toMatch(/Response verify OK/);
    for (const [i, crl] of ins.dss!.crls.entries()) {
      writeFileSync(join(dir, `dss-crl${i}.der`), crl);
      expect(execFileSync('openssl', ['crl', '-inform', 'DER', '-in', `dss-crl${i}.der`, '-CAfile', 'root.pem', '-noout'], { cwd: dir, stdio: 'pipe' }).toString() + 'ok').toBe('ok');
    }
  });

  it('passes our verifier, whose checks name each accepted update and document timestamp', async () => {
    for (const bytes of [lta, lta2]) {
      // offline (structure, seal signature, chain): only the registry is left unchecked
      const r = await verifyPdf(bytes, { trustAnchors: env.s.keys.trustAnchors, tsaTrustAnchors: [...env.s.tsaTrustAnchors, tsa.certsDer()[0]], catalog: env.s.catalog, clock: env.s.clock });
      expect(r.indication).toBe('INDETERMINATE');
      expect(r.checks.filter((c) => !c.passed).map((c) => c.id)).toEqual(['registry-record']);
      expect(r.checks.find((c) => c.id === 'ltv-update')?.detail).toMatch(/revision 2: DSS \(\+\d+ certs, \+1 OCSP, \+1 CRL\) \+ document timestamp/);
      expect(r.checks.filter((c) => c.id === 'document-timestamp')).toHaveLength(bytes === lta ? 1 : 2);
      expect(r.checks.find((c) => c.id === 'signature')?.passed).toBe(true);
      // with the registry: the renewed copy is a new document by hash, which the renewal registers (lead's part)
      const online = await verify(bytes);
      expect(online.checks.filter((c) => !c.passed).map((c) => c.id)).toEqual(['registry-document']);
    }
    const r2 = await verifyPdf(lta2, { trustAnchors: env.s.keys.trustAnchors, tsaTrustAnchors: [...env.s.tsaTrustAnchors, tsa.certsDer()[0]], catalog: env.s.catalog, clock: env.s.clock });
    expect(r2.checks.filter((c) => c.id === 'ltv-update').map((c) => c.detail)).toEqual([expect.stringMatching(/^revision 2: DSS/), 'revision 3: DSS (+0 certs, +0 OCSP, +1 CRL) + document timestamp']);
  });
});
