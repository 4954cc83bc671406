import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OID } from '../../../src/sign/constants';
import { buildCmsSignedData } from '../../../src/sign/buildCmsSignedData';
import { LocalKeySigner } from '../../../src/sign/LocalKeySigner';
import { children, int, nullValue, oid, readTlv, seq, setOf, time } from '../../../src/sign/der';
import { encodeName, makeCertificate, signatureAlgorithm } from '../../../src/keys/x509';
import { verifyCms } from '../../../src/verify/cms/verifyCms';
import { DevTsa } from '../../../src/ltv/tsp/DevTsa';
import { loadOrCreateDevTsa } from '../../../src/ltv/tsp/devTsaMaterial';
import { signatureValueOf, withUnsignedAttributes } from '../../../src/sign/addSignatureTimestamp';

const devTsa = new DevTsa(loadOrCreateDevTsa({ keysDir: mkdtempSync(join(tmpdir(), 'ecert-cmsdiff-tsa-')), now: new Date() }), () => new Date());

/**
 * Issue #10, CMS strictness: our verifier and OpenSSL's `cms -verify` (the same call as
 * tests/sign/pdfSignature.independent.test.ts) judge the same mutated CMS values; there must
 * be no value we accept and OpenSSL refuses. One genuine CMS is signed per algorithm per
 * run (src/sign/buildCmsSignedData.ts, keys generated here); each class below rebuilds it
 * as a tree of elements with one change. Where the change is inside the signed attributes,
 * the signature is made again with the test key — over the DER re-encoding (what RFC 5652
 * §5.4 and OpenSSL verify) or over the bytes as written — so that only the encoding differs.
 */

// ------------------------------------------------------------------ a tree of elements (X.690)

interface Node {
  tag: number;
  kids?: Node[];
  raw?: Buffer;
  /** 'long': a two-octet long-form length whatever the size; 'indef': indefinite length. */
  form?: 'long' | 'indef';
  /** Bytes written as they are (an element kept in a non-DER encoding). */
  verbatim?: Buffer;
}

function parse(b: Buffer, at = 0): { node: Node; end: number } {
  const tag = b[at];
  let len = b[at + 1];
  let p = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p + i];
    p += n;
  }
  const end = p + len;
  if (tag & 0x20) {
    const kids: Node[] = [];
    for (let q = p; q < end; ) {
      const k = parse(b, q);
      kids.push(k.node);
      q = k.end;
    }
    return { node: { tag, kids }, end };
  }
  return { node: { tag, raw: Buffer.from(b.subarray(p, end)) }, end };
}

function enc(n: Node): Buffer {
  if (n.verbatim) return n.verbatim;
  const content = n.kids ? Buffer.concat(n.kids.map(enc)) : n.raw!;
  const len = content.length;
  if (n.form === 'indef') return Buffer.concat([Buffer.from([n.tag | 0x20, 0x80]), content, Buffer.from([0, 0])]);
  if (n.form === 'long') {
    const head = len < 0x10000 ? Buffer.from([n.tag, 0x82, len >> 8, len & 0xff]) : Buffer.from([n.tag, 0x83, len >> 16, (len >> 8) & 0xff, len & 0xff]);
    if (len >= 0x100 && len < 0x10000) return Buffer.concat([Buffer.from([n.tag, 0x83, 0, len >> 8, len & 0xff]), content]); // leading zero octet
    return Buffer.concat([head, content]);
  }
  const head = len < 0x80 ? Buffer.from([n.tag, len]) : len < 0x100 ? Buffer.from([n.tag, 0x81, len]) : len < 0x10000 ? Buffer.from([n.tag, 0x82, len >> 8, len & 0xff]) : Buffer.from([n.tag, 0x83, len >> 16, (len >> 8) & 0xff, len & 0xff]);
  return Buffer.concat([head, content]);
}

