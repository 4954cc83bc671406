import { createHash } from 'node:crypto';
import type { Catalog } from '../catalog/Catalog';
import type { Clock } from '../core/clock';
import { isEcertError } from '../core/errors';
import { EMBEDDED_DATA_NAME } from '../sign/pdfConstants';
import type { CertificateData } from '../core/types';
import { findCertificateTraces } from './copies/findCertificateTraces';
import { pageImages } from './copies/pageImages';
import { tokenFromText } from '../qr/tokenFromText';
import { parseEmbeddedData } from './embeddedData';
import { verifyCms } from './cms/verifyCms';
import { checkCoverage } from './pdf/checkCoverage';
import { checkTimestamps } from './timestamps/checkTimestamps';
import { sealRevocation } from './timestamps/sealRevocation';
import { inspectSignatures } from './pdf/inspectSignatures';
import type { CompromisedSeal } from '../keys/keyLifecycle';
import { registryStatus, type ClaimedFacts, type RegistryReader } from './registryStatus';
import { annotationOutcome, annotationVerdict, type AnnotationReader } from './annotationOutcome';
import { sampleOutcome } from './sampleOutcome';
import type { AnnotationData } from '../core/types';
import { makeReport, type Check, type VerificationReport } from './VerificationReport';

export interface VerifyPdfDeps {
  trustAnchors: Buffer[];
  /** Roots trusted for time-stamp tokens (issue 14: ECERT_TSA_ROOTS and the development TSA's). */
  tsaTrustAnchors?: Buffer[];
  catalog: Catalog;
  /** Omit for an offline check (signature and structure only): the result is then at best INDETERMINATE. */
  registry?: RegistryReader & AnnotationReader;
  /** Seal keys declared compromised (issue 13, keys/compromised.json); see src/keys/keyLifecycle.ts. */
  compromisedSeals?: CompromisedSeal[];
  clock: Clock;
  /**
   * The QR check link (`/v/{token}`) of a certificate in the registry, for a copy that is not
   * the sealed original but carries that certificate's data (issue 11). Optional.
   */
  qrCheckLinkFor?: (managementNo: string, version?: number, claimed?: CertificateData) => Promise<string | undefined>;
  /** Decode a QR code from an image (src/qr/decodeQrImage): finds the QR of a scanned or printed copy. Optional. */
  decodeQr?: (image: Buffer) => Promise<string | undefined>;
}

/**
 * The verification pipeline of architecture.md: bounded parse → find signature(s) →
 * coverage rule → CMS (digest, signature, signer certificate) → chain to the trust
 * anchors → the seal belongs to the certificate's issuer → registry (status, document
 * hash, fields) → report. The first failing stage decides the sub-indication.
 */
