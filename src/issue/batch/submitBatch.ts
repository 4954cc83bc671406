import { createHash } from 'node:crypto';
import type { Issuer } from '../../registry/RegistryStore';
import type { Services } from '../../services';
import { batchRows } from './parseBatchInput';
import { checkBatchRows } from './checkBatchRows';

/**
 * Store a batch's rows and return its id; issuance happens in the background (BatchWorker),
 * in this or any other instance. The id is derived from the issuer and the exact bytes, so
 * submitting the same file again returns the same batch instead of issuing twice. The rows
 * and the `batch.submit` audit entry are one transaction, so concurrent identical
 * submissions store one batch and one entry. `owner`: a CLI run claiming it exclusively.
 * Rows are numbered as the submitter sees them (Excel rows for a CSV, parseBatchInput.ts).
 */
export async function submitBatch(
  body: Buffer,
  contentType: string,
  issuer: Issuer,
  s: Pick<Services, 'registry' | 'clock' | 'catalog'> & Partial<Pick<Services, 'nameFits'>>,
  opts: { owner?: string } = {},
): Promise<{ batchId: string; total: number; existing: boolean }> {
  const batchId = `b_${createHash('sha256').update(issuer.id).update('\0').update(body).digest('hex').slice(0, 32)}`;
  const existing = await s.registry.getBatch(batchId, { errorLimit: 0 });
  if (existing) return { batchId, total: existing.total, existing: true };
  let total = 0;
  const rows = (function* () {
    // each row is checked as it streams by (checkBatchRows.ts): refused rows are stored as such
    for (const row of checkBatchRows(batchRows(body, contentType), { catalog: s.catalog, now: s.clock(), nameFits: s.nameFits, issuer })) {
      total++;
      yield row;
    }
  })();
  const created = await s.registry.createBatch({ id: batchId, issuerId: issuer.id, rows, now: s.clock(), actor: issuer.id, owner: opts.owner });
  if (!created) return { batchId, total: (await s.registry.getBatch(batchId, { errorLimit: 0 }))?.total ?? total, existing: true };
  return { batchId, total, existing: false };
}
