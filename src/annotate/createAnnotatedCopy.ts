import { randomBytes } from 'node:crypto';
import type { Catalog } from '../catalog/Catalog';
import type { Clock } from '../core/clock';
import { EcertError } from '../core/errors';
import { normalizeIdNumber } from '../core/personName';
import type { AnnotationData } from '../core/types';
import type { HolderLookupGuard } from '../issue/holderLookupGuard';
import type { IdDigester } from '../issue/idDigest';
import { parseWith } from '../issue/parseWith';
import { chinaDate } from '../issue/validateIssueRequest';
import { verifyHolderIdentity } from '../issue/verifyHolderIdentity';
import type { RegistryStore } from '../registry/RegistryStore';
import type { DocumentBuilder } from '../render/pool/DocumentBuilder';
import { ANNOTATION_POLICY, annotationState, nextAnnotationPossible, validUntilFor } from './annotationPolicy';
import { createAnnotationSchema } from './holderAnnotationSchemas';

export interface CreateAnnotationDeps {
  registry: Pick<RegistryStore, 'getCertificate' | 'listAnnotations' | 'createAnnotation'>;
  ids: IdDigester;
  lookupGuard: HolderLookupGuard;
  catalog: Catalog;
  documents: DocumentBuilder;
  clock: Clock;
  publicUrl: string;
}

export interface AnnotatedCopy {
  managementNo: string;
  annotation: AnnotationData;
  pdf: Buffer;
  sha256: string;
}

/**
 * 加注 (issue 15): after the holder's identity check, a separately sealed copy of the current
 * version of their certificate, with the purpose and end date printed in the layout's band, in
 * the embedded data and in the QR token. Rendered with no lock held; the registry then counts
 * the limit and stores the copy in one transaction (src/registry/SqlRegistryStore.ts).
 */
export async function createAnnotatedCopy(body: unknown, deps: CreateAnnotationDeps): Promise<AnnotatedCopy> {
  const q = parseWith(createAnnotationSchema, body);
  if (!deps.catalog.annotationPurposes.some((p) => p.code === q.purpose)) {
    throw new EcertError('ERR_UNKNOWN_PURPOSE', { details: { purpose: q.purpose, purposes: deps.catalog.annotationPurposes.map((p) => p.code) } });
  }
  const record = await verifyHolderIdentity(q, deps);
  if (record.status !== 'valid') throw new EcertError('ERR_CERTIFICATE_REVOKED', { details: { managementNo: record.managementNo } });
  const now = deps.clock();
  // the limit is checked again in the registry's transaction; here it spares a render
  const valid = (await deps.registry.listAnnotations(record.managementNo)).filter((a) => annotationState(a, now) === 'valid');
  if (valid.length >= ANNOTATION_POLICY.maxValid) throw limitError(valid.map((a) => a.validUntil));
  const annotation: AnnotationData = { id: randomBytes(8).toString('hex'), purpose: q.purpose, validUntil: validUntilFor(now, q.validDays) };
  const built = await deps.documents.build(
    {
      qualification: record.qualification,
      ...(record.specialty ? { specialty: record.specialty } : {}),
      holder: { name: record.holderName, idType: record.idType, idNumber: normalizeIdNumber(q.idNumber), sex: record.sex, birth: record.birth },
      approvalDate: record.approvalDate,
      issueDate: record.issueDate,
    },
    { managementNo: record.managementNo, version: record.currentVersion, signingTime: now, annotation },
    deps.publicUrl,
  );
  await deps.registry.createAnnotation({
    ...annotation,
    managementNo: record.managementNo,
    version: record.currentVersion,
    today: chinaDate(now),
    maxValid: ANNOTATION_POLICY.maxValid,
    pdf: built.pdf,
    sha256: built.sha256,
    actor: 'holder',
    now,
  });
  return { managementNo: record.managementNo, annotation, pdf: built.pdf, sha256: built.sha256 };
}

export function limitError(validUntils: string[]): EcertError {
  const nextPossible = nextAnnotationPossible(validUntils);
  return new EcertError('ERR_ANNOTATION_LIMIT', {
    zh: `该证书已有 ${validUntils.length} 个有效的加注件，${nextPossible} 起可再生成`,
    en: `this certificate has ${validUntils.length} valid annotated copies; the next can be made from ${nextPossible}`,
    details: { validAnnotations: validUntils.length, max: ANNOTATION_POLICY.maxValid, nextPossible },
  });
}
