/** Validation data for one certificate, as it goes into a /DSS (ETSI EN 319 142-1 §5.4.2). */
export interface RevocationData {
  /** DER OCSPResponse (RFC 6960 §4.2.1), whole. */
  ocsps: Buffer[];
  /** DER CertificateList (RFC 5280 §5). */
  crls: Buffer[];
}

/** Where validation data for a certificate comes from: the development CA in this process, or the URLs in the certificate (AIA OCSP, CRL distribution points). */
export interface RevocationSource {
  fetch(cert: Buffer, issuer: Buffer): Promise<RevocationData>;
}
