import { createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EcertError } from '../../core/errors';
import { certificatePem } from '../../keys/pem';
import { encodeName, keyIdentifier, makeCertificate, signatureAlgorithm, type NameSpec } from '../../keys/x509';
import { KEY_USAGE, OID } from '../../sign/constants';
import { bitString, bool, ctx, int, octets, oid, seq, time } from '../../sign/der';
import { sign } from 'node:crypto';

/**
 * Key material of the embedded development TSA, in `${keysDir}/tsa/`: its own root
 * ("ecert Development TSA Root (NOT FOR PRODUCTION)") and a TSA certificate (ECDSA P-256,
 * key usage digitalSignature, extended key usage id-kp-timeStamping only and critical —
 * RFC 3161 §2.3). Created on first use, atomically (a temp directory renamed into place, so
 * two processes starting together end with one set); private keys PKCS #8, encrypted with
 * the passphrase when there is one, mode 0600.
 */
export interface DevTsaMaterial {
  root: Buffer;
  certificate: Buffer;
  key: KeyObject;
}

export const DEV_TSA_ROOT_NAME = { cn: 'ecert Development TSA Root (NOT FOR PRODUCTION)', o: 'ecert development', c: 'CN' };
export const DEV_TSA_NAME = { cn: 'ecert Development TSA (NOT FOR PRODUCTION)', o: 'ecert development', c: 'CN' };
const YEAR = 365.25 * 24 * 3600 * 1000;
export const DEV_TSA_ROOT_YEARS = 25;
export const DEV_TSA_CERT_YEARS = 10;

const FILES = { root: 'root.pem', rootKey: 'root.key', cert: 'tsa.pem', key: 'tsa.key' } as const;

function positiveSerial(): Buffer {
  const b = randomBytes(16);
  b[0] &= 0x7f; // positive (RFC 5280 §4.1.2.2)
  b[0] |= 0x01;
  return b;
}

/** The TSA certificate: basic constraints (not a CA) and key usage digitalSignature critical, EKU id-kp-timeStamping critical (RFC 3161 §2.3), key identifiers. */
export function makeTsaCertificate(spec: {
  publicKey: KeyObject;
  issuerKey: KeyObject;
  issuerPublicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  subject?: NameSpec;
  issuer?: NameSpec;
  /** Tests only: another extended key usage (null: none); default critical id-kp-timeStamping. */
  eku?: { critical: boolean; purposes: string[] } | null;
}): Buffer {
  const eku = spec.eku === undefined ? { critical: true, purposes: [OID.kpTimeStamping] } : spec.eku;
  const algo = signatureAlgorithm(spec.issuerKey);
  const ext = (id: string, critical: boolean, value: Buffer) => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
  const ku = bitString(Buffer.from([0x80 >> KEY_USAGE.digitalSignature]), 7);
  const extensions = seq(
    ext(OID.basicConstraints, true, seq()),
    ext(OID.keyUsage, true, ku),
    ...(eku ? [ext(OID.extKeyUsage, eku.critical, seq(...eku.purposes.map(oid)))] : []),
    ext(OID.subjectKeyIdentifier, false, octets(keyIdentifier(spec.publicKey))),
    ext(OID.authorityKeyIdentifier, false, seq(ctx(0, keyIdentifier(spec.issuerPublicKey), false))),
  );
  const tbs = seq(
    ctx(0, int(2)),
    int(positiveSerial()),
    algo,
    encodeName(spec.issuer ?? DEV_TSA_ROOT_NAME),
    seq(time(spec.notBefore), time(spec.notAfter)),
    encodeName(spec.subject ?? DEV_TSA_NAME),
    spec.publicKey.export({ type: 'spki', format: 'der' }),
    ctx(3, extensions),
  );
  return seq(tbs, algo, bitString(sign('sha256', tbs, { key: spec.issuerKey, dsaEncoding: 'der' })));
}

function pemToDer(text: string): Buffer {
  return new X509Certificate(text).raw;
}

/** The TSA certificate is replaced this long before it expires, so tokens always chain at their genTime. */
export const DEV_TSA_RENEW_BEFORE_MS = YEAR;
/** Names the current TSA certificate and key (`tsa-<serial>.pem|.key`) once the first one was renewed; replaced atomically. */
const CURRENT = 'current-tsa';

