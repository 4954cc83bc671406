import { createHash, randomBytes } from 'node:crypto';
import { OID } from '../../sign/constants';
import { ctx, nullValue, octets, oid, seq, tlv } from '../../sign/der';
import { certFields } from './certFields';

/**
 * CertID (RFC 6960 §4.1.1) of `cert` under `issuer`: hashAlgorithm, issuerNameHash (hash
 * of the issuer's subject Name DER), issuerKeyHash (hash of the issuer's subjectPublicKey
 * bits), serialNumber. SHA-1 by default (RFC 5019 §2.1.1, what every responder accepts).
 */
export function certId(cert: Buffer, issuer: Buffer, hash: 'sha1' | 'sha256' = 'sha1'): Buffer {
  const i = certFields(issuer);
  const algo = seq(oid(hash === 'sha1' ? OID.sha1 : OID.sha256), nullValue());
  return seq(algo, octets(createHash(hash).update(i.subjectName).digest()), octets(createHash(hash).update(i.keyBits).digest()), tlv(0x02, certFields(cert).serial));
}

/** An unsigned OCSPRequest for one certificate with a fresh nonce (RFC 6960 §4.1.1, RFC 8954 §2.1: 32 octets). */
export function buildOcspRequest(cert: Buffer, issuer: Buffer, opts: { nonce?: Buffer | false; hash?: 'sha1' | 'sha256' } = {}): { der: Buffer; nonce?: Buffer } {
  const nonce = opts.nonce === false ? undefined : (opts.nonce ?? randomBytes(32));
  const exts = nonce ? [ctx(2, seq(seq(oid(OID.idPkixOcspNonce), octets(octets(nonce)))))] : [];
  const der = seq(seq(seq(seq(certId(cert, issuer, opts.hash))), ...exts));
  return { der, nonce };
}
