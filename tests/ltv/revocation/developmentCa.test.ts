import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyMaterial, readKeyIndex } from '../../../src/keys';
import { markCompromised } from '../../../src/keys/keyLifecycle';
import { readPemCertificates } from '../../../src/keys/pem';
import { buildOcspRequest, checkRevocation, createDevelopmentCa, createRevocationSource, ocspResponseNonce } from '../../../src/ltv/revocation';
import { octets } from '../../../src/sign/der';
import { makeCertificate } from '../../../src/keys/x509';
import { certificatePem } from '../../../src/keys/pem';
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';

/**
 * The development CA (src/ltv/revocation/developmentCa.ts): its OCSP responses and CRLs are
 * checked by `openssl ocsp` and `openssl crl`, and by our checkRevocation; revocation comes
 * from `ecert keys revoke` (keys/compromised.json), read again on each answer.
 */
const seals = [
  { id: 'sealA', name: '测试印章甲', bodyName: '测试机构' },
  { id: 'sealB', name: '测试印章乙', bodyName: '测试机构' },
];
// openssl checks thisUpdate/nextUpdate against the real clock: times around the real now
const DAY = 86_400_000;
const NOW = Math.floor(Date.now() / 1000) * 1000;
const at = (days: number) => new Date(NOW + days * DAY);
const T0 = at(-90);
/** openssl's ASN1_TIME_print form: "May  1 00:00:00 2026 GMT". */
const opensslTime = (d: Date) => {
  const m = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  return `${m} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)} ${d.getUTCFullYear()} GMT`;
};
const openssl = (args: string[], input?: Buffer) => {
  const r = spawnSync('openssl', args, { input, encoding: 'latin1' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
};

let dir: string;
let foreign: string;
let work: string;
let root: Buffer;
let sealA: Buffer;
let sealB: Buffer;
let rootId: string;
const pem = (d: string, rel: string) => readPemCertificates(readFileSync(join(d, rel), 'utf8'))[0];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecert-rev-'));
  foreign = mkdtempSync(join(tmpdir(), 'ecert-rev-foreign-'));
  work = mkdtempSync(join(tmpdir(), 'ecert-rev-work-'));
  await generateKeyMaterial({ dir, alg: 'ecdsa', seals, now: T0, publicUrl: 'http://127.0.0.1:9/base' });
  await generateKeyMaterial({ dir: foreign, alg: 'ecdsa', seals, now: T0 });
  const idx = readKeyIndex(dir);
  rootId = idx.root;
  root = pem(dir, `roots/${idx.root}.cert.pem`);
  sealA = pem(dir, `seals/sealA/${idx.seals.sealA}.cert.pem`);
  sealB = pem(dir, `seals/sealB/${idx.seals.sealB}.cert.pem`);
  writeFileSync(join(work, 'root.pem'), readFileSync(join(dir, `roots/${idx.root}.cert.pem`)));
  writeFileSync(join(work, 'sealA.pem'), readFileSync(join(dir, `seals/sealA/${idx.seals.sealA}.cert.pem`)));
  writeFileSync(join(work, 'sealB.pem'), readFileSync(join(dir, `seals/sealB/${idx.seals.sealB}.cert.pem`)));
});
afterAll(() => {
  for (const d of [dir, foreign, work]) rmSync(d, { recursive: true, force: true });
});

