import { OID } from '../../sign/constants';
import { nullValue, oid, seq } from '../../sign/der';

const DIGEST_OIDS: Record<string, string> = { sha256: OID.sha256, sha384: OID.sha384, sha512: OID.sha512 };
const RSA_WITH: Record<string, string> = { sha256: OID.sha256WithRSAEncryption, sha384: OID.sha384WithRSAEncryption, sha512: OID.sha512WithRSAEncryption };
const ECDSA_WITH: Record<string, string> = { sha256: OID.ecdsaWithSHA256, sha384: OID.ecdsaWithSHA384, sha512: OID.ecdsaWithSHA512 };

/** An AlgorithmIdentifier with absent or NULL parameters: both encodings. */
const absentOrNull = (id: string) => [seq(oid(id)), seq(oid(id), nullValue())];

/**
 * The AlgorithmIdentifiers a SignerInfo may carry for a key type and digest, as exact DER:
 * - digestAlgorithm: the digest, parameters absent or NULL (RFC 5754 §2);
 * - RSA keys: rsaEncryption (RFC 3370 §3.2) or shaNNNWithRSAEncryption of the same digest
 *   (RFC 4055 §5, RFC 5754 §3.2), parameters NULL or absent — PKCS #1 v1.5 only, RSA-PSS is
 *   not one of our shapes;
 * - EC keys: ecdsa-with-SHANNN of the same digest, parameters absent (RFC 5758 §3.2,
 *   RFC 5754 §3.3).
 * Anything else — an RSA key labelled ecdsa-with-SHA256, an EC key labelled
 * sha256WithRSAEncryption, SHA-384 in the label over a SHA-256 digest — is refused.
 */
export function checkSignatureAlgorithm(args: { keyType: string | undefined; digestName: string; digestAlgorithm: Buffer; signatureAlgorithm: Buffer }): string | undefined {
  const digestOid = DIGEST_OIDS[args.digestName];
  if (!digestOid) return `digest ${args.digestName} is not accepted`;
  if (!absentOrNull(digestOid).some((d) => d.equals(args.digestAlgorithm))) return 'digestAlgorithm parameters are neither absent nor NULL';
  const allowed =
    args.keyType === 'rsa'
      ? [...absentOrNull(OID.rsaEncryption), ...absentOrNull(RSA_WITH[args.digestName])]
      : args.keyType === 'ec'
        ? [seq(oid(ECDSA_WITH[args.digestName]))]
        : [];
  if (!allowed.some((a) => a.equals(args.signatureAlgorithm))) return `the signature algorithm does not fit a ${args.keyType ?? 'unknown'} key with ${args.digestName.toUpperCase()}`;
  return undefined;
}
