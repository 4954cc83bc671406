import { timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { EcertError } from '../core/errors';
import { normalizeIdNumber, normalizeName } from '../core/personName';
import { isValidManagementNo } from '../registry/managementNumber';
import type { RegistryStore } from '../registry/RegistryStore';
import type { HolderLookupGuard } from './holderLookupGuard';
import type { IdDigester } from './idDigest';
import { parseWith } from './parseWith';

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
}

/**
 * A holder proves who they are with name + ID number + 管理号 together and gets their current
 * signed PDF. Every kind of miss (unknown or malformed number, wrong name, wrong ID) is the same
 * ERR_NOT_FOUND, does the same work and is answered no sooner than the guard's floor, so
 * neither the answer nor its timing tells them apart. Wrong look-ups are counted per 管理号
 * by the guard, across channels and instances. Name and ID are normalised exactly as at
 * issuance (src/core/personName.ts).
 */
export async function lookupHolderDocument(body: unknown, deps: HolderLookupDeps): Promise<{ managementNo: string; pdf: Buffer; sha256: string }> {
  const started = performance.now();
  const q = parseWith(holderLookupSchema, body);
  const managementNo = q.managementNo.toUpperCase();
  await deps.lookupGuard.admit(managementNo, { challenge: q.challenge, nonce: q.nonce });
  const digest = Buffer.from(deps.ids.digest(normalizeIdNumber(q.idNumber)), 'hex');
  const wellFormed = isValidManagementNo(managementNo);
  const record = wellFormed ? await deps.registry.getCertificate(managementNo) : undefined;
  const expected = Buffer.from(record?.idNumberDigest ?? '00'.repeat(32), 'hex');
  const idOk = expected.length === digest.length && timingSafeEqual(expected, digest);
  const nameOk = record?.holderName === normalizeName(q.name);
  const doc = record && idOk && nameOk ? await deps.registry.getDocument(record.managementNo) : undefined;
  if (!doc) {
    if (wellFormed) await deps.lookupGuard.miss(managementNo);
    const wait = deps.lookupGuard.policy.missFloorMs - (performance.now() - started);
    if (wait > 0) await sleep(wait);
    throw new EcertError('ERR_NOT_FOUND');
  }
  return { managementNo: record!.managementNo, pdf: doc.pdf, sha256: doc.sha256 };
}
