import type { Pkcs11Token, TokenKeyRef } from '../keys/pkcs11/Pkcs11Token';
import type { Signer } from './Signer';

/**
 * A signer whose private key stays in a PKCS #11 token (an HSM, a 密码机, SoftHSM in tests):
 * only the data to be signed goes in and the signature comes out.
 */
export class Pkcs11Signer implements Signer {
  readonly keyType: 'rsa' | 'ec';
  readonly maxSignatureLength: number;

  constructor(
    readonly certificate: Buffer,
    private readonly token: Pkcs11Token,
    private readonly ref: TokenKeyRef,
    readonly chain: Buffer[] = [],
  ) {
    this.keyType = ref.keyType;
    // RSA-2048: 256 bytes; ECDSA P-256: SEQUENCE { INTEGER r, INTEGER s } with a possible 0x00 pad each
    this.maxSignatureLength = ref.keyType === 'rsa' ? 256 : 2 * (32 + 3) + 3;
  }

  sign(data: Buffer): Promise<Buffer> {
    return this.token.sign(this.ref, data);
  }
}
