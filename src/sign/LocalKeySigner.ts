import { sign, type KeyObject } from 'node:crypto';
import type { Signer } from './Signer';

/** A signer whose private key is in this process, used through Node's native crypto. */
export class LocalKeySigner implements Signer {
  readonly keyType: 'rsa' | 'ec';
  readonly maxSignatureLength: number;

  constructor(
    readonly certificate: Buffer,
    private readonly key: KeyObject,
    readonly chain: Buffer[] = [],
  ) {
    const t = key.asymmetricKeyType;
    if (t !== 'rsa' && t !== 'ec') throw new Error(`unsupported seal key type ${t}`);
    this.keyType = t;
    const details = key.asymmetricKeyDetails ?? {};
    // RSA: modulus length; ECDSA: SEQUENCE { INTEGER r, INTEGER s } with a possible 0x00 pad each
    const bytes = t === 'rsa' ? Math.ceil((details.modulusLength ?? 2048) / 8) : 2 * (Math.ceil(curveBits(details.namedCurve) / 8) + 3) + 3;
    this.maxSignatureLength = bytes;
  }

  signSync(data: Buffer): Buffer {
    return sign('sha256', data, { key: this.key, dsaEncoding: 'der' });
  }

  async sign(data: Buffer): Promise<Buffer> {
    return this.signSync(data);
  }
}

function curveBits(name: string | undefined): number {
  return name === 'secp384r1' ? 384 : name === 'secp521r1' ? 521 : 256;
}
