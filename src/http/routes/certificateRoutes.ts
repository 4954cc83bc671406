import express, { Router } from 'express';
import { annotationView } from '../../annotate/holderAnnotations';
import { jsonBody } from '../jsonBody';
import { maskIdNumber } from '../../core/maskIdNumber';
import type { Services } from '../../services';
import { issueCertificate } from '../../issue/issueCertificate';
import { certificateInScope, revokeCertificate } from '../../issue/revokeCertificate';
import { reissueCertificate } from '../../issue/reissueCertificate';
import { EcertError } from '../../core/errors';
import type { CertificateRecord } from '../../registry/RegistryStore';
import { requireIssuer } from '../auth';
import { verifyLinkOfRecord } from '../../verify/copies/verifyLinkOfRecord';

/** Issuer endpoints: issue, read, download, revoke, re-issue. Thin: parse → use case → HTTP. */
export function certificateRoutes(s: Services, onIssued?: (qualification: string) => void): Router {
  const r = Router();
  const json = jsonBody('64kb');
  r.use('/api/v1/certificates', requireIssuer(s.registry));

  r.post('/api/v1/certificates', json, async (req, res) => {
    const result = await issueCertificate(req.body, req.issuer!, s);
    if (result.created) onIssued?.(result.record.qualification);
    // links.verify: the /v/{token} page of this certificate (issue 11)
    const verify = await verifyLinkOfRecord(result.record, { catalog: s.catalog, qrKey: s.keys.qrKey, publicUrl: s.publicUrl });
    const body = { managementNo: result.record.managementNo, documentSha256: result.documentSha256, status: result.record.status, created: result.created, links: { ...links(result.record.managementNo, s), verify } };
    res.status(result.created ? 201 : 200).location(`/api/v1/certificates/${result.record.managementNo}`).json(body);
  });

  r.get('/api/v1/certificates/:no', async (req, res) => {
    const record = await certificateInScope(String(req.params.no), req.issuer!, s);
    // issue 15: the holder's annotated copies (purpose, dates, status; no ID number)
    const annotations = (await s.registry.listAnnotations(record.managementNo)).map((a) => annotationView(a, s.catalog, s.clock()));
    res.json({ ...publicRecord(record, s), annotations });
  });

  r.get('/api/v1/certificates/:no/pdf', async (req, res) => {
    const record = await certificateInScope(String(req.params.no), req.issuer!, s);
    const version = req.query.version === undefined ? undefined : Number(req.query.version);
    if (version !== undefined && !(Number.isInteger(version) && version > 0)) throw new EcertError('ERR_VALIDATION', { zh: 'version 须为正整数', en: 'version must be a positive integer', details: { field: 'version' } });
    // issue 14: the newest archive revision by default; ?revision=0 as issued, N an earlier archive revision
    const revision = req.query.revision === undefined ? undefined : Number(req.query.revision);
    if (revision !== undefined && !(Number.isInteger(revision) && revision >= 0 && revision < 1e6)) throw new EcertError('ERR_VALIDATION', { zh: 'revision 须为非负整数', en: 'revision must be a non-negative integer', details: { field: 'revision' } });
    const doc = await s.registry.getDocument(record.managementNo, version, revision);
    if (!doc) throw new EcertError('ERR_NOT_FOUND');
    sendPdf(res, doc.pdf, `${record.managementNo}-v${doc.version}${doc.revision ? `-r${doc.revision}` : ''}.pdf`, doc.sha256);
  });

  r.post('/api/v1/certificates/:no/revoke', json, async (req, res) => {
    const record = await revokeCertificate(String(req.params.no), req.body, req.issuer!, s);
    res.json(publicRecord(record, s));
  });

  r.post('/api/v1/certificates/:no/reissue', json, async (req, res) => {
    const record = await reissueCertificate(String(req.params.no), req.body, req.issuer!, s);
    res.status(201).json(publicRecord(record, s));
  });
  return r;
}

export function sendPdf(res: express.Response, pdf: Buffer, filename: string, sha256: string): void {
  res
    .status(200)
    .type('application/pdf')
    .set('Content-Disposition', `attachment; filename="${filename}"`)
    .set('X-Document-SHA256', sha256)
    .set('Cache-Control', 'private, no-store')
    .send(pdf);
}

function links(no: string, s: Services) {
  return { self: `/api/v1/certificates/${no}`, pdf: `/api/v1/certificates/${no}/pdf`, verify: `${s.publicUrl}/verify?no=${no}` };
}

/** The record as issuers see it: masked ID, never the digest. */
export function publicRecord(r: CertificateRecord, s: Services) {
  const current = r.documents.find((d) => d.version === r.currentVersion);
  return {
    managementNo: r.managementNo,
    qualification: r.qualification,
    ...(r.specialty ? { specialty: r.specialty } : {}),
    holder: { name: r.holderName, idNumberMasked: maskIdNumber(r.idNumberMasked), sex: r.sex, birth: r.birth },
    approvalDate: r.approvalDate,
    issueDate: r.issueDate,
    issuingBody: r.issuerBody,
    status: r.status,
    currentVersion: r.currentVersion,
    documentSha256: current?.sha256,
    documents: r.documents,
    createdAt: r.createdAt,
    ...(r.status === 'revoked' ? { revocation: { at: r.revokedAt, by: r.revokedBy, reason: r.revocationReason } } : {}),
    links: links(r.managementNo, s),
  };
}