describe('development CA', () => {
  it('seal certificates name the CRL distribution point and the OCSP responder (openssl x509 -text)', () => {
    const r = openssl(['x509', '-in', join(work, 'sealA.pem'), '-noout', '-text']);
    expect(r.out).toContain('X509v3 CRL Distribution Points');
    expect(r.out).toContain(`URI:http://127.0.0.1:9/base/pki/crl/${rootId}.crl`);
    expect(r.out).toMatch(/Authority Information Access:\s*\n\s*OCSP - URI:http:\/\/127\.0\.0\.1:9\/base\/pki\/ocsp/);
  });

  it('OCSP: good, then revoked after `keys revoke`; openssl ocsp verifies both; nonce echoed', () => {
    const ca = createDevelopmentCa({ keysDir: dir });
    const now = at(-1);
    const { der: req, nonce } = buildOcspRequest(sealA, root);
    const good = ca.respondOcsp(req, now);
    expect(ocspResponseNonce(good)).toEqual(octets(nonce!));
    writeFileSync(join(work, 'good.der'), good);
    let r = openssl(['ocsp', '-respin', join(work, 'good.der'), '-issuer', join(work, 'root.pem'), '-cert', join(work, 'sealA.pem'), '-CAfile', join(work, 'root.pem'), '-resp_text', '-no_nonce']);
    expect(r.out).toContain('Response verify OK');
    expect(r.out).toMatch(/sealA\.pem: good/);
    expect(r.out).toContain('Responder Id: ');
    expect(r.out).toContain('OCSP Nonce');
    const c = checkRevocation({ cert: sealA, issuer: root, data: { ocsps: [good], crls: [] }, at: now });
    expect(c.status).toBe('good');
    expect(c.source).toBe('ocsp');
    expect(c.producedAt?.toISOString()).toBe(now.toISOString());

    const since = at(-30);
    markCompromised(dir, 'sealA', since, now);
    const revoked = ca.respondOcsp(buildOcspRequest(sealA, root, { hash: 'sha256' }).der, now);
    writeFileSync(join(work, 'revoked.der'), revoked);
    r = openssl(['ocsp', '-respin', join(work, 'revoked.der'), '-issuer', join(work, 'root.pem'), '-sha256', '-cert', join(work, 'sealA.pem'), '-CAfile', join(work, 'root.pem'), '-resp_text', '-no_nonce']);
    expect(r.out).toContain('Response verify OK');
    expect(r.out).toMatch(/sealA\.pem: revoked/);
    expect(r.out).toContain('Reason: keyCompromise');
    expect(r.out).toContain(`Revocation Time: ${opensslTime(since)}`);
    const rc = checkRevocation({ cert: sealA, issuer: root, data: { ocsps: [revoked], crls: [] }, at: now });
    expect(rc).toMatchObject({ status: 'revoked', source: 'ocsp' });
    expect(rc.revokedAt?.toISOString()).toBe(since.toISOString());
    // a signature time-stamped before the compromise: the certificate was good then
    const before = checkRevocation({ cert: sealA, issuer: root, data: { ocsps: [revoked], crls: [] }, at: at(-60) });
    expect(before.status).toBe('good');
    expect(before.revokedAt?.toISOString()).toBe(since.toISOString());
    // the other seal is still good
    const b = ca.respondOcsp(buildOcspRequest(sealB, root).der, now);
    expect(checkRevocation({ cert: sealB, issuer: root, data: { ocsps: [b], crls: [] }, at: now }).status).toBe('good');
  });

  it('CRL: openssl crl verifies it and lists the revoked serial; checkRevocation agrees', () => {
    const ca = createDevelopmentCa({ keysDir: dir });
    const now = at(-0.9);
    const crl = ca.buildCrl(rootId, now)!;
    writeFileSync(join(work, 'x.crl'), crl);
    const v = openssl(['crl', '-inform', 'DER', '-in', join(work, 'x.crl'), '-CAfile', join(work, 'root.pem'), '-noout']);
    expect(v.out).toContain('verify OK');
    const t = openssl(['crl', '-inform', 'DER', '-in', join(work, 'x.crl'), '-noout', '-text']);
    const serialA = openssl(['x509', '-in', join(work, 'sealA.pem'), '-noout', '-serial']).out.trim().split('=')[1];
    const serialB = openssl(['x509', '-in', join(work, 'sealB.pem'), '-noout', '-serial']).out.trim().split('=')[1];
    expect(t.out.replace(/\s/g, '').toUpperCase()).toContain(`SERIALNUMBER:${serialA}`);
    expect(t.out.replace(/\s/g, '').toUpperCase()).not.toContain(`SERIALNUMBER:${serialB}`);
    expect(t.out).toContain('Key Compromise');
    expect(t.out).toContain('X509v3 CRL Number');
    expect(t.out).toContain(`Next Update: ${opensslTime(new Date(now.getTime() + 7 * DAY))}`);
    expect(checkRevocation({ cert: sealA, issuer: root, data: { ocsps: [], crls: [crl] }, at: now })).toMatchObject({ status: 'revoked', source: 'crl' });
    expect(checkRevocation({ cert: sealB, issuer: root, data: { ocsps: [], crls: [crl] }, at: now })).toMatchObject({ status: 'good', source: 'crl' });
    expect(ca.buildCrl('0123456789abcdef', now)).toBeUndefined();
  });

  it('unknown serials, foreign issuers, malformed requests', () => {
    const ca = createDevelopmentCa({ keysDir: dir });
    const now = at(-0.8);
    const fidx = readKeyIndex(foreign);
    const fRoot = pem(foreign, `roots/${fidx.root}.cert.pem`);
    const fSeal = pem(foreign, `seals/sealA/${fidx.seals.sealA}.cert.pem`);
    // a CertID of our root with a serial it never issued → unknown
    const fakeSerial = buildOcspRequest(fSeal, root).der;
    const unknown = ca.respondOcsp(fakeSerial, now);
    writeFileSync(join(work, 'unknown.der'), unknown);
    writeFileSync(join(work, 'fseal.pem'), readFileSync(join(foreign, `seals/sealA/${fidx.seals.sealA}.cert.pem`)));
    const r = openssl(['ocsp', '-respin', join(work, 'unknown.der'), '-issuer', join(work, 'root.pem'), '-cert', join(work, 'fseal.pem'), '-CAfile', join(work, 'root.pem'), '-resp_text', '-no_nonce']);
    expect(r.out).toContain('Response verify OK');
    expect(r.out).toMatch(/fseal\.pem: unknown/);
    // another issuer entirely → unauthorized (RFC 6960 §2.3)
    expect(ca.respondOcsp(buildOcspRequest(fSeal, fRoot).der, now)).toEqual(Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x06]));
    // garbage → malformedRequest
    for (const g of [Buffer.from('hello'), Buffer.from([0x30, 0x00]), Buffer.from([0x30, 0x82, 0xff, 0xff]), Buffer.alloc(0)])
      expect(ca.respondOcsp(g, now)).toEqual(Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x01]));
  });

  it('any certificate of the root kept in keys/ (e.g. a development TSA certificate) is known: good, not unknown', () => {
    const rootKey = createPrivateKey(readFileSync(join(dir, 'roots', `${rootId}.key.pem`)));
    const k = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const tsa = makeCertificate({
      subject: { cn: 'ecert Development TSA (NOT FOR PRODUCTION)' },
      issuer: { cn: 'ecert Development Root CA (NOT FOR PRODUCTION)', o: 'ecert development', c: 'CN' },
      publicKey: k.publicKey,
      issuerKey: rootKey,
      issuerPublicKey: createPublicKey(rootKey),
      serial: randomBytes(8),
      notBefore: at(-2),
      notAfter: at(300),
      ca: false,
    });
    const ca = createDevelopmentCa({ keysDir: dir });
    const now = at(-0.75);
    expect(checkRevocation({ cert: tsa, issuer: root, data: { ocsps: [ca.respondOcsp(buildOcspRequest(tsa, root).der, now)], crls: [] }, at: now }).status).toBe('unknown');
    mkdirSync(join(dir, 'tsa'), { recursive: true });
    writeFileSync(join(dir, 'tsa', 'dev.cert.pem'), certificatePem(tsa));
    expect(checkRevocation({ cert: tsa, issuer: root, data: { ocsps: [ca.respondOcsp(buildOcspRequest(tsa, root).der, now)], crls: [] }, at: now }).status).toBe('good');
  });

  it('checkRevocation refuses another key’s response, another certificate’s CertID, another issuer’s CRL', async () => {
    const now = at(-0.7);
    const fidx = readKeyIndex(foreign);
    const fRoot = pem(foreign, `roots/${fidx.root}.cert.pem`);
    const fSeal = pem(foreign, `seals/sealB/${fidx.seals.sealB}.cert.pem`);
    const fca = createDevelopmentCa({ keysDir: foreign });
    // the foreign root has the same name as ours: a response it signs for our seal B's CertID (computed with our root)
    const forged = fca.respondOcsp(buildOcspRequest(fSeal, fRoot).der, now);
    let c = checkRevocation({ cert: sealB, issuer: root, data: { ocsps: [forged], crls: [] }, at: now });
    expect(c.status).toBe('unknown');
    expect(c.checks.find((x) => x.id === 'ocsp.signature')?.passed).toBe(false);
    // a genuine response of ours, but for seal B, presented for seal A
    const ca = createDevelopmentCa({ keysDir: dir });
    const forB = ca.respondOcsp(buildOcspRequest(sealB, root).der, now);
    c = checkRevocation({ cert: sealA, issuer: root, data: { ocsps: [forB], crls: [] }, at: now });
    expect(c.status).toBe('unknown');
    expect(c.checks.find((x) => x.id === 'ocsp.certId')?.passed).toBe(false);
    // a CRL of the look-alike root (same issuer name, other key)
    const fCrl = fca.buildCrl(fidx.root, now)!;
    c = checkRevocation({ cert: sealB, issuer: root, data: { ocsps: [], crls: [fCrl] }, at: now });
    expect(c.status).toBe('unknown');
    expect(c.checks.find((x) => x.id === 'crl.signature')?.passed).toBe(false);
    // a CRL of an issuer with another name
    const other = mkdtempSync(join(tmpdir(), 'ecert-rev-other-'));
    try {
      const o = await generateOtherNamedRoot(other);
      c = checkRevocation({ cert: sealB, issuer: root, data: { ocsps: [], crls: [o] }, at: now });
      expect(c.status).toBe('unknown');
      expect(c.checks.find((x) => x.id === 'crl.issuer')?.passed).toBe(false);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
    // stale data says nothing for a later time; garbage is reported, not thrown
    const old = ca.respondOcsp(buildOcspRequest(sealB, root).der, at(-20));
    expect(checkRevocation({ cert: sealB, issuer: root, data: { ocsps: [old], crls: [] }, at: now }).status).toBe('unknown');
    c = checkRevocation({ cert: sealB, issuer: root, data: { ocsps: [Buffer.from('junk')], crls: [Buffer.from([0x30, 0x00])] }, at: now });
    expect(c.status).toBe('unknown');
    expect(c.checks.map((x) => x.id)).toEqual(expect.arrayContaining(['ocsp.parse', 'crl.parse']));
  });

  it('createRevocationSource answers in process for our roots (no HTTP), reading keys/compromised.json each time', async () => {
    const noFetch = (() => {
      throw new Error('no HTTP expected');
    }) as unknown as typeof fetch;
    let now = at(-0.6);
    const src = createRevocationSource({ keysDir: dir, clock: () => now, fetch: noFetch });
    const d = await src.fetch(sealB, root);
    expect(d.ocsps).toHaveLength(1);
    expect(d.crls).toHaveLength(1);
    expect(checkRevocation({ cert: sealB, issuer: root, data: d, at: now }).status).toBe('good');
    now = at(-0.4);
    markCompromised(dir, 'sealB', at(-0.5), now);
    const d2 = await src.fetch(sealB, root);
    const r = checkRevocation({ cert: sealB, issuer: root, data: d2, at: now });
    expect(r).toMatchObject({ status: 'revoked', source: 'ocsp' });
    expect(r.revokedAt?.toISOString()).toBe(at(-0.5).toISOString());
  });
});

