import { timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { EcertError } from '../core/errors';
import { normalizeName } from '../core/personName';
import { isValidManagementNo } from '../registry/managementNumber';
import type { CertificateRecord, RegistryStore } from '../registry/RegistryStore';
import type { HolderLookupGuard } from './holderLookupGuard';
import type { IdDigester } from './idDigest';

export interface HolderIdentity {
  name: string;
  idNumber: string;
  managementNo: string;
  challenge?: string;
  nonce?: string;
}

export interface HolderIdentityDeps {
  registry: Pick<RegistryStore, 'getCertificate'>;
  ids: IdDigester;
  lookupGuard: HolderLookupGuard;
}

/**
 * A holder proves who they are with name + ID number + 管理号 together (the look-up of
 * src/issue/lookupHolderDocument.ts, shared with annotated copies, issue 15). Every kind of miss
 * (unknown or malformed number, wrong name, wrong ID) is the same ERR_NOT_FOUND, does the same
 * work and is answered no sooner than the guard's floor; misses are counted per 管理号 by the
 * guard, across channels and instances. Name and ID are normalised exactly as at issuance
 * (src/core/personName.ts).
 */
export async function verifyHolderIdentity(q: HolderIdentity, deps: HolderIdentityDeps, extraCheck?: (r: CertificateRecord) => Promise<boolean>): Promise<CertificateRecord> {
  const started = performance.now();
  const managementNo = q.managementNo.trim().toUpperCase();
  await deps.lookupGuard.admit(managementNo, { challenge: q.challenge, nonce: q.nonce });
  const digest = Buffer.from(deps.ids.digest(q.idNumber), 'hex');
  const wellFormed = isValidManagementNo(managementNo);
  const record = wellFormed ? await deps.registry.getCertificate(managementNo) : undefined;
  const expected = Buffer.from(record?.idNumberDigest ?? '00'.repeat(32), 'hex');
  const idOk = expected.length === digest.length && timingSafeEqual(expected, digest);
  // both sides normalised: a record stored before a change of normalizeName still matches
  const nameOk = record !== undefined && normalizeName(record.holderName) === normalizeName(q.name);
  const ok = record && idOk && nameOk ? (extraCheck ? await extraCheck(record) : true) : false;
  if (!ok) {
    if (wellFormed) await deps.lookupGuard.miss(managementNo);
    const wait = deps.lookupGuard.policy.missFloorMs - (performance.now() - started);
    if (wait > 0) await sleep(wait);
    throw new EcertError('ERR_NOT_FOUND');
  }
  return record!;
}
