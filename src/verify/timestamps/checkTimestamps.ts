import { createHash } from 'node:crypto';
import { verifyTimeStampToken } from '../../ltv/tsp/verifyTimeStampToken';
import { signatureTimestampOf, signatureValueOf } from '../../sign/addSignatureTimestamp';
import type { Check, SubIndication } from '../VerificationReport';

export interface TimestampedRevision {
  token: Buffer;
  byteRange: number[];
}

export interface TimestampOutcome {
  ok: boolean;
  /** TOTAL_FAILED unless `indeterminate` (a timestamp that can no longer be proven: OUT_OF_BOUNDS_NO_POE). */
  indeterminate?: boolean;
  subIndication?: SubIndication;
  /** genTime of the signature timestamp, proven: the time at which the seal certificate is judged. */
  signatureTime?: Date;
  /** genTime of the first document timestamp: the signature existed by then (a B-B document archived later). */
  firstDocumentTime?: Date;
  checks: Check[];
}

/**
 * How much later a token may say it was made than the token covering it: genTime may carry whole
 * seconds only (RFC 3161 §2.4.2), so a signature stamped at 12:00:00.453 by one TSA can be covered
 * by a document timestamp of 12:00:00 from another.
 */
const GEN_TIME_GRANULARITY_MS = 1000;

const sha256Of = (parts: Buffer[]) => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest();

/**
 * Proof of existence, newest first (ETSI EN 319 102-1 §5.6.2.4 and §5.6.3, simplified to
 * what a B-LTA chain of timestamps gives): the last document timestamp is checked now; each
 * earlier one, and then the signature timestamp, at the time of the timestamp that covers it.
 * Each token must cover exactly its bytes (a document timestamp: its revision's ByteRange; the
 * signature timestamp: the SignerInfo's signature value, ETSI EN 319 142-1 §5.3) and times must
 * not go backwards. Without a signature timestamp (documents issued before B-T) nothing is
 * proven and the caller judges the seal at the signer's /M, as before.
 */
export function checkTimestamps(args: { bytes: Buffer; sealCms: Buffer; documentTimestamps: TimestampedRevision[]; trustAnchors: Buffer[]; now: Date }): TimestampOutcome {
  const checks: Check[] = [];
  let at = args.now;
  const fail = (sub: SubIndication | undefined): TimestampOutcome =>
    sub === 'OUT_OF_BOUNDS_NO_POE' ? { ok: false, indeterminate: true, subIndication: sub, checks } : { ok: false, subIndication: sub ?? 'FORMAT_FAILURE', checks };
  for (let i = args.documentTimestamps.length - 1; i >= 0; i--) {
    const t = args.documentTimestamps[i];
    const [a, b, c, d] = t.byteRange;
    const v = verifyTimeStampToken({ token: t.token, imprint: sha256Of([args.bytes.subarray(a, a + b), args.bytes.subarray(c, c + d)]), trustAnchors: args.trustAnchors, at });
    const name = `document-timestamp-${i + 1}`;
    if (!v.ok || !v.genTime) {
      checks.push({ id: name, passed: false, detail: `document timestamp ${i + 1}: ${v.checks.find((k) => !k.passed)?.detail ?? 'does not verify'} (TSA chain checked at ${at.toISOString()})` });
      return fail(v.subIndication);
    }
    if (v.genTime.getTime() > at.getTime() + GEN_TIME_GRANULARITY_MS) {
      checks.push({ id: name, passed: false, detail: `document timestamp ${i + 1} at ${v.genTime.toISOString()} is later than what covers it (${at.toISOString()})` });
      return fail('FORMAT_FAILURE');
    }
    checks.push({ id: name, passed: true, detail: `document timestamp ${i + 1} by ${v.tsaSubject ?? 'the TSA'} at ${v.genTime.toISOString()} covers revision ${i + 2} (TSA chain valid at ${at.toISOString()})` });
    at = v.genTime;
  }
  let token: Buffer | undefined;
  let signatureValue: Buffer;
  try {
    token = signatureTimestampOf(args.sealCms);
    signatureValue = signatureValueOf(args.sealCms);
  } catch {
    checks.push({ id: 'signature-timestamp', passed: false, detail: 'the signature timestamp cannot be read' });
    return fail('FORMAT_FAILURE');
  }
  if (!token) {
    checks.push({ id: 'signature-timestamp', passed: true, detail: 'no signature timestamp (PAdES B-B): the seal is judged at the signing time it declares (/M)' });
    return { ok: true, checks, ...(args.documentTimestamps.length ? { firstDocumentTime: at } : {}) };
  }
  const v = verifyTimeStampToken({ token, imprint: sha256Of([signatureValue]), trustAnchors: args.trustAnchors, at });
  if (!v.ok || !v.genTime) {
    checks.push({ id: 'signature-timestamp', passed: false, detail: `signature timestamp: ${v.checks.find((k) => !k.passed)?.detail ?? 'does not verify'} (TSA chain checked at ${at.toISOString()})` });
    return fail(v.subIndication);
  }
  if (v.genTime.getTime() > at.getTime() + GEN_TIME_GRANULARITY_MS) {
    checks.push({ id: 'signature-timestamp', passed: false, detail: `signature timestamp at ${v.genTime.toISOString()} is later than what covers it (${at.toISOString()})` });
    return fail('FORMAT_FAILURE');
  }
  checks.push({ id: 'signature-timestamp', passed: true, detail: `signature timestamp by ${v.tsaSubject ?? 'the TSA'} at ${v.genTime.toISOString()} (PAdES B-T; TSA chain valid at ${at.toISOString()})` });
  return { ok: true, signatureTime: v.genTime, checks, ...(args.documentTimestamps.length ? { firstDocumentTime: at } : {}) };
}
