import { X509Certificate, type KeyObject } from 'node:crypto';

/** PEM of one DER certificate (RFC 7468 §5). */
export function certificatePem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
}

/** Every CERTIFICATE block of a PEM text, as DER (RFC 7468 §5), in file order. */
export function readPemCertificates(text: string): Buffer[] {
  const out: Buffer[] = [];
  for (const m of text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) out.push(new X509Certificate(Buffer.from(m[1].replace(/\s+/g, ''), 'base64')).raw);
  return out;
}

/** Same public key: equal SubjectPublicKeyInfo DER (RFC 5280 §4.1.2.7). */
export function sameKey(a: KeyObject, b: KeyObject): boolean {
  return a.export({ type: 'spki', format: 'der' }).equals(b.export({ type: 'spki', format: 'der' }));
}
