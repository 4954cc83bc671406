import { createHash, createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EcertError } from '../core/errors';
import type { KeyStore } from './KeyStore';
import { readKeyIndex } from './generateKeyMaterial';
import { certificatePem, readPemCertificates, sameKey } from './pem';
import type { TokenKeyRef } from './pkcs11/Pkcs11Token';
import { makeCsr, readKeyUsage, type NameSpec } from './x509';

/**
 * Seal certificates from an outside CA (README "Going to production"): a PKCS #10 request
 * for a seal's key, trust anchors, and the import of the issued certificate with its chain.
 * Every change rewrites keys/current.json (a new file, renamed into place) so running
 * services read the material again (src/keys/KeyStore.ts).
 */

/** The seal's current key id and the public key of its private key (key file or token). */
export function sealKeyOf(store: KeyStore, dir: string, sealId: string, passphrase?: string): { id: string; publicKey: KeyObject; keyType: 'rsa' | 'ec'; where: 'file' | 'pkcs11' } {
  const id = readKeyIndex(dir).seals[sealId];
  if (!id) throw new EcertError('ERR_SEAL_UNKNOWN', { zh: sealId, en: `no key for seal "${sealId}" in ${dir}` });
  const base = join(dir, 'seals', sealId, id);
  if (existsSync(`${base}.pkcs11.json`)) {
    const ref = JSON.parse(readFileSync(`${base}.pkcs11.json`, 'utf8')) as TokenKeyRef;
    return { id, publicKey: store.tokenFor(sealId).publicKeySync(ref), keyType: ref.keyType, where: 'pkcs11' };
  }
  const pem = readFileSync(`${base}.key.pem`, 'utf8');
  let key: KeyObject;
  try {
    key = createPrivateKey(pem.includes('ENCRYPTED') ? { key: pem, passphrase: passphrase ?? '' } : pem);
  } catch (e) {
    throw new EcertError('ERR_KEYS_MISSING', { en: `cannot read ${base}.key.pem (ECERT_KEY_PASSPHRASE?)`, cause: e });
  }
  return { id, publicKey: createPublicKey(key), keyType: key.asymmetricKeyType === 'rsa' ? 'rsa' : 'ec', where: 'file' };
}

/** `ecert keys csr`: a PKCS #10 request for the seal's current key, signed by that key (in the token or from its file). */
export async function sealCsr(store: KeyStore, dir: string, sealId: string, subject: NameSpec, passphrase?: string): Promise<string> {
  const key = sealKeyOf(store, dir, sealId, passphrase);
  const signer = store.signerFor(sealId);
  const der = await makeCsr({ subject, publicKey: key.publicKey, keyType: key.keyType, sign: (data) => signer.sign(data) });
  return `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE REQUEST-----\n`;
}

function parseCertificates(text: string, what: string): X509Certificate[] {
  let ders: Buffer[];
  try {
    ders = readPemCertificates(text);
    if (!ders.length) ders = [new X509Certificate(Buffer.from(text, 'latin1')).raw]; // DER file
  } catch (e) {
    throw new EcertError('ERR_CERT_INVALID', { zh: what, en: `${what}: not a PEM or DER X.509 certificate`, cause: e });
  }
  return ders.map((d) => new X509Certificate(d));
}

/** Rewrite keys/current.json through a new file: running KeyStores see a new inode and reload. */
function touchIndex(dir: string, change: (index: Record<string, unknown>) => void = () => {}): void {
  const path = join(dir, 'current.json');
  const index = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  change(index);
  index.updatedAt = new Date().toISOString();
  writeFileSync(`${path}.tmp`, JSON.stringify(index, null, 2) + '\n');
  renameSync(`${path}.tmp`, path);
}

/**
 * `ecert keys trust ROOT.pem`: add a trust anchor. It must be a CA certificate that signs
 * itself (RFC 5280 §6.1: the anchor is the start of every path).
 */
export function trustRoot(dir: string, text: string, now: Date): string[] {
  const added: string[] = [];
  for (const c of parseCertificates(text, 'root')) {
    if (!c.ca || c.issuer !== c.subject || !c.verify(c.publicKey))
      throw new EcertError('ERR_CERT_INVALID', { zh: '只能信任自签名的 CA 根证书', en: `"${c.subject.replace(/\n/g, ', ')}" is not a self-signed CA certificate` });
    if (new Date(c.validTo) < now) throw new EcertError('ERR_CERT_EXPIRED', { en: `root "${c.subject.replace(/\n/g, ', ')}" expired ${c.validTo}` });
    const id = createHash('sha256').update(c.raw).digest('hex').slice(0, 16);
    writeFileSync(join(dir, 'roots', `${id}.cert.pem`), certificatePem(c.raw));
    added.push(id);
  }
  touchIndex(dir);
  return added;
}

