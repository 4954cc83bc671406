import type { BatchRowRef, BuiltDocument, CertificateRecord, NewRecord, RegistryStore } from '../registry/RegistryStore';

/**
 * How long a drawn 管理号 stays reserved for its document to be rendered and signed. After it,
 * the next reserve or claim (in any process) voids the number: a process that stopped between
 * the two phases leaves a void number with its reason, never a gap and never a reused number.
 */
export const RESERVATION_LEASE_MS = 60_000;

export interface TwoPhaseArgs {
  dedupKey: string;
  year: number;
  qualificationSerial: number;
  record: NewRecord;
  /** Render and sign version 1 under the reserved 管理号; runs with no registry lock held. */
  build: (managementNo: string) => Promise<BuiltDocument>;
  actor: string;
  now: Date;
  batchRow?: BatchRowRef;
  leaseMs?: number;
}

/**
 * Two-phase issuance (issue 12): reserve the 管理号 in one short registry transaction, build
 * the document outside the registry, commit record + document + hash + audit in a second
 * short transaction. A build that fails voids its number with the reason, then rethrows.
 * `created: false` with the existing record when the identity is already issued (before the
 * draw, or by a concurrent issue that committed first; the caller decides conflict or repeat).
 */
export async function issueTwoPhase(
  registry: Pick<RegistryStore, 'reserve' | 'commitIssue' | 'voidReservation'>,
  a: TwoPhaseArgs,
): Promise<{ created: boolean; record: CertificateRecord; retired?: boolean }> {
  const r = await registry.reserve({ dedupKey: a.dedupKey, year: a.year, qualificationSerial: a.qualificationSerial, actor: a.actor, now: a.now, leaseMs: a.leaseMs ?? RESERVATION_LEASE_MS });
  if ('existing' in r) return { created: false, record: r.existing, ...(r.retired ? { retired: true } : {}) };
  let built: BuiltDocument;
  try {
    built = await a.build(r.managementNo);
  } catch (e) {
    await registry.voidReservation({ managementNo: r.managementNo, reason: `build failed: ${reasonOf(e)}`, actor: a.actor, now: a.now }).catch(() => {
      // the registry is unreachable: the lease expires and the next reserve or claim voids it
    });
    throw e;
  }
  try {
    return await registry.commitIssue({ managementNo: r.managementNo, dedupKey: a.dedupKey, record: a.record, built, actor: a.actor, now: a.now, batchRow: a.batchRow });
  } catch (e) {
    // a rejected document (hash or 管理号 mismatch) or a failed commit: the number is never used
    await registry.voidReservation({ managementNo: r.managementNo, reason: `commit failed: ${reasonOf(e)}`, actor: a.actor, now: a.now }).catch(() => undefined);
    throw e;
  }
}

function reasonOf(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  const msg = e instanceof Error ? e.message : String(e);
  return typeof code === 'string' ? `${code}: ${msg}` : msg;
}
