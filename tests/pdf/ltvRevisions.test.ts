import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestServices, type TestEnv } from '../helpers/testServices';
import { issueBody } from '../helpers/holders';
import { makeOpensslTsa, type OpensslTsa } from '../helpers/opensslTimestamp';
import { incrementalUpdate } from '../verify/attackCorpus';
import { issueCertificate } from '../../src/issue/issueCertificate';
import { appendLtvRevision } from '../../src/pdf/appendLtvRevision';
import { inspectSignatures } from '../../src/verify/pdf/inspectSignatures';
import { checkCoverage } from '../../src/verify/pdf/checkCoverage';
import { verifyPdf } from '../../src/verify/verifyPdf';

/** Choices of the LTV update rules (src/verify/pdf/checkUpdates.ts) and the bounds of the reader. */
let env: TestEnv;
let tsa: OpensslTsa;
let pdf: Buffer;
const offline = (b: Buffer) => verifyPdf(b, { trustAnchors: env.s.keys.trustAnchors, tsaTrustAnchors: [...env.s.tsaTrustAnchors, tsa.certsDer()[0]], catalog: env.s.catalog, clock: env.s.clock });
/** What an RFC 3161 token's signature covers (RFC 5652 §5.4): its TSTInfo and signer infos, re-encoded; not its certificates. */
const signedPartOf = (token: Buffer) => {
  const sd = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(new Uint8Array(token)).content });
  return Buffer.concat([sd.encapContentInfo.toSchema().toBER(), ...sd.signerInfos.map((x) => x.toSchema().toBER())].map((b) => Buffer.from(b)));
};
const codeOf = (f: () => unknown) => {
  try {
    f();
    return 'OK';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
};

beforeAll(async () => {
  env = await makeTestServices();
  tsa = makeOpensslTsa();
  const q = env.s.catalog.list()[0];
  const issuer = { id: 'iss_ltv_rev', bodyCode: q.issuingBody, name: 't', qualifications: [q.code] };
  await env.s.registry.createIssuer({ ...issuer, keyHash: 'x', actor: 'test', now: env.s.clock() });
  const r = await issueCertificate(issueBody(q.code, 5), issuer, env.s);
  pdf = (await env.s.registry.getDocument(r.record.managementNo))!.pdf;
}, 60_000);
afterAll(() => env?.close());

describe('LTV revisions', () => {
  it('accepts a DSS-only update followed by a document-timestamp update (the shape pyHanko writes)', async () => {
    const s = pdf.toString('latin1');
    const size = Number(/\/Size (\d+)/.exec(s.slice(s.lastIndexOf('trailer')))![1]);
    const cat = /\n1 0 obj\n(<<[\s\S]*?>>)\nendobj/.exec(s)![1].replace(/>>$/, `/DSS ${size + 1} 0 R >>`);
    const cert = env.s.keys.trustAnchors[0];
    const info = /\/Info (\d+ 0 R)/.exec(s)![1];
    // (the trailer of an update repeats /Info, ISO 32000-1 §7.5.6; the helper leaves it out)
    const withInfo = (b: Buffer) => Buffer.concat([b.subarray(0, pdf.length), Buffer.from(b.subarray(pdf.length).toString('latin1').replace(/\/Prev/, `/Info ${info} /Prev`), 'latin1')]);
    const dssOnly = withInfo(incrementalUpdate(pdf, [[size, `<< /Length ${cert.length} >>\nstream\n${cert.toString('latin1')}\nendstream`], [size + 1, `<< /Type /DSS /Certs [${size} 0 R] >>`], [1, cat]]));
    // on its own, the DSS-only update is content after the seal that no timestamp covers
    expect((await offline(dssOnly)).checks.find((c) => !c.passed)?.id).toBe('single-revision');
    const stamped = await appendLtvRevision(dssOnly, { certs: [cert, ...tsa.certsDer()], ocsps: [], crls: [] }, (d) => tsa.stamp(d));
    const r = await offline(stamped);
    expect(r.checks.filter((c) => !c.passed).map((c) => c.id)).toEqual(['registry-record']);
    expect(r.checks.filter((c) => c.id === 'ltv-update').map((c) => c.detail)).toEqual([
      'revision 2: DSS (+1 cert, +0 OCSP, +0 CRL)',
      'revision 3: DSS (+2 certs, +0 OCSP, +0 CRL) + document timestamp',
    ]);
    expect(inspectSignatures(stamped).dss!.certs).toHaveLength(3); // deduplicated against the DSS present
  });

  it('refuses a token larger than the /Contents reserve, writing nothing', async () => {
    await expect(appendLtvRevision(pdf, { certs: [], ocsps: [], crls: [] }, (d) => tsa.stamp(d), { contentsReserve: 64 })).rejects.toThrow(/does not fit/);
  });

  it('keeps the reader bounded: DSS entries and revisions', async () => {
    const lta = await appendLtvRevision(pdf, { certs: [...env.s.keys.trustAnchors, ...tsa.certsDer()], ocsps: [], crls: [tsa.crlDer()] }, (d) => tsa.stamp(d));
    expect(codeOf(() => inspectSignatures(lta))).toBe('OK');
    expect(codeOf(() => inspectSignatures(lta, { maxDssEntries: 2 }))).toBe('ERR_PDF_LIMIT');
    let many = lta;
    for (let i = 0; i < 32; i++) many = incrementalUpdate(many, []);
    expect(codeOf(() => inspectSignatures(many))).toBe('ERR_PDF_LIMIT');
  });

  it('reports the seal revision and each timestamp revision; a single-revision file reads as before', async () => {
    const one = inspectSignatures(pdf);
    expect(one.revisionEnds).toEqual([pdf.length]);
    expect(one.updates).toEqual([]);
    expect(one.documentTimestamps).toEqual([]);
    expect(one.dss).toBeUndefined();
    expect(checkCoverage(one, pdf.length).ok).toBe(true);
    const lta = await appendLtvRevision(pdf, { certs: [], ocsps: [], crls: [] }, (d) => tsa.stamp(d));
    const ins = inspectSignatures(lta);
    expect(ins.dss).toBeUndefined(); // nothing to store: no DSS written
    expect(ins.documentTimestamps[0]).toMatchObject({ revision: 2, byteRange: [0, expect.any(Number), expect.any(Number), expect.any(Number)] });
    expect(checkCoverage(ins, lta.length).ok).toBe(true);
  });

  it('mutated B-LTA files: never an exception; what the structure lets through the document timestamp refuses; each judged within 200 ms', async () => {
    const lta = await appendLtvRevision(pdf, { certs: [...env.s.keys.trustAnchors, ...tsa.certsDer()], ocsps: [tsa.ocspDer()], crls: [tsa.crlDer()] }, (d) => tsa.stamp(d));
    const tokenSigned = signedPartOf(inspectSignatures(lta).documentTimestamps[0].token);
    let seed = 14;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const problems: string[] = [];
    let structuralPasses = 0;
    for (let i = 0; i < 300; i++) {
      const t = Buffer.from(lta);
      // mutate inside the LTV revision, where the structure rules (not the seal's hash) must hold
      for (let k = 0; k <= rand(3); k++) t[pdf.length + rand(lta.length - pdf.length)] = rand(256);
      const t0 = performance.now();
      try {
        const r = await offline(t);
        if (r.indication === 'TOTAL_PASSED') problems.push(`${i}: passed`);
        // a mutation the structure rules let through is in bytes the document timestamp covers:
        // its RFC 3161 check over the ByteRange (the lead's POE step; here openssl ts) refuses it
        if (r.checks.some((c) => c.id === 'document-timestamp' && c.passed) && !r.checks.some((c) => !c.passed && c.id !== 'registry-record' && !c.id.startsWith('cms') && c.id !== 'signature' && c.id !== 'message-digest')) {
          structuralPasses++;
          const d = inspectSignatures(t).documentTimestamps[0];
          const covered = Buffer.concat([t.subarray(0, d.byteRange[1]), t.subarray(d.byteRange[2], d.byteRange[2] + d.byteRange[3])]);
          // unless the mutation is in a certificate the token carries, which its signature does not
          // cover and which both take from their trust anchors instead (the TSA's own; the
          // offsets vary with each run's token, so some run lands there)
          if (/Verification: OK/.test(tsa.verify(d.token, covered)) && !signedPartOf(d.token).equals(tokenSigned)) problems.push(`${i}: structure and timestamp both accept a mutation`);
        }
      } catch (e) {
        problems.push(`${i}: threw ${(e as Error).message}`);
      }
      if (performance.now() - t0 > 200) problems.push(`${i}: slow`);
    }
    expect(problems).toEqual([]);
    console.log(`mutated B-LTA files: ${structuralPasses} of 300 pass the structure rules; openssl ts -verify refuses each, unless the mutation is in a certificate the token carries`);
  });
});
