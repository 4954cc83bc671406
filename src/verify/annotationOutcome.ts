import type { Catalog } from '../catalog/Catalog';
import type { AnnotationData } from '../core/types';
import { annotationState } from '../annotate/annotationPolicy';
import type { AnnotationRecord, RegistryStore } from '../registry/RegistryStore';
import type { Check, ReportAnnotation, SubIndication } from './VerificationReport';

/** What verification reads of annotated copies (optional: a reader without it confirms no copy). */
export type AnnotationReader = Partial<Pick<RegistryStore, 'findAnnotationBySha256' | 'getAnnotation'>>;

export interface AnnotationOutcome {
  /** The copy is not one the registry made (REGISTRY_MISMATCH); undefined when it is. */
  mismatch?: SubIndication;
  /** The certificate version the copy was made from. */
  version?: number;
  annotation?: ReportAnnotation;
  checks: Check[];
}

/**
 * Issue 15 (加注), the registry half for an annotated copy: the annotation the file or QR token
 * carries is one the registry made for this certificate (PDF: by the file's SHA-256; QR: by its
 * id), with the same purpose and end date. Its state (valid, expired on the verifier's China
 * date, withdrawn) is decided by `annotationVerdict` after the certificate's own status.
 */
export async function annotationOutcome(
  claimed: AnnotationData,
  managementNo: string,
  registry: AnnotationReader,
  catalog: Catalog,
  now: Date,
  documentSha256?: string,
): Promise<AnnotationOutcome> {
  const checks: Check[] = [];
  let stored: AnnotationRecord | undefined;
  if (documentSha256) stored = registry.findAnnotationBySha256 ? await registry.findAnnotationBySha256(documentSha256) : undefined;
  else stored = registry.getAnnotation && /^[0-9a-f]{16}$/.test(claimed.id) ? await registry.getAnnotation(claimed.id) : undefined;
  const agrees = stored && stored.id === claimed.id && stored.managementNo === managementNo && stored.purpose === claimed.purpose && stored.validUntil === claimed.validUntil;
  if (!stored || !agrees) {
    checks.push({ id: 'registry-annotation', passed: false, detail: documentSha256 ? 'the file is not an annotated copy the registry made for this certificate' : 'the registry made no such annotated copy of this certificate' });
    return { mismatch: 'REGISTRY_MISMATCH', checks };
  }
  checks.push({ id: 'registry-annotation', passed: true, detail: `annotated copy ${stored.id} of version ${stored.version}${documentSha256 ? ' as issued (SHA-256 matches)' : ''}` });
  const p = catalog.annotationPurposes.find((x) => x.code === stored!.purpose);
  return {
    version: stored.version,
    checks,
    annotation: {
      id: stored.id,
      purpose: stored.purpose,
      purposeName: p ? { zh: p.zh, en: p.en } : { zh: stored.purpose, en: stored.purpose },
      validUntil: stored.validUntil,
      status: annotationState(stored, now),
      ...(stored.withdrawnAt ? { withdrawnAt: stored.withdrawnAt } : {}),
    },
  };
}

/** The sub-indication an annotation adds once the certificate itself passed: withdrawn, then expired. */
export function annotationVerdict(a: ReportAnnotation, checks: Check[]): SubIndication | undefined {
  if (a.status === 'withdrawn') {
    checks.push({ id: 'annotation-status', passed: false, detail: `annotation withdrawn by the holder at ${a.withdrawnAt}` });
    return 'ANNOTATION_WITHDRAWN';
  }
  if (a.status === 'expired') {
    checks.push({ id: 'annotation-status', passed: false, detail: `annotation valid until ${a.validUntil} (China time): expired` });
    return 'ANNOTATION_EXPIRED';
  }
  checks.push({ id: 'annotation-status', passed: true, detail: `annotation valid until ${a.validUntil} (China time)` });
  return undefined;
}
