import type { Catalog } from '../catalog/Catalog';
import type { AnnotationData, CertificateData, IssueRequest, SharedPart } from '../core/types';
import { maskIdNumber } from '../core/maskIdNumber';
import type { KeyStore } from '../keys/KeyStore';
import type { FontSet } from '../render/fonts/FontSet';
import { renderCertificate } from '../render/renderCertificate';
import { cmsPlaceholderSize, SIGNATURE_TIMESTAMP_WRAPPING } from '../sign/buildCmsSignedData';
import type { Timestamper } from '../ltv/tsp/Timestamper';
import { signPreparedPdf } from '../sign/signPreparedPdf';
import { qrClaimsOf, signQrToken, verifyUrlFor } from '../qr/qrToken';
import { isSampleManagementNo } from '../registry/managementNumber';
import { EcertError } from '../core/errors';

export interface DocumentDeps {
  catalog: Catalog;
  keys: KeyStore;
  fonts?: FontSet;
  /** Base URL printed in the QR code. */
  publicUrl: string;
  /** Issue 14: PAdES B-T, a signature timestamp in every document (unset: B-B, as before). */
  timestamper?: Timestamper;
}

export interface BuiltCertificate {
  pdf: Buffer;
  sha256: string;
  data: CertificateData;
  /** Bytes of `pdf` that recur in other documents (renderCertificate.ts), for the registry to store once. */
  sharedPart?: SharedPart;
}

/**
 * render → seal → sign: the signed PDF of one certificate document. Pure apart from the
 * signer; the registry decides the 管理号 and version and stores the result.
 */
export async function buildCertificateDocument(
  req: IssueRequest,
  ids: { managementNo: string; version: number; signingTime: Date; annotation?: AnnotationData; /** issue 12: `ecert samples` only */ sample?: boolean },
  deps: DocumentDeps,
): Promise<BuiltCertificate> {
  const { catalog } = deps;
  // issue 12: a sample carries a number of the sample range and a certificate never does
  // (the registry never draws one), so no registered certificate can be built as a sample
  if (Boolean(ids.sample) !== isSampleManagementNo(ids.managementNo) || (ids.sample && ids.annotation)) {
    throw new EcertError('ERR_INTERNAL', { en: `${ids.sample ? 'a sample' : 'a certificate'} cannot carry 管理号 ${ids.managementNo}${ids.annotation ? ' or an annotation' : ''}` });
  }
  const q = catalog.get(req.qualification);
  const body = catalog.body(q.issuingBody);
  const seal = catalog.seal(q.sealId);
  const data: CertificateData = {
    managementNo: ids.managementNo,
    version: ids.version,
    qualification: q.code,
    ...(req.specialty ? { specialty: req.specialty } : {}),
    holderName: req.holder.name,
    idType: req.holder.idType,
    idNumberMasked: maskIdNumber(req.holder.idNumber),
    sex: req.holder.sex,
    birth: req.holder.birth,
    approvalDate: req.approvalDate,
    issueDate: req.issueDate,
    issuer: { code: body.code, name: body.name },
    sealId: seal.id,
    // issue 15: an annotated copy carries its annotation in the embedded data and the QR token
    ...(ids.annotation ? { annotation: ids.annotation } : {}),
    // issue 12: in the embedded data, the QR token and the watermark (src/render/sampleWatermark.ts)
    ...(ids.sample ? { sample: true as const } : {}),
  };
  const purpose = ids.annotation ? catalog.annotationPurposes.find((p) => p.code === ids.annotation!.purpose) : undefined;
  const token = await signQrToken(qrClaimsOf(data), deps.keys.qrKey);
  const signer = deps.keys.signerFor(seal.id);
  const prepared = renderCertificate(
    {
      data,
      idNumber: req.holder.idNumber,
      style: q.style,
      title: q.title,
      titleEn: q.titleEn,
      competence: q.competence,
      departments: catalog.departmentsFor(q.code, req.specialty),
      issuingBodyName: body.name,
      seal: { arcText: seal.arcText, centerText: seal.centerText, fullName: seal.fullName, image: deps.keys.sealImage(seal.id) },
      verifyUrl: verifyUrlFor(deps.publicUrl, token),
      ...(purpose ? { annotationPurpose: { zh: purpose.zh, en: purpose.en } } : {}),
    },
    { fonts: deps.fonts, signatureSize: cmsPlaceholderSize(signer, { timestampReserve: deps.timestamper ? deps.timestamper.tokenReserve + SIGNATURE_TIMESTAMP_WRAPPING : 0 }), signingTime: ids.signingTime },
  );
  const { pdf, sha256 } = await signPreparedPdf(prepared, signer, deps.timestamper);
  return { pdf, sha256, data, ...(prepared.sharedPart && { sharedPart: prepared.sharedPart }) };
}
