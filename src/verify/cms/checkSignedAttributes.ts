import { oid, seq, setOf } from '../../sign/der';

/**
 * The signed attributes exactly as DER (RFC 5652 §5.4: the signature is computed over the
 * DER encoding of the SET OF; OpenSSL verifies over its own DER re-encoding): re-encode the
 * attributes read from the file — each Attribute { attrType, attrValues SET OF }, the SET OF
 * sorted (X.690 §11.6) — and compare byte for byte with what the file holds. Any other
 * encoding (long-form lengths, another order, a different tag) is refused, and so is an
 * attribute type that appears twice (RFC 5652 §5.3: signedAttrs is a SET of distinct
 * attributes; §11 for content-type and message-digest).
 *
 * `signedAttrs` is the element as in the file, with its [0] IMPLICIT tag.
 */
export function checkSignedAttributes(signedAttrs: Buffer, attributes: Array<{ type: string; values: Buffer[] }>): string | undefined {
  if (signedAttrs[0] !== 0xa0) return 'signed attributes are not [0] IMPLICIT';
  if (!attributes.length) return 'signed attributes are empty';
  const types = new Set(attributes.map((a) => a.type));
  if (types.size !== attributes.length) return 'an attribute type appears more than once in the signed attributes';
  if (attributes.some((a) => a.values.length === 0)) return 'a signed attribute has no value';
  const der = setOf(...attributes.map((a) => seq(oid(a.type), setOf(...a.values))));
  der[0] = 0xa0;
  if (!der.equals(signedAttrs)) return 'signed attributes are not DER (re-encoded they differ)';
  return undefined;
}
