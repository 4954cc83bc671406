import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestServices, type TestEnv } from '../../helpers/testServices';
import { issueBody } from '../../helpers/holders';
import { tmpFile } from '../../helpers/pdfTools';
import { issueCertificate } from '../../../src/issue/issueCertificate';
import { verifyPdf } from '../../../src/verify/verifyPdf';
import { verifyToken } from '../../../src/verify/verifyToken';
import { qrCheckLinkFor } from '../../../src/verify/copies/qrCheckLinkFor';
import type { Issuer } from '../../../src/registry/RegistryStore';

/**
 * Genuine certificates re-saved or "printed to PDF" by independent tools (qpdf, mutool,
 * poppler's pdftocairo): never called forged or tampered; the verdict says the file is not the
 * sealed original and, when the file still carries our data, links to that certificate's QR check.
 */
let env: TestEnv;
let pdf: Buffer;
let managementNo: string;
const deps = () => ({
  trustAnchors: env.s.keys.trustAnchors, tsaTrustAnchors: env.s.tsaTrustAnchors,
  catalog: env.s.catalog,
  registry: env.s.registry,
  clock: env.s.clock,
  qrCheckLinkFor: qrCheckLinkFor({ registry: env.s.registry, qrKey: env.s.keys.qrKey, publicUrl: env.s.publicUrl }),
});
const ACCUSES = /篡改|伪造|forged|tamper|altered/i;

function tool(cmd: string, args: (inp: string, out: string) => string[]): Buffer {
  const inp = tmpFile('in.pdf', pdf);
  const out = inp.replace(/in\.pdf$/, 'out.pdf');
  execFileSync(cmd, args(inp, out), { stdio: 'pipe' });
  return readFileSync(out);
}

beforeAll(async () => {
  env = await makeTestServices();
  const entry = env.s.catalog.list().find((x) => x.style === 1 && !x.specialties?.length)!;
  const issuer: Issuer = { id: 'iss_copies', bodyCode: entry.issuingBody, name: 't', qualifications: [entry.code] };
  await env.s.registry.createIssuer({ ...issuer, keyHash: 'x', actor: 'test', now: env.s.clock() });
  managementNo = (await issueCertificate(issueBody(entry.code, 3), issuer, env.s)).record.managementNo;
  pdf = (await env.s.registry.getDocument(managementNo))!.pdf;
});
afterAll(() => env?.close());

describe('re-saved and printed copies of a genuine certificate', () => {
  const keepsData: Array<[string, () => Buffer]> = [
    ['qpdf --object-streams=generate', () => tool('qpdf', (i, o) => ['--object-streams=generate', i, o])],
    ['qpdf rewrite', () => tool('qpdf', (i, o) => [i, o])],
    ['qpdf --qdf', () => tool('qpdf', (i, o) => ['--qdf', i, o])],
    ['mutool clean', () => tool('mutool', (i, o) => ['clean', i, o])],
    ['mutool clean -gggz', () => tool('mutool', (i, o) => ['clean', '-gggz', i, o])],
  ];
  for (const [name, make] of keepsData) {
    it(`${name}: not the sealed original, not accused, QR check link of that certificate`, async () => {
      const copy = make();
      expect(copy.equals(pdf)).toBe(false);
      const r = await verifyPdf(copy, deps());
      expect(r.evidence).toBe('pdf');
      expect(r.indication).not.toBe('TOTAL_PASSED');
      expect(r.notOriginal).toBe(true);
      expect(r.message.zh + r.message.en).not.toMatch(ACCUSES);
      expect(r.message.zh).toContain('不是加盖电子印章的原件');
      expect(r.message.zh).toContain('二维码');
      expect(r.message.zh).toContain('管理号');
      expect(r.copyOf?.managementNo).toBe(managementNo);
      const token = /\/v\/([^/]+)$/.exec(r.copyOf!.qrCheckUrl!)![1];
      const t = await verifyToken(token, { jwks: env.s.keys.jwks(), catalog: env.s.catalog, registry: env.s.registry, clock: env.s.clock });
      expect(t).toMatchObject({ evidence: 'qr', indication: 'TOTAL_PASSED', certificate: { managementNo } });
    });
  }

  it('pdftocairo -pdf ("print to PDF"): not the sealed original, not accused, sent to the QR code or a 管理号 look-up', async () => {
    const copy = tool('pdftocairo', (i, o) => ['-pdf', i, o]);
    const r = await verifyPdf(copy, deps());
    expect(r.notOriginal).toBe(true);
    expect(r.subIndication).toBe('FORMAT_FAILURE');
    expect(r.message.zh + r.message.en).not.toMatch(ACCUSES);
    expect(r.message.en).toMatch(/not the sealed original/);
    expect(r.message.en).toMatch(/QR code/);
  });

  it('the untouched original still passes, and an in-place edit of the signed bytes is still HASH_FAILURE', async () => {
    expect((await verifyPdf(pdf, deps())).indication).toBe('TOTAL_PASSED');
    const edited = Buffer.from(pdf);
    const at = edited.indexOf('/Producer (ecert)');
    edited.write('/Producer (ecerT)', at, 'latin1');
    const r = await verifyPdf(edited, deps());
    expect(r.subIndication).toBe('HASH_FAILURE');
    expect(r.notOriginal).toBeUndefined();
  });
});

describe('the QR check link of a copy', () => {
  it('is only given when the copy carries exactly the facts of our stored document (no enumeration by 管理号)', async () => {
    const link = qrCheckLinkFor({ registry: env.s.registry, qrKey: env.s.keys.qrKey, publicUrl: env.s.publicUrl });
    const stored = (await import('../../../src/verify/embeddedData')).embeddedDataOfStoredPdf(pdf)!;
    expect(await link(managementNo, 1, stored)).toMatch(/\/v\/\d+$/);
    expect(await link(managementNo, 1, { ...stored, holderName: '随便猜' })).toBeUndefined();
    // a crafted file naming this 管理号 with other facts gets no link
    const crafted = Buffer.from(`%PDF-1.7\n1 0 obj\n${JSON.stringify({ format: 'ecert-certificate/1', ...stored, holderName: '随便猜' })}\nendobj\n%%EOF\n`);
    const r = await verifyPdf(crafted, deps());
    expect(r.notOriginal).toBe(true);
    expect(r.copyOf?.managementNo).toBe(managementNo);
    expect(r.copyOf?.qrCheckUrl).toBeUndefined();
  });
});
