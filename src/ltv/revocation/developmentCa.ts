import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readCompromised } from '../../keys/keyLifecycle';
import { readPemCertificates } from '../../keys/pem';
import { keyIdentifier, signatureAlgorithm } from '../../keys/x509';
import { OID } from '../../sign/constants';
import { bitString, children, ctx, int, octets, oid, readOid, readTlv, seq, slice, time, tlv, type Tlv } from '../../sign/der';
import { certFields, generalizedTime, HASH_BY_OID, issuedBy } from './certFields';

/**
 * The development CA's revocation services (keys/README.md: a root per `ecert keys init`):
 * CRLs (RFC 5280 §5) and OCSP responses (RFC 6960) signed by the root itself, which
 * RFC 6960 §4.2.2.2 allows ("the CA who issued the certificate in question").
 *
 * Roots replaced by a rotation keep answering when their key was archived (keys/retired/,
 * encrypted: needs the passphrase); a root whose key was deleted cannot.
 *
 * What is revoked comes from keys/compromised.json (`ecert keys revoke --seal X --since D`,
 * src/keys/keyLifecycle.ts): every certificate of that seal key, with revocationTime = D and
 * reason keyCompromise. The file and the folder are read again on each answer whose inputs
 * changed (modification times), so a running service answers with the current state.
 */
export interface DevelopmentCa {
  /** Ids of the roots this CA can sign for (keys/roots/<id>.cert.pem with its key file). */
  rootIds(): string[];
  /** The root (id and DER) that issued `cert`, when it is one of ours with its private key. */
  rootOf(cert: Buffer): { id: string; der: Buffer } | undefined;
  /** DER CertificateList v2 of that root; undefined for an unknown root id. */
  buildCrl(rootId: string, now: Date): Buffer | undefined;
  /** DER OCSPResponse for a DER OCSPRequest; never throws (malformedRequest, unauthorized, internalError). */
  respondOcsp(requestDer: Buffer, now: Date): Buffer;
}

const DAY = 86_400_000;
/** nextUpdate of CRLs and OCSP responses: now + 7 days. */
export const DEV_CA_UPDATE_INTERVAL_MS = 7 * DAY;

/** RFC 5280 §5.3.1 CRLReason keyCompromise. */
const KEY_COMPROMISE = 1;

/** RFC 6960 §4.2.1 OCSPResponseStatus. */
export const OCSP_STATUS = { successful: 0, malformedRequest: 1, internalError: 2, tryLater: 3, sigRequired: 5, unauthorized: 6 } as const;

interface Root {
  id: string;
  der: Buffer;
  key: KeyObject;
  /** SHA-1 of the key bits: ResponderID byKey (RFC 6960 §4.2.1) and the authority key identifier (RFC 5280 §4.2.1.1, method 1). */
  keyHash: Buffer;
  /** CertID hashes of this issuer per hash algorithm OID: [issuerNameHash, issuerKeyHash]. */
  certIdHashes: Map<string, [Buffer, Buffer]>;
  algo: Buffer;
}

interface Issued {
  rootId: string;
  /** hex of the serial's INTEGER contents */
  serial: string;
  serialBytes: Buffer;
  revokedAt?: Date;
}

const enumerated = (n: number) => tlv(0x0a, Buffer.from([n]));
const ext = (id: string, value: Buffer, critical = false) => seq(oid(id), ...(critical ? [Buffer.from([0x01, 0x01, 0xff])] : []), octets(value));

/** A bare OCSPResponse without responseBytes (RFC 6960 §4.2.1: only for unsuccessful statuses). */
export function ocspError(status: Exclude<(typeof OCSP_STATUS)[keyof typeof OCSP_STATUS], 0>): Buffer {
  return seq(enumerated(status));
}

/** Id of the development TSA's root among the development CA's roots (`GET /pki/crl/dev-tsa.crl`). */
export const DEV_TSA_ROOT_ID = 'dev-tsa';

