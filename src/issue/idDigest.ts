import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeIdNumber } from '../core/personName';

/**
 * The registry never needs the full ID number in clear to match it: it keeps
 * HMAC-SHA-256(pepper, idNumber) of the normalised number. The pepper lives with the key material
 * (`keys/id-pepper.key`, never committed); every instance of a deployment shares it.
 */
export class IdDigester {
  constructor(private readonly pepper: Buffer) {}

  static fromKeysDir(keysDir: string): IdDigester {
    return new IdDigester(loadOrCreateSecret(keysDir, 'id-pepper.key'));
  }

  /** The digest of the number as typed, normalised as everywhere (normalizeIdNumber: full width, spaces, case). */
  digest(idNumber: string): string {
    return createHmac('sha256', this.pepper).update(normalizeIdNumber(idNumber)).digest('hex');
  }
}

/**
 * A 32-byte secret kept with the key material (`keys/<name>`, hex, mode 0600, never committed),
 * created on first use; every instance of a deployment shares the keys directory's copy.
 */
export function loadOrCreateSecret(keysDir: string, name: string): Buffer {
  const path = join(keysDir, name);
  if (!existsSync(path)) {
    mkdirSync(keysDir, { recursive: true });
    try {
      writeFileSync(path, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // another process won the race
    }
  }
  return Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
}
