import { OID } from '../../sign/constants';
import { bool, int, nullValue, octets, oid, seq } from '../../sign/der';

const SHA256_ALG = seq(oid(OID.sha256), nullValue());

/**
 * TimeStampReq { version v1, messageImprint { hashAlgorithm SHA-256, hashedMessage },
 * nonce, certReq TRUE } (RFC 3161 §2.4.1): certReq so the token carries the TSA certificate
 * the verifier needs; the nonce (a positive INTEGER magnitude) ties the response to this request.
 */
export function buildTimeStampReq(imprint: Buffer, nonce: Buffer): Buffer {
  if (imprint.length !== 32) throw new RangeError('a SHA-256 imprint is 32 bytes');
  return seq(int(1), seq(SHA256_ALG, octets(imprint)), int(nonce), bool(true));
}
