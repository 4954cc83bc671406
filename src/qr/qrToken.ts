import { createHash, type KeyObject } from 'node:crypto';
import { CompactSign, compactVerify, createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import { parseBoundedJson } from '../core/boundedJson';
import { canonicalJson } from '../core/canonicalJson';
import type { CertificateData } from '../core/types';
import { EcertError } from '../core/errors';
import { COMPACT_TOKEN_SHAPE, signCompactToken, verifyCompactToken, type CompactClaims } from './compactToken';
import { isAnnotatedToken, signAnnotatedToken, verifyAnnotatedToken } from './annotatedToken';
import type { AnnotationData } from '../core/types';

/**
 * The QR token: a compact JWS (RFC 7515) with `kid`, ES256 (RFC 7518 §3.4), over the
 * certificate's identifying claims. Short claim names keep the QR symbol small enough to
 * scan at a 3 cm print. No full ID number: only the masked form.
 */
export interface QrClaims {
  /** token format: 1 = compact JWS (issued before issue 11), 2 = compact numeric (src/qr/compactToken) */
  v: 1 | 2;
  /** 管理号 */
  n: string;
  /** document version */
  r: number;
  /** qualification code (JWS form only; the compact form has it in the 管理号's serial) */
  q?: string;
  /** holder name */
  h: string;
  /** masked ID number (JWS form only) */
  i?: string;
  /** approval date */
  a: string;
  /** issue date */
  d: string;
  /** base64url SHA-256 (first 128 bits) of the canonical certificate data */
  s: string;
  /** 性别 and 出生年月 (compact form) */
  x?: '男' | '女';
  b?: string;
  /** `h` is only the beginning of the name (compact form, long names) */
  hc?: true;
  /** Issue 15: the annotation of an annotated copy (token formats 0x03 and 0x04, src/qr/annotatedToken) */
  y?: AnnotationData;
  /** Issue 12: the token of a sample (compact formats 0x05 and 0x06, src/qr/compactToken) */
  z?: true;
}

export function certificateDigest(data: CertificateData): string {
  return createHash('sha256').update(canonicalJson(data)).digest().subarray(0, 16).toString('base64url');
}

export function qrClaimsOf(data: CertificateData): QrClaims {
  return {
    v: 1,
    n: data.managementNo,
    r: data.version,
    q: data.qualification,
    h: data.holderName,
    i: data.idNumberMasked,
    a: data.approvalDate,
    d: data.issueDate,
    s: certificateDigest(data),
    x: data.sex,
    b: data.birth,
    ...(data.annotation ? { y: data.annotation } : {}),
    ...(data.sample ? { z: true as const } : {}),
  };
}

/**
 * The token printed in new certificates: the compact numeric form (src/qr/compactToken), which
 * makes a QR symbol of about half the modules. `signJwsQrToken` keeps the earlier form (tests
 * of certificates issued before the change).
 */
export async function signQrToken(claims: QrClaims, key: { kid: string; privateKey: KeyObject }): Promise<string> {
  const sign = (c: Parameters<typeof signCompactToken>[0], k: typeof key) => (claims.y ? signAnnotatedToken({ ...c, annotation: claims.y }, k) : signCompactToken(c, k));
  return sign(
    {
      managementNo: claims.n,
      version: claims.r,
      approvalDate: claims.a,
      issueDate: claims.d,
      birth: claims.b ?? '',
      sex: claims.x ?? '男',
      digest: Buffer.from(claims.s, 'base64url').subarray(0, 8).toString('base64url'),
      holderName: claims.h,
      ...(claims.z ? { sample: true } : {}),
    },
    key,
  );
}

export async function signJwsQrToken(claims: QrClaims, key: { kid: string; privateKey: KeyObject }): Promise<string> {
  const { x: _x, b: _b, ...jws } = claims;
  return new CompactSign(Buffer.from(JSON.stringify(jws), 'utf8'))
    .setProtectedHeader({ alg: 'ES256', kid: key.kid })
    .sign(key.privateKey);
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{10,200}\.[A-Za-z0-9_-]{10,1000}\.[A-Za-z0-9_-]{20,200}$/;

function compactQrClaims(c: CompactClaims): QrClaims {
  return { v: 2, n: c.managementNo, r: c.version, h: c.holderName, a: c.approvalDate, d: c.issueDate, s: c.digest, x: c.sex, b: c.birth, ...(c.nameCut ? { hc: true as const } : {}), ...(c.sample ? { z: true as const } : {}) };
}

/** Verify a token against the published keys; throws ERR_TOKEN_INVALID with the reason. */
export async function verifyQrToken(token: string, jwks: JSONWebKeySet): Promise<QrClaims> {
  if (isAnnotatedToken(token)) {
    const c = verifyAnnotatedToken(token, jwks);
    return { ...compactQrClaims(c), y: c.annotation };
  }
  if (COMPACT_TOKEN_SHAPE.test(token)) return compactQrClaims(verifyCompactToken(token, jwks));
  if (!TOKEN_SHAPE.test(token)) throw new EcertError('ERR_TOKEN_INVALID', { zh: '格式错误', en: 'malformed token' });
  let header;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new EcertError('ERR_TOKEN_INVALID', { zh: '格式错误', en: 'malformed header' });
  }
  if (header.alg !== 'ES256' || typeof header.kid !== 'string') {
    throw new EcertError('ERR_TOKEN_INVALID', { zh: '算法或密钥标识不受支持', en: 'unsupported alg or missing kid' });
  }
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(token, keySetOf(jwks), { algorithms: ['ES256'] }));
  } catch (e) {
    const code = (e as { code?: string }).code;
    const unknownKey = code === 'ERR_JWKS_NO_MATCHING_KEY';
    throw new EcertError('ERR_TOKEN_INVALID', {
      zh: unknownKey ? '未知的签名密钥' : '签名无效',
      en: unknownKey ? 'unknown signing key (kid)' : 'signature verification failed',
      details: { reason: unknownKey ? 'UNKNOWN_KID' : 'BAD_SIGNATURE' },
    });
  }
  let claims: QrClaims;
  try {
    claims = parseBoundedJson(Buffer.from(payload).toString('utf8'), 4) as QrClaims;
  } catch {
    throw new EcertError('ERR_TOKEN_INVALID', { en: 'payload is not JSON' });
  }
  if (claims?.v !== 1 || typeof claims.n !== 'string' || typeof claims.s !== 'string' || typeof claims.r !== 'number') {
    throw new EcertError('ERR_TOKEN_INVALID', { zh: '声明不完整', en: 'claims incomplete' });
  }
  return claims;
}

const keySets = new WeakMap<JSONWebKeySet, ReturnType<typeof createLocalJWKSet>>();
/** The key set function (it caches imported keys) made once per JWKS object. */
function keySetOf(jwks: JSONWebKeySet) {
  let k = keySets.get(jwks);
  if (!k) {
    k = createLocalJWKSet(jwks);
    keySets.set(jwks, k);
  }
  return k;
}

export function verifyUrlFor(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/v/${token}`;
}
