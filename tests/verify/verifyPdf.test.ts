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
import { formatManagementNo, SAMPLE_SEQ_FROM, sampleManagementNo } from '../../src/registry/managementNumber';
import { embeddedDataOfStoredPdf } from '../../src/verify/embeddedData';
import { renderCertificate } from '../../src/render/renderCertificate';
import { signPreparedPdf } from '../../src/sign/signPreparedPdf';
import { cmsPlaceholderSize } from '../../src/sign/buildCmsSignedData';

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
    // the highest number the registry could draw (9000000 and up are samples, issue 12)
    const stray = await buildCertificateDocument(req, { managementNo: formatManagementNo(2025, entry.serial, SAMPLE_SEQ_FROM - 1), version: 1, signingTime: env.s.clock() }, env.s);
    const r = await verify(stray.pdf);
    expect(r.indication).not.toBe('TOTAL_PASSED');
    expect(r.subIndication).toBe('UNKNOWN_CERTIFICATE');
  });

  it('reports a sample as a sample (issue 12): by its number of the sample range, and by the mark in its data alone', async () => {
    const req = validateIssueRequest(issueBody(q, 5), { catalog: env.s.catalog, now: env.s.clock() });
    const entry = env.s.catalog.get(q);
    const sample = await buildCertificateDocument(req, { managementNo: sampleManagementNo(2025, entry.serial, 7), version: 1, signingTime: env.s.clock(), sample: true }, env.s);
    expect(sample.data.sample).toBe(true);
    const r = await verify(sample.pdf);
    expect(r).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'SAMPLE' });
    expect(r.certificate).toBeUndefined();
    // a sample never carries a certificate's number, and a certificate never the sample mark
    await expect(buildCertificateDocument(req, { managementNo, version: 1, signingTime: env.s.clock(), sample: true }, env.s)).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
    await expect(buildCertificateDocument(req, { managementNo: sampleManagementNo(2025, entry.serial, 8), version: 1, signingTime: env.s.clock() }, env.s)).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
    // the mark alone: the registered certificate's own data, marked, rendered and sealed around that guard
    const data = { ...embeddedDataOfStoredPdf(pdf)!, sample: true as const };
    const seal = env.s.catalog.seal(entry.sealId);
    const signer = env.s.keys.signerFor(seal.id);
    const prepared = renderCertificate(
      {
        data, idNumber: req.holder.idNumber, style: entry.style, title: entry.title, titleEn: entry.titleEn, competence: entry.competence,
        departments: env.s.catalog.departmentsFor(entry.code, req.specialty), issuingBodyName: env.s.catalog.body(entry.issuingBody).name,
        seal: { arcText: seal.arcText, centerText: seal.centerText, fullName: seal.fullName }, verifyUrl: 'http://localhost:3000/v/1',
      },
      { signatureSize: cmsPlaceholderSize(signer), signingTime: env.s.clock() },
    );
    const marked = await verify((await signPreparedPdf(prepared, signer)).pdf);
    expect(marked).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'SAMPLE' });
    expect(marked.checks.find((c) => c.id === 'not-a-sample')?.detail).toContain('marked as a sample');
    expect(marked.checks.find((c) => c.id === 'not-a-sample')?.detail).not.toContain('sample range');
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