const clone = (n: Node): Node => ({ ...(n.verbatim ? { verbatim: n.verbatim } : {}), tag: n.tag, ...(n.kids ? { kids: n.kids.map(clone) } : {}), ...(n.raw ? { raw: Buffer.from(n.raw) } : {}), ...(n.form ? { form: n.form } : {}) });
/** The same tree with every length definite and minimal. */
const plain = (n: Node): Node => ({ tag: n.tag, ...(n.kids ? { kids: n.kids.map(plain) } : {}), ...(n.raw ? { raw: n.raw } : {}) });
const leaf = (der: Buffer): Node => parse(der).node;

/** Paths into ContentInfo { oid, [0] { SignedData { version, digestAlgs, encap, [0] certs, signerInfos { SignerInfo } } } }. */
const sd = (t: Node) => t.kids![1].kids![0];
const si = (t: Node) => sd(t).kids!.find((k) => k.tag === 0x31 && k !== sd(t).kids![1])!.kids![0];
const SI = { version: 0, sid: 1, digestAlg: 2, attrs: 3, sigAlg: 4, signature: 5 };
const attrs = (t: Node) => si(t).kids![SI.attrs];
const attrOf = (t: Node, type: string) => attrs(t).kids!.find((a) => enc(a.kids![0]).equals(oid(type)))!;

// ------------------------------------------------------------------ keys, the genuine CMS

function pki(alg: 'rsa' | 'ecdsa') {
  const root = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rootName = { cn: 'Differential Root', c: 'CN' };
  const notBefore = new Date(Date.now() - 86400_000);
  const rootCert = makeCertificate({ subject: rootName, publicKey: root.publicKey, issuerKey: root.privateKey, serial: Buffer.from([1]), notBefore, notAfter: new Date('2050-01-01T00:00:00Z'), ca: true });
  const seal = alg === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const sealCert = makeCertificate({ subject: { cn: '差分测试专用章', o: '测试', c: 'CN' }, issuer: rootName, publicKey: seal.publicKey, issuerKey: root.privateKey, issuerPublicKey: root.publicKey, serial: Buffer.from([0x42, 0x17]), notBefore, notAfter: new Date('2045-01-01T00:00:00Z'), ca: false });
  // a CRL of the root (RFC 5280 §5.1), valid DER, for the "crls" classes
  const tbsCrl = seq(int(1), signatureAlgorithm(root.privateKey), encodeName(rootName), time(notBefore), time(new Date(Date.now() + 30 * 86400_000)));
  const crl = seq(tbsCrl, signatureAlgorithm(root.privateKey), Buffer.concat([Buffer.from([0x03]), lenOf(sign('sha256', tbsCrl, { key: root.privateKey, dsaEncoding: 'der' }).length + 1), Buffer.from([0]), sign('sha256', tbsCrl, { key: root.privateKey, dsaEncoding: 'der' })]));
  return { rootCert, rootKey: root.privateKey, sealCert, sealKey: seal.privateKey, crl };
}
function lenOf(n: number): Buffer {
  return n < 0x80 ? Buffer.from([n]) : Buffer.from([0x81, n]);
}

interface Case {
  cls: string;
  cms: Buffer;
}

/** Sign the signed attributes of `t` again: over their DER re-encoding (default) or over the bytes as written. */
function resign(t: Node, key: KeyObject, over: 'der' | 'written' = 'der'): Node {
  const a = attrs(t);
  let bytes: Buffer;
  if (over === 'written') bytes = enc(a);
  else {
    const sorted = a.kids!.map((k) => enc(plain(k))).sort(Buffer.compare);
    bytes = enc({ tag: 0x31, raw: Buffer.concat(sorted) });
  }
  bytes = Buffer.from(bytes);
  bytes[0] = 0x31;
  si(t).kids![SI.signature] = { tag: 0x04, raw: sign('sha256', bytes, { key, dsaEncoding: 'der' }) };
  return t;
}