/**
 * The path seal → intermediates → a trust anchor, every signature and CA flag checked, every
 * certificate valid at `now` (RFC 5280 §6.1.3, simplified to what a seal certificate needs).
 */
function pathToAnchor(leaf: X509Certificate, pool: X509Certificate[], anchors: X509Certificate[], now: Date): X509Certificate[] | undefined {
  const path = [leaf];
  for (let cur = leaf; path.length <= 5; ) {
    const anchor = anchors.find((a) => a.subject === cur.issuer && a.ca && cur.verify(a.publicKey));
    if (anchor) return [...path, anchor];
    const next = pool.find((c) => c.subject === cur.issuer && c.ca && !path.includes(c) && cur.verify(c.publicKey));
    if (!next) return undefined;
    if (new Date(next.validTo) < now || new Date(next.validFrom) > now) throw new EcertError('ERR_CERT_EXPIRED', { en: `intermediate "${next.subject.replace(/\n/g, ', ')}" is not valid now (${next.validFrom} – ${next.validTo})` });
    path.push(next);
    cur = next;
  }
  return undefined;
}

/**
 * `ecert keys import`: install a CA-issued certificate for a seal's current key, after
 * checking that it is for that key, allows signing (digitalSignature or nonRepudiation,
 * RFC 5280 §4.2.1.3), is valid now, and chains to a trust anchor through `chain`. The
 * replaced certificate is kept beside it (…cert.pem.replaced-<time>) for the record.
 */
export function importSealCertificate(args: { store: KeyStore; dir: string; sealId: string; certText: string; chainText?: string; now: Date; passphrase?: string }): { subject: string; issuer: string; validTo: string; chain: number } {
  const { dir, sealId, now } = args;
  const [cert, ...extra] = parseCertificates(args.certText, 'certificate');
  const chain = [...extra, ...(args.chainText ? parseCertificates(args.chainText, 'chain') : [])];
  const key = sealKeyOf(args.store, dir, sealId, args.passphrase);
  if (!sameKey(cert.publicKey, key.publicKey)) throw new EcertError('ERR_CERT_KEY_MISMATCH', { zh: `印章 ${sealId}`, en: `the certificate's public key is not the key of seal ${sealId} (${key.where})` });
  const usage = readKeyUsage(cert.raw);
  if (cert.ca || !usage || !(usage.has('digitalSignature') || usage.has('nonRepudiation')))
    throw new EcertError('ERR_CERT_KEY_USAGE', { en: cert.ca ? 'a CA certificate cannot be a seal certificate' : `key usage ${usage ? [...usage].join(', ') || 'empty' : 'missing'}` });
  if (new Date(cert.validTo) < now || new Date(cert.validFrom) > now) throw new EcertError('ERR_CERT_EXPIRED', { en: `valid ${cert.validFrom} – ${cert.validTo}` });
  const anchors = args.store.trustAnchors.map((d) => new X509Certificate(d));
  const path = pathToAnchor(cert, chain, anchors, now);
  if (!path) throw new EcertError('ERR_CERT_UNTRUSTED', { zh: '请先用 ecert keys trust 添加根证书，并用 --chain 提供中间证书', en: `no path from issuer "${cert.issuer.replace(/\n/g, ', ')}" to a trusted root (add the root with \`ecert keys trust\`, intermediates with --chain)` });
  const intermediates = path.slice(1, -1);
  const base = join(dir, 'seals', sealId, key.id);
  const stamp = now.toISOString().replace(/[-:.]/g, '');
  if (existsSync(`${base}.cert.pem`)) renameSync(`${base}.cert.pem`, `${base}.cert.pem.replaced-${stamp}`);
  if (existsSync(`${base}.chain.pem`)) renameSync(`${base}.chain.pem`, `${base}.chain.pem.replaced-${stamp}`);
  writeFileSync(`${base}.cert.pem`, certificatePem(cert.raw));
  if (intermediates.length) writeFileSync(`${base}.chain.pem`, intermediates.map((c) => certificatePem(c.raw)).join(''));
  touchIndex(dir);
  return { subject: cert.subject, issuer: cert.issuer, validTo: cert.validTo, chain: intermediates.length };
}
