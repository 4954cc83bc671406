import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createIssuerCredential } from '../issue/issuerCredentials';
import type { Services } from '../services';

/**
 * `npm start` on a fresh machine: when there is no issuer at all, create one development
 * issuer per issuing body and write their API keys to data/dev-issuers.json (mode 0600).
 * Returns that path when it created them.
 */
export async function ensureDevIssuers(s: Services): Promise<string | undefined> {
  if ((await s.registry.listIssuers()).length > 0) return undefined;
  const out: Array<{ bodyCode: string; issuer: string; apiKey: string; qualifications: string[] }> = [];
  for (const body of s.catalog.bodies) {
    const { issuer, apiKey } = await createIssuerCredential({ bodyCode: body.code, name: `${body.name}（开发）`, actor: 'bootstrap', now: s.clock() }, s);
    out.push({ bodyCode: body.code, issuer: issuer.id, apiKey, qualifications: issuer.qualifications });
  }
  const path = join(s.config.dataDir, 'dev-issuers.json');
  writeFileSync(path, JSON.stringify({ note: 'DEVELOPMENT issuer credentials created on first start', issuers: out }, null, 2) + '\n', { mode: 0o600 });
  return path;
}
