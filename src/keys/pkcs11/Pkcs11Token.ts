import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { EcertError } from '../../core/errors';
import { OID } from '../../sign/constants';
import { int, oid, readTlv, seq } from '../../sign/der';

export interface Pkcs11Config {
  /** Path of the PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so). */
  module: string;
  /** CKA_LABEL of the token (CK_TOKEN_INFO.label). */
  tokenLabel: string;
  /** User PIN. */
  pin: string;
}

/** A seal key in a token, as recorded in keys/seals/<sealId>/<keyId>.pkcs11.json. */
export interface TokenKeyRef {
  /** CKA_ID of the key pair (hex). */
  id: string;
  /** CKA_LABEL of the key pair. */
  label: string;
  keyType: 'rsa' | 'ec';
  /** Label of the token the key was generated in (absent in material written before it was recorded). */
  token?: string;
}

type Handle = Buffer;

/**
 * Return values that mean the session (or the login it carried) is gone (PKCS #11 v2.40
 * §11.1, §5.1): the operation is retried once on a freshly opened and logged-in session.
 */
const SESSION_LOST = new Set([
  'CKR_SESSION_HANDLE_INVALID',
  'CKR_SESSION_CLOSED',
  'CKR_USER_NOT_LOGGED_IN',
  'CKR_OBJECT_HANDLE_INVALID',
  'CKR_KEY_HANDLE_INVALID',
  'CKR_DEVICE_REMOVED',
  'CKR_DEVICE_ERROR',
  'CKR_TOKEN_NOT_PRESENT',
  'CKR_CRYPTOKI_NOT_INITIALIZED',
  'CKR_GENERAL_ERROR',
]);
const PIN_REJECTED = new Set(['CKR_PIN_INCORRECT', 'CKR_PIN_LOCKED', 'CKR_PIN_LEN_RANGE', 'CKR_PIN_INVALID', 'CKR_PIN_EXPIRED']);

const ckr = (e: unknown): string => (e instanceof Error && /^CKR_/.test(e.message) ? e.message : '');

/**
 * One PKCS #11 module per path and thread. Cryptoki is initialised once per process
 * (PKCS #11 v2.40 §5.4: a second C_Initialize answers CKR_CRYPTOKI_ALREADY_INITIALIZED) and
 * the login state is shared by all sessions of the application (§5.6), so every Pkcs11Token
 * of this thread shares one module instance and it is never finalised under another's feet.
 */
const modules = new Map<string, pkcs11js.PKCS11>();