export async function verifyPdf(bytes: Buffer, deps: VerifyPdfDeps): Promise<VerificationReport> {
  const now = deps.clock();
  const checks: Check[] = [];
  const documentSha256 = createHash('sha256').update(bytes).digest('hex');
  const base = { evidence: 'pdf' as const, documentSha256 };
  const fail = (sub: Parameters<typeof makeReport>[1], extra = {}) => makeReport('TOTAL_FAILED', sub, checks, now, { ...base, ...extra });
  /** Not the sealed original (issue 11): no verdict on the content; point to the certificate it copies. */
  const notOriginal = async (sub: Parameters<typeof makeReport>[1]) => {
    const traces = findCertificateTraces(bytes);
    const managementNo = traces.data?.managementNo;
    let qrCheckUrl: string | undefined;
    if (managementNo && deps.qrCheckLinkFor) qrCheckUrl = await deps.qrCheckLinkFor(managementNo, traces.data?.version, traces.data).catch(() => undefined);
    if (!qrCheckUrl && traces.token) qrCheckUrl = `/v/${traces.token}`;
    if (!qrCheckUrl && !managementNo && deps.decodeQr) {
      // a scan or a "print to PDF" as an image: the QR code printed on the page
      for (const image of await pageImages(bytes)) {
        const text = await deps.decodeQr(image).catch(() => undefined);
        const token = text ? tokenFromText(text) : undefined;
        if (token) {
          traces.token = token;
          qrCheckUrl = `/v/${token}`;
          break;
        }
      }
    }
    checks.push({
      id: 'sealed-original',
      passed: false,
      detail: managementNo || traces.token
        ? `not the sealed original; the file carries ${managementNo ? `the data of certificate ${managementNo}` : 'a QR verification URL'}`
        : 'not the sealed original (no intact seal): the seal cannot be checked',
    });
    const copyOf = managementNo || qrCheckUrl ? { ...(managementNo ? { managementNo, version: traces.data?.version } : {}), ...(qrCheckUrl ? { qrCheckUrl } : {}) } : undefined;
    return fail(sub, { notOriginal: true, ...(copyOf ? { copyOf } : {}) });
  };

  // 1. structure (bounded) and the coverage rule of security.md
  let inspection;
  try {
    inspection = inspectSignatures(bytes);
  } catch (e) {
    if (!isEcertError(e)) throw e;
    checks.push({ id: 'pdf-structure', passed: false, detail: e.bilingual.en });
    return notOriginal('FORMAT_FAILURE');
  }
  checks.push({ id: 'pdf-structure', passed: true, detail: `parsed ${inspection.revisions} revision(s)` });
  const coverage = checkCoverage(inspection, bytes.length);
  checks.push(...coverage.checks);
  if (!coverage.ok) return notOriginal(coverage.subIndication ?? 'FORMAT_FAILURE');
  const sig = inspection.signatures[0];

  // 2. proof of existence from the timestamps (issue 14): document timestamps newest first, then the signature timestamp
  const stamps = checkTimestamps({ bytes, sealCms: sig.cms, documentTimestamps: inspection.documentTimestamps, trustAnchors: deps.tsaTrustAnchors ?? [], now });
  checks.push(...stamps.checks);
  if (!stamps.ok) return makeReport(stamps.indeterminate ? 'INDETERMINATE' : 'TOTAL_FAILED', stamps.subIndication ?? 'FORMAT_FAILURE', checks, now, base);

  // 3. the CMS signature over exactly its ByteRange (revision 1: later revisions are long-term
  // validation updates, checkCoverage), its certificate judged at the proven time (else the declared /M)
  const [, a, b, c] = sig.byteRange as number[];
  const signingTime = stamps.signatureTime ?? (sig.m && sig.m.getTime() <= now.getTime() ? sig.m : now);
  const cms = verifyCms({
    cms: sig.cms,
    signedBytes: [bytes.subarray(0, a), bytes.subarray(b, b + c)],
    trustAnchors: deps.trustAnchors,
    at: signingTime,
  });
  checks.push(...cms.checks);
  const signer = cms.signer && {
    subject: cms.signer.subjectCN,
    ...(cms.signer.organization ? { organization: cms.signer.organization } : {}),
    issuer: cms.signer.issuerCN,
    serial: cms.signer.serialHex,
    ...(sig.m ? { signingTime: sig.m.toISOString() } : {}),
    ...(stamps.signatureTime ? { timestampTime: stamps.signatureTime.toISOString() } : {}),
  };
  if (!cms.ok) return fail(cms.subIndication ?? 'SIG_CRYPTO_FAILURE', { signer });
  // revocation of the seal certificate, from the document's validation data (/DSS): before the proven
  // time (the signature timestamp; for a B-B document archived later, its first document timestamp) it fails
  const provenTime = stamps.signatureTime ?? stamps.firstDocumentTime;
  if (inspection.dss && provenTime) {
    const r = sealRevocation(sig.cms, cms.signer!.sha256, inspection.dss, deps.trustAnchors, provenTime);
    checks.push(...r.checks);
    if (r.revokedBefore) return fail('REVOKED', { signer });
  }

  // 4. the certificate data the document carries, and the seal that must have signed it
  const claimed = readClaimedData(inspection.embeddedFiles.get(EMBEDDED_DATA_NAME)) as unknown as EmbeddedData | undefined;
  if (!claimed) {
    checks.push({ id: 'certificate-data', passed: false, detail: `no valid ${EMBEDDED_DATA_NAME} in the document` });
    return fail('FORMAT_FAILURE', { signer });
  }
  checks.push({ id: 'certificate-data', passed: true, detail: `certificate ${claimed.managementNo}` });
  const sealOk = sealMatches(claimed, cms.signer?.subjectCN, deps.catalog);
  checks.push({
    id: 'seal-matches-issuer',
    passed: sealOk,
    detail: sealOk ? 'signed with the seal of the qualification’s issuing body' : 'the signing seal is not the seal of this qualification’s issuing body',
  });
  if (!sealOk) return fail('SIG_CONSTRAINTS_FAILURE', { signer });
  // issue 12: a sample (marked in its data, or a 管理号 of the sample range) is never a certificate, online or offline
  const sample = await sampleOutcome({ managementNo: claimed.managementNo, marked: claimed.sample === true }, deps.registry);
  if (sample) {
    checks.push(...sample.checks);
    return fail('SAMPLE', { signer });
  }

  // 5. the registry
  if (!deps.registry) {
    checks.push({ id: 'registry-record', passed: false, detail: 'not checked (offline)' });
    return makeReport('INDETERMINATE', 'TRY_LATER', checks, now, { ...base, signer });
  }
  // issue 15: an annotated copy is found by its SHA-256 among the annotations, not the documents
  const copy = claimed.annotation ? await annotationOutcome(claimed.annotation, claimed.managementNo, deps.registry, deps.catalog, now, documentSha256) : undefined;
  const reg = copy
    ? copy.mismatch
      ? { sub: copy.mismatch, checks: [] }
      : await registryStatus({ ...claimed, version: copy.version }, deps.registry, deps.catalog)
    : await registryStatus(claimed, deps.registry, deps.catalog, documentSha256);
  if (copy) checks.push(...copy.checks);
  checks.push(...reg.checks);
  const extra = { ...base, signer, ...(reg.certificate ? { certificate: reg.certificate } : {}), ...(copy?.annotation ? { annotation: copy.annotation } : {}) };
  if (reg.indeterminate) return makeReport('INDETERMINATE', reg.sub, checks, now, extra);
  if (reg.sub) return fail(reg.sub, extra);
  // 6. a seal key declared compromised: only documents proven (signature timestamp) or recorded by the registry before the date stand
  const compromise = cms.signer && deps.compromisedSeals?.find((c) => c.certificateSha256.includes(cms.signer!.sha256));
  if (compromise) {
    const recordedAt =
      stamps.signatureTime?.toISOString() ??
      (await deps.registry.getCertificate(claimed.managementNo))?.documents.find((d) => d.sha256 === documentSha256 || d.archiveRevisions?.some((r) => r.sha256 === documentSha256))?.createdAt;
    const before = recordedAt !== undefined && new Date(recordedAt).getTime() < new Date(compromise.since).getTime();
    checks.push({
      id: 'seal-key-compromise',
      passed: before,
      detail: `the seal key was declared compromised from ${compromise.since}; this document was ${stamps.signatureTime ? 'timestamped' : 'recorded by the registry'} at ${recordedAt ?? 'an unknown time'}`,
    });
    if (!before) return fail('REVOKED_NO_POE', extra);
  }
  const annotated = copy?.annotation ? annotationVerdict(copy.annotation, checks) : undefined;
  if (annotated) return fail(annotated, extra);
  return makeReport('TOTAL_PASSED', undefined, checks, now, extra);
}

interface EmbeddedData extends ClaimedFacts {
  qualification: string;
  idNumberMasked: string;
  sealId: string;
  annotation?: AnnotationData;
  sample?: true;
}

const readClaimedData = parseEmbeddedData;

/** The signer certificate's CN must be the full name of the seal the catalog gives this qualification. */
function sealMatches(claimed: EmbeddedData, signerCN: string | undefined, catalog: Catalog): boolean {
  try {
    const q = catalog.get(claimed.qualification);
    return q.sealId === claimed.sealId && catalog.seal(q.sealId).fullName === signerCN;
  } catch {
    return false;
  }
}
