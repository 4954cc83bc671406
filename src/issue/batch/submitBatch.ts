import { createHash } from 'node:crypto';
import type { Issuer } from '../../registry/RegistryStore';
import type { Services } from '../../services';
import { parseBatchInput } from './parseBatchInput';

/**
 * Store a batch's rows and return its id; issuance happens in the background (BatchWorker),
 * in this or any other instance. The id is derived from the issuer and the exact bytes, so
 * submitting the same file again returns the same batch instead of issuing twice.
 */
export async function submitBatch(body: Buffer, contentType: string, issuer: Issuer, s: Services): Promise<{ batchId: string; total: number; existing: boolean }> {
  const batchId = `b_${createHash('sha256').update(issuer.id).update('\0').update(body).digest('hex').slice(0, 32)}`;
  const existing = await s.registry.getBatch(batchId);
  if (existing) return { batchId, total: existing.total, existing: true };
  const rows = parseBatchInput(body, contentType);
  await s.registry.createBatch({ id: batchId, issuerId: issuer.id, rows, now: s.clock() });
  await s.registry.appendAudit({ actor: issuer.id, action: 'batch.submit', target: batchId, details: { rows: rows.length }, now: s.clock() });
  return { batchId, total: rows.length, existing: false };
}
