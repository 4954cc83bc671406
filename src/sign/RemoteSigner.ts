import type { Signer } from './Signer';

/**
 * A signer in a render worker thread whose key is held by the main thread (a PKCS #11
 * token: see src/issue/RenderPool.ts): the data to sign is sent there and the signature
 * comes back. Certificate, chain and sizes are known locally, so the CMS is built here.
 */
export class RemoteSigner implements Signer {
  constructor(
    readonly sealId: string,
    readonly certificate: Buffer,
    readonly keyType: 'rsa' | 'ec',
    readonly maxSignatureLength: number,
    readonly chain: Buffer[],
    private readonly send: (sealId: string, data: Buffer) => Promise<Buffer>,
  ) {}

  sign(data: Buffer): Promise<Buffer> {
    return this.send(this.sealId, data);
  }
}