function moduleAt(path: string): pkcs11js.PKCS11 {
  let m = modules.get(path);
  if (m) return m;
  m = new pkcs11js.PKCS11();
  try {
    m.load(path);
  } catch (e) {
    throw new EcertError('ERR_PKCS11_TOKEN', { zh: `无法加载 PKCS#11 模块 ${path}`, en: `cannot load the PKCS#11 module ${path} (ECERT_PKCS11_MODULE)`, cause: e });
  }
  try {
    // CKF_OS_LOCKING_OK: signatures run on libuv's thread pool (C_SignAsync) beside new sessions
    m.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  } catch (e) {
    if (ckr(e) !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') throw new EcertError('ERR_PKCS11_TOKEN', { en: `C_Initialize failed: ${ckr(e) || (e as Error).message}`, cause: e });
  }
  modules.set(path, m);
  return m;
}

/**
 * A logged-in PKCS #11 token holding the seal keys: generates key pairs that never leave it
 * (CKA_SENSITIVE true, CKA_EXTRACTABLE false), reads their public halves and signs. One
 * session per signature in flight (sessions are not shared between concurrent operations,
 * PKCS #11 v2.40 §5.6); idle sessions are kept for reuse. A lost session is reopened once;
 * a failure then is ERR_PKCS11_SESSION (or _PIN / _TOKEN when that is the cause).
 */
export class Pkcs11Token {
  private readonly m: pkcs11js.PKCS11;
  private slot!: Handle;
  private idle: Handle[] = [];
  private readonly keyHandles = new Map<string, Handle>();

  constructor(readonly config: Pkcs11Config) {
    this.m = moduleAt(config.module);
    this.connect();
  }

  /** Find the token, open a session and log in (the check of the PIN happens here). */
  private connect(): void {
    this.idle = [];
    this.keyHandles.clear();
    let slots: Handle[];
    try {
      slots = this.m.C_GetSlotList(true);
    } catch (e) {
      throw new EcertError('ERR_PKCS11_TOKEN', { en: `C_GetSlotList failed: ${ckr(e)}`, cause: e });
    }
    const labelOf = (s: Handle) => {
      try {
        return this.m.C_GetTokenInfo(s).label.trim();
      } catch {
        return undefined; // a slot whose token is gone or broken is not ours
      }
    };
    const slot = slots.find((s) => labelOf(s) === this.config.tokenLabel);
    if (!slot) throw new EcertError('ERR_PKCS11_TOKEN', { zh: `找不到标签为“${this.config.tokenLabel}”的令牌`, en: `no token labelled "${this.config.tokenLabel}" in ${this.config.module}` });
    this.slot = slot;
    this.release(this.open());
  }

  private open(): Handle {
    let s: Handle;
    try {
      s = this.m.C_OpenSession(this.slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    } catch (e) {
      throw this.mapped(e, 'C_OpenSession');
    }
    try {
      this.m.C_Login(s, pkcs11js.CKU_USER, this.config.pin);
    } catch (e) {
      if (ckr(e) !== 'CKR_USER_ALREADY_LOGGED_IN') {
        try {
          this.m.C_CloseSession(s);
        } catch {
          /* the session is being discarded */
        }
        throw this.mapped(e, 'C_Login');
      }
    }
    return s;
  }

  private acquire(): Handle {
    return this.idle.pop() ?? this.open();
  }

  private release(s: Handle): void {
    this.idle.push(s);
  }

  private mapped(e: unknown, op: string): EcertError {
    const code = ckr(e);
    if (PIN_REJECTED.has(code)) return new EcertError('ERR_PKCS11_PIN', { zh: `令牌“${this.config.tokenLabel}”：${code}`, en: `token "${this.config.tokenLabel}": ${code} (check ECERT_PKCS11_PIN / ECERT_PKCS11_PIN_FILE)`, cause: e });
    if (code === 'CKR_TOKEN_NOT_PRESENT' || code === 'CKR_DEVICE_REMOVED' || code === 'CKR_SLOT_ID_INVALID') return new EcertError('ERR_PKCS11_TOKEN', { en: `token "${this.config.tokenLabel}": ${code} in ${op}`, cause: e });
    if (SESSION_LOST.has(code)) return new EcertError('ERR_PKCS11_SESSION', { en: `token "${this.config.tokenLabel}": ${code} in ${op}`, cause: e });
    return new EcertError('ERR_PKCS11_SESSION', { en: `token "${this.config.tokenLabel}": ${code || (e as Error).message} in ${op}`, cause: e });
  }

  /** Run `f` on a session; on a lost session, reconnect once and run it again. */
  private async withSession<T>(op: string, f: (s: Handle) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const s = this.acquire();
      try {
        const v = await f(s);
        this.release(s);
        return v;
      } catch (e) {
        if (this.retry(e, s, attempt)) continue;
        throw e instanceof EcertError ? e : this.mapped(e, op);
      }
    }
  }

  /** The same for the synchronous calls (object search, attributes, key generation). */
  private withSessionSync<T>(op: string, f: (s: Handle) => T): T {
    for (let attempt = 0; ; attempt++) {
      const s = this.acquire();
      try {
        const v = f(s);
        this.release(s);
        return v;
      } catch (e) {
        if (this.retry(e, s, attempt)) continue;
        throw e instanceof EcertError ? e : this.mapped(e, op);
      }
    }
  }

  /** After a failure on session `s`: keep `s` when the failure was not the session's, reconnect (once) when it was. */
  private retry(e: unknown, s: Handle, attempt: number): boolean {
    if (!SESSION_LOST.has(ckr(e))) {
      this.release(s);
      return false;
    }
    if (attempt > 0) return false;
    this.connect(); // throws the coded error when the token or the PIN is the cause
    return true;
  }

  private findOne(s: Handle, cls: number, id: Buffer): Handle | undefined {
    this.m.C_FindObjectsInit(s, [
      { type: pkcs11js.CKA_CLASS, value: cls },
      { type: pkcs11js.CKA_ID, value: id },
    ]);
    try {
      return this.m.C_FindObjects(s, 1)[0];
    } finally {
      this.m.C_FindObjectsFinal(s);
    }
  }

  private privateKey(s: Handle, ref: TokenKeyRef): Handle {
    let h = this.keyHandles.get(ref.id);
    if (!h) {
      h = this.findOne(s, pkcs11js.CKO_PRIVATE_KEY, Buffer.from(ref.id, 'hex'));
      if (!h) throw new EcertError('ERR_PKCS11_KEY', { en: `no private key with CKA_ID ${ref.id} ("${ref.label}") in token "${this.config.tokenLabel}"` });
      this.keyHandles.set(ref.id, h);
    }
    return h;
  }

  /**
   * Generate a seal key pair in the token: ECDSA P-256 (CKM_EC_KEY_PAIR_GEN, CKA_EC_PARAMS the
   * named-curve OID, RFC 5480 §2.1.1.1) or RSA-2048 (CKM_RSA_PKCS_KEY_PAIR_GEN, e = 65537).
   * The private key is CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE and not CKA_EXTRACTABLE, so its
   * value can never be read out (PKCS #11 v2.40 §4.9).
   */
  async generate(ref: TokenKeyRef): Promise<KeyObject> {
    const id = Buffer.from(ref.id, 'hex');
    const common = [
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_ID, value: id },
      { type: pkcs11js.CKA_LABEL, value: ref.label },
    ];
    const pub =
      ref.keyType === 'ec'
        ? [{ type: pkcs11js.CKA_EC_PARAMS, value: oid(OID.prime256v1) }]
        : [
            { type: pkcs11js.CKA_MODULUS_BITS, value: 2048 },
            { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
          ];
    this.withSessionSync('C_GenerateKeyPair', (s) =>
      this.m.C_GenerateKeyPair(
        s,
        { mechanism: ref.keyType === 'ec' ? pkcs11js.CKM_EC_KEY_PAIR_GEN : pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN },
        [...common, { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY }, { type: pkcs11js.CKA_VERIFY, value: true }, { type: pkcs11js.CKA_PRIVATE, value: false }, ...pub],
        [
          ...common,
          { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
          { type: pkcs11js.CKA_PRIVATE, value: true },
          { type: pkcs11js.CKA_SIGN, value: true },
          { type: pkcs11js.CKA_SENSITIVE, value: true },
          { type: pkcs11js.CKA_EXTRACTABLE, value: false },
        ],
      ),
    );
    return this.publicKey(ref);
  }

  /** The public key of a token key pair, as a Node KeyObject (from CKA_EC_POINT or CKA_MODULUS + CKA_PUBLIC_EXPONENT). */
  async publicKey(ref: TokenKeyRef): Promise<KeyObject> {
    return this.publicKeySync(ref);
  }

  publicKeySync(ref: TokenKeyRef): KeyObject {
    return this.withSessionSync('C_GetAttributeValue', (s) => {
      const h = this.findOne(s, pkcs11js.CKO_PUBLIC_KEY, Buffer.from(ref.id, 'hex'));
      if (!h) throw new EcertError('ERR_PKCS11_KEY', { en: `no public key with CKA_ID ${ref.id} ("${ref.label}") in token "${this.config.tokenLabel}"` });
      const b64 = (b: Buffer) => b.toString('base64url');
      if (ref.keyType === 'ec') {
        let point = this.m.C_GetAttributeValue(s, h, [{ type: pkcs11js.CKA_EC_POINT }])[0].value as Buffer;
        // CKA_EC_POINT is DER OCTET STRING (ECPoint, PKCS #11 v2.40 §2.3.3); a few modules give the bare point
        if (point[0] === 0x04 && point.length !== 65) point = point.subarray(readTlv(point, 0).contentStart);
        if (point.length !== 65 || point[0] !== 0x04) throw new EcertError('ERR_PKCS11_KEY', { en: `unexpected EC point of ${point.length} bytes for "${ref.label}"` });
        return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64(point.subarray(1, 33)), y: b64(point.subarray(33)) }, format: 'jwk' });
      }
      const [n, e] = this.m.C_GetAttributeValue(s, h, [{ type: pkcs11js.CKA_MODULUS }, { type: pkcs11js.CKA_PUBLIC_EXPONENT }]).map((a) => a.value as Buffer);
      return createPublicKey({ key: { kty: 'RSA', n: b64(n), e: b64(e) }, format: 'jwk' });
    });
  }

  /**
   * SHA-256 signature over `data` in the token: CKM_SHA256_RSA_PKCS (PKCS #1 v1.5, RFC 8017
   * §8.2) or CKM_ECDSA over the SHA-256 digest, whose r ‖ s output (PKCS #11 v2.40 §2.3.1)
   * becomes the DER Ecdsa-Sig-Value of RFC 3279 §2.2.3. Runs off the main thread (C_SignAsync).
   */
  async sign(ref: TokenKeyRef, data: Buffer): Promise<Buffer> {
    return this.withSession('C_Sign', async (s) => {
      const key = this.privateKey(s, ref);
      if (ref.keyType === 'rsa') {
        this.m.C_SignInit(s, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, key);
        return Buffer.from(await this.m.C_SignAsync(s, data, Buffer.alloc(512)));
      }
      this.m.C_SignInit(s, { mechanism: pkcs11js.CKM_ECDSA }, key);
      const rs = await this.m.C_SignAsync(s, createHash('sha256').update(data).digest(), Buffer.alloc(132));
      const half = rs.length / 2;
      return seq(int(Buffer.from(rs.subarray(0, half))), int(Buffer.from(rs.subarray(half))));
    });
  }

  /** Key pairs of the token with their CKA_ID and CKA_LABEL (for `ecert keys status`). */
  list(): Array<{ id: string; label: string }> {
    return this.withSessionSync('C_FindObjects', (s) => {
      this.m.C_FindObjectsInit(s, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }]);
      let hs: Handle[];
      try {
        hs = this.m.C_FindObjects(s, 1000);
      } finally {
        this.m.C_FindObjectsFinal(s);
      }
      return hs.map((h) => {
        const [id, label] = this.m.C_GetAttributeValue(s, h, [{ type: pkcs11js.CKA_ID }, { type: pkcs11js.CKA_LABEL }]).map((a) => a.value as Buffer);
        return { id: id.toString('hex'), label: label.toString('utf8') };
      });
    });
  }

  /** Test aid and clean shutdown: close every session of this token's slot (the login goes with them). */
  closeAllSessions(): void {
    try {
      this.m.C_CloseAllSessions(this.slot);
    } catch {
      /* already gone */
    }
    this.keyHandles.clear();
  }
}
