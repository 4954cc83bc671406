import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonicalJson';

/** The hash before the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** One audit entry as it is hashed: every stored column except the hashes themselves. */
export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown> | null;
}

/**
 * hashₙ = SHA-256(hashₙ₋₁ ‖ canonicalJson(entryₙ)), hex (hashₙ₋₁ as its 64 hex characters).
 * A changed or inserted entry breaks every later link; a deleted one leaves a gap in `seq`; a
 * deleted tail disagrees with the head row, which every append updates in the same transaction.
 */
export function auditHash(prevHash: string, e: AuditEntry): string {
  return createHash('sha256').update(prevHash, 'utf8').update(canonicalJson(e), 'utf8').digest('hex');
}

/** Details as they will read back from the database (JSON round trip: no undefined, no Date objects). */
export function normaliseDetails(details: Record<string, unknown> | undefined): Record<string, unknown> | null {
  return details === undefined ? null : (JSON.parse(JSON.stringify(details)) as Record<string, unknown>);
}
