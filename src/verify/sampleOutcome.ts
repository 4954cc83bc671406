import { isSampleManagementNo, SAMPLE_SEQ_FROM } from '../registry/managementNumber';
import type { RegistryReader } from './registryStatus';
import type { Check } from './VerificationReport';

/**
 * Issue 12 ("Samples cannot pass for certificates"): whether a document or QR token is a sample
 * of `ecert samples`, from either of two independent signals, each under the seal or the
 * token's signature:
 *
 * | signal                                                          | where                          |
 * |-----------------------------------------------------------------|--------------------------------|
 * | `sample: true` in the embedded certificate data                 | PDF (ecert-certificate.json)   |
 * | compact token format 0x05 / 0x06 (`z` claim)                    | QR token (src/qr/compactToken) |
 * | 管理号 sequence ≥ SAMPLE_SEQ_FROM (src/registry/managementNumber) | both                           |
 *
 * A sample is never a certificate: the report is TOTAL_FAILED / SAMPLE whatever the registry
 * says. The registry never draws a number of the sample range, so finding one there is a
 * registry error, reported as a failed check of its own (the verdict stays SAMPLE).
 * Undefined when neither signal is present.
 */
export async function sampleOutcome(claimed: { managementNo: string; marked?: boolean }, registry?: Pick<RegistryReader, 'getCertificate'>): Promise<{ checks: Check[] } | undefined> {
  const inRange = isSampleManagementNo(claimed.managementNo);
  if (!claimed.marked && !inRange) return undefined;
  const why = [claimed.marked && 'marked as a sample', inRange && `管理号 ${claimed.managementNo} is in the sample range (sequence ≥ ${SAMPLE_SEQ_FROM})`].filter(Boolean).join('; ');
  const checks: Check[] = [{ id: 'not-a-sample', passed: false, detail: `a sample, not a certificate: ${why}` }];
  const registered = registry ? await registry.getCertificate(claimed.managementNo).catch(() => undefined) : undefined;
  if (registered) {
    checks.push({ id: 'sample-not-registered', passed: false, detail: `registry error: the registry holds a certificate under the sample 管理号 ${claimed.managementNo}` });
  }
  return { checks };
}
