import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonicalJson';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown> | null;
}

/** hash_n = SHA-256(hash_{n-1} ‖ canonical JSON of entry n): a changed, inserted or deleted row breaks the chain. */
export function auditHash(prevHash: string, e: AuditEntry): string {
  return createHash('sha256').update(prevHash).update(canonicalJson(e)).digest('hex');
}
