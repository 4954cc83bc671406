import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Catalog } from '../catalog/Catalog';
import { EcertError } from '../core/errors';
import type { Issuer, RegistryStore } from '../registry/RegistryStore';

/** API keys: `ek_` + 32 random bytes, base64url. Stored only as SHA-256. */
export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

/**
 * Create an issuer credential for an issuing body of the catalog, scoped to all the body's
 * qualifications or to a narrower list. Returns the API key once.
 */
export async function createIssuerCredential(
  args: { bodyCode: string; qualifications?: string[]; name?: string; actor: string; now: Date },
  deps: { catalog: Catalog; registry: RegistryStore },
): Promise<{ issuer: Issuer; apiKey: string }> {
  const body = deps.catalog.bodies.find((b) => b.code === args.bodyCode);
  if (!body) {
    throw new EcertError('ERR_VALIDATION', { zh: `未知的发证机构 ${args.bodyCode}`, en: `unknown issuing body ${args.bodyCode}` });
  }
  const own = deps.catalog.list().filter((q) => q.issuingBody === body.code).map((q) => q.code);
  const wanted = args.qualifications?.length ? [...new Set(args.qualifications)] : own;
  const outside = wanted.filter((q) => !own.includes(q));
  if (outside.length) {
    throw new EcertError('ERR_FORBIDDEN', {
      zh: `${outside.join('、')} 不属于 ${body.name}`,
      en: `${outside.join(', ')} not issued by ${body.code}`,
    });
  }
  const apiKey = `ek_${randomBytes(32).toString('base64url')}`;
  const issuer: Issuer = { id: `iss_${randomUUID()}`, bodyCode: body.code, name: args.name ?? body.name, qualifications: wanted };
  await deps.registry.createIssuer({ ...issuer, keyHash: hashApiKey(apiKey), actor: args.actor, now: args.now });
  return { issuer, apiKey };
}
