/**
 * The private-key operation behind a seal, as one interface: the local-key signer below
 * uses Node's native crypto (OpenSSL); an HSM or a cloud KMS is one new class.
 */
export interface Signer {
  /** The seal's X.509 certificate (DER). */
  readonly certificate: Buffer;
  /** Intermediate CA certificates to carry in the CMS (DER), usually none. */
  readonly chain: Buffer[];
  readonly keyType: 'rsa' | 'ec';
  /** The longest signature this key can produce, in bytes (DER for ECDSA). */
  readonly maxSignatureLength: number;
  /** SHA-256 signature over `data` (PKCS #1 v1.5 for RSA; DER-encoded ECDSA). */
  sign(data: Buffer): Promise<Buffer>;
}
