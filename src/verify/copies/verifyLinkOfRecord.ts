import type { KeyObject } from 'node:crypto';
import type { Catalog } from '../../catalog/Catalog';
import type { CertificateData } from '../../core/types';
import type { CertificateRecord } from '../../registry/RegistryStore';
import { qrClaimsOf, signQrToken, verifyUrlFor } from '../../qr/qrToken';

/** The public facts of the current version, as src/issue/buildCertificateDocument puts them in the document. */
export function certificateDataOf(r: CertificateRecord, catalog: Catalog): CertificateData {
  const q = catalog.get(r.qualification);
  const body = catalog.body(r.issuerBody);
  return {
    managementNo: r.managementNo,
    version: r.currentVersion,
    qualification: r.qualification,
    ...(r.specialty ? { specialty: r.specialty } : {}),
    holderName: r.holderName,
    idType: r.idType,
    idNumberMasked: r.idNumberMasked,
    sex: r.sex,
    birth: r.birth,
    approvalDate: r.approvalDate,
    issueDate: r.issueDate,
    issuer: { code: body.code, name: body.name },
    sealId: q.sealId,
  };
}

/**
 * `links.verify` of the issue response (issue 11): the `/v/{token}` page of the current
 * version, the page a phone opens from the printed QR code (a fresh ES256 token over the same
 * facts; ECDSA signatures differ each time, the facts do not).
 */
export async function verifyLinkOfRecord(r: CertificateRecord, deps: { catalog: Catalog; qrKey: { kid: string; privateKey: KeyObject }; publicUrl: string }): Promise<string> {
  return verifyUrlFor(deps.publicUrl, await signQrToken(qrClaimsOf(certificateDataOf(r, deps.catalog)), deps.qrKey));
}
