import { z } from 'zod';
import type { Catalog } from '../catalog/Catalog';
import { EcertError } from '../core/errors';
import type { RegistryStore } from '../registry/RegistryStore';
import type { HolderLookupGuard } from './holderLookupGuard';
import type { IdDigester } from './idDigest';
import { parseWith } from './parseWith';
import { verifyHolderIdentity } from './verifyHolderIdentity';
import { originalDownloadAllowed } from '../annotate/originalDownloadAllowed';

export const holderLookupSchema = z
  .object({
    name: z.string().min(1).max(64),
    idNumber: z.string().min(1).max(32),
    managementNo: z.string().trim().min(1).max(32),
    /** Proof of work, once the number is under attack (src/issue/holderLookupGuard.ts). */
    challenge: z.string().max(200).optional(),
    nonce: z.string().max(32).optional(),
  })
  .strict();

export interface HolderLookupDeps {
  registry: Pick<RegistryStore, 'getCertificate' | 'getDocument'>;
  ids: IdDigester;
  lookupGuard: HolderLookupGuard;
  /** Issue 15: whether the body still lets holders download originals (absent: always). */
  catalog?: Catalog;
}

/**
 * A holder proves who they are with name + ID number + 管理号 together (src/issue/verifyHolderIdentity.ts:
 * every miss alike, counted per 管理号 by the guard) and gets their current signed PDF; for a
 * certificate its body lets holders use only as annotated copies (issue 15), ERR_ANNOTATED_COPY_REQUIRED
 * instead, told only after the identity check succeeded.
 */
export async function lookupHolderDocument(body: unknown, deps: HolderLookupDeps): Promise<{ managementNo: string; pdf: Buffer; sha256: string }> {
  const q = parseWith(holderLookupSchema, body);
  let doc: Awaited<ReturnType<HolderLookupDeps['registry']['getDocument']>>;
  const record = await verifyHolderIdentity(q, deps, async (r) => {
    doc = await deps.registry.getDocument(r.managementNo);
    return doc !== undefined;
  });
  if (deps.catalog && !originalDownloadAllowed(record, deps.catalog)) {
    throw new EcertError('ERR_ANNOTATED_COPY_REQUIRED', { details: { managementNo: record.managementNo, createAt: '/api/v1/holder/annotations' } });
  }
  return { managementNo: record.managementNo, pdf: doc!.pdf, sha256: doc!.sha256 };
}