function mutations(base: Buffer, k: ReturnType<typeof pki>, alg: 'rsa' | 'ecdsa'): Case[] {
  const out: Case[] = [];
  const add = (cls: string, f: (t: Node) => Node | Buffer) => {
    const r = f(clone(leaf(base)));
    out.push({ cls, cms: Buffer.isBuffer(r) ? r : enc(r) });
  };
  const key = k.sealKey;
  const otherAlg = alg === 'rsa' ? seq(oid(OID.ecdsaWithSHA256)) : seq(oid(OID.sha256WithRSAEncryption), nullValue());
  const digestOf = (t: Node) => attrOf(t, OID.messageDigest).kids![1].kids![0];

  add('genuine', (t) => t);
  // --- lengths in long form (X.690 §10.1)
  add('long length: ContentInfo', (t) => ({ ...t, form: 'long' }));
  add('long length: SignedData', (t) => ((sd(t).form = 'long'), t));
  add('long length: signerInfos', (t) => ((sd(t).kids![sd(t).kids!.length - 1].form = 'long'), t));
  add('long length: signature', (t) => ((si(t).kids![SI.signature].form = 'long'), t));
  add('long length: version', (t) => ((sd(t).kids![0].form = 'long'), t));
  add('long length: signedAttrs, signed over DER', (t) => resign(((attrs(t).form = 'long'), t), key));
  add('long length: signedAttrs, signed as written', (t) => resign(((attrs(t).form = 'long'), t), key, 'written'));
  add('long length: message-digest value, signed over DER', (t) => resign(((digestOf(t).form = 'long'), t), key));
  add('long length: message-digest value, signed as written', (t) => resign(((digestOf(t).form = 'long'), t), key, 'written'));
  add('long length: certificate', (t) => ((sd(t).kids![3].kids![0].form = 'long'), t));
  // --- indefinite lengths (X.690 §8.1.3.6, BER only)
  add('indefinite: ContentInfo', (t) => ({ ...t, form: 'indef' }));
  add('indefinite: SignedData', (t) => ((sd(t).form = 'indef'), t));
  add('indefinite: signedAttrs, signed over DER', (t) => resign(((attrs(t).form = 'indef'), t), key));
  // --- signed attributes: order, duplicates, values
  add('attribute order reversed, signed over DER', (t) => resign(((attrs(t).kids = [...attrs(t).kids!].reverse()), t), key));
  add('attribute order reversed, signed as written', (t) => resign(((attrs(t).kids = [...attrs(t).kids!].reverse()), t), key, 'written'));
  add('duplicate content-type attribute', (t) => resign(((attrs(t).kids = [...attrs(t).kids!, clone(attrOf(t, OID.contentType))]), t), key));
  add('duplicate message-digest attribute', (t) => resign(((attrs(t).kids = [...attrs(t).kids!, clone(attrOf(t, OID.messageDigest))]), t), key));
  add('two values in message-digest', (t) => resign(((attrOf(t, OID.messageDigest).kids![1].kids = [digestOf(t), clone(digestOf(t))]), t), key));
  add('content-type attribute is signedData', (t) => resign(((attrOf(t, OID.contentType).kids![1].kids = [leaf(oid(OID.signedData))]), t), key));
  add('message-digest altered, signed', (t) => resign(((digestOf(t).raw![0] ^= 1), t), key));
  add('message-digest altered, not signed again', (t) => ((digestOf(t).raw![0] ^= 1), t));
  add('signing-certificate-v2 removed', (t) => resign(((attrs(t).kids = attrs(t).kids!.filter((a) => !enc(a.kids![0]).equals(oid(OID.signingCertificateV2)))), t), key));
  const signingTime = leaf(seq(oid(OID.signingTime), Buffer.concat([Buffer.from([0x31]), lenOf(time(new Date()).length), time(new Date())])));
  const sortedWith = (t: Node, extra: Node) => [...attrs(t).kids!, extra].sort((x, y) => Buffer.compare(enc(x), enc(y)));
  add('signing-time added (DER order)', (t) => resign(((attrs(t).kids = sortedWith(t, signingTime)), t), key));
  add('signing-time added at the end (not DER order)', (t) => resign(((attrs(t).kids = [...attrs(t).kids!, signingTime]), t), key));
  add('signedAttrs tagged SET instead of [0]', (t) => resign(((attrs(t).tag = 0x31), t), key));
  add('content-type OID with a padded subidentifier', (t) => resign(((attrOf(t, OID.contentType).kids![1].kids = [{ tag: 0x06, raw: Buffer.concat([Buffer.from([0x2a, 0x80]), oid(OID.data).subarray(3)]) }]), t), key, 'written'));
  // --- algorithms
  add('signature algorithm of the other key type', (t) => ((si(t).kids![SI.sigAlg] = leaf(otherAlg)), t));
  add('signature algorithm with SHA-384 over a SHA-256 digest', (t) => ((si(t).kids![SI.sigAlg] = leaf(alg === 'rsa' ? seq(oid(OID.sha384WithRSAEncryption), nullValue()) : seq(oid(OID.ecdsaWithSHA384)))), t));
  add('signature algorithm RSASSA-PSS', (t) => ((si(t).kids![SI.sigAlg] = leaf(seq(oid('1.2.840.113549.1.1.10'), seq()))), t));
  add('signature algorithm sha256WithRSAEncryption / ecdsa-with-SHA256 (same key type)', (t) => ((si(t).kids![SI.sigAlg] = leaf(alg === 'rsa' ? seq(oid(OID.sha256WithRSAEncryption), nullValue()) : seq(oid(OID.ecdsaWithSHA256)))), t));
  add('signature algorithm parameters changed', (t) => ((si(t).kids![SI.sigAlg] = leaf(alg === 'rsa' ? seq(oid(OID.rsaEncryption), int(0)) : seq(oid(OID.ecdsaWithSHA256), nullValue()))), t));
  add('digest algorithm SHA-384 in the SignerInfo', (t) => ((si(t).kids![SI.digestAlg] = leaf(seq(oid(OID.sha384)))), t));
  add('digest algorithm SHA-1 everywhere', (t) => ((si(t).kids![SI.digestAlg] = leaf(seq(oid(OID.sha1)))), (sd(t).kids![1].kids = [leaf(seq(oid(OID.sha1)))]), t));
  add('digestAlgorithms without the one used', (t) => ((sd(t).kids![1].kids = [leaf(seq(oid(OID.sha512)))]), t));
  add('digest algorithm with junk parameters', (t) => ((si(t).kids![SI.digestAlg] = leaf(seq(oid(OID.sha256), int(7)))), t));
  // --- versions
  add('SignedData version 3', (t) => ((sd(t).kids![0] = leaf(int(3))), t));
  add('SignedData version 5', (t) => ((sd(t).kids![0] = leaf(int(5))), t));
  add('SignerInfo version 3', (t) => ((si(t).kids![SI.version] = leaf(int(3))), t));
  add('version INTEGER not minimal', (t) => ((sd(t).kids![0] = { tag: 0x02, raw: Buffer.from([0, 1]) }), t));
  // --- certificates
  add('extra certificate (the root)', (t) => ((sd(t).kids![3].kids = [...sd(t).kids![3].kids!, leaf(k.rootCert)]), t));
  add('extra certificate that is junk', (t) => ((sd(t).kids![3].kids = [...sd(t).kids![3].kids!, leaf(seq(int(1), int(2)))]), t));
  add('nine certificates', (t) => ((sd(t).kids![3].kids = Array.from({ length: 9 }, () => leaf(k.sealCert))), t));
  add('no certificates', (t) => ((sd(t).kids = sd(t).kids!.filter((x) => x.tag !== 0xa0)), t));
  // the signer certificate re-encoded with a BER detail and signed again by the root over the bytes
  // as written (so its signature holds), the signing-certificate-v2 hash updated and the
  // signed attributes signed again: only the encoding of the certificate differs
  const reissued = (t: Node, change: (tbs: Node) => void) => {
    const cert = clone(leaf(k.sealCert));
    change(cert.kids![0]);
    cert.kids![2] = { tag: 0x03, raw: Buffer.concat([Buffer.from([0]), sign('sha256', enc(cert.kids![0]), { key: k.rootKey, dsaEncoding: 'der' })]) };
    const der = enc(cert);
    sd(t).kids![3].kids = [{ tag: 0x30, verbatim: der }];
    const hash = attrOf(t, OID.signingCertificateV2).kids![1].kids![0].kids![0].kids![0].kids![0]; // certs[0].certHash
    hash.raw = createHash('sha256').update(der).digest();
    return resign(t, key);
  };
  add('signer certificate with a BER BOOLEAN (re-signed by the root)', (t) => reissued(t, (tbs) => (tbs.kids![7].kids![0].kids![0].kids![1].raw = Buffer.from([0x01]))));
  add('signer certificate with a long-form length (re-signed by the root)', (t) => reissued(t, (tbs) => (tbs.kids![5].form = 'long')));
  add('signer certificate re-signed by the root, DER (control)', (t) => reissued(t, () => undefined));
  add('certificates unsorted with the root first', (t) => ((sd(t).kids![3].kids = [leaf(k.rootCert), ...sd(t).kids![3].kids!]), t));
  // --- crls
  add('crls junk', (t) => (sd(t).kids!.splice(4, 0, { tag: 0xa1, kids: [leaf(seq(int(1)))] }), t));
  add('crls with a valid CRL', (t) => (sd(t).kids!.splice(4, 0, { tag: 0xa1, kids: [leaf(k.crl)] }), t));
  add('crls empty', (t) => (sd(t).kids!.splice(4, 0, { tag: 0xa1, kids: [] }), t));
  // --- unsigned attributes
  add('unsignedAttrs junk', (t) => (si(t).kids!.push({ tag: 0xa1, kids: [leaf(int(5))] }), t));
  add('unsignedAttrs empty', (t) => (si(t).kids!.push({ tag: 0xa1, kids: [] }), t));
  add('unsignedAttrs attribute without values', (t) => (si(t).kids!.push({ tag: 0xa1, kids: [leaf(seq(oid('1.2.3.4'), Buffer.from([0x31, 0])))] }), t));
  add('unsignedAttrs with a BER boolean', (t) => (si(t).kids!.push({ tag: 0xa1, kids: [leaf(seq(oid('1.2.3.4'), Buffer.from([0x31, 3, 0x01, 0x01, 0x01])))] }), t));
  add('unsignedAttrs well formed', (t) => (si(t).kids!.push({ tag: 0xa1, kids: [leaf(seq(oid('1.2.3.4'), Buffer.from([0x31, 2, 0x05, 0x00])))] }), t));
  // PAdES B-T (ETSI EN 319 142-1 §5.3): the one unsigned attribute we accept, a development-TSA token over the signature value
  const stamp = () => {
    const resp = devTsa.respond(createHash('sha256').update(signatureValueOf(base)).digest(), Buffer.from([1]), new Date());
    const tokenTlv = children(resp, readTlv(resp, 0))[1];
    return seq(oid(OID.signatureTimeStampToken), setOf(resp.subarray(tokenTlv.start, tokenTlv.end)));
  };
  add('unsignedAttrs signature timestamp', () => withUnsignedAttributes(base, [stamp()]));
  add('unsignedAttrs signature timestamp and another attribute', () => withUnsignedAttributes(base, [stamp(), seq(oid('1.2.3.4'), Buffer.from([0x31, 2, 0x05, 0x00]))].sort(Buffer.compare)));
  // --- trailing bytes, tags
  add('trailing bytes after ContentInfo', () => Buffer.concat([base, Buffer.from([0, 0])]));
  add('trailing junk after ContentInfo', () => Buffer.concat([base, Buffer.from([0x05, 0x00])]));
  add('extra element at the end of SignedData', (t) => (sd(t).kids!.push(leaf(int(0))), t));
  add('extra element at the end of SignerInfo', (t) => (si(t).kids!.push(leaf(int(0))), t));
  add('extra element in ContentInfo', (t) => (t.kids!.push(leaf(nullValue())), t));
  add('extra element in encapContentInfo (empty eContent)', (t) => (sd(t).kids![2].kids!.push({ tag: 0xa0, kids: [{ tag: 0x04, raw: Buffer.alloc(0) }] }), t));
  add('eContentType not id-data', (t) => ((sd(t).kids![2].kids = [leaf(oid('1.2.840.113549.1.9.16.1.4'))]), t));
  add('digestAlgorithms as SEQUENCE', (t) => ((sd(t).kids![1].tag = 0x30), t));
  add('signerInfos as SEQUENCE', (t) => ((sd(t).kids![sd(t).kids!.length - 1].tag = 0x30), t));
  add('signature as constructed OCTET STRING', (t) => ((si(t).kids![SI.signature] = { tag: 0x24, kids: [si(t).kids![SI.signature]] }), t));
  add('two SignerInfos', (t) => ((sd(t).kids![sd(t).kids!.length - 1].kids = [si(t), clone(si(t))]), t));
  add('serial number in the sid changed', (t) => ((si(t).kids![SI.sid].kids![1].raw![0] ^= 1), t));
  add('signature truncated', (t) => ((si(t).kids![SI.signature].raw = si(t).kids![SI.signature].raw!.subarray(0, 40)), t));
  add('signature bit flipped', (t) => ((si(t).kids![SI.signature].raw![10] ^= 4), t));
  return out;
}

