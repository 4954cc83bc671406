import { generateKeyPairSync } from 'node:crypto';
import { exportJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { certificateDigest, qrClaimsOf, signQrToken, verifyQrToken, verifyUrlFor } from '../../src/qr/qrToken';
import type { CertificateData } from '../../src/core/types';

const data: CertificateData = {
  managementNo: '202500100000019',
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

async function keyPair(kid: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { key: { kid, privateKey }, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

describe('QR token', () => {
  it('round-trips the claims, carries no full ID number, and stays short enough for a small QR', async () => {
    const { key, jwk } = await keyPair('k1');
    const token = await signQrToken(qrClaimsOf(data), key);
    expect(token).not.toContain('11010519491231002X');
    expect(Buffer.from(token.split('.')[1], 'base64url').toString()).not.toMatch(/\d{17}[\dX]/);
    expect(verifyUrlFor('https://ecert.example.cn/', token).length).toBeLessThan(360);
    const claims = await verifyQrToken(token, { keys: [jwk] });
    expect(claims).toMatchObject({ n: data.managementNo, h: '张三', i: '110105********002X', s: certificateDigest(data) });
  });

  it('fails a token with a changed claim, an unknown kid, or garbage', async () => {
    const { key, jwk } = await keyPair('k1');
    const other = await keyPair('k2');
    const token = await signQrToken(qrClaimsOf(data), key);
    const [h, p, sig] = token.split('.');
    const changed = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), h: '李四' })).toString('base64url');
    await expect(verifyQrToken(`${h}.${changed}.${sig}`, { keys: [jwk] })).rejects.toMatchObject({ code: 'ERR_TOKEN_INVALID', details: { reason: 'BAD_SIGNATURE' } });
    await expect(verifyQrToken(token, { keys: [other.jwk] })).rejects.toMatchObject({ code: 'ERR_TOKEN_INVALID', details: { reason: 'UNKNOWN_KID' } });
    await expect(verifyQrToken('not-a-token', { keys: [jwk] })).rejects.toMatchObject({ code: 'ERR_TOKEN_INVALID' });
  });
});
