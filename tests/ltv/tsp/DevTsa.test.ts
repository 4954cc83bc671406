import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { certificatePem } from '../../../src/keys/pem';
import { createTimestamper } from '../../../src/ltv/tsp/createTimestamper';
import { verifyTimeStampToken } from '../../../src/ltv/tsp/verifyTimeStampToken';
import { buildCmsSignedData, cmsPlaceholderSize, SIGNATURE_TIMESTAMP_WRAPPING } from '../../../src/sign/buildCmsSignedData';
import { addSignatureTimestamp, signatureTimestampOf, signatureValueOf } from '../../../src/sign/addSignatureTimestamp';
import { opensslVerifiesToken } from '../../helpers/opensslTsa';
import { makeSealSigner } from '../../helpers/sealPki';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();
const clock = () => new Date();

describe('the embedded development TSA', () => {
  it('creates its key material once (NOT FOR PRODUCTION root, critical timeStamping EKU, 0600 keys) and reuses it', async () => {
    const keysDir = mkdtempSync(join(tmpdir(), 'ecert-devtsa-'));
    const a = createTimestamper({ keysDir, clock, passphrase: 'dev pass' });
    const files = readdirSync(join(keysDir, 'tsa')).sort();
    expect(files).toEqual(['README.txt', 'root.key', 'root.pem', 'tsa.key', 'tsa.pem']);
    for (const k of ['root.key', 'tsa.key']) {
      expect(statSync(join(keysDir, 'tsa', k)).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(keysDir, 'tsa', k), 'utf8')).toContain('ENCRYPTED PRIVATE KEY');
    }
    const root = new X509Certificate(a.trustAnchors[0]);
    expect(root.subject).toContain('ecert Development TSA Root (NOT FOR PRODUCTION)');
    const tsaCert = new X509Certificate(readFileSync(join(keysDir, 'tsa', 'tsa.pem')));
    expect(tsaCert.checkIssued(root)).toBe(true);
    expect(tsaCert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const text = (await import('node:child_process')).spawnSync('openssl', ['x509', '-noout', '-text', '-in', join(keysDir, 'tsa', 'tsa.pem')], { encoding: 'utf8' }).stdout;
    expect(text).toMatch(/X509v3 Extended Key Usage: critical\s+Time Stamping\s/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\s/);
    const pemBefore = readFileSync(join(keysDir, 'tsa', 'tsa.pem'), 'utf8');
    const b = createTimestamper({ keysDir, clock, passphrase: 'dev pass' });
    expect(readFileSync(join(keysDir, 'tsa', 'tsa.pem'), 'utf8')).toBe(pemBefore);
    expect(b.trustAnchors[0].equals(a.trustAnchors[0])).toBe(true);
    // a wrong passphrase is a key error, not new keys
    expect(() => createTimestamper({ keysDir, clock, passphrase: 'wrong' })).toThrow(/TSA key material/);
    expect(readFileSync(join(keysDir, 'tsa', 'tsa.pem'), 'utf8')).toBe(pemBefore);
  });

  it('its tokens pass openssl ts -verify with the development TSA root, over an imprint and inside a signed CMS', async () => {
    const keysDir = mkdtempSync(join(tmpdir(), 'ecert-devtsa-'));
    const ts = createTimestamper({ keysDir, clock });
    const rootPem = certificatePem(ts.trustAnchors[0]);
    const imprint = sha256(randomBytes(50));
    const token = await ts.timestamp(imprint);
    const o = opensslVerifiesToken(token, imprint, rootPem);
    expect(o.ok, o.output).toBe(true);
    const v = verifyTimeStampToken({ token, imprint, trustAnchors: ts.trustAnchors, at: new Date() });
    expect(v.ok, JSON.stringify(v.checks)).toBe(true);
    expect(v.tsaSubject).toContain('NOT FOR PRODUCTION');
    for (const alg of ['rsa', 'ecdsa'] as const) {
      const { signer } = makeSealSigner(alg);
      const cms = await buildCmsSignedData({ contentDigest: sha256(randomBytes(64)), signer });
      const stamped = await addSignatureTimestamp(cms, ts);
      const embedded = signatureTimestampOf(stamped)!;
      const e = opensslVerifiesToken(embedded, sha256(signatureValueOf(stamped)), rootPem);
      expect(e.ok, e.output).toBe(true);
      // the placeholder sized by the TSA's own reserve (as src/issue/buildCertificateDocument.ts does) holds the stamped CMS, with little to spare
      const placeholder = cmsPlaceholderSize(signer, { timestampReserve: ts.tokenReserve + SIGNATURE_TIMESTAMP_WRAPPING });
      expect(placeholder).toBeGreaterThan(stamped.length);
      expect(placeholder - stamped.length).toBeLessThan(256);
      expect(cmsPlaceholderSize(signer)).toBeGreaterThan(cms.length);
      console.log(`dev TSA token ${embedded.length} bytes; ${alg} CMS ${cms.length} → ${stamped.length} bytes with the signature timestamp`);
    }
  });

  it('replaces its TSA certificate a year before it expires, under the same root, once; older tokens still verify', async () => {
    const keysDir = mkdtempSync(join(tmpdir(), 'ecert-devtsa-renew-'));
    const t0 = new Date();
    const first = createTimestamper({ keysDir, passphrase: 'p', clock: () => t0 });
    const imprint = sha256(Buffer.from('renew'));
    const oldToken = await first.timestamp(imprint);
    const later = new Date(t0.getTime() + 9.5 * 365.25 * 86400_000);
    const second = createTimestamper({ keysDir, passphrase: 'p', clock: () => later });
    expect(second.trustAnchors[0].equals(first.trustAnchors[0])).toBe(true);
    const newToken = await second.timestamp(imprint);
    const v = verifyTimeStampToken({ token: newToken, imprint, trustAnchors: second.trustAnchors, at: later });
    expect(v.ok, JSON.stringify(v.checks)).toBe(true);
    const oldV = verifyTimeStampToken({ token: oldToken, imprint, trustAnchors: first.trustAnchors, at: t0 });
    expect(oldV.ok).toBe(true);
    expect(v.tsaCertificate!.equals(oldV.tsaCertificate!)).toBe(false);
    const files = readdirSync(join(keysDir, 'tsa'));
    expect(files.filter((f) => /^tsa-[0-9a-f]+\.pem$/.test(f))).toHaveLength(1);
    expect(files).toContain('tsa.pem'); // the first certificate is kept
    // loaded again at the same time: no second renewal
    const third = createTimestamper({ keysDir, passphrase: 'p', clock: () => later });
    const v3 = verifyTimeStampToken({ token: await third.timestamp(imprint), imprint, trustAnchors: third.trustAnchors, at: later });
    expect(v3.tsaCertificate!.equals(v.tsaCertificate!)).toBe(true);
    expect(readdirSync(join(keysDir, 'tsa')).filter((f) => /^tsa-[0-9a-f]+\.pem$/.test(f))).toHaveLength(1);
  });

  it('cost per token (no timing assertion)', async () => {
    const keysDir = mkdtempSync(join(tmpdir(), 'ecert-devtsa-'));
    const ts = createTimestamper({ keysDir, clock });
    const imprint = sha256(Buffer.from('warm'));
    for (let i = 0; i < 50; i++) await ts.timestamp(imprint);
    const n = 2000;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await ts.timestamp(imprint);
    const wall = (performance.now() - t0) / n;
    const cpu = process.cpuUsage(cpu0);
    console.log(`dev TSA: ${(wall * 1000).toFixed(0)} µs wall, ${((cpu.user + cpu.system) / n).toFixed(0)} µs CPU per checked token (${n} tokens)`);
    const { signer } = makeSealSigner('ecdsa');
    const cms = await buildCmsSignedData({ contentDigest: sha256(randomBytes(64)), signer });
    const t1 = performance.now();
    for (let i = 0; i < 500; i++) await addSignatureTimestamp(cms, ts);
    console.log(`addSignatureTimestamp with the dev TSA: ${(((performance.now() - t1) / 500) * 1000).toFixed(0)} µs per CMS`);
  });
});
