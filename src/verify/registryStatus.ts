import type { Catalog } from '../catalog/Catalog';
import { isEcertError } from '../core/errors';
import { maskIdNumber } from '../core/maskIdNumber';
import type { CertificateRecord, RegistryStore } from '../registry/RegistryStore';
import { embeddedDataOfStoredPdf } from './embeddedData';
import type { Check, ReportCertificate, SubIndication } from './VerificationReport';

export type RegistryReader = Pick<RegistryStore, 'getCertificate' | 'findDocumentBySha256'> & Partial<Pick<RegistryStore, 'getDocument'>>;

/** The facts a document or token claims, to be compared with the registry's record. */
export interface ClaimedFacts {
  managementNo: string;
  version?: number;
  /** absent in a compact QR token (the 管理号's serial names it) */
  qualification?: string;
  /** absent when the compact QR token carries only its beginning (holderNamePrefix) */
  holderName?: string;
  holderNamePrefix?: string;
  /** absent in a compact QR token */
  idNumberMasked?: string;
  approvalDate: string;
  issueDate: string;
  // optional: compared when present (a compact QR token carries fewer facts)
  sex?: string;
  birth?: string;
  specialty?: string;
  idType?: string;
}

/** The facts of a version that a re-issue may have corrected, compared field by field. */
const CORRECTABLE = ['holderName', 'idType', 'idNumberMasked', 'sex', 'birth', 'specialty', 'approvalDate', 'issueDate'] as const;

export interface RegistryOutcome {
  /** undefined = everything agrees and the certificate is valid */
  sub?: SubIndication;
  indeterminate?: boolean;
  certificate?: ReportCertificate;
  checks: Check[];
}

/**
 * The registry half of verification: the certificate exists, the presented document is
 * the one issued (by SHA-256, for PDFs) and is the current version, its facts agree with
 * the record, and its status is valid.
 */
export async function registryStatus(
  claimed: ClaimedFacts,
  registry: RegistryReader,
  catalog: Catalog,
  documentSha256?: string,
): Promise<RegistryOutcome> {
  const checks: Check[] = [];
  let record: CertificateRecord | undefined;
  try {
    record = await registry.getCertificate(claimed.managementNo);
  } catch (e) {
    if (isEcertError(e) && e.code === 'ERR_REGISTRY_UNAVAILABLE') {
      checks.push({ id: 'registry-reachable', passed: false, detail: 'the registry could not be reached' });
      return { indeterminate: true, sub: 'TRY_LATER', checks };
    }
    throw e;
  }
  if (!record) {
    checks.push({ id: 'registry-record', passed: false, detail: `no certificate ${claimed.managementNo} in the registry` });
    return { sub: 'UNKNOWN_CERTIFICATE', checks };
  }
  checks.push({ id: 'registry-record', passed: true, detail: `certificate ${record.managementNo} is in the registry` });
  const certificate = reportCertificate(record, catalog);

  let version = claimed.version;
  if (documentSha256) {
    const doc = await registry.findDocumentBySha256(documentSha256);
    if (!doc || doc.managementNo !== record.managementNo) {
      checks.push({ id: 'registry-document', passed: false, detail: 'the file is not a document the registry issued under this number' });
      return { sub: 'REGISTRY_MISMATCH', certificate, checks };
    }
    version = doc.version;
    checks.push({ id: 'registry-document', passed: true, detail: `the file is document version ${doc.version} as issued (SHA-256 matches)` });
  }

  // masked forms compare in their current public form (earlier certificates carry an earlier mask)
  const publicForm = (v: string | undefined, k: string) => (k === 'idNumberMasked' && v !== undefined ? maskIdNumber(v) : v);
  const mismatched = (['qualification', 'holderName', 'idNumberMasked', 'approvalDate', 'issueDate', 'sex', 'birth'] as const).filter(
    (k) => claimed[k] !== undefined && publicForm(claimed[k], k) !== publicForm(record![k], k),
  );
  if (claimed.holderNamePrefix !== undefined && !record.holderName.startsWith(claimed.holderNamePrefix)) mismatched.push('holderName');
  if (mismatched.length && version === record.currentVersion) {
    checks.push({ id: 'registry-fields', passed: false, detail: `differs from the registry in: ${mismatched.join(', ')}` });
    return { sub: 'REGISTRY_MISMATCH', certificate, checks };
  }

  if (record.status === 'revoked') {
    checks.push({ id: 'registry-status', passed: false, detail: `revoked at ${record.revokedAt}` });
    return { sub: 'REVOKED', certificate, checks };
  }
  if (version !== undefined && version !== record.currentVersion) {
    checks.push({ id: 'registry-current-version', passed: false, detail: `version ${version} was superseded by version ${record.currentVersion}` });
    // the earlier version's own facts: from our stored document of that version when we can read it
    let earlier: Partial<Record<(typeof CORRECTABLE)[number], unknown>> = claimed;
    const stored = registry.getDocument ? await registry.getDocument(record.managementNo, version).catch(() => undefined) : undefined;
    const data = stored ? embeddedDataOfStoredPdf(stored.pdf) : undefined;
    if (data) earlier = data;
    const changedFields = CORRECTABLE.filter((k) => earlier[k] !== undefined && (earlier[k] ?? '') !== (record![k] ?? ''));
    return {
      sub: 'SUPERSEDED',
      certificate: { ...certificate, status: 'superseded', version, currentVersion: record.currentVersion, currentIssueDate: record.issueDate, changedFields },
      checks,
    };
  }
  if (!mismatched.length) checks.push({ id: 'registry-fields', passed: true, detail: 'the facts agree with the registry' });
  checks.push({ id: 'registry-status', passed: true, detail: 'status valid' });
  return { certificate, checks };
}

function reportCertificate(r: CertificateRecord, catalog: Catalog): ReportCertificate {
  const title = attempt(() => catalog.get(r.qualification).title);
  const issuerName = attempt(() => catalog.body(r.issuerBody).name);
  return {
    managementNo: r.managementNo,
    version: r.currentVersion,
    qualification: r.qualification,
    ...(title ? { qualificationTitle: title } : {}),
    holderName: r.holderName,
    idNumberMasked: maskIdNumber(r.idNumberMasked),
    approvalDate: r.approvalDate,
    issueDate: r.issueDate,
    issuer: issuerName ?? r.issuerBody,
    sex: r.sex,
    birth: r.birth,
    ...(r.specialty ? { specialty: r.specialty } : {}),
    status: r.status,
    ...(r.revokedAt ? { revokedAt: new Date(r.revokedAt).toISOString() } : {}),
  };
}

function attempt<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
