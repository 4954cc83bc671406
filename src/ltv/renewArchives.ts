import { createHash } from 'node:crypto';
import type { Clock } from '../core/clock';
import { EcertError, isEcertError } from '../core/errors';
import { appendLtvRevision } from '../pdf/appendLtvRevision';
import type { ArchiveDue, RegistryStore } from '../registry/RegistryStore';
import { signatureTimestampOf } from '../sign/addSignatureTimestamp';
import { cmsCertificates } from '../verify/cms/countCertificates';
import { inspectSignatures } from '../verify/pdf/inspectSignatures';
import type { RevocationSource } from './revocation';
import { renewalDue } from './renewalDue';
import type { Timestamper } from './tsp/Timestamper';
import { verifyTimeStampToken } from './tsp/verifyTimeStampToken';
import { validationCertificates } from './validationCertificates';

export interface RenewDeps {
  registry: Pick<RegistryStore, 'listArchiveDue' | 'getDocument' | 'addArchiveRevision'>;
  timestamper: Timestamper;
  revocation: RevocationSource;
  /** Roots of the seal certificates (keys/roots, `keys trust`): where seal chains end. */
  sealTrustAnchors: Buffer[];
  clock: Clock;
}

/**
 * One archive revision (PAdES B-LTA, ETSI EN 319 142-1 §5.5) of a stored document: the
 * certificates of the seal's chain and of every timestamp's TSA chain, OCSP responses or CRLs
 * for each of them fetched now (after the signature timestamp), then a document timestamp over
 * the whole revision (src/pdf/appendLtvRevision.ts). Committed as the document's newest bytes,
 * registered by hash, with its renewal date (src/ltv/renewalDue.ts).
 */
export async function renewDocument(due: ArchiveDue, deps: RenewDeps): Promise<{ seq: number; sha256: string; renewBefore: Date }> {
  const doc = await deps.registry.getDocument(due.managementNo, due.version);
  if (!doc || doc.sha256 !== due.sha256) throw new EcertError('ERR_CONCURRENT_UPDATE', { details: { managementNo: due.managementNo, version: due.version } });
  const ins = inspectSignatures(doc.pdf);
  const seal = ins.signatures[0];
  if (!seal) throw new EcertError('ERR_PDF_MALFORMED', { en: `document ${due.managementNo} v${due.version} has no seal signature` });
  const tokens = [signatureTimestampOf(seal.cms), ...ins.documentTimestamps.map((t) => t.token)].filter((t): t is Buffer => !!t);
  const leaves = [seal.cms, ...tokens].flatMap((cms) => cmsCertificates(cms));
  const links = validationCertificates(leaves, [...deps.sealTrustAnchors, ...deps.timestamper.trustAnchors, ...(ins.dss?.certs ?? [])]);
  const ocsps: Buffer[] = [];
  const crls: Buffer[] = [];
  for (const link of links) {
    if (!link.issuer) continue;
    const data = await deps.revocation.fetch(link.cert, link.issuer);
    ocsps.push(...data.ocsps);
    crls.push(...data.crls);
  }
  // the new document timestamp (its time and its TSA certificate decide the next renewal), in the
  // room this TSA's tokens need (Timestamper.tokenReserve), not a fixed 16 KB of zeros per revision
  let stamped: { token: Buffer; imprint: Buffer } | undefined;
  const timestamp = async (imprint: Buffer) => {
    const token = await deps.timestamper.timestamp(imprint);
    stamped = { token, imprint };
    return token;
  };
  const pdf = await appendLtvRevision(doc.pdf, { certs: links.map((l) => l.cert), ocsps, crls }, timestamp, { contentsReserve: deps.timestamper.tokenReserve });
  if (!stamped) throw new Error('archive revision without its document timestamp');
  const now = deps.clock();
  const stamp = verifyTimeStampToken({ ...stamped, trustAnchors: deps.timestamper.trustAnchors, at: now });
  if (!stamp.ok || !stamp.genTime || !stamp.tsaCertificate) throw new EcertError('ERR_TSA_UNAVAILABLE', { en: `the document timestamp does not verify: ${stamp.checks.find((k) => !k.passed)?.detail ?? 'unknown'}` });
  const renewBefore = renewalDue(stamp.tsaCertificate);
  const sha256 = createHash('sha256').update(pdf).digest('hex');
  const { seq } = await deps.registry.addArchiveRevision({
    managementNo: due.managementNo,
    version: due.version,
    basedOnSha256: doc.sha256,
    pdf,
    sha256,
    timestampedAt: stamp.genTime,
    renewBefore,
    actor: 'ltv',
    now,
  });
  return { seq, sha256, renewBefore };
}

export interface RenewSummary {
  renewed: number;
  failed: Array<{ managementNo: string; version: number; code: string; message: string }>;
}

/**
 * `ecert ltv renew`: every document due (never archived, or its newest timestamp's renewal date
 * passed), in 管理号 order, `concurrency` at a time. Idempotent and resumable: a document is
 * committed on its own, and one not due is not touched; a failure is listed and the run goes on.
 */
export async function renewArchives(
  deps: RenewDeps,
  opts: { managementNos?: string[]; concurrency?: number; onProgress?: (s: RenewSummary) => void } = {},
): Promise<RenewSummary> {
  const summary: RenewSummary = { renewed: 0, failed: [] };
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  let after: { managementNo: string; version: number } | undefined;
  for (;;) {
    const page = await deps.registry.listArchiveDue({ now: deps.clock(), limit: 200, after, managementNos: opts.managementNos });
    if (!page.length) break;
    after = page[page.length - 1];
    let next = 0;
    const work = async () => {
      while (next < page.length) {
        const due = page[next++];
        try {
          await renewDocument(due, deps);
          summary.renewed++;
        } catch (e) {
          const code = isEcertError(e) ? e.code : 'ERR_INTERNAL';
          summary.failed.push({ managementNo: due.managementNo, version: due.version, code, message: isEcertError(e) ? e.bilingual.en : (e as Error).message });
        }
        opts.onProgress?.(summary);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, page.length) }, work));
  }
  return summary;
}
