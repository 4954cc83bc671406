import { createHash, createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { JSONWebKeySet, JWK } from 'jose';
import { EcertError } from '../core/errors';
import { LocalKeySigner } from '../sign/LocalKeySigner';
import { Pkcs11Signer } from '../sign/Pkcs11Signer';
import { RemoteSigner } from '../sign/RemoteSigner';
import type { Signer } from '../sign/Signer';
import { readKeyIndex, type KeyIndex } from './generateKeyMaterial';
import { Pkcs11Token, type Pkcs11Config, type TokenKeyRef } from './pkcs11/Pkcs11Token';
import { readPemCertificates, sameKey } from './pem';
import { readCompromised, type CompromisedSeal } from './keyLifecycle';
import { loadSealImage, type SealImage } from '../render/artwork/sealImage';

/** Sign request of a render worker for a seal whose key the main thread holds (see src/issue/RenderPool.ts). */
export type RemoteSign = (sealId: string, certSha256: string, data: Buffer) => Promise<Buffer>;

export interface KeyStoreOptions {
  passphrase?: string;
  /** The token of seals whose key is in PKCS #11 (`keys init --pkcs11`). */
  pkcs11?: Pkcs11Config;
  /** In a render worker: token-held seal keys sign through the main thread. */
  remoteSign?: RemoteSign;
}

interface Material {
  index: KeyIndex;
  trustAnchors: Buffer[];
  pem: string;
  jwks: JSONWebKeySet;
  qrKey: { kid: string; privateKey: KeyObject; alg: 'ES256' };
  compromised: CompromisedSeal[];
  /** Each seal's signer, or the coded error that keeps it from signing (reported on use, so other seals keep working). */
  signers: Map<string, Signer | EcertError>;
}

/**
 * The key material of keys/ as the service uses it: every root ever made or trusted (trust
 * anchors), the current signer of each seal (a key file, or a key in a PKCS #11 token), the
 * current QR key and every public QR key (JWKS). Signers are created once and reused (the
 * CMS builder caches per-signer parts). When keys/current.json changes (rotation, import,
 * `keys trust`) the material is read again on next use, so a running service picks it up
 * without a restart; a seal certificate that does not match its key is refused
 * (ERR_KEY_CERT_MISMATCH) instead of producing signatures nobody can verify.
 */
export class KeyStore {
  private m!: Material;
  private stamp = '';
  private token?: Pkcs11Token;

  constructor(
    private readonly dir: string,
    private readonly opts: KeyStoreOptions = {},
  ) {
    if (!existsSync(join(dir, 'current.json'))) throw new EcertError('ERR_KEYS_MISSING', { en: `no key material in ${dir} (run: npx ecert keys init)` });
    this.refresh();
  }

  get trustAnchors(): Buffer[] {
    return this.current().trustAnchors;
  }

  get qrKey(): { kid: string; privateKey: KeyObject; alg: 'ES256' } {
    return this.current().qrKey;
  }

  /** Seal keys declared compromised (keys/compromised.json), for the verifier. */
  get compromisedSeals(): CompromisedSeal[] {
    return this.current().compromised;
  }

  get index(): KeyIndex {
    return this.current().index;
  }

  signerFor(sealId: string): Signer {
    const s = this.current().signers.get(sealId);
    if (s instanceof EcertError) throw s;
    if (!s) throw new EcertError('ERR_KEYS_MISSING', { en: `no signing key for seal ${sealId}` });
    return s;
  }

  /**
   * Sign for a render worker: only with the current key of the seal and only when the
   * worker's certificate is the current one (a rotation between render and sign is refused).
   */
  async signFor(sealId: string, certSha256: string, data: Buffer): Promise<Buffer> {
    const signer = this.signerFor(sealId);
    if (createHash('sha256').update(signer.certificate).digest('hex') !== certSha256)
      throw new EcertError('ERR_KEY_CERT_MISMATCH', { zh: `印章 ${sealId} 的证书已更换，请重试`, en: `the certificate of seal ${sealId} changed while signing; retry` });
    return signer.sign(data);
  }

  /** The seal's registered image (`ecert seals set-image`), or undefined for the drawn seal. */
  sealImage(sealId: string): SealImage | undefined {
    return loadSealImage(this.dir, sealId);
  }

  trustAnchorsPem(): string {
    return this.current().pem;
  }

  /** The same object every call while the material is unchanged, so verifiers can cache the imported keys. */
  jwks(): JSONWebKeySet {
    return this.current().jwks;
  }

  /** The PKCS #11 token of this store (opened on first use). */
  tokenFor(sealId: string): Pkcs11Token {
    if (!this.opts.pkcs11)
      throw new EcertError('ERR_PKCS11_TOKEN', { zh: `印章 ${sealId} 的密钥在 PKCS#11 令牌中，请设置 ECERT_PKCS11_MODULE 等变量`, en: `the key of seal ${sealId} is in a PKCS#11 token: set ECERT_PKCS11_MODULE, ECERT_PKCS11_TOKEN_LABEL and ECERT_PKCS11_PIN (or _PIN_FILE)` });
    this.token ??= new Pkcs11Token(this.opts.pkcs11);
    return this.token;
  }

  private current(): Material {
    const st = statSync(join(this.dir, 'current.json'));
    if (`${st.mtimeMs}:${st.size}:${st.ino}` !== this.stamp) this.refresh();
    return this.m;
  }

  private refresh(): void {
    const dir = this.dir;
    const st = statSync(join(dir, 'current.json'));
    const index = readKeyIndex(dir);
    const rootFiles = readdirSync(join(dir, 'roots')).filter((f) => f.endsWith('.cert.pem')).sort();
    const roots = rootFiles.map((f) => new X509Certificate(readFileSync(join(dir, 'roots', f))));
    const jwks: JSONWebKeySet = {
      keys: readdirSync(join(dir, 'qr'))
        .filter((f) => f.endsWith('.public.jwk.json'))
        .sort()
        .map((f) => JSON.parse(readFileSync(join(dir, 'qr', f), 'utf8')) as JWK),
    };
    const signers = new Map<string, Signer | EcertError>();
    const compromised = readCompromised(dir);
    for (const [sealId, id] of Object.entries(index.seals)) {
      const c = compromised.find((x) => x.sealId === sealId && x.keyId === id);
      if (c) {
        signers.set(sealId, new EcertError('ERR_SEAL_KEY_COMPROMISED', { zh: `印章 ${sealId}，自 ${c.since}`, en: `seal ${sealId}, since ${c.since}` }));
        continue;
      }
      try {
        signers.set(sealId, this.loadSigner(sealId, id));
      } catch (e) {
        if (!(e instanceof EcertError)) throw e;
        signers.set(sealId, e);
      }
    }
    this.m = {
      index,
      trustAnchors: roots.map((c) => c.raw),
      pem: roots.map((c) => c.toString()).join(''),
      jwks,
      compromised,
      qrKey: { kid: index.qr, privateKey: this.privateKey(join(dir, 'qr', `${index.qr}.key.pem`)), alg: 'ES256' },
      signers,
    };
    this.stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
  }

  private loadSigner(sealId: string, id: string): Signer {
    const base = join(this.dir, 'seals', sealId, id);
    const cert = new X509Certificate(readFileSync(`${base}.cert.pem`));
    const chain = existsSync(`${base}.chain.pem`) ? readPemCertificates(readFileSync(`${base}.chain.pem`, 'utf8')) : [];
    if (existsSync(`${base}.pkcs11.json`)) {
      const ref = JSON.parse(readFileSync(`${base}.pkcs11.json`, 'utf8')) as TokenKeyRef;
      const maxLen = ref.keyType === 'rsa' ? 256 : 2 * (32 + 3) + 3;
      if (this.opts.remoteSign) {
        const send = this.opts.remoteSign;
        const certSha256 = createHash('sha256').update(cert.raw).digest('hex');
        return new RemoteSigner(sealId, cert.raw, ref.keyType, maxLen, chain, (seal, data) => send(seal, certSha256, data));
      }
      const token = this.tokenFor(sealId);
      if (ref.token && ref.token !== token.config.tokenLabel)
        throw new EcertError('ERR_PKCS11_TOKEN', { zh: `印章 ${sealId} 的密钥在令牌“${ref.token}”中`, en: `the key of seal ${sealId} is in token "${ref.token}", but ECERT_PKCS11_TOKEN_LABEL is "${token.config.tokenLabel}"` });
      const pub = token.publicKeySync(ref);
      if (!sameKey(pub, cert.publicKey)) throw mismatch(sealId, id);
      return new Pkcs11Signer(cert.raw, token, ref, chain);
    }
    const key = this.privateKey(`${base}.key.pem`);
    if (!sameKey(createPublicKey(key), cert.publicKey)) throw mismatch(sealId, id);
    return new LocalKeySigner(cert.raw, key, chain);
  }

  private privateKey(path: string): KeyObject {
    const pem = readFileSync(path, 'utf8');
    try {
      return createPrivateKey(pem.includes('ENCRYPTED') ? { key: pem, passphrase: this.opts.passphrase ?? '' } : pem);
    } catch (e) {
      throw new EcertError('ERR_KEYS_MISSING', { en: `cannot read ${path}${pem.includes('ENCRYPTED') ? ' (wrong or missing ECERT_KEY_PASSPHRASE?)' : ''}`, cause: e });
    }
  }
}

function mismatch(sealId: string, id: string): EcertError {
  return new EcertError('ERR_KEY_CERT_MISMATCH', { zh: `印章 ${sealId}（${id}）`, en: `seal ${sealId} (${id}): the certificate's public key is not the key's` });
}

export function loadKeyStore(dir: string, opts: KeyStoreOptions = {}): KeyStore {
  return new KeyStore(dir, opts);
}
