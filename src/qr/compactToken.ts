import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { JSONWebKeySet } from 'jose';
import { EcertError } from '../core/errors';
import { managementNoCheckChar } from '../registry/managementNumber';

/**
 * The compact QR token (issue 11), after the EU Digital COVID Certificate's idea (binary claims
 * and a bare ECDSA signature in a QR-friendly alphabet), made smaller still for a URL:
 *
 *   payload = 0x01 format ‖ key tag (2) ‖ 管理号 without its check character (6, integer)
 *             ‖ document version (1) ‖ 批准日期 (2) ‖ 制发日期 (2, days since 1970-01-01)
 *             ‖ 出生年月 and 性别 (2) ‖ certificate digest (8) ‖ holder name (UTF-8, the rest)
 *   token   = decimal digits of the integer payload ‖ signature
 *   signature = ECDSA P-256 / SHA-256 over the payload, r ‖ s (IEEE P1363, 64 bytes; RFC 7518 §3.4)
 *
 * Decimal digits are QR numeric mode (ISO/IEC 18004 §7.4.3: 10 bits per 3 digits, 99.7 % of
 * the binary), so the symbol is about half the JWS's: version 7–8 at level M for usual names.
 * The key tag is the first two bytes of SHA-256 of the `kid` published in /.well-known/jwks.json,
 * so the token verifies offline against the published keys. The leading 0x01 keeps the integer
 * free of leading zeros (and names the format). A name longer than NAME_BYTES_IN_QR is carried
 * cut at a character boundary, with format 0x02: the symbol stays at version ≤ 8 (modules
 * ≥ 0.76 mm at the layouts' 106 pt, templates/style1.json) for any name; the verifier
 * compares the prefix with the registry.
 * Formats 0x03 and 0x04 are the same two for annotated copies (src/qr/annotatedToken.ts).
 * Formats 0x05 and 0x06 are 0x01 and 0x02 for samples (issue 12, `ecert samples`): the same
 * fields, and the format byte, under the signature, says that the token is a sample's.
 *
 * | format | holder name | document        |
 * |--------|-------------|-----------------|
 * | 0x01   | whole       | certificate     |
 * | 0x02   | cut         | certificate     |
 * | 0x05   | whole       | sample          |
 * | 0x06   | cut         | sample          |
 */
export const COMPACT_FORMAT = 0x01;
export const COMPACT_FORMAT_NAME_CUT = 0x02;
export const SAMPLE_FORMAT = 0x05;
export const SAMPLE_FORMAT_NAME_CUT = 0x06;
/** 12 CJK characters (UTF-8, 3 bytes each). */
export const NAME_BYTES_IN_QR = 36;
const SIG_LEN = 64;
const FIXED = 24;
const MAX_NAME_BYTES = 192;
const DAY = 86_400_000;

export interface CompactClaims {
  managementNo: string;
  version: number;
  approvalDate: string;
  issueDate: string;
  birth: string;
  sex: '男' | '女';
  /** 8 bytes, base64url */
  digest: string;
  holderName: string;
  /** holderName is only the first NAME_BYTES_IN_QR bytes (whole characters) of the name */
  nameCut?: boolean;
  /** issue 12: the token of a sample (formats 0x05, 0x06) */
  sample?: boolean;
}

/** The longest prefix of `name` of at most `max` UTF-8 bytes, cut between characters. */
function utf8Prefix(name: string, max: number): Buffer {
  let out = '';
  for (const ch of name) {
    if (Buffer.byteLength(out + ch, 'utf8') > max) break;
    out += ch;
  }
  return Buffer.from(out, 'utf8');
}

export function keyTag(kid: string): Buffer {
  return createHash('sha256').update(kid, 'utf8').digest().subarray(0, 2);
}

const days = (iso: string) => Math.round(Date.parse(`${iso}T00:00:00Z`) / DAY);
const isoDay = (n: number) => new Date(n * DAY).toISOString().slice(0, 10);

export function encodeCompactPayload(c: CompactClaims, kid: string): Buffer {
  const full = Buffer.from(c.holderName, 'utf8');
  const cut = full.length > NAME_BYTES_IN_QR;
  const name = cut ? utf8Prefix(c.holderName, NAME_BYTES_IN_QR) : full;
  const digest = Buffer.from(c.digest, 'base64url');
  const [by, bm] = c.birth.split('-').map(Number);
  const ad = days(c.approvalDate);
  const id = days(c.issueDate);
  if (!/^\d{14}[\dX]$/.test(c.managementNo) || !(c.version >= 1 && c.version <= 255) || digest.length !== 8 || name.length > MAX_NAME_BYTES ||
      !(ad >= 0 && ad < 65536 && id >= 0 && id < 65536) || !(by >= 1900 && by < 4600 && bm >= 1 && bm <= 12)) {
    throw new RangeError('certificate facts outside the compact token ranges');
  }
  const p = Buffer.alloc(FIXED + name.length);
  p[0] = c.sample ? (cut ? SAMPLE_FORMAT_NAME_CUT : SAMPLE_FORMAT) : cut ? COMPACT_FORMAT_NAME_CUT : COMPACT_FORMAT;
  keyTag(kid).copy(p, 1);
  p.writeUIntBE(Number(c.managementNo.slice(0, 14)), 3, 6);
  p[9] = c.version;
  p.writeUInt16BE(ad, 10);
  p.writeUInt16BE(id, 12);
  p.writeUInt16BE(((by - 1900) * 12 + (bm - 1)) * 2 + (c.sex === '女' ? 1 : 0), 14);
  digest.copy(p, 16);
  name.copy(p, FIXED);
  return p;
}

