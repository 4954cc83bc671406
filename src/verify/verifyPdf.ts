import { createHash } from 'node:crypto';
import type { Catalog } from '../catalog/Catalog';
import type { Clock } from '../core/clock';
import { isEcertError } from '../core/errors';
import { EMBEDDED_DATA_NAME } from '../sign/pdfConstants';
import { verifyCms } from './cms/verifyCms';
import { checkCoverage } from './pdf/checkCoverage';
import { inspectSignatures } from './pdf/inspectSignatures';
import type { CompromisedSeal } from '../keys/keyLifecycle';
import { registryStatus, type ClaimedFacts, type RegistryReader } from './registryStatus';
import { makeReport, type Check, type VerificationReport } from './VerificationReport';

export interface VerifyPdfDeps {
  trustAnchors: Buffer[];
  catalog: Catalog;
  /** Omit for an offline check (signature and structure only): the result is then at best INDETERMINATE. */
  registry?: RegistryReader;
  /** Seal keys declared compromised (issue 13, keys/compromised.json); see src/keys/keyLifecycle.ts. */
  compromisedSeals?: CompromisedSeal[];
  clock: Clock;
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
  const fail = (sub: Parameters<typeof makeReport>[1], extra = {}) => makeReport('TOTAL_FAILED', sub, checks, now, extra);

  // 1. structure (bounded) and the coverage rule of security.md
  let inspection;
  try {
    inspection = inspectSignatures(bytes);
  } catch (e) {
    if (!isEcertError(e)) throw e;
    checks.push({ id: 'pdf-structure', passed: false, detail: e.bilingual.en });
    return fail('FORMAT_FAILURE');
  }
  checks.push({ id: 'pdf-structure', passed: true, detail: `parsed ${inspection.revisions} revision(s)` });
  const coverage = checkCoverage(inspection, bytes.length);
  checks.push(...coverage.checks);
  if (!coverage.ok) return fail(coverage.subIndication ?? 'FORMAT_FAILURE');
  const sig = inspection.signatures[0];

  // 2. the CMS signature over exactly the ByteRange
  const [, a, b] = sig.byteRange as number[];
  const signingTime = sig.m && sig.m.getTime() <= now.getTime() ? sig.m : now;
  const cms = verifyCms({
    cms: sig.cms,
    signedBytes: [bytes.subarray(0, a), bytes.subarray(b)],
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
  };
  if (!cms.ok) return fail(cms.subIndication ?? 'SIG_CRYPTO_FAILURE', { signer });

  // 3. the certificate data the document carries, and the seal that must have signed it
  const claimed = readClaimedData(inspection.embeddedFiles.get(EMBEDDED_DATA_NAME));
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

  // 4. the registry
  if (!deps.registry) {
    checks.push({ id: 'registry-record', passed: false, detail: 'not checked (offline)' });
    return makeReport('INDETERMINATE', 'TRY_LATER', checks, now, { signer });
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const reg = await registryStatus(claimed, deps.registry, deps.catalog, sha256);
  checks.push(...reg.checks);
  const extra = { signer, ...(reg.certificate ? { certificate: reg.certificate } : {}) };
  if (reg.indeterminate) return makeReport('INDETERMINATE', reg.sub, checks, now, extra);
  if (reg.sub) return fail(reg.sub, extra);
  // 5. a seal key declared compromised: only documents the registry recorded before the date stand
  const compromise = cms.signer && deps.compromisedSeals?.find((c) => c.certificateSha256.includes(cms.signer!.sha256));
  if (compromise) {
    const recordedAt = (await deps.registry.getCertificate(claimed.managementNo))?.documents.find((d) => d.sha256 === sha256)?.createdAt;
    const before = recordedAt !== undefined && new Date(recordedAt).getTime() < new Date(compromise.since).getTime();
    checks.push({
      id: 'seal-key-compromise',
      passed: before,
      detail: `the seal key was declared compromised from ${compromise.since}; the registry recorded this document at ${recordedAt ?? 'an unknown time'}`,
    });
    if (!before) return fail('REVOKED_NO_POE', extra);
  }
  return makeReport('TOTAL_PASSED', undefined, checks, now, extra);
}

interface EmbeddedData extends ClaimedFacts {
  sealId: string;
}

function readClaimedData(json: Buffer | undefined): EmbeddedData | undefined {
  if (!json || json.length > 64 * 1024) return undefined;
  try {
    const d = JSON.parse(json.toString('utf8'));
    const strings = ['managementNo', 'qualification', 'holderName', 'idNumberMasked', 'approvalDate', 'issueDate', 'sealId'];
    if (d?.format !== 'ecert-certificate/1' || !strings.every((k) => typeof d[k] === 'string') || typeof d.version !== 'number') return undefined;
    return d as EmbeddedData;
  } catch {
    return undefined;
  }
}

/** The signer certificate's CN must be the full name of the seal the catalog gives this qualification. */
function sealMatches(claimed: EmbeddedData, signerCN: string | undefined, catalog: Catalog): boolean {
  try {
    const q = catalog.get(claimed.qualification);
    return q.sealId === claimed.sealId && catalog.seal(q.sealId).fullName === signerCN;
  } catch {
    return false;
  }
}
