import { generateKeyPairSync } from 'node:crypto';
import { exportJWK } from 'jose';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import type { CertificateData } from '../../src/core/types';
import { isAnnotatedToken } from '../../src/qr/annotatedToken';
import { qrClaimsOf, signQrToken, verifyQrToken, verifyUrlFor } from '../../src/qr/qrToken';
import { qrSegments } from '../../src/render/artwork/qrArtwork';

const data: CertificateData = {
  managementNo: '202500100000011',
  version: 2,
  qualification: 'tax-adviser',
  holderName: '欧阳娜娜',
  idType: 'resident-id',
  idNumberMasked: '110105********002X',
  sex: '女',
  birth: '1949-12',
  approvalDate: '2025-06-30',
  issueDate: '2025-08-15',
  issuer: { code: 'cctaa', name: '中国注册税务师协会' },
  sealId: 'cctaa',
};

/** Issue 15: the QR token of an annotated copy (formats 0x03 and 0x04) beside the plain one (0x01, 0x02). */
describe('annotated QR token (formats 0x03, 0x04)', () => {
  it('carries id, purpose and end date after the certificate fields; old tokens still verify; tampering fails', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const annotation = { id: '0123456789abcdef', purpose: 'practice-registration', validUntil: '2027-05-01' };
    const token = await signQrToken(qrClaimsOf({ ...data, annotation }), { kid: 'k1', privateKey });
    expect(isAnnotatedToken(token)).toBe(true);
    const claims = await verifyQrToken(token, { keys: [jwk] });
    expect(claims).toMatchObject({ v: 2, n: data.managementNo, r: 2, h: '欧阳娜娜', a: '2025-06-30', d: '2025-08-15', x: '女', b: '1949-12', y: annotation });
    const plain = await signQrToken(qrClaimsOf(data), { kid: 'k1', privateKey });
    expect(isAnnotatedToken(plain)).toBe(false);
    expect((await verifyQrToken(plain, { keys: [jwk] })).y).toBeUndefined();
    // one digit changed: the signature no longer matches
    const bad = token.slice(0, 40) + ((Number(token[40]) + 1) % 10) + token.slice(41);
    await expect(verifyQrToken(bad, { keys: [jwk] })).rejects.toMatchObject({ code: 'ERR_TOKEN_INVALID' });
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await expect(verifyQrToken(token, { keys: [{ ...(await exportJWK(other.publicKey)), kid: 'k1' }] })).rejects.toMatchObject({ code: 'ERR_TOKEN_INVALID' });
    const qr = QRCode.create(qrSegments(verifyUrlFor('https://ecert.mohrss.gov.cn', token)) as never, { errorCorrectionLevel: 'M' });
    expect(qr.version).toBeLessThanOrEqual(10);
  });

  it('keeps the name-cut flag of a long name apart from the annotation (regression: both were format 0x02)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const holderName = '玛丽亚·特蕾莎·冯·哈布斯堡·洛林·阿尔卑斯';
    const annotation = { id: 'fedcba9876543210', purpose: 'self', validUntil: '2027-01-31' };
    const cutPlain = await verifyQrToken(await signQrToken(qrClaimsOf({ ...data, holderName }), { kid: 'k1', privateKey }), { keys: [jwk] });
    expect(cutPlain).toMatchObject({ hc: true });
    expect(cutPlain.y).toBeUndefined();
    expect(holderName.startsWith(cutPlain.h)).toBe(true);
    const cutAnnotated = await verifyQrToken(await signQrToken(qrClaimsOf({ ...data, holderName, annotation }), { kid: 'k1', privateKey }), { keys: [jwk] });
    expect(cutAnnotated).toMatchObject({ hc: true, y: annotation, h: cutPlain.h });
    const whole = await verifyQrToken(await signQrToken(qrClaimsOf({ ...data, annotation }), { kid: 'k1', privateKey }), { keys: [jwk] });
    expect(whole.hc).toBeUndefined();
  });
});