function openssl(dir: string, name: string, cms: Buffer, content: string, rootPem: string): boolean {
  const file = join(dir, `${name}.der`);
  writeFileSync(file, cms);
  const r = spawnSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', file, '-content', content, '-CAfile', rootPem, '-purpose', 'any', '-out', '/dev/null'], { encoding: 'utf8' });
  return r.status === 0 && /Verification successful/.test(r.stderr);
}

/** Classes our verifier accepts (OpenSSL must accept them too); everything else we refuse. */
const WE_ACCEPT = new Set(['genuine', 'signer certificate re-signed by the root, DER (control)', 'signing-time added (DER order)', 'signature algorithm sha256WithRSAEncryption / ecdsa-with-SHA256 (same key type)', 'extra certificate (the root)', 'certificates unsorted with the root first', 'unsignedAttrs signature timestamp']);

describe.each(['rsa', 'ecdsa'] as const)('CMS verdicts against openssl cms -verify (%s seal)', (alg) => {
  it('no mutated CMS is accepted by us and refused by OpenSSL', async () => {
    const k = pki(alg);
    const dir = mkdtempSync(join(tmpdir(), 'ecert-cmsdiff-'));
    const contentFile = join(dir, 'content.bin');
    const content = randomBytes(4096);
    writeFileSync(contentFile, content);
    const rootPem = join(dir, 'root.pem');
    writeFileSync(rootPem, new X509Certificate(k.rootCert).toString());
    const base = await buildCmsSignedData({ contentDigest: createHash('sha256').update(content).digest(), signer: new LocalKeySigner(k.sealCert, k.sealKey) });
    const cases = mutations(base, k, alg);
    expect(new Set(cases.map((c) => c.cls)).size).toBeGreaterThanOrEqual(30);

    const rows = cases.map((c, i) => {
      const ours = verifyCms({ cms: c.cms, signedBytes: [content], trustAnchors: [k.rootCert], at: new Date() });
      return { cls: c.cls, ours: ours.ok, why: ours.ok ? '' : `${ours.subIndication} ${ours.checks.at(-1)?.detail ?? ''}`, openssl: openssl(dir, `c${i}`, c.cms, contentFile, rootPem) };
    });
    const table = rows.map((r) => `${r.ours ? 'ACCEPT' : 'refuse'} ${r.openssl ? 'ACCEPT' : 'refuse'}  ${r.cls}${r.why ? `  — ${r.why}` : ''}`).join('\n');
    console.log(`ours openssl  class (${alg})\n${table}`);

    expect(rows.filter((r) => r.ours && !r.openssl).map((r) => r.cls)).toEqual([]);
    // the genuine value passes both, so the harness can tell an accept from a refusal
    expect(rows.find((r) => r.cls === 'genuine')).toMatchObject({ ours: true, openssl: true });
    // and our verdict is the one intended for each class
    expect(rows.filter((r) => r.ours).map((r) => r.cls).sort()).toEqual([...WE_ACCEPT].filter((c) => rows.some((r) => r.cls === c)).sort());
    // OpenSSL's BER leniency is real: classes it accepts and we refuse exist (we are the stricter one)
    expect(rows.filter((r) => !r.ours && r.openssl).length).toBeGreaterThan(5);
  }, 60_000);
});
