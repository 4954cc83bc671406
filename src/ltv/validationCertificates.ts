import { X509Certificate } from 'node:crypto';

/** A certificate with the certificate that issued it (undefined for a self-signed root). */
export interface CertificateLink {
  cert: Buffer;
  issuer?: Buffer;
}

const MAX_CHAIN = 8;

/**
 * The certification paths of `leaves` (RFC 5280 §6.1: issuer name and signature), built from the
 * certificates the document carries and the trust anchors, each certificate once. Which of them
 * need revocation data is every link with an issuer; roots are trusted as they are.
 */
export function validationCertificates(leaves: Buffer[], pool: Buffer[]): CertificateLink[] {
  const parsed = new Map<string, { der: Buffer; x: X509Certificate }>();
  const add = (der: Buffer) => {
    const key = der.toString('base64');
    if (!parsed.has(key)) parsed.set(key, { der, x: new X509Certificate(der) });
    return parsed.get(key)!;
  };
  for (const der of pool) add(der);
  const out = new Map<string, CertificateLink>();
  for (const leaf of leaves) {
    let c = add(leaf);
    for (let depth = 0; depth < MAX_CHAIN; depth++) {
      const key = c.der.toString('base64');
      if (out.has(key)) break;
      const selfSigned = c.x.checkIssued(c.x) && c.x.verify(c.x.publicKey);
      const issuer = selfSigned ? undefined : [...parsed.values()].find((p) => p !== c && c.x.checkIssued(p.x) && c.x.verify(p.x.publicKey));
      out.set(key, { cert: c.der, ...(issuer ? { issuer: issuer.der } : {}) });
      if (!issuer) break;
      c = issuer;
    }
  }
  return [...out.values()];
}