export function decodeCompactPayload(p: Buffer): CompactClaims & { tag: Buffer } {
  const digits14 = String(p.readUIntBE(3, 6)).padStart(14, '0');
  const bs = p.readUInt16BE(14);
  const ym = bs >> 1;
  const holderName = p.subarray(FIXED).toString('utf8');
  return {
    tag: p.subarray(1, 3),
    managementNo: digits14 + managementNoCheckChar(digits14),
    version: p[9],
    approvalDate: isoDay(p.readUInt16BE(10)),
    issueDate: isoDay(p.readUInt16BE(12)),
    birth: `${1900 + Math.floor(ym / 12)}-${String((ym % 12) + 1).padStart(2, '0')}`,
    sex: bs & 1 ? '女' : '男',
    digest: p.subarray(16, 24).toString('base64url'),
    holderName,
    ...(p[0] === COMPACT_FORMAT_NAME_CUT || p[0] === SAMPLE_FORMAT_NAME_CUT ? { nameCut: true } : {}),
    ...(p[0] === SAMPLE_FORMAT || p[0] === SAMPLE_FORMAT_NAME_CUT ? { sample: true } : {}),
  };
}

function toDigits(b: Buffer): string {
  return BigInt('0x' + b.toString('hex')).toString(10);
}

function fromDigits(d: string): Buffer {
  let hex = BigInt(d).toString(16);
  if (hex.length % 2) hex = '0' + hex;
  return Buffer.from(hex, 'hex');
}

/**
 * Signs on libuv's thread pool (the callback form of crypto.sign), like the JWS signer did
 * through WebCrypto: an in-process batch keeps yielding to the event loop between certificates.
 */
export async function signCompactToken(c: CompactClaims, key: { kid: string; privateKey: KeyObject }): Promise<string> {
  return signCompactPayload(encodeCompactPayload(c, key.kid), key.privateKey);
}

export async function signCompactPayload(payload: Buffer, privateKey: KeyObject): Promise<string> {
  const sig = await new Promise<Buffer>((resolve, reject) =>
    sign('sha256', payload, { key: privateKey, dsaEncoding: 'ieee-p1363' }, (err, out) => (err ? reject(err) : resolve(out))),
  );
  return toDigits(Buffer.concat([payload, sig]));
}

/** Decimal digits only; 40–800 of them (payload + signature of a name up to MAX_NAME_BYTES). */
export const COMPACT_TOKEN_SHAPE = /^[1-9][0-9]{39,799}$/;

const invalid = (en: string, zh: string, reason?: string) => new EcertError('ERR_TOKEN_INVALID', { zh, en, ...(reason ? { details: { reason } } : {}) });

const keyCache = new WeakMap<JSONWebKeySet, Map<string, KeyObject>>();
function keysByTag(jwks: JSONWebKeySet): Map<string, KeyObject> {
  let m = keyCache.get(jwks);
  if (!m) {
    m = new Map();
    for (const k of jwks.keys) {
      if (k.kty !== 'EC' || k.crv !== 'P-256' || typeof k.kid !== 'string') continue;
      try {
        m.set(keyTag(k.kid).toString('hex'), createPublicKey({ key: k as import('node:crypto').JsonWebKey, format: 'jwk' }));
      } catch {
        // a key that does not import verifies nothing
      }
    }
    keyCache.set(jwks, m);
  }
  return m;
}

/**
 * The payload of a compact token whose signature verifies against the published keys, if its
 * format byte is one of `formats`; throws ERR_TOKEN_INVALID with the reason.
 */
export function verifiedCompactPayload(token: string, jwks: JSONWebKeySet, formats: readonly number[], minPayload = FIXED): Buffer {
  if (!COMPACT_TOKEN_SHAPE.test(token)) throw invalid('malformed token', '格式错误');
  const all = fromDigits(token);
  if (all.length < minPayload + SIG_LEN || !formats.includes(all[0])) throw invalid('malformed token', '格式错误');
  const payload = all.subarray(0, all.length - SIG_LEN);
  const sig = all.subarray(all.length - SIG_LEN);
  const key = keysByTag(jwks).get(payload.subarray(1, 3).toString('hex'));
  if (!key) throw invalid('unknown signing key (kid)', '未知的签名密钥', 'UNKNOWN_KID');
  if (!verify('sha256', payload, { key, dsaEncoding: 'ieee-p1363' }, sig)) throw invalid('signature verification failed', '签名无效', 'BAD_SIGNATURE');
  return payload;
}

/** The format byte of a compact token (cheap: no signature check); undefined for other shapes. */
export function compactFormatOf(token: string): number | undefined {
  return COMPACT_TOKEN_SHAPE.test(token) ? fromDigits(token)[0] : undefined;
}

/** Verify a compact token against the published keys; throws ERR_TOKEN_INVALID with the reason. */
export function verifyCompactToken(token: string, jwks: JSONWebKeySet): CompactClaims {
  const { tag: _t, ...claims } = decodeCompactPayload(verifiedCompactPayload(token, jwks, [COMPACT_FORMAT, COMPACT_FORMAT_NAME_CUT, SAMPLE_FORMAT, SAMPLE_FORMAT_NAME_CUT]));
  return claims;
}
