import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EcertError } from '../core/errors';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import { certificatePem } from './pem';
import type { Pkcs11Token, TokenKeyRef } from './pkcs11/Pkcs11Token';
import { makeCertificate } from './x509';

export interface SealKeySpec {
  id: string;
  /** Full name of the seal: the certificate's CN. */
  name: string;
  bodyName: string;
}

export interface KeyIndex {
  alg: 'rsa' | 'ecdsa';
  createdAt: string;
  root: string;
  seals: Record<string, string>;
  qr: string;
}

const YEAR = 365.25 * 24 * 3600 * 1000;
export const ROOT_VALIDITY_YEARS = 25;
export const SEAL_VALIDITY_YEARS = 20;

export function keyMaterialExists(dir: string): boolean {
  return existsSync(join(dir, 'current.json'));
}

/**
 * Development key material (keys/README.md): a root CA, one seal certificate per seal, an
 * ES256 QR key. With `force`, new current keys are made and every older root certificate,
 * seal certificate and public QR key is kept, so what they signed still verifies.
 */
export async function generateKeyMaterial(opts: {
  dir: string;
  alg: 'rsa' | 'ecdsa';
  seals: SealKeySpec[];
  now: Date;
  passphrase?: string;
  force?: boolean;
  /** Generate the seal keys inside this PKCS #11 token (no seal private key file is written). */
  token?: Pkcs11Token;
  /**
   * On rotation, what happens to the private key files the new material replaces: archived
   * encrypted under keys/retired/<time>/ (needs the passphrase), or deleted. Default: archive
   * with a passphrase, delete without. Never left in place.
   */
  retire?: 'archive' | 'delete';
  /**
   * Base URL of this service: seal certificates then name the development CA's CRL
   * (`${publicUrl}/pki/crl/<root id>.crl`, RFC 5280 §4.2.1.13) and OCSP responder
   * (`${publicUrl}/pki/ocsp`, RFC 6960 Appendix A.1), served by src/http/routes/pkiRoutes.ts.
   */
  publicUrl?: string;
}): Promise<{ retired: string[] }> {
  const { dir, now } = opts;
  if (keyMaterialExists(dir) && !opts.force) return { retired: [] };
  const previous = keyMaterialExists(dir) ? privateKeyFiles(dir) : [];
  for (const d of ['roots', 'seals', 'qr']) mkdirSync(join(dir, d), { recursive: true, mode: 0o700 });
  const newKey = (): { privateKey: KeyObject; publicKey: KeyObject } =>
    opts.alg === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const writePrivate = (path: string, key: KeyObject) =>
    writeFileSync(
      path,
      opts.passphrase ? key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: opts.passphrase }) : key.export({ type: 'pkcs8', format: 'pem' }),
      { mode: 0o600 },
    );
  const pem = certificatePem;
  const serial = () => {
    const b = randomBytes(16);
    b[0] &= 0x7f; // positive (RFC 5280 §4.1.2.2)
    return b;
  };

  const root = newKey();
  const rootName = { cn: 'ecert Development Root CA (NOT FOR PRODUCTION)', o: 'ecert development', c: 'CN' };
  const rootDer = makeCertificate({
    subject: rootName,
    publicKey: root.publicKey,
    issuerKey: root.privateKey,
    serial: serial(),
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter: new Date(now.getTime() + ROOT_VALIDITY_YEARS * YEAR),
    ca: true,
  });
  const rootId = createHash('sha256').update(rootDer).digest('hex').slice(0, 16);
  writeFileSync(join(dir, 'roots', `${rootId}.cert.pem`), pem(rootDer));
  writePrivate(join(dir, 'roots', `${rootId}.key.pem`), root.privateKey);

  const seals: Record<string, string> = {};
  for (const s of opts.seals) {
    const sn = serial();
    const id = sn.toString('hex');
    let k: { privateKey?: KeyObject; publicKey: KeyObject };
    let ref: TokenKeyRef | undefined;
    if (opts.token) {
      // CKA_ID = the key id of keys/current.json; the label says what the key is for
      ref = { id, label: `ecert seal ${s.id} ${id.slice(0, 8)}`, keyType: opts.alg === 'rsa' ? 'rsa' : 'ec', token: opts.token.config.tokenLabel };
      k = { publicKey: await opts.token.generate(ref) };
    } else k = newKey();
    const der = makeCertificate({
      subject: { cn: s.name, o: s.bodyName, c: 'CN' },
      issuer: rootName,
      publicKey: k.publicKey,
      issuerKey: root.privateKey,
      issuerPublicKey: root.publicKey,
      serial: sn,
      notBefore: new Date(now.getTime() - 3600_000),
      notAfter: new Date(now.getTime() + SEAL_VALIDITY_YEARS * YEAR),
      ca: false,
      ...(opts.publicUrl ? { crlUrl: `${opts.publicUrl}/pki/crl/${rootId}.crl`, ocspUrl: `${opts.publicUrl}/pki/ocsp` } : {}),
    });
    const sealDir = join(dir, 'seals', s.id);
    mkdirSync(sealDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(sealDir, `${id}.cert.pem`), pem(der));
    if (ref) writeFileSync(join(sealDir, `${id}.pkcs11.json`), JSON.stringify(ref, null, 2) + '\n');
    else writePrivate(join(sealDir, `${id}.key.pem`), k.privateKey!);
    seals[s.id] = id;
  }

  const qr = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...(await exportJWK(qr.publicKey)), alg: 'ES256', use: 'sig' };
  const kid = (await calculateJwkThumbprint(jwk)).slice(0, 16); // RFC 7638, shortened for a smaller QR
  writeFileSync(join(dir, 'qr', `${kid}.public.jwk.json`), JSON.stringify({ ...jwk, kid }) + '\n');
  writePrivate(join(dir, 'qr', `${kid}.key.pem`), qr.privateKey);

  const index: KeyIndex = { alg: opts.alg, createdAt: now.toISOString(), root: rootId, seals, qr: kid };
  writeFileSync(
    join(dir, 'README-DEV-KEYS.txt'),
    'DEVELOPMENT KEY MATERIAL, NOT FOR PRODUCTION. Generated by `ecert keys init`; never commit this folder.\n',
  );
  writeFileSync(join(dir, 'current.json'), JSON.stringify(index, null, 2) + '\n');
  return { retired: retireKeyFiles(dir, previous, opts.retire ?? (opts.passphrase ? 'archive' : 'delete'), now, opts.passphrase) };
}

