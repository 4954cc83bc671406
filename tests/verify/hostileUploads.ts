import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { bitString, children, ctx, octets, oid, readTlv, seq, slice } from '../../src/sign/der';
import type { Catalog } from '../../src/catalog/Catalog';
import { buildCertificateDocument } from '../../src/issue/buildCertificateDocument';
import { validateIssueRequest } from '../../src/issue/validateIssueRequest';
import type { KeyStore } from '../../src/keys/KeyStore';
import { makeCertificate } from '../../src/keys/x509';
import type { FontSet } from '../../src/render/fonts/FontSet';
import { buildCmsSignedData } from '../../src/sign/buildCmsSignedData';
import { LocalKeySigner } from '../../src/sign/LocalKeySigner';
import { issueBody } from '../helpers/holders';

/**
 * The memory attack of issue #10: certificate PDFs signed by an outsider with their own key
 * and their own CA (not trusted), each carrying one unique ~2 MB signer certificate (a 2 MB
 * private extension) in its CMS. Every upload is cryptographically sound — the
 * message digest and the signature verify — so the verifier parses the certificate before
 * it finds no chain (NO_CERTIFICATE_CHAIN_FOUND). Made in each run from our own renderer:
 * the document is rendered once with a placeholder for the big CMS, and upload `i` is that
 * document with a CMS around certificate `i` written into the placeholder (the ByteRange
 * bytes, hence the digest, never change).
 */
export async function hostileUploads(opts: { catalog: Catalog; fonts?: FontSet; certificateBytes?: number }): Promise<{ upload(i: number): Promise<Buffer>; firstSize: number }> {
  const pad = opts.certificateBytes ?? 2_000_000;
  const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const seal = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const qr = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const q = opts.catalog.list().find((x) => x.style === 1 && !x.specialties?.length)!;
  const sealName = opts.catalog.seal(q.sealId).fullName;
  const notBefore = new Date(Date.now() - 86400_000);
  // OpenSSL refuses names over 1 MB (X509_NAME_MAX), so the bulk is a private, non-critical extension
  const certificate = (i: number) => {
    const base = makeCertificate({
      subject: { cn: sealName, ou: `${String(i).padStart(8, '0')}-${randomBytes(8).toString('hex')}`, c: 'CN' },
      issuer: { cn: 'Outsider CA', c: 'CN' },
      publicKey: seal.publicKey,
      issuerKey: ca.privateKey,
      issuerPublicKey: ca.publicKey,
      serial: randomBytes(12),
      notBefore,
      notAfter: new Date(Date.now() + 365 * 86400_000),
      ca: false,
    });
    const [tbs, alg] = children(base, readTlv(base, 0));
    const fields = children(base, tbs).map((f) => slice(base, f));
    const exts = readTlv(fields[7], 0); // [3] { SEQUENCE OF Extension }
    const list = readTlv(fields[7], exts.contentStart);
    const bulk = seq(oid('1.3.6.1.4.1.99999.1'), octets(randomBytes(pad)));
    fields[7] = ctx(3, seq(fields[7].subarray(list.contentStart, list.end), bulk));
    const newTbs = seq(...fields);
    return seq(newTbs, slice(base, alg), bitString(sign('sha256', newTbs, { key: ca.privateKey, dsaEncoding: 'der' })));
  };
  const keys = { qrKey: { kid: 'outsider', privateKey: qr.privateKey, alg: 'ES256' }, signerFor: () => new LocalKeySigner(certificate(0), seal.privateKey), sealImage: () => undefined } as unknown as KeyStore;
  const req = validateIssueRequest(issueBody(q.code, 7), { catalog: opts.catalog, now: new Date() });
  const template = (await buildCertificateDocument(req, { managementNo: `2025${String(q.serial).padStart(3, '0')}00000077`, version: 1, signingTime: new Date() }, { catalog: opts.catalog, keys, fonts: opts.fonts, publicUrl: 'http://localhost' })).pdf;
  const m = /\/ByteRange \[0 (\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(template.toString('latin1'))!;
  const [a, b] = [Number(m[1]), Number(m[2])];
  const digest = createHash('sha256').update(template.subarray(0, a)).update(template.subarray(b)).digest();
  return {
    firstSize: template.length,
    async upload(i: number) {
      const cms = await buildCmsSignedData({ contentDigest: digest, signer: new LocalKeySigner(certificate(i), seal.privateKey) });
      const hex = cms.toString('hex');
      if (hex.length > b - a - 2) throw new RangeError('CMS larger than the placeholder');
      const pdf = Buffer.from(template);
      pdf.fill('0', a + 1, b - 1, 'latin1');
      pdf.write(hex, a + 1, 'latin1');
      return pdf;
    },
  };
}