export function createDevelopmentCa(opts: { keysDir: string; passphrase?: string }): DevelopmentCa {
  const { keysDir } = opts;
  let roots: Map<string, Root> = new Map();
  let rootsStamp = '';
  let issued: Issued[] = [];
  let issuedStamp = '';

  const mtime = (p: string) => (existsSync(p) ? `${statSync(p).mtimeMs}` : '-');

  function loadRoots(): Map<string, Root> {
    const dir = join(keysDir, 'roots');
    const files = existsSync(dir) ? readdirSync(dir).sort() : [];
    // root keys retired by a rotation, archived encrypted (keys/retired/<time>/roots/<id>.key.pem)
    const retiredDir = join(keysDir, 'retired');
    const archived = new Map<string, string>();
    if (existsSync(retiredDir))
      for (const t of readdirSync(retiredDir).sort()) {
        const rd = join(retiredDir, t, 'roots');
        if (existsSync(rd)) for (const f of readdirSync(rd)) if (f.endsWith('.key.pem')) archived.set(f.slice(0, -'.key.pem'.length), join(rd, f));
      }
    // the development TSA's own root (src/ltv/tsp/devTsaMaterial.ts) answers for the TSA certificates it issued
    const tsaRoot = { id: DEV_TSA_ROOT_ID, cert: join(keysDir, 'tsa', 'root.pem'), key: join(keysDir, 'tsa', 'root.key') };
    const stamp = `${files.map((f) => `${f}@${mtime(join(dir, f))}`).join('|')}#${[...archived.values()].join('|')}#${mtime(tsaRoot.cert)}`;
    if (stamp === rootsStamp) return roots;
    const candidates = files
      .filter((f) => f.endsWith('.cert.pem'))
      .map((f) => {
        const id = f.slice(0, -'.cert.pem'.length);
        // a root replaced by `ecert keys init --force` (src/keys/generateKeyMaterial.ts) still answers for the
        // certificates it issued while its archived key can be read; a deleted key cannot answer
        return { id, cert: join(dir, f), key: existsSync(join(dir, `${id}.key.pem`)) ? join(dir, `${id}.key.pem`) : archived.get(id) };
      });
    if (existsSync(tsaRoot.cert) && existsSync(tsaRoot.key)) candidates.push(tsaRoot);
    const next = new Map<string, Root>();
    for (const { id, cert: certPath, key: keyPath } of candidates) {
      if (!keyPath) continue;
      const pem = readFileSync(keyPath, 'utf8');
      let key: KeyObject;
      try {
        key = createPrivateKey(pem.includes('ENCRYPTED') ? { key: pem, passphrase: opts.passphrase ?? '' } : pem);
      } catch {
        continue; // no passphrase: this process cannot sign for that root
      }
      const der = readPemCertificates(readFileSync(certPath, 'utf8'))[0];
      const c = certFields(der);
      const certIdHashes = new Map<string, [Buffer, Buffer]>();
      for (const [o, h] of Object.entries(HASH_BY_OID)) certIdHashes.set(o, [createHash(h).update(c.subjectName).digest(), createHash(h).update(c.keyBits).digest()]);
      next.set(id, { id, der, key, keyHash: keyIdentifier(c.publicKey), certIdHashes, algo: signatureAlgorithm(key) });
    }
    roots = next;
    rootsStamp = stamp;
    issuedStamp = ''; // the issued list depends on the roots
    return roots;
  }

  /**
   * Every certificate in keys/ (any *.pem holding CERTIFICATE blocks, e.g. keys/seals/<seal>/<key id>.cert.pem*,
   * a development TSA certificate) issued by one of our roots, with its revocation: a seal key
   * marked compromised revokes every certificate of that key (by file name or SHA-256).
   */
  function loadIssued(): Issued[] {
    const rs = loadRoots();
    const files = certificateFiles(keysDir);
    const compromisedPath = join(keysDir, 'compromised.json');
    const stamp = `${files.map((f) => `${f}@${mtime(join(keysDir, f))}`).join('|')}#${mtime(compromisedPath)}`;
    if (stamp === issuedStamp) return issued;
    const compromised = readCompromised(keysDir);
    const out: Issued[] = [];
    const seen = new Set<string>();
    for (const rel of files) {
      let ders: Buffer[];
      try {
        ders = readPemCertificates(readFileSync(join(keysDir, rel), 'utf8'));
      } catch {
        continue;
      }
      const parts = rel.split('/');
      const sealId = parts[0] === 'seals' && parts.length === 3 ? parts[1] : undefined;
      const keyId = sealId ? parts[2].slice(0, parts[2].indexOf('.')) : undefined;
      for (const der of ders) {
        const root = [...rs.values()].find((r) => !r.der.equals(der) && issuedBy(der, r.der));
        if (!root) continue; // a root, an outside CA's certificate or chain
        const sha = createHash('sha256').update(der).digest('hex');
        if (seen.has(sha)) continue;
        seen.add(sha);
        const c = compromised.find((x) => (sealId !== undefined && x.sealId === sealId && x.keyId === keyId) || x.certificateSha256.includes(sha));
        const serialBytes = certFields(der).serial;
        out.push({ rootId: root.id, serial: serialBytes.toString('hex'), serialBytes, ...(c ? { revokedAt: new Date(c.since) } : {}) });
      }
    }
    issued = out;
    issuedStamp = stamp;
    return issued;
  }

  /** Revoked as of `now`: a compromise declared from a later date is not yet a revocation. */
  const revokedAt = (i: Issued, now: Date) => (i.revokedAt && i.revokedAt.getTime() <= now.getTime() ? i.revokedAt : undefined);

  function buildCrl(rootId: string, now: Date): Buffer | undefined {
    const root = loadRoots().get(rootId);
    if (!root) return undefined;
    const entries = loadIssued()
      .filter((i) => i.rootId === rootId && revokedAt(i, now))
      .map((i) => seq(tlv(0x02, i.serialBytes), time(revokedAt(i, now)!), seq(ext(OID.cRLReason, enumerated(KEY_COMPROMISE)))));
    const tbs = seq(
      int(1), // v2 (RFC 5280 §5.1.2.1)
      root.algo,
      certFields(root.der).subjectName,
      time(now),
      time(new Date(now.getTime() + DEV_CA_UPDATE_INTERVAL_MS)),
      // RFC 5280 §5.1.2.6: absent when nothing is revoked
      ...(entries.length ? [seq(...entries)] : []),
      ctx(
        0,
        seq(
          ext(OID.authorityKeyIdentifier, seq(ctx(0, root.keyHash, false))),
          // §5.2.3 monotonically increasing: the issuing time in seconds
          ext(OID.cRLNumber, int(Math.floor(now.getTime() / 1000))),
        ),
      ),
    );
    return seq(tbs, root.algo, bitString(sign('sha256', tbs, { key: root.key, dsaEncoding: 'der' })));
  }

  function rootOf(cert: Buffer) {
    for (const r of loadRoots().values()) if (issuedBy(cert, r.der)) return { id: r.id, der: r.der };
    return undefined;
  }

  function respondOcsp(requestDer: Buffer, now: Date): Buffer {
    // RFC 6960 §4.1.1 OCSPRequest { tbsRequest { version [0]?, requestorName [1]?, requestList, requestExtensions [2]? }, optionalSignature [0]? }
    let requests: Array<{ certId: Buffer; hashOid: string; nameHash: Buffer; keyHash: Buffer; serial: Buffer }>;
    let nonce: Buffer | undefined;
    try {
      const top = readTlv(requestDer, 0);
      if (top.tag !== 0x30 || top.end !== requestDer.length) throw new RangeError('not a SEQUENCE');
      const tbsT = children(requestDer, top)[0];
      if (tbsT?.tag !== 0x30) throw new RangeError('tbsRequest');
      const parts = children(requestDer, tbsT);
      const list = parts.find((t) => t.tag === 0x30);
      if (!list) throw new RangeError('requestList');
      requests = children(requestDer, list).map((req) => {
        const certIdT = children(requestDer, req)[0];
        const [algT, nameT, keyT, serialT] = children(requestDer, certIdT);
        if (nameT?.tag !== 0x04 || keyT?.tag !== 0x04 || serialT?.tag !== 0x02) throw new RangeError('CertID');
        const content = (t: Tlv) => requestDer.subarray(t.contentStart, t.end);
        return { certId: slice(requestDer, certIdT), hashOid: readOid(requestDer, children(requestDer, algT)[0]), nameHash: content(nameT), keyHash: content(keyT), serial: content(serialT) };
      });
      if (!requests.length) throw new RangeError('empty requestList');
      const extsWrap = parts.find((t) => t.tag === 0xa2);
      if (extsWrap)
        for (const e of children(requestDer, children(requestDer, extsWrap)[0])) {
          const p = children(requestDer, e);
          if (readOid(requestDer, p[0]) === OID.idPkixOcspNonce) {
            const v = p[p.length - 1];
            nonce = requestDer.subarray(v.contentStart, v.end); // extnValue contents: the Nonce OCTET STRING (RFC 8954 §2.1)
          }
        }
    } catch {
      return ocspError(OCSP_STATUS.malformedRequest); // RFC 6960 §2.3
    }
    try {
      const rs = [...loadRoots().values()];
      const match = (r: Root, q: (typeof requests)[number]) => {
        const h = r.certIdHashes.get(q.hashOid);
        return !!h && h[0].equals(q.nameHash) && h[1].equals(q.keyHash);
      };
      // one signer per response: the root of the first CertID we are authoritative for (RFC 6960 §2.3 unauthorized otherwise)
      const root = rs.find((r) => requests.some((q) => match(r, q)));
      if (!root) return ocspError(OCSP_STATUS.unauthorized);
      const known = loadIssued().filter((i) => i.rootId === root.id);
      const nextUpdate = new Date(now.getTime() + DEV_CA_UPDATE_INTERVAL_MS);
      const single = requests.map((q) => {
        const serialHex = q.serial.toString('hex');
        const hit = match(root, q) ? known.find((i) => i.serial === serialHex) : undefined;
        const r = hit && revokedAt(hit, now);
        // CertStatus: good [0] IMPLICIT NULL | revoked [1] IMPLICIT RevokedInfo | unknown [2] IMPLICIT NULL (RFC 6960 §4.2.1)
        const status = !hit ? Buffer.from([0x82, 0x00]) : r ? ctx(1, Buffer.concat([generalizedTime(r), ctx(0, enumerated(KEY_COMPROMISE))])) : Buffer.from([0x80, 0x00]);
        return seq(q.certId, status, generalizedTime(now), ctx(0, generalizedTime(nextUpdate)));
      });
      const responseData = seq(
        ctx(2, octets(root.keyHash)), // ResponderID byKey: SHA-1 of the responder's public key bits
        generalizedTime(now),
        seq(...single),
        ...(nonce ? [ctx(1, seq(ext(OID.idPkixOcspNonce, nonce)))] : []),
      );
      const basic = seq(responseData, root.algo, bitString(sign('sha256', responseData, { key: root.key, dsaEncoding: 'der' })));
      return seq(enumerated(OCSP_STATUS.successful), ctx(0, seq(oid(OID.idPkixOcspBasic), octets(basic))));
    } catch {
      return ocspError(OCSP_STATUS.internalError);
    }
  }

  return { rootIds: () => [...loadRoots().keys()], rootOf, buildCrl, respondOcsp };
}

/** *.pem files under keys/ (relative paths, sorted), not following links, skipping keys/retired/ (archived private keys only). */
function certificateFiles(keysDir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string, depth: number) => {
    const abs = rel ? join(keysDir, rel) : keysDir;
    if (!existsSync(abs) || depth > 4) return;
    for (const e of readdirSync(abs, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory() && r !== 'retired') walk(r, depth + 1);
      else if (e.isFile() && e.name.includes('.pem') && !e.name.includes('.key.pem')) out.push(r);
    }
  };
  walk('', 0);
  return out;
}
