import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EcertError } from '../core/errors';
import { readKeyIndex } from './generateKeyMaterial';

/** Days before a seal certificate's notAfter from which /healthz and the logs warn. */
export const EXPIRY_WARNING_DAYS = 30;
const DAY = 86_400_000;

export interface SealKeyStatus {
  sealId: string;
  keyId: string;
  where: 'file' | 'pkcs11';
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  intermediates: number;
  /** Marked with `ecert keys revoke`: documents registered from this time on fail. */
  compromisedSince?: string;
  warning?: string;
}

/**
 * A seal key declared compromised (`ecert keys revoke`), in keys/compromised.json: every
 * certificate ever made for that key (by SHA-256 of its DER), and the time from which the
 * registry's record of a document no longer proves it was sealed before the compromise.
 */
export interface CompromisedSeal {
  sealId: string;
  keyId: string;
  since: string;
  markedAt: string;
  certificateSha256: string[];
}

const COMPROMISED_FILE = 'compromised.json';

export function readCompromised(dir: string): CompromisedSeal[] {
  const path = join(dir, COMPROMISED_FILE);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as CompromisedSeal[]) : [];
}

/** `ecert keys status`: each seal of keys/current.json, where its key lives and its certificate's validity. */
export function keyStatus(dir: string, now: Date): SealKeyStatus[] {
  const index = readKeyIndex(dir);
  const compromised = readCompromised(dir);
  return Object.entries(index.seals).map(([sealId, keyId]) => {
    const base = join(dir, 'seals', sealId, keyId);
    const cert = new X509Certificate(readFileSync(`${base}.cert.pem`));
    const chain = existsSync(`${base}.chain.pem`) ? (readFileSync(`${base}.chain.pem`, 'utf8').match(/BEGIN CERTIFICATE/g) ?? []).length : 0;
    const notAfter = new Date(cert.validTo);
    const daysLeft = Math.floor((notAfter.getTime() - now.getTime()) / DAY);
    const c = compromised.find((x) => x.sealId === sealId && x.keyId === keyId);
    const warning = c
      ? `key marked compromised since ${c.since}: replace it (ecert keys init --force, or a new key and certificate)`
      : daysLeft < 0
        ? `certificate expired ${notAfter.toISOString()}`
        : daysLeft < EXPIRY_WARNING_DAYS
          ? `certificate expires in ${daysLeft} day(s): request a new one (ecert keys csr)`
          : undefined;
    return {
      sealId,
      keyId,
      where: existsSync(`${base}.pkcs11.json`) ? 'pkcs11' : 'file',
      subject: cert.subject.replace(/\n/g, ', '),
      issuer: cert.issuer.replace(/\n/g, ', '),
      notBefore: new Date(cert.validFrom).toISOString(),
      notAfter: notAfter.toISOString(),
      daysLeft,
      intermediates: chain,
      ...(c ? { compromisedSince: c.since } : {}),
      ...(warning ? { warning } : {}),
    };
  });
}

/**
 * `ecert keys revoke --seal X --since DATE`: mark the seal's current key compromised from
 * DATE. Verification then fails documents the registry recorded at or after DATE with any
 * certificate of that key (ETSI EN 319 102-1 REVOKED_NO_POE: the registry's record time is
 * the proof of existence); earlier documents stay valid. The key no longer signs.
 */
export function markCompromised(dir: string, sealId: string, since: Date, now: Date): CompromisedSeal {
  const keyId = readKeyIndex(dir).seals[sealId];
  if (!keyId) throw new EcertError('ERR_SEAL_UNKNOWN', { zh: sealId, en: `no key for seal "${sealId}"` });
  if (Number.isNaN(since.getTime())) throw new EcertError('ERR_DATE_FORMAT', { en: '--since must be an ISO 8601 date or date-time' });
  const sealDir = join(dir, 'seals', sealId);
  const certificateSha256 = readdirSync(sealDir)
    .filter((f) => f.startsWith(`${keyId}.cert.pem`))
    .map((f) => createHash('sha256').update(new X509Certificate(readFileSync(join(sealDir, f))).raw).digest('hex'));
  const entry: CompromisedSeal = { sealId, keyId, since: since.toISOString(), markedAt: now.toISOString(), certificateSha256 };
  const list = readCompromised(dir).filter((x) => !(x.sealId === sealId && x.keyId === keyId));
  list.push(entry);
  const path = join(dir, COMPROMISED_FILE);
  writeFileSync(`${path}.tmp`, JSON.stringify(list, null, 2) + '\n');
  renameSync(`${path}.tmp`, path);
  // running services re-read the key material when current.json changes (src/keys/KeyStore.ts)
  const idx = join(dir, 'current.json');
  const index = JSON.parse(readFileSync(idx, 'utf8')) as Record<string, unknown>;
  index.updatedAt = now.toISOString();
  writeFileSync(`${idx}.tmp`, JSON.stringify(index, null, 2) + '\n');
  renameSync(`${idx}.tmp`, idx);
  return entry;
}
