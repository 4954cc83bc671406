import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPemCertificates } from '../../keys/pem';
import type { TsaSettings } from './createTimestamper';

/**
 * Roots a verifier trusts for time-stamp tokens (contract.md, ECERT_TSA_ROOTS): the configured
 * roots, and — without ECERT_TSA_URL, in development — the development TSA's root when
 * `${keysDir}/tsa/root.pem` exists (src/ltv/tsp/devTsaMaterial.ts). Reads, never creates: a
 * machine that only verifies makes no key material.
 */
export function tsaTrustAnchors(settings: TsaSettings & { keysDir: string }): Buffer[] {
  const out = settings.tsaRootsPem ? readPemCertificates(settings.tsaRootsPem) : [];
  const devRoot = join(settings.keysDir, 'tsa', 'root.pem');
  if (!settings.tsaUrl && existsSync(devRoot)) out.push(...readPemCertificates(readFileSync(devRoot, 'utf8')));
  const seen = new Set<string>();
  return out.filter((c) => !seen.has(c.toString('base64')) && !!seen.add(c.toString('base64')));
}
