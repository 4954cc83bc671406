import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JSONWebKeySet, JWK } from 'jose';
import { EcertError } from '../core/errors';
import { LocalKeySigner } from '../sign/LocalKeySigner';
import type { Signer } from '../sign/Signer';
import { readKeyIndex } from './generateKeyMaterial';

/**
 * The key material of keys/ as the service uses it: every root ever made (trust anchors),
 * the current signer of each seal, the current QR key and every public QR key (JWKS).
 * Signers are created once and reused (the CMS builder caches per-signer parts).
 */
export class KeyStore {
  readonly trustAnchors: Buffer[];
  readonly qrKey: { kid: string; privateKey: KeyObject; alg: 'ES256' };
  private readonly publicJwks: JSONWebKeySet;
  private readonly signers = new Map<string, Signer>();
  private readonly pem: string;

  constructor(
    private readonly dir: string,
    private readonly passphrase?: string,
  ) {
    if (!existsSync(join(dir, 'current.json'))) throw new EcertError('ERR_KEYS_MISSING', { en: `no key material in ${dir} (run: npx ecert keys init)` });
    const index = readKeyIndex(dir);
    const rootFiles = readdirSync(join(dir, 'roots')).filter((f) => f.endsWith('.cert.pem')).sort();
    const roots = rootFiles.map((f) => new X509Certificate(readFileSync(join(dir, 'roots', f))));
    this.trustAnchors = roots.map((c) => c.raw);
    this.pem = roots.map((c) => c.toString()).join('');
    this.publicJwks = {
      keys: readdirSync(join(dir, 'qr'))
        .filter((f) => f.endsWith('.public.jwk.json'))
        .sort()
        .map((f) => JSON.parse(readFileSync(join(dir, 'qr', f), 'utf8')) as JWK),
    };
    this.qrKey = { kid: index.qr, privateKey: this.privateKey(join(dir, 'qr', `${index.qr}.key.pem`)), alg: 'ES256' };
    for (const [sealId, id] of Object.entries(index.seals)) {
      const cert = new X509Certificate(readFileSync(join(dir, 'seals', sealId, `${id}.cert.pem`)));
      this.signers.set(sealId, new LocalKeySigner(cert.raw, this.privateKey(join(dir, 'seals', sealId, `${id}.key.pem`))));
    }
  }

  signerFor(sealId: string): Signer {
    const s = this.signers.get(sealId);
    if (!s) throw new EcertError('ERR_KEYS_MISSING', { en: `no signing key for seal ${sealId}` });
    return s;
  }

  trustAnchorsPem(): string {
    return this.pem;
  }

  /** The same object every call, so verifiers can cache the imported keys. */
  jwks(): JSONWebKeySet {
    return this.publicJwks;
  }

  private privateKey(path: string): KeyObject {
    const pem = readFileSync(path, 'utf8');
    try {
      return createPrivateKey(pem.includes('ENCRYPTED') ? { key: pem, passphrase: this.passphrase ?? '' } : pem);
    } catch (e) {
      throw new EcertError('ERR_KEYS_MISSING', { en: `cannot read ${path}${pem.includes('ENCRYPTED') ? ' (wrong or missing ECERT_KEY_PASSPHRASE?)' : ''}`, cause: e });
    }
  }
}

export function loadKeyStore(dir: string, opts: { passphrase?: string } = {}): KeyStore {
  return new KeyStore(dir, opts.passphrase);
}
