import { generateKeyPairSync } from 'node:crypto';
import { exportJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { certificateDigest, qrClaimsOf, signJwsQrToken, signQrToken, verifyQrToken, verifyUrlFor } from '../../src/qr/qrToken';
import { qrSegments } from '../../src/render/artwork/qrArtwork';
import QRCode from 'qrcode';
import type { CertificateData } from '../../src/core/types';
import { FULL_ID_NUMBER } from '../helpers/holders';

const data: CertificateData = {
  managementNo: '202500100000011',
  version: 1,
  qualification: 'tax-adviser',
  holderName: '张三',
  idType: 'resident-id',
  idNumberMasked: '110105********002X',
  sex: '女',
  birth: '1949-12',
  approvalDate: '2025-06-30',
  issueDate: '2025-08-15',
  issuer: { code: 'cctaa', name: '中国注册税务师协会' },
  sealId: 'cctaa',
};

/** The bytes of a compact token (decimal digits of the payload ‖ signature). */
function fromDigits(token: string): Buffer {
  const hex = BigInt(token).toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
}

async function keyPair(kid: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { key: { kid, privateKey }, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

describe('QR token, compact form (issue 11)', () => {
  it('round-trips the claims offline against the published key, carries no ID number, and makes a QR of version ≤ 8', async () => {
    const { key, jwk } = await keyPair('k1');
    const token = await signQrToken(qrClaimsOf(data), key);
    expect(token).toMatch(/^\d+$/);
    expect(token).not.toContain('002X');
    const claims = await verifyQrToken(token, { keys: [jwk] });
    expect(claims).toEqual({ v: 2, n: data.managementNo, r: 1, h: '张三', a: '2025-06-30', d: '2025-08-15', s: Buffer.from(certificateDigest(data), 'base64url').subarray(0, 8).toString('base64url'), x: '女', b: '1949-12' });
    const qr = QRCode.create(qrSegments(verifyUrlFor('https://ecert.mohrss.gov.cn', token)) as never, { errorCorrectionLevel: 'M' });
    expect(qr.version).toBeLessThanOrEqual(8);
  });

  it('carries only the first 36 bytes of a long name (whole characters), flagged, so the symbol stays at version ≤ 8', async () => {
    const { key, jwk } = await keyPair('k1');
    const long = { ...data, holderName: '玛丽亚·特蕾莎·冯·哈布斯堡·洛林·阿尔卑斯' };
    const token = await signQrToken(qrClaimsOf(long), key);
    const claims = await verifyQrToken(token, { keys: [jwk] });
    expect(claims).toMatchObject({ hc: true });
    expect(claims.h.length).toBeGreaterThan(10);
    expect(long.holderName.startsWith(claims.h)).toBe(true);
    expect(Buffer.byteLength(claims.h)).toBeLessThanOrEqual(36);
    const qr = QRCode.create(qrSegments(verifyUrlFor('https://ecert.mohrss.gov.cn', token)) as never, { errorCorrectionLevel: 'M' });
    expect(qr.version).toBeLessThanOrEqual(8);
  });

  it('marks the token of a sample (issue 12) by its format byte, under the signature, whole name or cut', async () => {
    const { key, jwk } = await keyPair('k1');
    const sample: CertificateData = { ...data, sample: true };
    const token = await signQrToken(qrClaimsOf(sample), key);
    expect(fromDigits(token)[0]).toBe(0x05);
    expect(await verifyQrToken(token, { keys: [jwk] })).toMatchObject({ v: 2, n: data.managementNo, h: '张三', z: true });
    expect(await verifyQrToken(await signQrToken(qrClaimsOf(data), key), { keys: [jwk] })).not.toHaveProperty('z');
    const long = await signQrToken(qrClaimsOf({ ...sample, holderName: '玛丽亚·特蕾莎·冯·哈布斯堡·洛林·阿尔卑斯' }), key);
    expect(fromDigits(long)[0]).toBe(0x06);
    expect(await verifyQrToken(long, { keys: [jwk] })).toMatchObject({ hc: true, z: true });
    // the mark cannot be taken off: the format byte is signed
    const unmarked = BigInt(token) - ((0x05n - 0x01n) << BigInt((fromDigits(token).length - 1) * 8));
    expect(fromDigits(unmarked.toString())[0]).toBe(0x01);
    await expect(verifyQrToken(unmarked.toString(), { keys: [jwk] })).rejects.toMatchObject({ code: 'ERR_TOKEN_INVALID', details: { reason: 'BAD_SIGNATURE' } });
  });

  it('fails a compact token with one changed digit, another key, or garbage', async () => {
    const { key, jwk } = await keyPair('k1');
    const other = await keyPair('k2');
    const token = await signQrToken(qrClaimsOf(data), key);
    // change the name's last byte (inside the payload, before the 64-byte signature)
    const big = BigInt(token) + (1n << 520n);
    await expect(verifyQrToken(big.toString(), { keys: [jwk] })).rejects.toMatchObject({ code: 'ERR_TOKEN_INVALID', details: { reason: 'BAD_SIGNATURE' } });
    await expect(verifyQrToken(token, { keys: [other.jwk] })).rejects.toMatchObject({ code: 'ERR_TOKEN_INVALID', details: { reason: 'UNKNOWN_KID' } });
    await expect(verifyQrToken('1' + '0'.repeat(60), { keys: [jwk] })).rejects.toMatchObject({ code: 'ERR_TOKEN_INVALID' });
    await expect(verifyQrToken('9'.repeat(900), { keys: [jwk] })).rejects.toMatchObject({ code: 'ERR_TOKEN_INVALID' });
  });
});

describe('QR token, JWS form of certificates issued before issue 11 (still verifies)', () => {
  it('round-trips the claims, carries no full ID number, and stays short enough for a small QR', async () => {
    const { key, jwk } = await keyPair('k1');
    const token = await signJwsQrToken(qrClaimsOf(data), key);
    expect(token).not.toContain('11010519491231002X');
    expect(Buffer.from(token.split('.')[1], 'base64url').toString()).not.toMatch(FULL_ID_NUMBER);
    expect(verifyUrlFor('https://ecert.example.cn/', token).length).toBeLessThan(360);
    const claims = await verifyQrToken(token, { keys: [jwk] });
    expect(claims).toMatchObject({ n: data.managementNo, h: '张三', i: '110105********002X', s: certificateDigest(data) });
  });

  it('fails a token with a changed claim, an unknown kid, or garbage', async () => {
    const { key, jwk } = await keyPair('k1');
    const other = await keyPair('k2');
    const token = await signJwsQrToken(qrClaimsOf(data), key);
    const [h, p, sig] = token.split('.');
    const changed = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), h: '李四' })).toString('base64url');
    await expect(verifyQrToken(`${h}.${changed}.${sig}`, { keys: [jwk] })).rejects.toMatchObject({ code: 'ERR_TOKEN_INVALID', details: { reason: 'BAD_SIGNATURE' } });
    await expect(verifyQrToken(token, { keys: [other.jwk] })).rejects.toMatchObject({ code: 'ERR_TOKEN_INVALID', details: { reason: 'UNKNOWN_KID' } });
    await expect(verifyQrToken('not-a-token', { keys: [jwk] })).rejects.toMatchObject({ code: 'ERR_TOKEN_INVALID' });
  });
});
