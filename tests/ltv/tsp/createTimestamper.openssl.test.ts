import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EcertError } from '../../../src/core/errors';
import { certificatePem } from '../../../src/keys/pem';
import { createTimestamper } from '../../../src/ltv/tsp/createTimestamper';
import { DevTsa } from '../../../src/ltv/tsp/DevTsa';
import { DEV_TSA_NAME, makeTsaCertificate } from '../../../src/ltv/tsp/devTsaMaterial';
import { OID } from '../../../src/sign/constants';
import { makeCertificate } from '../../../src/keys/x509';
import { verifyTimeStampToken } from '../../../src/ltv/tsp/verifyTimeStampToken';
import { buildCmsSignedData } from '../../../src/sign/buildCmsSignedData';
import { addSignatureTimestamp, signatureTimestampOf, signatureValueOf } from '../../../src/sign/addSignatureTimestamp';
import { children, int, octets, oid, readTlv, seq, setOf, utf8 } from '../../../src/sign/der';
import { generateKeyPairSync } from 'node:crypto';
import { opensslVerifiesToken, startOpensslTsa, type OpensslTsa } from '../../helpers/opensslTsa';
import { makeSealSigner } from '../../helpers/sealPki';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();
const clock = () => new Date();

/** TimeStampReq { version, messageImprint { alg, hashedMessage }, nonce, certReq } (RFC 3161 §2.4.1): the imprint and the nonce magnitude. */
function imprintAndNonce(q: Buffer): [Buffer, Buffer] {
  const [, mi, nonce] = children(q, readTlv(q, 0));
  const hashed = children(q, mi)[1];
  return [q.subarray(hashed.contentStart, hashed.end), q.subarray(nonce.contentStart, nonce.end)];
}

async function refusal(p: Promise<unknown>): Promise<{ reason: unknown; status: number; message: string }> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(EcertError);
    const err = e as EcertError;
    expect(err.code).toBe('ERR_TSA_UNAVAILABLE');
    expect(err.bilingual.zh.length).toBeGreaterThan(0);
    return { reason: err.details?.reason, status: err.status, message: err.bilingual.en };
  }
  throw new Error('expected a refusal');
}

