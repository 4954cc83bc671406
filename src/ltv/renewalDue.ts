import { X509Certificate } from 'node:crypto';

/**
 * When the newest document timestamp of an archive revision must be covered by a new one
 * (ETSI EN 319 142-1 §5.5, PAdES B-LTA: "before the time-stamp's certificate or its algorithms
 * lose their strength"): the earlier of the TSA certificate's notAfter and the end of its key's
 * algorithm, less RENEWAL_MARGIN_DAYS.
 */
export const RENEWAL_MARGIN_DAYS = 90;
const DAY = 86_400_000;

/**
 * Last day a key of this strength protects new signatures (NIST SP 800-57 Part 1 Rev. 5
 * §5.6.3 table 4: 112-bit security — RSA-2048 — through 2030; 128-bit and above — RSA-3072,
 * ECDSA P-256 and larger — beyond 2031, no end set here). SHA-256 is 128-bit (table 3).
 */
export function algorithmEnd(cert: X509Certificate): Date | undefined {
  const k = cert.publicKey;
  if (k.asymmetricKeyType === 'rsa' && (k.asymmetricKeyDetails?.modulusLength ?? 0) < 3072) return new Date('2030-12-31T00:00:00Z');
  return undefined;
}

export function renewalDue(tsaCertificate: Buffer): Date {
  const cert = new X509Certificate(tsaCertificate);
  const ends = [new Date(cert.validTo), algorithmEnd(cert)].filter((d): d is Date => !!d);
  return new Date(Math.min(...ends.map((d) => d.getTime())) - RENEWAL_MARGIN_DAYS * DAY);
}
