/** Obtains an RFC 3161 TimeStampToken over a SHA-256 message imprint, checked before it is returned. */
export interface Timestamper {
  /** `imprint`: a 32-byte SHA-256 digest. Returns the TimeStampToken DER: ContentInfo(SignedData(TSTInfo)) (RFC 3161 §2.4.2). */
  timestamp(imprint: Buffer): Promise<Buffer>;
  /** DER roots trusted for its tokens. */
  readonly trustAnchors: Buffer[];
  /**
   * Bytes to keep in a PDF for one of its tokens (the signature placeholder is sized before the
   * token exists): a token of the size seen so far with a margin, so a certificate carries no
   * more empty room than its TSA needs.
   */
  readonly tokenReserve: number;
}