describe('createTimestamper against an independent TSA (openssl ts -reply)', () => {
  let tsa: OpensslTsa;
  let keysDir: string;
  beforeAll(async () => {
    tsa = await startOpensslTsa();
    keysDir = mkdtempSync(join(tmpdir(), 'ecert-tsp-keys-'));
  });
  afterAll(async () => {
    await tsa?.close();
  });
  const client = (over: Partial<Parameters<typeof createTimestamper>[0]> = {}) => createTimestamper({ tsaUrl: tsa.url, tsaRootsPem: tsa.rootPem, keysDir, clock, ...over });

  it('a token over an imprint passes our checks, and openssl ts -verify accepts it', async () => {
    const imprint = sha256(randomBytes(100));
    const ts = client();
    expect(ts.trustAnchors).toHaveLength(1);
    const token = await ts.timestamp(imprint);
    const v = verifyTimeStampToken({ token, imprint, trustAnchors: ts.trustAnchors, at: new Date() });
    expect(v.ok, JSON.stringify(v.checks)).toBe(true);
    expect(v.tsaSubject).toContain('openssl Test TSA');
    expect(Math.abs(v.genTime!.getTime() - Date.now())).toBeLessThan(60_000);
    const o = opensslVerifiesToken(token, imprint, tsa.rootPem);
    expect(o.ok, o.output).toBe(true);
  });

  it('the token addSignatureTimestamp embeds in our CMS is accepted by openssl ts -verify over SHA-256 of the signature value', async () => {
    const { signer } = makeSealSigner('rsa');
    const cms = await buildCmsSignedData({ contentDigest: sha256(randomBytes(64)), signer });
    expect(signatureTimestampOf(cms)).toBeUndefined();
    const stamped = await addSignatureTimestamp(cms, client());
    const token = signatureTimestampOf(stamped)!;
    expect(token).toBeDefined();
    expect(signatureValueOf(stamped).equals(signatureValueOf(cms))).toBe(true);
    const o = opensslVerifiesToken(token, sha256(signatureValueOf(stamped)), tsa.rootPem);
    expect(o.ok, o.output).toBe(true);
  });

  it('accepts SigningCertificate v1 (ESSCertID, SHA-1, RFC 2634) and a token that carries its root', async () => {
    const v1 = await startOpensslTsa({ essCertIdAlg: 'sha1', includeRootInToken: true });
    try {
      const imprint = sha256(randomBytes(10));
      const token = await createTimestamper({ tsaUrl: v1.url, tsaRootsPem: v1.rootPem, keysDir, clock }).timestamp(imprint);
      expect(opensslVerifiesToken(token, imprint, v1.rootPem).ok).toBe(true);
    } finally {
      await v1.close();
    }
  });

  it('rejection status → STATUS', async () => {
    // TimeStampResp { PKIStatusInfo { rejection (2), statusString { "bad request" }, failInfo badAlg } } (RFC 3161 §2.4.2)
    tsa.behave(() => ({ body: seq(seq(int(2), seq(utf8('policy not supported')), Buffer.from([0x03, 0x02, 0x07, 0x80]))) }));
    try {
      const r = await refusal(client().timestamp(sha256(Buffer.from('x'))));
      expect(r).toMatchObject({ reason: 'STATUS', status: 503 });
      expect(r.message).toContain('policy not supported');
    } finally {
      tsa.behave();
    }
  });

  it('a replayed response (another nonce) → NONCE', async () => {
    const imprint = sha256(Buffer.from('replayed'));
    await client().timestamp(imprint);
    const old = tsa.responses.at(-1)!;
    tsa.behave(() => ({ body: old }));
    try {
      expect((await refusal(client().timestamp(imprint))).reason).toBe('NONCE');
    } finally {
      tsa.behave();
    }
  });

  it('a token over another imprint → IMPRINT', async () => {
    // the query's hashedMessage changed before openssl answers: our nonce, another digest
    tsa.behave(async (q, openssl) => {
      const i = q.indexOf(Buffer.from([0x04, 0x20]));
      const other = Buffer.from(q);
      other[i + 2] ^= 0xff;
      return { body: await openssl(other) };
    });
    try {
      expect((await refusal(client().timestamp(sha256(Buffer.from('imprint'))))).reason).toBe('IMPRINT');
    } finally {
      tsa.behave();
    }
  });

  it('a root we do not trust → CHAIN', async () => {
    const other = await startOpensslTsa();
    try {
      expect((await refusal(createTimestamper({ tsaUrl: tsa.url, tsaRootsPem: other.rootPem, keysDir, clock }).timestamp(sha256(Buffer.from('c'))))).reason).toBe('CHAIN');
    } finally {
      await other.close();
    }
  });

  it('genTime off by more than 5 minutes (openssl under faketime, or our clock moved) → GEN_TIME', async () => {
    const late = await startOpensslTsa({ faketime: '+10m' }) // ahead: a TSA clock behind would also predate its fresh certificate (CHAIN);
    try {
      expect((await refusal(createTimestamper({ tsaUrl: late.url, tsaRootsPem: late.rootPem, keysDir, clock }).timestamp(sha256(Buffer.from('t'))))).reason).toBe('GEN_TIME');
    } finally {
      await late.close();
    }
    expect((await refusal(client({ clock: () => new Date(Date.now() + 6 * 60_000) }).timestamp(sha256(Buffer.from('t2'))))).reason).toBe('GEN_TIME');
    // within the window: accepted
    await client({ clock: () => new Date(Date.now() + 4 * 60_000) }).timestamp(sha256(Buffer.from('t3')));
  });

  it('a TSA certificate without the critical timeStamping EKU → EKU; ESS id of another certificate → ESS_CERT_ID; wrong key → SIGNATURE (forged responses served over HTTP)', async () => {
    // openssl ts -reply refuses such signers itself, so these responses are made by our DevTsa code with a crafted certificate
    const root = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rootName = { cn: 'Forged TSA Root', c: 'CN' };
    const nb = new Date(Date.now() - 3600_000);
    const na = new Date(Date.now() + 86400_000 * 30);
    const rootDer = makeCertificate({ subject: rootName, publicKey: root.publicKey, issuerKey: root.privateKey, serial: Buffer.from([7]), notBefore: nb, notAfter: na, ca: true });
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const cert = (eku: Parameters<typeof makeTsaCertificate>[0]['eku']) => makeTsaCertificate({ publicKey: key.publicKey, issuerKey: root.privateKey, issuerPublicKey: root.publicKey, notBefore: nb, notAfter: na, subject: DEV_TSA_NAME, issuer: rootName, eku });
    const serve = (dev: DevTsa) => tsa.behave((q) => ({ body: dev.respond(...imprintAndNonce(q), new Date()) }));
    const forged = (over: Partial<Parameters<typeof createTimestamper>[0]> = {}) => client({ tsaRootsPem: certificatePem(rootDer), ...over });
    try {
      // control: the same construction with the critical EKU passes
      serve(new DevTsa({ root: rootDer, certificate: cert(undefined), key: key.privateKey }, clock));
      await forged().timestamp(sha256(Buffer.from('control')));
      for (const eku of [{ critical: false, purposes: [OID.kpTimeStamping] }, null, { critical: true, purposes: [OID.kpTimeStamping, '1.3.6.1.5.5.7.3.4'] }, { critical: true, purposes: ['1.3.6.1.5.5.7.3.4'] }]) {
        serve(new DevTsa({ root: rootDer, certificate: cert(eku), key: key.privateKey }, clock));
        expect((await refusal(forged().timestamp(sha256(Buffer.from('eku'))))).reason).toBe('EKU');
      }
      const dev = new DevTsa({ root: rootDer, certificate: cert(undefined), key: key.privateKey }, clock);
      (dev as unknown as { essAttr: Buffer }).essAttr = seq(oid(OID.signingCertificateV2), setOf(seq(seq(seq(octets(sha256(rootDer)))))));
      serve(dev);
      expect((await refusal(forged().timestamp(sha256(Buffer.from('ess'))))).reason).toBe('ESS_CERT_ID');
      serve(new DevTsa({ root: rootDer, certificate: cert(undefined), key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey }, clock));
      expect((await refusal(forged().timestamp(sha256(Buffer.from('sig'))))).reason).toBe('SIGNATURE');
    } finally {
      tsa.behave();
    }
  });

  it('network down, timeout, HTTP error, wrong content type, garbage body → NETWORK / FORMAT', async () => {
    const gone = await startOpensslTsa();
    const goneUrl = gone.url;
    await gone.close();
    expect((await refusal(createTimestamper({ tsaUrl: goneUrl, tsaRootsPem: tsa.rootPem, keysDir, clock }).timestamp(sha256(Buffer.from('n'))))).reason).toBe('NETWORK');
    try {
      tsa.behave(() => 'hang');
      const t0 = Date.now();
      expect((await refusal(client({ timeoutMs: 300 }).timestamp(sha256(Buffer.from('h'))))).reason).toBe('NETWORK');
      expect(Date.now() - t0).toBeLessThan(5000);
      tsa.behave(() => ({ body: Buffer.from('oops'), status: 500, type: 'text/plain' }));
      expect((await refusal(client().timestamp(sha256(Buffer.from('e'))))).reason).toBe('NETWORK');
      tsa.behave(async (q, openssl) => ({ body: await openssl(q), type: 'text/html' }));
      expect((await refusal(client().timestamp(sha256(Buffer.from('ct'))))).reason).toBe('NETWORK');
      tsa.behave(() => ({ body: randomBytes(300) }));
      expect((await refusal(client().timestamp(sha256(Buffer.from('g'))))).reason).toBe('FORMAT');
      tsa.behave(async (q, openssl) => {
        const r = Buffer.from(await openssl(q));
        r[r.length - 20] ^= 0x01; // a bit of the signature
        return { body: r };
      });
      expect(['SIGNATURE', 'FORMAT']).toContain((await refusal(client().timestamp(sha256(Buffer.from('s'))))).reason);
      tsa.behave(() => ({ body: Buffer.alloc(200_000) }));
      expect((await refusal(client().timestamp(sha256(Buffer.from('big'))))).reason).toBe('NETWORK');
    } finally {
      tsa.behave();
    }
  });
});
