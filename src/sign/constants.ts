/** Object identifiers, each with the document that defines it. */
export const OID = {
  // RFC 5652 §4, §5
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  // RFC 5652 §11.1-11.2 (PKCS #9)
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  // RFC 5035 §3: id-aa-signingCertificateV2
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  // RFC 5754 §2 / FIPS 180-4
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  sha1: '1.3.14.3.2.26',
  md5: '1.2.840.113549.2.5',
  // RFC 8017 / RFC 4055
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  sha384WithRSAEncryption: '1.2.840.113549.1.1.12',
  sha512WithRSAEncryption: '1.2.840.113549.1.1.13',
  // RFC 5758 §3.2, RFC 5480
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ecdsaWithSHA384: '1.2.840.10045.4.3.3',
  ecdsaWithSHA512: '1.2.840.10045.4.3.4',
  prime256v1: '1.2.840.10045.3.1.7',
  secp384r1: '1.3.132.0.34',
  // RFC 5280 §4.1.2.4 (X.520 attribute types), §4.2.1
  commonName: '2.5.4.3',
  countryName: '2.5.4.6',
  organizationName: '2.5.4.10',
  organizationalUnitName: '2.5.4.11',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  // RFC 5280 §4.2.1.12 extended key usage, §4.2.1.13 CRL distribution points, §4.2.2.1 authority information access
  extKeyUsage: '2.5.29.37',
  cRLDistributionPoints: '2.5.29.31',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  idAdOcsp: '1.3.6.1.5.5.7.48.1',
  idAdCaIssuers: '1.3.6.1.5.5.7.48.2',
  // RFC 5280 §5.2.3 cRLNumber, §5.3.1 reasonCode, §5.3.2 invalidityDate
  cRLNumber: '2.5.29.20',
  cRLReason: '2.5.29.21',
  invalidityDate: '2.5.29.24',
  // RFC 6960 §4.2.1 id-pkix-ocsp-basic, §4.4.1 nonce (RFC 8954), §4.2.2.2 id-kp-OCSPSigning
  idPkixOcspBasic: '1.3.6.1.5.5.7.48.1.1',
  idPkixOcspNonce: '1.3.6.1.5.5.7.48.1.2',
  idKpOcspSigning: '1.3.6.1.5.5.7.3.9',
  // id-kp-timeStamping (RFC 3161 §2.3 requires it critical and alone in a TSA certificate)
  kpTimeStamping: '1.3.6.1.5.5.7.3.8',
  // RFC 3161 §2.4.2 id-ct-TSTInfo (eContentType of a TimeStampToken)
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  // RFC 3161 Appendix A id-aa-signatureTimeStampToken (unsigned attribute; ETSI EN 319 142-1 §5.3 PAdES B-T)
  signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
  // RFC 2634 §5.4 id-aa-signingCertificate (ESSCertID, SHA-1), still used by many TSAs
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
} as const;

/** RFC 5280 §4.2.1.3 KeyUsage bits (bit 0 = most significant bit of the first byte). */
export const KEY_USAGE = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyCertSign: 5,
  cRLSign: 6,
} as const;
