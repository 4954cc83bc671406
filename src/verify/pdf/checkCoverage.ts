import { SUB_FILTER } from '../../sign/pdfConstants';
import type { Check } from '../VerificationReport';
import type { PdfSignatureInspection } from './inspectSignatures';

export interface CoverageResult {
  ok: boolean;
  subIndication?: 'FORMAT_FAILURE';
  checks: Check[];
}

/**
 * The policy of security.md that defeats the known PDF signature attacks (USF, ISA, SWA,
 * shadow, certification): exactly one document signature; ByteRange [0, a, b, c] with a the
 * offset of this signature's /Contents `<`, b right after its `>`, b + c the file length;
 * nothing unsigned anywhere (one revision, no bytes after the signed part); the padding
 * untouched; the known SubFilter; no annotation but the seal widget. Each rule is one check;
 * the first that fails decides, and every failure is FORMAT_FAILURE (ETSI EN 319 102-1).
 */
export function checkCoverage(ins: PdfSignatureInspection, fileLength: number): CoverageResult {
  const checks: Check[] = [];
  const rule = (id: string, passed: boolean, detail: string) => {
    checks.push({ id, passed, detail });
    return passed;
  };
  const sig = ins.signatures[0];
  const ok =
    rule('single-revision', ins.revisions === 1 && ins.xrefConsistent, ins.revisions === 1 && ins.xrefConsistent ? 'one revision, cross-references consistent' : `${ins.revisions} revisions or an inconsistent cross-reference table: content was added after signing`) &&
    rule('signature-count', ins.signatures.length === 1 && ins.emptySignatureFields === 0 && ins.byteRangeKeysInFile === 1, `${ins.signatures.length} signed field(s), ${ins.emptySignatureFields} empty signature field(s), ${ins.byteRangeKeysInFile} /ByteRange key(s) in the file; exactly one signature is allowed`) &&
    rule('sub-filter', sig.subFilter === SUB_FILTER && sig.filter === 'Adobe.PPKLite', `SubFilter /${sig.subFilter ?? '(none)'}; only /${SUB_FILTER} is accepted`) &&
    rule('byte-range-shape', !!sig.byteRange && sig.byteRange.length === 4 && sig.byteRange.every((n) => Number.isSafeInteger(n) && n >= 0) && sig.byteRange[0] === 0, `ByteRange ${JSON.stringify(sig.byteRange ?? null)}; must be [0 a b c] of non-negative integers`) &&
    rule('contents-position', sig.contentsIsHex && sig.contentsStart === sig.byteRange![1] && sig.contentsEnd === sig.byteRange![2], `the /Contents hex string sits at [${sig.contentsStart}, ${sig.contentsEnd}); the ByteRange gap is [${sig.byteRange![1]}, ${sig.byteRange![2]})`) &&
    rule('byte-range-covers-file', sig.byteRange![2] + sig.byteRange![3] === fileLength, `signed up to byte ${sig.byteRange![2] + sig.byteRange![3]} of ${fileLength}: nothing may follow the signed part`) &&
    rule('contents-padding', sig.cms.length > 0 && sig.paddingIntact, sig.cms.length ? (sig.paddingIntact ? 'padding after the signature intact' : 'bytes after the signature value are not zero padding') : 'no DER signature value in /Contents') &&
    rule('no-extra-annotations', ins.annotations.every((a) => a.isSignatureWidget), `annotations: ${ins.annotations.map((a) => a.subtype + (a.isSignatureWidget ? ' (seal)' : '')).join(', ') || 'none'}`) &&
    rule('no-modification-permissions', !ins.catalogKeys.includes('Perms'), 'no /Perms (certification or usage rights) in the catalog');
  return ok ? { ok: true, checks } : { ok: false, subIndication: 'FORMAT_FAILURE', checks };
}