export function loadOrCreateDevTsa(opts: { keysDir: string; passphrase?: string; now: Date }): DevTsaMaterial {
  const dir = join(opts.keysDir, 'tsa');
  if (!existsSync(join(dir, FILES.key))) create(dir, opts);
  const readKey = (file: string) => {
    const keyPem = readFileSync(join(dir, file), 'utf8');
    return createPrivateKey(opts.passphrase ? { key: keyPem, format: 'pem', passphrase: opts.passphrase } : { key: keyPem, format: 'pem' });
  };
  try {
    const root = pemToDer(readFileSync(join(dir, FILES.root), 'utf8'));
    const current = existsSync(join(dir, CURRENT)) ? readFileSync(join(dir, CURRENT), 'utf8').trim() : '';
    const [certFile, keyFile] = /^[0-9a-f]{2,64}$/.test(current) ? [`tsa-${current}.pem`, `tsa-${current}.key`] : [FILES.cert, FILES.key];
    const certificate = pemToDer(readFileSync(join(dir, certFile), 'utf8'));
    const notAfter = Date.parse(new X509Certificate(certificate).validTo);
    const rootLeft = Date.parse(new X509Certificate(root).validTo) - opts.now.getTime();
    // a root near its own end is not renewed here: a new development root is a new trust anchor (keys/README.md)
    if (notAfter - opts.now.getTime() < DEV_TSA_RENEW_BEFORE_MS && rootLeft > DEV_TSA_RENEW_BEFORE_MS) return renew(dir, root, readKey(FILES.rootKey), opts);
    return { root, certificate, key: readKey(keyFile) };
  } catch (e) {
    if (e instanceof EcertError) throw e;
    throw new EcertError('ERR_KEYS_MISSING', { zh: `开发时间戳服务密钥无法读取（${dir}）`, en: `the development TSA key material in ${dir} cannot be read (wrong passphrase?)`, cause: e });
  }
}

/**
 * A new TSA key and certificate under the same root (the old certificate stays on disk: its
 * tokens still verify, RFC 3161 §4 — a TSA certificate is replaced before it expires). The new
 * pair gets its own file names, then `current-tsa` is replaced by rename, so a reader sees
 * either the old pair or the new one.
 */
function renew(dir: string, root: Buffer, rootKey: KeyObject, opts: { passphrase?: string; now: Date }): DevTsaMaterial {
  const rootCert = new X509Certificate(root);
  const tsa = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const notBefore = new Date(opts.now.getTime() - 3600_000);
  const notAfter = new Date(Math.min(notBefore.getTime() + DEV_TSA_CERT_YEARS * YEAR, Date.parse(rootCert.validTo)));
  const certificate = makeTsaCertificate({ publicKey: tsa.publicKey, issuerKey: rootKey, issuerPublicKey: rootCert.publicKey, notBefore, notAfter });
  const id = new X509Certificate(certificate).serialNumber.toLowerCase();
  const pem = opts.passphrase ? tsa.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: opts.passphrase }) : tsa.privateKey.export({ type: 'pkcs8', format: 'pem' });
  writeFileSync(join(dir, `tsa-${id}.key`), pem, { mode: 0o600 });
  writeFileSync(join(dir, `tsa-${id}.pem`), certificatePem(certificate), { mode: 0o644 });
  const tmp = join(dir, `.${CURRENT}-${randomBytes(6).toString('hex')}`);
  writeFileSync(tmp, `${id}\n`);
  renameSync(tmp, join(dir, CURRENT));
  return { root, certificate, key: tsa.privateKey };
}

function create(dir: string, opts: { keysDir: string; passphrase?: string; now: Date }): void {
  mkdirSync(opts.keysDir, { recursive: true, mode: 0o700 });
  const tmp = join(opts.keysDir, `.tsa-${randomBytes(6).toString('hex')}`);
  mkdirSync(tmp, { mode: 0o700 });
  const writeKey = (file: string, key: KeyObject) =>
    writeFileSync(join(tmp, file), opts.passphrase ? key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: opts.passphrase }) : key.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const root = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const tsa = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const notBefore = new Date(opts.now.getTime() - 3600_000);
  const rootDer = makeCertificate({ subject: DEV_TSA_ROOT_NAME, publicKey: root.publicKey, issuerKey: root.privateKey, serial: positiveSerial(), notBefore, notAfter: new Date(notBefore.getTime() + DEV_TSA_ROOT_YEARS * YEAR), ca: true });
  const tsaDer = makeTsaCertificate({ publicKey: tsa.publicKey, issuerKey: root.privateKey, issuerPublicKey: root.publicKey, notBefore, notAfter: new Date(notBefore.getTime() + DEV_TSA_CERT_YEARS * YEAR) });
  writeFileSync(join(tmp, FILES.root), certificatePem(rootDer), { mode: 0o644 });
  writeFileSync(join(tmp, FILES.cert), certificatePem(tsaDer), { mode: 0o644 });
  writeKey(FILES.rootKey, root.privateKey);
  writeKey(FILES.key, tsa.privateKey);
  writeFileSync(join(tmp, 'README.txt'), 'ecert development TSA — NOT FOR PRODUCTION. Set ECERT_TSA_URL and ECERT_TSA_ROOTS for a real time-stamping authority.\n');
  try {
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    // another process created it first: use theirs
    if (!existsSync(join(dir, FILES.key))) throw e;
  }
}
