import { SUB_FILTER } from '../../sign/pdfConstants';
import type { Check } from '../VerificationReport';
import { checkUpdates } from './checkUpdates';
import type { PdfSignatureInspection } from './inspectSignatures';

export interface CoverageResult {
  ok: boolean;
  subIndication?: 'FORMAT_FAILURE';
  checks: Check[];
}

/**
 * The policy of security.md that defeats the known PDF signature attacks (USF, ISA, SWA,
 * shadow, certification): exactly one document signature, in revision 1; ByteRange [0, a, b, c]
 * with a the offset of this signature's /Contents `<`, b right after its `>`, b + c the end of
 * revision 1; the padding untouched; the known SubFilter; no annotation but the seal widget.
 * After revision 1 only the "Long-term validation updates" of security.md (PAdES B-LT/B-LTA:
 * DSS and document timestamps, src/verify/pdf/checkUpdates.ts), the last of them covered by a
 * document timestamp. Each rule is one check; the first that fails decides, and every failure
 * is FORMAT_FAILURE (ETSI EN 319 102-1).
 *
 * A DSS-only update followed by a document-timestamp update is accepted (pyHanko writes that
 * shape); an update after the last document timestamp never is. The ids `single-revision` (the
 * last update must add a signature field, then checked as a document timestamp) and
 * `byte-range-covers-file` (the seal covers all of revision 1) keep their names from before
 * LTV for src/http/pages/checkText.ts and existing reports.
 */
export function checkCoverage(ins: PdfSignatureInspection, fileLength: number): CoverageResult {
  const checks: Check[] = [];
  const rule = (id: string, passed: boolean, detail: string) => {
    checks.push({ id, passed, detail });
    return passed;
  };
  const sig = ins.signatures[0];
  const n = ins.revisionEnds.length;
  const rev1End = ins.revisionEnds[0];
  const structureOk = ins.xrefConsistent && ins.revisionProblems.length === 0 && n >= 1 && ins.revisionEnds[n - 1] === fileLength;
  const timestamps = ins.documentTimestamps.length;
  let ok =
    rule(
      'revisions',
      structureOk,
      structureOk
        ? `${n} revision(s), each with its own cross-reference section and %%EOF; cross-references consistent`
        : `${ins.revisions} revision(s): ${ins.revisionProblems.join('; ') || 'inconsistent cross-reference table or bytes after the last %%EOF'}`,
    ) &&
    rule(
      'single-revision',
      n === 1 || ins.updates[ins.updates.length - 1]?.addsField === true,
      n === 1
        ? 'one revision'
        : ins.updates[ins.updates.length - 1]?.addsField
          ? `${n} revisions: the seal's, then updates the last of which adds a signature field (checked below as a document timestamp)`
          : `${n} revisions: content was added after signing, not covered by a document timestamp`,
    ) &&
    rule(
      'signature-count',
      ins.signatures.length === 1 && ins.emptySignatureFields === 0 && ins.byteRangeKeysInFile === 1 + timestamps,
      `${ins.signatures.length} signed field(s), ${timestamps} document timestamp(s), ${ins.emptySignatureFields} empty signature field(s), ${ins.byteRangeKeysInFile} /ByteRange key(s) in the file; exactly one signature is allowed`,
    ) &&
    rule('sub-filter', sig.subFilter === SUB_FILTER && sig.filter === 'Adobe.PPKLite', `SubFilter /${sig.subFilter ?? '(none)'}; only /${SUB_FILTER} is accepted`) &&
    rule('byte-range-shape', !!sig.byteRange && sig.byteRange.length === 4 && sig.byteRange.every((x) => Number.isSafeInteger(x) && x >= 0) && sig.byteRange[0] === 0, `ByteRange ${JSON.stringify(sig.byteRange ?? null)}; must be [0 a b c] of non-negative integers`) &&
    rule('contents-position', sig.contentsIsHex && sig.contentsStart === sig.byteRange![1] && sig.contentsEnd === sig.byteRange![2], `the /Contents hex string sits at [${sig.contentsStart}, ${sig.contentsEnd}); the ByteRange gap is [${sig.byteRange![1]}, ${sig.byteRange![2]})`) &&
    rule(
      'byte-range-covers-file',
      sig.byteRange![2] + sig.byteRange![3] === rev1End,
      `signed up to byte ${sig.byteRange![2] + sig.byteRange![3]}; revision 1 ends at ${rev1End} of ${fileLength}: nothing may follow the signed part but long-term validation updates`,
    ) &&
    rule('contents-padding', sig.cms.length > 0 && sig.paddingIntact, sig.cms.length ? (sig.paddingIntact ? 'padding after the signature intact' : 'bytes after the signature value are not zero padding') : 'no DER signature value in /Contents') &&
    rule('no-extra-annotations', ins.annotations.every((a) => a.isSignatureWidget), `annotations: ${ins.annotations.map((a) => a.subtype + (a.isSignatureWidget ? ' (seal)' : '')).join(', ') || 'none'}`) &&
    rule('no-modification-permissions', !ins.catalogKeys.includes('Perms'), 'no /Perms (certification or usage rights) in the catalog');
  if (ok && n > 1) {
    const u = checkUpdates(ins);
    checks.push(...u.checks);
    ok = u.ok;
  }
  return ok ? { ok: true, checks } : { ok: false, subIndication: 'FORMAT_FAILURE', checks };
}
