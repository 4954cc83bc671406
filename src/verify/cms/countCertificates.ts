import { readDerHeader } from './strictDer';

/**
 * Most certificates a SignedData may carry: the seal certificate and a short chain (RFC 5652
 * §5.1 `certificates` "intended to be sufficient to contain certification paths"; our
 * signer writes one, src/sign/buildCmsSignedData.ts). Checked before any other work on the
 * CMS, so thousands of certificates cost a header walk, not thousands of parses.
 */
export const MAX_CMS_CERTIFICATES = 8;

/**
 * Count the elements of SignedData.certificates ([0] IMPLICIT SET OF CertificateChoices)
 * by their headers only, stopping at `max + 1`. ContentInfo { contentType, [0] SignedData
 * { version, digestAlgorithms, encapContentInfo, [0] certificates?, … } } (RFC 5652 §3,
 * §5.1). Throws on a header it cannot read; returns 0 when there is no certificates field.
 */
export function countCertificates(der: Buffer, max = MAX_CMS_CERTIFICATES): number {
  return certificateRanges(der, max).length;
}

/** The DER of each certificate in SignedData.certificates (at most `max`; ERR thrown as by countCertificates). */
export function cmsCertificates(der: Buffer, max = MAX_CMS_CERTIFICATES): Buffer[] {
  return certificateRanges(der, max - 1).map(([a, b]) => der.subarray(a, b));
}

function certificateRanges(der: Buffer, max: number): Array<[number, number]> {
  const ci = readDerHeader(der, 0);
  const contentType = readDerHeader(der, ci.contentStart, ci.end);
  const explicit = readDerHeader(der, contentType.end, ci.end);
  const sd = readDerHeader(der, explicit.contentStart, explicit.end);
  let p = sd.contentStart;
  for (let i = 0; i < 3 && p < sd.end; i++) p = readDerHeader(der, p, sd.end).end; // version, digestAlgorithms, encapContentInfo
  if (p >= sd.end || der[p] !== 0xa0) return [];
  const certs = readDerHeader(der, p, sd.end);
  const out: Array<[number, number]> = [];
  for (let q = certs.contentStart; q < certs.end && out.length <= max; ) {
    const h = readDerHeader(der, q, certs.end);
    out.push([q, h.end]);
    q = h.end;
  }
  return out;
}
