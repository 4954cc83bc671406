import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { EcertError } from '../core/errors';
import type { Services } from '../services';
import { parseWith } from './parseWith';

export const holderLookupSchema = z
  .object({
    name: z.string().trim().min(1).max(64),
    idNumber: z.string().trim().min(1).max(32),
    managementNo: z.string().trim().min(1).max(32),
  })
  .strict();

/**
 * A holder proves who they are with name + ID number + 管理号 together and gets their current
 * signed PDF. Every kind of miss (unknown number, wrong name, wrong ID) is the same
 * ERR_NOT_FOUND, and the work done is the same, so answers reveal nothing.
 */
export async function lookupHolderDocument(body: unknown, s: Services): Promise<{ managementNo: string; pdf: Buffer; sha256: string }> {
  const q = parseWith(holderLookupSchema, body);
  const digest = Buffer.from(s.ids.digest(q.idNumber), 'hex');
  const record = await s.registry.getCertificate(q.managementNo.toUpperCase());
  const expected = Buffer.from(record?.idNumberDigest ?? '00'.repeat(32), 'hex');
  const idOk = expected.length === digest.length && timingSafeEqual(expected, digest);
  const nameOk = record?.holderName === q.name.normalize('NFC');
  if (!record || !idOk || !nameOk) throw new EcertError('ERR_NOT_FOUND');
  const doc = await s.registry.getDocument(record.managementNo);
  if (!doc) throw new EcertError('ERR_NOT_FOUND');
  return { managementNo: record.managementNo, pdf: doc.pdf, sha256: doc.sha256 };
}
