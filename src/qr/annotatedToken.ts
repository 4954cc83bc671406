import type { KeyObject } from 'node:crypto';
import type { JSONWebKeySet } from 'jose';
import type { AnnotationData } from '../core/types';
import { EcertError } from '../core/errors';
import {
  COMPACT_FORMAT,
  COMPACT_FORMAT_NAME_CUT,
  compactFormatOf,
  decodeCompactPayload,
  encodeCompactPayload,
  signCompactPayload,
  verifiedCompactPayload,
  type CompactClaims,
} from './compactToken';

/**
 * The compact QR token of an annotated copy (加注, issue 15): format byte 0x03 (0x04 when the
 * holder name is cut, as 0x02 is for 0x01), the fields of the plain token
 * (src/qr/compactToken.ts) in the same places, then the annotation before the holder name:
 *
 *   payload = 0x03 ‖ key tag (2) ‖ 管理号 (6) ‖ version (1) ‖ 批准日期 (2) ‖ 制发日期 (2)
 *             ‖ 出生年月 and 性别 (2) ‖ certificate digest (8)
 *             ‖ annotation id (8) ‖ end date (2, days since 1970-01-01) ‖ purpose length (1) ‖ purpose code (ASCII)
 *             ‖ holder name (UTF-8, the rest)
 *   token   = decimal digits of payload ‖ ECDSA P-256 signature (r ‖ s, RFC 7518 §3.4)
 */
export const ANNOTATED_FORMAT = 0x03;
export const ANNOTATED_FORMAT_NAME_CUT = 0x04;
const FIXED = 24;
const DAY = 86_400_000;
/** Annotation ids are 16 lower-case hex digits (8 bytes), so the token carries them whole. */
export const ANNOTATION_ID_SHAPE = /^[0-9a-f]{16}$/;

export interface AnnotatedClaims extends CompactClaims {
  annotation: AnnotationData;
}

export function encodeAnnotatedPayload(c: AnnotatedClaims, kid: string): Buffer {
  if (c.sample) throw new RangeError('a sample has no annotated copies'); // issue 12
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
  p[0] = base[0] === COMPACT_FORMAT_NAME_CUT ? ANNOTATED_FORMAT_NAME_CUT : ANNOTATED_FORMAT;
  return p;
}

export function decodeAnnotatedPayload(p: Buffer): AnnotatedClaims & { tag: Buffer } {
  const purposeLen = p[FIXED + 10];
  const nameAt = FIXED + 11 + purposeLen;
  if (p.length < nameAt) throw new RangeError('short payload');
  const plain = Buffer.concat([p.subarray(0, FIXED), p.subarray(nameAt)]);
  plain[0] = p[0] === ANNOTATED_FORMAT_NAME_CUT ? COMPACT_FORMAT_NAME_CUT : COMPACT_FORMAT;
  return {
    ...decodeCompactPayload(plain),
    annotation: {
      id: p.subarray(FIXED, FIXED + 8).toString('hex'),
      purpose: p.subarray(FIXED + 11, nameAt).toString('ascii'),
      validUntil: new Date(p.readUInt16BE(FIXED + 8) * DAY).toISOString().slice(0, 10),
    },
  };
}

export async function signAnnotatedToken(c: AnnotatedClaims, key: { kid: string; privateKey: KeyObject }): Promise<string> {
  return signCompactPayload(encodeAnnotatedPayload(c, key.kid), key.privateKey);
}

/** Whether a compact token is of the annotated format (cheap: no signature check). */
export function isAnnotatedToken(token: string): boolean {
  const f = compactFormatOf(token);
  return f === ANNOTATED_FORMAT || f === ANNOTATED_FORMAT_NAME_CUT;
}

/** Verify an annotated token against the published keys; throws ERR_TOKEN_INVALID with the reason. */
export function verifyAnnotatedToken(token: string, jwks: JSONWebKeySet): AnnotatedClaims {
  const payload = verifiedCompactPayload(token, jwks, [ANNOTATED_FORMAT, ANNOTATED_FORMAT_NAME_CUT], FIXED + 11);
  try {
    const { tag: _t, ...claims } = decodeAnnotatedPayload(payload);
    return claims;
  } catch {
    throw new EcertError('ERR_TOKEN_INVALID', { zh: '格式错误', en: 'malformed token' });
  }
}
