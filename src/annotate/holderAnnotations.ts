import type { Catalog } from '../catalog/Catalog';
import type { Clock } from '../core/clock';
import type { HolderLookupGuard } from '../issue/holderLookupGuard';
import type { IdDigester } from '../issue/idDigest';
import { parseWith } from '../issue/parseWith';
import { verifyHolderIdentity } from '../issue/verifyHolderIdentity';
import type { AnnotationRecord, RegistryStore } from '../registry/RegistryStore';
import { annotationState, type AnnotationState } from './annotationPolicy';
import { holderIdentitySchema } from './holderAnnotationSchemas';

export interface HolderAnnotationDeps {
  registry: Pick<RegistryStore, 'getCertificate' | 'listAnnotations' | 'withdrawAnnotation'>;
  ids: IdDigester;
  lookupGuard: HolderLookupGuard;
  catalog: Catalog;
  clock: Clock;
}

/** One annotation as holders and issuers see it (never an ID number). */
export interface AnnotationView {
  id: string;
  purpose: string;
  purposeName: { zh: string; en: string };
  version: number;
  createdAt: string;
  validUntil: string;
  status: AnnotationState;
  withdrawnAt?: string;
}

export function annotationView(a: AnnotationRecord, catalog: Catalog, now: Date): AnnotationView {
  const p = catalog.annotationPurposes.find((x) => x.code === a.purpose);
  return {
    id: a.id,
    purpose: a.purpose,
    purposeName: p ? { zh: p.zh, en: p.en } : { zh: a.purpose, en: a.purpose },
    version: a.version,
    createdAt: a.createdAt,
    validUntil: a.validUntil,
    status: annotationState(a, now),
    ...(a.withdrawnAt ? { withdrawnAt: a.withdrawnAt } : {}),
  };
}

/** The holder's annotations of a certificate, newest first, after the identity check. */
export async function listHolderAnnotations(body: unknown, deps: HolderAnnotationDeps): Promise<{ managementNo: string; annotations: AnnotationView[] }> {
  const record = await verifyHolderIdentity(parseWith(holderIdentitySchema, body), deps);
  const now = deps.clock();
  return { managementNo: record.managementNo, annotations: (await deps.registry.listAnnotations(record.managementNo)).map((a) => annotationView(a, deps.catalog, now)) };
}

/** Withdraw one of the holder's annotations (its copy then fails verification as ANNOTATION_WITHDRAWN). */
export async function withdrawHolderAnnotation(id: string, body: unknown, deps: HolderAnnotationDeps): Promise<AnnotationView> {
  const record = await verifyHolderIdentity(parseWith(holderIdentitySchema, body), deps);
  const withdrawn = await deps.registry.withdrawAnnotation({ id, managementNo: record.managementNo, actor: 'holder', now: deps.clock() });
  return annotationView(withdrawn, deps.catalog, deps.clock());
}
