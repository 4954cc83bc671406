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

export function loadOrCreateDevTsa(opts: { keysDir: string; passphrase?: string; now: Date }): DevTsaMaterial {
  const dir = join(opts.keysDir, 'tsa');
  if (!existsSync(join(dir, FILES.key))) create(dir, opts);
  try {
    const keyPem = readFileSync(join(dir, FILES.key), 'utf8');
    return {
      root: pemToDer(readFileSync(join(dir, FILES.root), 'utf8')),
      certificate: pemToDer(readFileSync(join(dir, FILES.cert), 'utf8')),
      key: createPrivateKey(opts.passphrase ? { key: keyPem, format: 'pem', passphrase: opts.passphrase } : { key: keyPem, format: 'pem' }),
    };
  } catch (e) {
    throw new EcertError('ERR_KEYS_MISSING', { zh: `开发时间戳服务密钥无法读取（${dir}）`, en: `the development TSA key material in ${dir} cannot be read (wrong passphrase?)`, cause: e });
  }
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
