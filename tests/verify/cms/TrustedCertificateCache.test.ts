import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildCmsSignedData } from '../../../src/sign/buildCmsSignedData';
import { LocalKeySigner } from '../../../src/sign/LocalKeySigner';
import { makeCertificate } from '../../../src/keys/x509';
import { TrustedCertificateCache } from '../../../src/verify/cms/TrustedCertificateCache';
import { trustedCertificatesCached, verifyCms } from '../../../src/verify/cms/verifyCms';

function pki(name: string) {
  const root = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const seal = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const notBefore = new Date(Date.now() - 86400_000);
  const rootCert = makeCertificate({ subject: { cn: `${name} Root` }, publicKey: root.publicKey, issuerKey: root.privateKey, serial: Buffer.from([1]), notBefore, notAfter: new Date('2050-01-01T00:00:00Z'), ca: true });
  const sealCert = makeCertificate({ subject: { cn: `${name} Seal` }, issuer: { cn: `${name} Root` }, publicKey: seal.publicKey, issuerKey: root.privateKey, issuerPublicKey: root.publicKey, serial: Buffer.from([5]), notBefore, notAfter: new Date('2045-01-01T00:00:00Z'), ca: false });
  return { rootCert, signer: new LocalKeySigner(sealCert, seal.privateKey) };
}

describe('TrustedCertificateCache', () => {
  it('keeps copies, never the caller’s buffer, and drops the least recently used beyond its size', () => {
    const c = new TrustedCertificateCache<{ der: Buffer }>(2);
    const upload = Buffer.from('....certificate....');
    const der = upload.subarray(4, 15);
    c.remember('a', der, (copy) => ({ der: copy }));
    const kept = c.get('a')!;
    expect(kept.der.equals(der)).toBe(true);
    expect(kept.der.buffer).not.toBe(upload.buffer);
    upload.fill(0);
    expect(kept.der.toString()).toBe('certificate');
    c.remember('b', Buffer.from('b'), (copy) => ({ der: copy }));
    c.get('a'); // a is now the most recent
    c.remember('c', Buffer.from('c'), (copy) => ({ der: copy }));
    expect([c.has('a'), c.has('b'), c.has('c')]).toEqual([true, false, true]);
    expect(c.size).toBe(2);
  });

  it('verifyCms caches the signer certificate only once it chained to a trust anchor', async () => {
    const ours = pki('Cached');
    const stranger = pki('Stranger');
    const content = Buffer.from('bytes');
    const digest = createHash('sha256').update(content).digest();
    const before = trustedCertificatesCached();
    const foreign = await buildCmsSignedData({ contentDigest: digest, signer: stranger.signer });
    const r1 = verifyCms({ cms: foreign, signedBytes: [content], trustAnchors: [ours.rootCert], at: new Date() });
    expect(r1.subIndication).toBe('NO_CERTIFICATE_CHAIN_FOUND');
    expect(trustedCertificatesCached()).toBe(before);
    const genuine = await buildCmsSignedData({ contentDigest: digest, signer: ours.signer });
    expect(verifyCms({ cms: genuine, signedBytes: [content], trustAnchors: [ours.rootCert], at: new Date() }).ok).toBe(true);
    expect(trustedCertificatesCached()).toBe(before + 1);
    // the same certificate again: found in the cache, verdict unchanged, nothing added
    expect(verifyCms({ cms: genuine, signedBytes: [content], trustAnchors: [ours.rootCert], at: new Date() }).ok).toBe(true);
    expect(trustedCertificatesCached()).toBe(before + 1);
  });
});
