import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificate } from '../../../src/keys/x509';
import { createTimestamper } from '../../../src/ltv/tsp/createTimestamper';
import { DevTsa } from '../../../src/ltv/tsp/DevTsa';
import { DEV_TSA_NAME, loadOrCreateDevTsa, makeTsaCertificate } from '../../../src/ltv/tsp/devTsaMaterial';
import { MAX_TOKEN_BYTES } from '../../../src/ltv/tsp/examineTimeStampToken';
import type { Timestamper } from '../../../src/ltv/tsp/Timestamper';
import { verifyTimeStampToken } from '../../../src/ltv/tsp/verifyTimeStampToken';
import { children, ctx, readTlv } from '../../../src/sign/der';
import { startOpensslTsa, type OpensslTsa } from '../../helpers/opensslTsa';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();

/** The token of a TimeStampResp (RFC 3161 §2.4.2). */
function tokenOf(resp: Buffer): Buffer {
  const [, token] = children(resp, readTlv(resp, 0));
  return resp.subarray(token.start, token.end);
}

describe('verifyTimeStampToken (the verifier’s check of an embedded token)', () => {
  let dev: Timestamper;
  let tsa: OpensslTsa;
  beforeAll(async () => {
    dev = createTimestamper({ keysDir: mkdtempSync(join(tmpdir(), 'ecert-vtst-')), clock: () => new Date() });
    tsa = await startOpensslTsa();
  });
  afterAll(async () => tsa?.close());

  it('accepts genuine tokens of the development TSA and of openssl, naming the TSA and genTime', async () => {
    const imprint = sha256(Buffer.from('doc'));
    const a = verifyTimeStampToken({ token: await dev.timestamp(imprint), imprint, trustAnchors: dev.trustAnchors, at: new Date() });
    expect(a.ok).toBe(true);
    expect(a.checks.map((c) => c.id)).toEqual(['tst-structure', 'tst-imprint', 'tst-ess-cert-id', 'tst-signature', 'tst-eku', 'tst-chain']);
    expect(a.checks.every((c) => c.passed)).toBe(true);
    const ot = await createTimestamper({ tsaUrl: tsa.url, tsaRootsPem: tsa.rootPem, keysDir: '/nonexistent', clock: () => new Date() }).timestamp(imprint);
    const b = verifyTimeStampToken({ token: ot, imprint, trustAnchors: [tsa.root], at: new Date() });
    expect(b.ok, JSON.stringify(b.checks)).toBe(true);
    expect(b.tsaSubject).toContain('openssl Test TSA');
    expect(b.tsaCertificate!.length).toBeGreaterThan(200);
  });

  it('refuses: other imprint (HASH_FAILURE), other roots (NO_CERTIFICATE_CHAIN_FOUND), a flipped signature bit (SIG_CRYPTO_FAILURE), TSA certificate expired at `at` (OUT_OF_BOUNDS_NO_POE)', async () => {
    const imprint = sha256(Buffer.from('x'));
    const token = await dev.timestamp(imprint);
    expect(verifyTimeStampToken({ token, imprint: sha256(Buffer.from('y')), trustAnchors: dev.trustAnchors, at: new Date() }).subIndication).toBe('HASH_FAILURE');
    expect(verifyTimeStampToken({ token, imprint, trustAnchors: [tsa.root], at: new Date() }).subIndication).toBe('NO_CERTIFICATE_CHAIN_FOUND');
    const flipped = Buffer.from(token);
    flipped[flipped.length - 10] ^= 0x01;
    expect(verifyTimeStampToken({ token: flipped, imprint, trustAnchors: dev.trustAnchors, at: new Date() }).subIndication).toBe('SIG_CRYPTO_FAILURE');
    const late = verifyTimeStampToken({ token, imprint, trustAnchors: dev.trustAnchors, at: new Date('2080-01-01T00:00:00Z') });
    expect(late.subIndication).toBe('OUT_OF_BOUNDS_NO_POE');
    expect(late.checks.at(-1)).toMatchObject({ id: 'tst-chain', passed: false });
  });

  it('a token whose TSA certificate lacks the critical EKU: SIG_CONSTRAINTS_FAILURE', () => {
    const root = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rootName = { cn: 'EKU Test Root', c: 'CN' };
    const nb = new Date(Date.now() - 3600_000);
    const na = new Date(Date.now() + 86400_000);
    const rootDer = makeCertificate({ subject: rootName, publicKey: root.publicKey, issuerKey: root.privateKey, serial: Buffer.from([9]), notBefore: nb, notAfter: na, ca: true });
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const cert = makeTsaCertificate({ publicKey: key.publicKey, issuerKey: root.privateKey, issuerPublicKey: root.publicKey, notBefore: nb, notAfter: na, subject: DEV_TSA_NAME, issuer: rootName, eku: { critical: false, purposes: ['1.3.6.1.5.5.7.3.8'] } });
    const imprint = sha256(Buffer.from('e'));
    const token = tokenOf(new DevTsa({ root: rootDer, certificate: cert, key: key.privateKey }, () => new Date()).respond(imprint, Buffer.from([5]), new Date()));
    const v = verifyTimeStampToken({ token, imprint, trustAnchors: [rootDer], at: new Date() });
    expect(v.subIndication).toBe('SIG_CONSTRAINTS_FAILURE');
    expect(v.checks.at(-1)?.id).toBe('tst-eku');
  });

  it('every single-bit change of a token is refused (development TSA and openssl tokens): nothing in a token is malleable', async () => {
    const imprint = sha256(Buffer.from('flip'));
    const tokens: Array<[string, Buffer, Buffer[]]> = [
      ['dev', await dev.timestamp(imprint), dev.trustAnchors],
      ['openssl', await createTimestamper({ tsaUrl: tsa.url, tsaRootsPem: tsa.rootPem, keysDir: '/nonexistent', clock: () => new Date() }).timestamp(imprint), [tsa.root]],
    ];
    for (const [name, token, anchors] of tokens) {
      expect(verifyTimeStampToken({ token, imprint, trustAnchors: anchors, at: new Date() }).ok).toBe(true);
      const accepted: string[] = [];
      for (let pos = 0; pos < token.length; pos++)
        for (let bit = 0; bit < 8; bit++) {
          const m = Buffer.from(token);
          m[pos] ^= 1 << bit;
          const v = verifyTimeStampToken({ token: m, imprint, trustAnchors: anchors, at: new Date() });
          if (v.ok || !v.subIndication) accepted.push(`${pos}:${bit}`);
        }
      expect({ name, accepted }).toEqual({ name, accepted: [] });
    }
  }, 120_000);

  it('never throws on junk: FORMAT_FAILURE, bounded', async () => {
    const imprint = sha256(Buffer.from('j'));
    const token = await dev.timestamp(imprint);
    const cases: Buffer[] = [Buffer.alloc(0), Buffer.from([0x30]), Buffer.from([0x30, 0x80, 0, 0]), randomBytes(500), token.subarray(0, token.length - 1), Buffer.concat([token, Buffer.from([0])]), Buffer.alloc(MAX_TOKEN_BYTES + 1, 0x30)];
    // 9 certificates in the token: refused by counting headers, before any parse
    const material = loadOrCreateDevTsa({ keysDir: mkdtempSync(join(tmpdir(), 'ecert-vtst9-')), now: new Date() });
    const nine = new DevTsa(material, () => new Date());
    (nine as unknown as { certs: Buffer }).certs = ctx(0, Buffer.concat(Array.from({ length: 9 }, () => material.certificate)));
    const crowded = verifyTimeStampToken({ token: tokenOf(nine.respond(imprint, Buffer.from([1]), new Date())), imprint, trustAnchors: [material.root], at: new Date() });
    expect(crowded).toMatchObject({ ok: false, subIndication: 'FORMAT_FAILURE' });
    expect(crowded.checks[0].detail).toMatch(/more than 8 certificates/);
    for (const c of cases) {
      const v = verifyTimeStampToken({ token: c, imprint, trustAnchors: dev.trustAnchors, at: new Date() });
      expect(v.ok).toBe(false);
      expect(v.subIndication).toBeDefined();
    }
    const [c0] = cases;
    expect(verifyTimeStampToken({ token: c0, imprint, trustAnchors: dev.trustAnchors, at: new Date() }).subIndication).toBe('FORMAT_FAILURE');
    expect(verifyTimeStampToken({ token: cases[6], imprint, trustAnchors: dev.trustAnchors, at: new Date() }).checks[0].detail).toMatch(/larger than/);
  });
});
