import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestServices, type TestEnv } from '../helpers/testServices';
import { issueBody } from '../helpers/holders';
import { makeForeignKeys } from '../helpers/testPki';
import { issueCertificate } from '../../src/issue/issueCertificate';
import { buildCertificateDocument } from '../../src/issue/buildCertificateDocument';
import { reissueCertificate } from '../../src/issue/reissueCertificate';
import { verifyPdf } from '../../src/verify/verifyPdf';
import { validateIssueRequest } from '../../src/issue/validateIssueRequest';
import type { Issuer } from '../../src/registry/RegistryStore';

let env: TestEnv;
let issuer: Issuer;
let q: string;
let pdf: Buffer;
let managementNo: string;
const verify = (b: Buffer) => verifyPdf(b, { trustAnchors: env.s.keys.trustAnchors, tsaTrustAnchors: env.s.tsaTrustAnchors, catalog: env.s.catalog, registry: env.s.registry, clock: env.s.clock });

beforeAll(async () => {
  env = await makeTestServices();
  const entry = env.s.catalog.list().find((x) => x.style === 2)!;
  q = entry.code;
  issuer = { id: 'iss_test', bodyCode: entry.issuingBody, name: 't', qualifications: env.s.catalog.list().map((x) => x.code) };
  await env.s.registry.createIssuer({ ...issuer, keyHash: 'x', actor: 'test', now: env.s.clock() });
  const r = await issueCertificate(issueBody(q, 1), issuer, env.s);
  managementNo = r.record.managementNo;
  pdf = (await env.s.registry.getDocument(managementNo))!.pdf;
});
afterAll(() => env?.close());

describe('verifyPdf', () => {
  it('passes a freshly issued certificate, with every check passed and the masked ID only', async () => {
    const r = await verify(pdf);
    expect(r.indication).toBe('TOTAL_PASSED');
    expect(r.checks.every((c) => c.passed)).toBe(true);
    expect(r.certificate).toMatchObject({ managementNo, status: 'valid', idNumberMasked: expect.stringMatching(/^\d{6}\*{12}$/) });
    expect(r.message.zh).toContain('通过');
  });

  it('fails with HASH_FAILURE when one byte of the signed range changes', async () => {
    const t = Buffer.from(pdf);
    const at = t.indexOf('/Producer (ecert)') + 11;
    t[at] = 'E'.charCodeAt(0);
    expect(await verify(t)).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE' });
  });

  it('fails an incremental update appended after signing', async () => {
    const startxref = pdf.lastIndexOf('startxref');
    const prev = Number(/startxref\s+(\d+)/.exec(pdf.subarray(startxref).toString('latin1'))![1]);
    const obj = `\n99 0 obj\n<< /Type /Annot /Subtype /Text /Rect [0 0 10 10] /Contents (forged) >>\nendobj\n`;
    const xrefAt = pdf.length + obj.length;
    const update = `${obj}xref\n99 1\n${String(pdf.length + 1).padStart(10, '0')} 00000 n\r\ntrailer\n<< /Size 100 /Prev ${prev} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
    const r = await verify(Buffer.concat([pdf, Buffer.from(update, 'latin1')]));
    expect(r.indication).toBe('TOTAL_FAILED');
    expect(r.subIndication).toBe('FORMAT_FAILURE');
  });

  it('fails a look-alike seal signed under another root with NO_CERTIFICATE_CHAIN_FOUND', async () => {
    const foreign = await makeForeignKeys();
    const req = validateIssueRequest(issueBody(q, 2), { catalog: env.s.catalog, now: env.s.clock() });
    const forged = await buildCertificateDocument(req, { managementNo, version: 1, signingTime: env.s.clock() }, { ...env.s, keys: foreign.store });
    expect(await verify(forged.pdf)).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND' });
  });

  it('does not pass a genuinely signed PDF whose number is not in the registry', async () => {
    const req = validateIssueRequest(issueBody(q, 3), { catalog: env.s.catalog, now: env.s.clock() });
    const entry = env.s.catalog.get(q);
    const stray = await buildCertificateDocument(req, { managementNo: `2025${String(entry.serial).padStart(3, '0')}99999990`, version: 1, signingTime: env.s.clock() }, env.s);
    const r = await verify(stray.pdf);
    expect(r.indication).not.toBe('TOTAL_PASSED');
    expect(r.subIndication).toBe('UNKNOWN_CERTIFICATE');
  });

  it('reports the earlier document of a re-issued certificate as superseded, the new one as passed', async () => {
    const r = await issueCertificate(issueBody(q, 4), issuer, env.s);
    const old = (await env.s.registry.getDocument(r.record.managementNo))!.pdf;
    const corrected = issueBody(q, 4);
    corrected.holder.name = '更正后';
    await reissueCertificate(r.record.managementNo, { ...corrected, reason: '姓名更正 name correction' }, issuer, env.s);
    const now = (await env.s.registry.getDocument(r.record.managementNo))!;
    expect(now.version).toBe(2);
    expect(await verify(old)).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'SUPERSEDED' });
    expect(await verify(now.pdf)).toMatchObject({ indication: 'TOTAL_PASSED', certificate: { holderName: '更正后', managementNo: r.record.managementNo } });
  });

  it('gives INDETERMINATE when checked offline (no registry)', async () => {
    const r = await verifyPdf(pdf, { trustAnchors: env.s.keys.trustAnchors, tsaTrustAnchors: env.s.tsaTrustAnchors, catalog: env.s.catalog, clock: env.s.clock });
    expect(r.indication).toBe('INDETERMINATE');
  });
});
