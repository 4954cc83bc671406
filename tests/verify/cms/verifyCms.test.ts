import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OID } from '../../../src/sign/constants';
import { buildCmsSignedData } from '../../../src/sign/buildCmsSignedData';
import { LocalKeySigner } from '../../../src/sign/LocalKeySigner';
import { children, ctx, int, nullValue, octets, oid, readTlv, seq, setOf, slice } from '../../../src/sign/der';
import { makeCertificate } from '../../../src/keys/x509';
import { verifyCms } from '../../../src/verify/cms/verifyCms';

/** A small CA and a seal, made here (RFC 5280 via our own writer). */
function pki(bits?: number) {
  const root = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rootName = { cn: 'Test Root', c: 'CN' };
  const notBefore = new Date('2025-01-01T00:00:00Z');
  const rootCert = makeCertificate({ subject: rootName, publicKey: root.publicKey, issuerKey: root.privateKey, serial: Buffer.from([1]), notBefore, notAfter: new Date('2050-01-01T00:00:00Z'), ca: true });
  const seal = bits ? generateKeyPairSync('rsa', { modulusLength: bits }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const sealCert = makeCertificate({ subject: { cn: '测试专用章', o: '测试', c: 'CN' }, issuer: rootName, publicKey: seal.publicKey, issuerKey: root.privateKey, issuerPublicKey: root.publicKey, serial: Buffer.from([0x22, 0x33]), notBefore, notAfter: new Date('2045-01-01T00:00:00Z'), ca: false });
  return { rootCert, sealCert, sealKey: seal.privateKey };
}

/** A CMS built by hand, to produce shapes our builder never writes. */
function handmade(o: { cert: Buffer; key: KeyObject; content: Buffer; digest?: 'sha256' | 'sha1'; scv2?: boolean; signers?: number }): Buffer {
  const digest = o.digest ?? 'sha256';
  const alg = seq(oid(digest === 'sha1' ? OID.sha1 : OID.sha256));
  const tbs = readTlv(o.cert, readTlv(o.cert, 0).contentStart);
  const f = children(o.cert, tbs);
  const sid = seq(slice(o.cert, f[3]), slice(o.cert, f[1]));
  const essCertId = seq(octets(createHash('sha256').update(o.cert).digest()));
  const attrs = setOf(
    seq(oid(OID.contentType), setOf(oid(OID.data))),
    seq(oid(OID.messageDigest), setOf(octets(createHash(digest).update(o.content).digest()))),
    ...(o.scv2 === false ? [] : [seq(oid(OID.signingCertificateV2), setOf(seq(seq(essCertId))))]),
  );
  const sigAlg = o.key.asymmetricKeyType === 'rsa' ? seq(oid(OID.rsaEncryption), nullValue()) : seq(oid(OID.ecdsaWithSHA256));
  const signature = sign(digest, attrs, { key: o.key, dsaEncoding: 'der' });
  const si = seq(int(1), sid, alg, Buffer.concat([Buffer.from([0xa0]), attrs.subarray(1)]), sigAlg, octets(signature));
  const sd = seq(int(1), setOf(alg), seq(oid(OID.data)), ctx(0, o.cert), setOf(...Array.from({ length: o.signers ?? 1 }, () => si)));
  return seq(oid(OID.signedData), ctx(0, sd));
}

const content = Buffer.from('%PDF-1.7 the signed byte ranges');
const at = new Date('2026-06-01T00:00:00Z');

describe('verifyCms', () => {
  const p = pki();
  const verify = (cms: Buffer, opts: { bytes?: Buffer; when?: Date; anchors?: Buffer[] } = {}) =>
    verifyCms({ cms, signedBytes: [opts.bytes ?? content], trustAnchors: opts.anchors ?? [p.rootCert], at: opts.when ?? at });

  it('accepts our PAdES CMS and reports the signer', async () => {
    const signer = new LocalKeySigner(p.sealCert, p.sealKey);
    const cms = await buildCmsSignedData({ contentDigest: createHash('sha256').update(content).digest(), signer });
    const r = verify(cms);
    expect(r.ok).toBe(true);
    expect(r.signer?.subjectCN).toBe('测试专用章');
    expect(r.checks.map((c) => c.id)).toEqual(['cms-structure', 'cms-algorithms', 'message-digest', 'signer-certificate', 'signing-certificate-v2', 'key-strength', 'signature', 'certificate-chain', 'certificate-validity']);
    expect(verify(handmade({ cert: p.sealCert, key: p.sealKey, content })).ok).toBe(true);
  });

  it('names the rule for each kind of bad signature', async () => {
    const good = handmade({ cert: p.sealCert, key: p.sealKey, content });
    const cases: Array<[string, () => ReturnType<typeof verify>]> = [
      ['HASH_FAILURE', () => verify(good, { bytes: Buffer.from('other content') })],
      ['CRYPTO_CONSTRAINTS_FAILURE', () => verify(handmade({ cert: p.sealCert, key: p.sealKey, content, digest: 'sha1' }))],
      ['FORMAT_FAILURE', () => verify(handmade({ cert: p.sealCert, key: p.sealKey, content, signers: 2 }))],
      ['SIG_CONSTRAINTS_FAILURE', () => verify(handmade({ cert: p.sealCert, key: p.sealKey, content, scv2: false }))],
      ['FORMAT_FAILURE', () => verify(Buffer.concat([good, Buffer.from([0])]))],
      ['FORMAT_FAILURE', () => verify(good.subarray(0, good.length - 10))],
      ['FORMAT_FAILURE', () => verify(Buffer.from('30030201', 'hex'))],
      ['OUT_OF_BOUNDS_NO_POE', () => verify(good, { when: new Date('2049-01-01T00:00:00Z') })],
      ['NO_CERTIFICATE_CHAIN_FOUND', () => verify(good, { anchors: [pki().rootCert] })],
    ];
    for (const [sub, run] of cases) expect(run().subIndication, sub).toBe(sub);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 5] ^= 0x01;
    expect(['SIG_CRYPTO_FAILURE', 'FORMAT_FAILURE']).toContain(verify(flipped).subIndication);
  });

  it('refuses RSA keys below 2048 bits', () => {
    const weak = pki(1024);
    const r = verifyCms({ cms: handmade({ cert: weak.sealCert, key: weak.sealKey, content }), signedBytes: [content], trustAnchors: [weak.rootCert], at });
    expect(r.subIndication).toBe('CRYPTO_CONSTRAINTS_FAILURE');
  });
});
