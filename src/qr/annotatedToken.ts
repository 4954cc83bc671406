import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { JSONWebKeySet } from 'jose';
import type { AnnotationData } from '../core/types';
import { EcertError } from '../core/errors';
import { COMPACT_TOKEN_SHAPE, decodeCompactPayload, encodeCompactPayload, keyTag, type CompactClaims } from './compactToken';

/**
 * The compact QR token of an annotated copy (加注, issue 15): format byte 0x02, the fields of
 * the 0x01 token (src/qr/compactToken.ts) in the same places, then the annotation before the
 * holder name:
 *
 *   payload = 0x02 ‖ key tag (2) ‖ 管理号 (6) ‖ version (1) ‖ 批准日期 (2) ‖ 制发日期 (2)
 *             ‖ 出生年月 and 性别 (2) ‖ certificate digest (8)
 *             ‖ annotation id (8) ‖ end date (2, days since 1970-01-01) ‖ purpose length (1) ‖ purpose code (ASCII)
 *             ‖ holder name (UTF-8, the rest)
 *   token   = decimal digits of payload ‖ ECDSA P-256 signature (r ‖ s, RFC 7518 §3.4)
 *
 * Tokens of format 0x01 are untouched and keep verifying through compactToken.ts.
 */
export const ANNOTATED_FORMAT = 0x02;
const FIXED = 24;
const SIG_LEN = 64;
const DAY = 86_400_000;
/** Annotation ids are 16 lower-case hex digits (8 bytes), so the token carries them whole. */
export const ANNOTATION_ID_SHAPE = /^[0-9a-f]{16}$/;

export interface AnnotatedClaims extends CompactClaims {
  annotation: AnnotationData;
}

export function encodeAnnotatedPayload(c: AnnotatedClaims, kid: string): Buffer {
  const base = encodeCompactPayload(c, kid);
  const a = c.annotation;
  const until = Math.round(Date.parse(`${a.validUntil}T00:00:00Z`) / DAY);
  if (!ANNOTATION_ID_SHAPE.test(a.id) || !/^[a-z0-9-]{1,40}$/.test(a.purpose) || !(until >= 0 && until < 65536)) {
    throw new RangeError('annotation outside the compact token ranges');
  }
  const purpose = Buffer.from(a.purpose, 'ascii');
  const extra = Buffer.alloc(8 + 2 + 1);
  Buffer.from(a.id, 'hex').copy(extra, 0);
  extra.writeUInt16BE(until, 8);
  extra[10] = purpose.length;
  const p = Buffer.concat([base.subarray(0, FIXED), extra, purpose, base.subarray(FIXED)]);
  p[0] = ANNOTATED_FORMAT;
  return p;
}

export function decodeAnnotatedPayload(p: Buffer): AnnotatedClaims & { tag: Buffer } {
  const purposeLen = p[FIXED + 10];
  const nameAt = FIXED + 11 + purposeLen;
  if (p.length < nameAt) throw new RangeError('short payload');
  const base = decodeCompactPayload(Buffer.concat([p.subarray(0, FIXED), p.subarray(nameAt)]));
  return {
    ...base,
    annotation: {
      id: p.subarray(FIXED, FIXED + 8).toString('hex'),
      purpose: p.subarray(FIXED + 11, nameAt).toString('ascii'),
      validUntil: new Date(p.readUInt16BE(FIXED + 8) * DAY).toISOString().slice(0, 10),
    },
  };
}

export async function signAnnotatedToken(c: AnnotatedClaims, key: { kid: string; privateKey: KeyObject }): Promise<string> {
  const payload = encodeAnnotatedPayload(c, key.kid);
  const sig = await new Promise<Buffer>((resolve, reject) =>
    sign('sha256', payload, { key: key.privateKey, dsaEncoding: 'ieee-p1363' }, (err, out) => (err ? reject(err) : resolve(out))),
  );
  return BigInt('0x' + Buffer.concat([payload, sig]).toString('hex')).toString(10);
}

function bytesOf(token: string): Buffer {
  let hex = BigInt(token).toString(16);
  if (hex.length % 2) hex = '0' + hex;
  return Buffer.from(hex, 'hex');
}

/** Whether a compact token is of the annotated format (cheap: no signature check). */
export function isAnnotatedToken(token: string): boolean {
  return COMPACT_TOKEN_SHAPE.test(token) && bytesOf(token)[0] === ANNOTATED_FORMAT;
}

const invalid = (en: string, zh: string, reason?: string) => new EcertError('ERR_TOKEN_INVALID', { zh, en, ...(reason ? { details: { reason } } : {}) });

/** Verify an annotated token against the published keys; throws ERR_TOKEN_INVALID with the reason. */
export function verifyAnnotatedToken(token: string, jwks: JSONWebKeySet): AnnotatedClaims {
  if (!COMPACT_TOKEN_SHAPE.test(token)) throw invalid('malformed token', '格式错误');
  const all = bytesOf(token);
  if (all.length < FIXED + 11 + SIG_LEN || all[0] !== ANNOTATED_FORMAT) throw invalid('malformed token', '格式错误');
  const payload = all.subarray(0, all.length - SIG_LEN);
  const sig = all.subarray(all.length - SIG_LEN);
  const tag = payload.subarray(1, 3);
  const jwk = jwks.keys.find((k) => k.kty === 'EC' && k.crv === 'P-256' && typeof k.kid === 'string' && keyTag(k.kid).equals(tag));
  if (!jwk) throw invalid('unknown signing key (kid)', '未知的签名密钥', 'UNKNOWN_KID');
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  } catch {
    throw invalid('unknown signing key (kid)', '未知的签名密钥', 'UNKNOWN_KID');
  }
  if (!verify('sha256', payload, { key, dsaEncoding: 'ieee-p1363' }, sig)) throw invalid('signature verification failed', '签名无效', 'BAD_SIGNATURE');
  try {
    const { tag: _t, ...claims } = decodeAnnotatedPayload(payload);
    return claims;
  } catch {
    throw invalid('malformed token', '格式错误');
  }
}