/** Private key files of keys/ (roots, seals, QR), relative to `dir`. */
function privateKeyFiles(dir: string): string[] {
  const out: string[] = [];
  for (const d of ['roots', 'qr']) if (existsSync(join(dir, d))) out.push(...readdirSync(join(dir, d)).filter((f) => f.endsWith('.key.pem')).map((f) => join(d, f)));
  if (existsSync(join(dir, 'seals')))
    for (const s of readdirSync(join(dir, 'seals'))) out.push(...readdirSync(join(dir, 'seals', s)).filter((f) => f.endsWith('.key.pem')).map((f) => join('seals', s, f)));
  return out;
}

/** Archive (encrypted, PKCS #8 with AES-256-CBC as written above) or delete the replaced private key files; returns what was done to each. */
function retireKeyFiles(dir: string, files: string[], how: 'archive' | 'delete', now: Date, passphrase?: string): string[] {
  if (!files.length) return [];
  if (how === 'archive' && !passphrase) throw new EcertError('ERR_CONFIG', { zh: '归档旧私钥需要 ECERT_KEY_PASSPHRASE', en: 'archiving retired private keys needs ECERT_KEY_PASSPHRASE (or choose --retire delete)' });
  const archive = join(dir, 'retired', now.toISOString().replace(/[-:.]/g, ''));
  const done: string[] = [];
  for (const rel of files) {
    const path = join(dir, rel);
    if (how === 'delete') {
      rmSync(path);
      done.push(`deleted ${rel}`);
      continue;
    }
    const pem = readFileSync(path, 'utf8');
    const target = join(archive, rel);
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
    const encrypted = pem.includes('ENCRYPTED')
      ? pem
      : (createPrivateKey(pem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: passphrase! }) as string);
    writeFileSync(target, encrypted, { mode: 0o600 });
    rmSync(path);
    done.push(`archived ${rel} → ${join('retired', archive.slice(archive.lastIndexOf('/') + 1), rel)} (encrypted)`);
  }
  return done;
}

export function readKeyIndex(dir: string): KeyIndex {
  return JSON.parse(readFileSync(join(dir, 'current.json'), 'utf8')) as KeyIndex;
}