describe('development CA after a rotation', () => {
  it('an archived root key still answers for the certificates it issued (with the passphrase)', async () => {
    const d = mkdtempSync(join(tmpdir(), 'ecert-rev-rot-'));
    try {
      await generateKeyMaterial({ dir: d, alg: 'ecdsa', seals, now: at(-10), passphrase: 'pw' });
      const old = readKeyIndex(d);
      const oldRoot = pem(d, `roots/${old.root}.cert.pem`);
      const oldSeal = pem(d, `seals/sealA/${old.seals.sealA}.cert.pem`);
      await generateKeyMaterial({ dir: d, alg: 'ecdsa', seals, now: at(-1), passphrase: 'pw', force: true, retire: 'archive' });
      expect(readKeyIndex(d).root).not.toBe(old.root);
      const now = at(-0.5);
      const data = await createRevocationSource({ keysDir: d, passphrase: 'pw', clock: () => now }).fetch(oldSeal, oldRoot);
      expect(checkRevocation({ cert: oldSeal, issuer: oldRoot, data, at: now })).toMatchObject({ status: 'good', source: 'ocsp' });
      // without the passphrase the archived key cannot be read, and the certificate names no URL
      await expect(createRevocationSource({ keysDir: d, clock: () => now }).fetch(oldSeal, oldRoot)).rejects.toMatchObject({ code: 'ERR_REVOCATION_UNAVAILABLE' });
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});

/** A CRL from a root with another name (openssl req + openssl ca -gencrl). */
async function generateOtherNamedRoot(d: string): Promise<Buffer> {
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: d, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
  };
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-subj', '/CN=Other CA', '-days', '30']);
  writeFileSync(join(d, 'index.txt'), '');
  writeFileSync(join(d, 'ca.cnf'), `[ca]\ndefault_ca=d\n[d]\ndatabase=${d}/index.txt\ncrlnumber=${d}/crlnumber\ndefault_md=sha256\ndefault_crl_days=7\n`);
  writeFileSync(join(d, 'crlnumber'), '01\n');
  run(['ca', '-config', 'ca.cnf', '-gencrl', '-keyfile', 'k.pem', '-cert', 'c.pem', '-out', 'crl.pem']);
  run(['crl', '-in', 'crl.pem', '-outform', 'DER', '-out', 'crl.der']);
  return readFileSync(join(d, 'crl.der'));
}
