import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import { OID } from '../../sign/constants';
import { children, ctx, int, octets, oid, readTlv, seq, setOf, slice, tlv } from '../../sign/der';
import { checkTimeStampResponse } from './checkTimeStampResponse';
import type { DevTsaMaterial } from './devTsaMaterial';
import type { Timestamper } from './Timestamper';

/**
 * Policy of the development TSA's tokens (RFC 3161 §2.4.2 `policy`): an OID under the UUID
 * arc 2.25 (ITU-T X.667), which needs no registration. NOT FOR PRODUCTION.
 */
export const DEV_TSA_POLICY = '2.25.311307891473914094718946212474402458613';

const SHA256_ALG = seq(oid(OID.sha256));
const SHA256_ALG_NULL = seq(oid(OID.sha256), Buffer.from([0x05, 0x00]));
const CONTENT_TYPE_ATTR = seq(oid(OID.contentType), setOf(oid(OID.tstInfo)));
const MESSAGE_DIGEST = oid(OID.messageDigest);
const ECDSA_SHA256 = seq(oid(OID.ecdsaWithSHA256));
const ENCAP_TYPE = oid(OID.tstInfo);
const SIGNED_DATA = oid(OID.signedData);
const GRANTED = seq(int(0));

/** GeneralizedTime with milliseconds, no trailing zeros in the fraction (RFC 3161 §2.4.2). */
function genTimeDer(d: Date): Buffer {
  const iso = d.toISOString(); // 2026-12-04T16:30:00.120Z
  const base = iso.slice(0, 19).replace(/[-:T]/g, '');
  const frac = iso.slice(20, 23).replace(/0+$/, '');
  return tlv(0x18, Buffer.from(`${base}${frac ? `.${frac}` : ''}Z`, 'latin1'));
}

/** Margin over a sample response (which is the token plus its status wrapping): a longer signature or genTime. */
const DEV_TOKEN_MARGIN = 64;

/**
 * The embedded development TSA (in process, no HTTP): answers a TimeStampReq as RFC 3161
 * §2.4.2 describes, TimeStampResp { granted, ContentInfo(SignedData v3 { SHA-256,
 * id-ct-TSTInfo, the TSA certificate, SignerInfo { content-type, message-digest,
 * signing-certificate-v2 (RFC 5816), ECDSA } }) }, and then runs the same client checks on
 * its own response as on an outside TSA's (checkTimeStampResponse.ts). Everything that
 * depends only on the certificate is encoded once.
 */
export class DevTsa implements Timestamper {
  readonly trustAnchors: Buffer[];
  /** Its tokens differ only in a few DER length octets (signature, genTime fraction): one sample and a margin. */
  readonly tokenReserve: number;
  private readonly certs: Buffer;
  private readonly sid: Buffer;
  private readonly essAttr: Buffer;
  private readonly key: KeyObject;
  private readonly policy = oid(DEV_TSA_POLICY);

  constructor(
    material: DevTsaMaterial,
    private readonly clock: () => Date,
  ) {
    this.trustAnchors = [material.root];
    this.key = material.key;
    const cert = material.certificate;
    const tbs = readTlv(cert, readTlv(cert, 0).contentStart);
    const f = children(cert, tbs);
    const [serial, issuer] = f[0].tag === 0xa0 ? [f[1], f[3]] : [f[0], f[2]];
    this.sid = seq(slice(cert, issuer), slice(cert, serial));
    this.certs = ctx(0, cert);
    // SigningCertificateV2 { certs { ESSCertIDv2 { certHash (SHA-256 default), issuerSerial { [4] issuer, serial } } } } (RFC 5035 §3)
    const essCertId = seq(octets(createHash('sha256').update(cert).digest()), seq(seq(ctx(4, slice(cert, issuer))), slice(cert, serial)));
    this.essAttr = seq(oid(OID.signingCertificateV2), setOf(seq(seq(essCertId))));
    this.tokenReserve = this.respond(Buffer.alloc(32), Buffer.alloc(8, 0x7f), clock()).length + DEV_TOKEN_MARGIN;
  }

  /** A TimeStampResp for (imprint, nonce) at `now` (exposed for tests and benchmarks). */
  respond(imprint: Buffer, nonce: Buffer, now: Date): Buffer {
    const serial = Buffer.from(randomBytes(16));
    serial[0] = (serial[0] & 0x7f) | 0x01;
    const tstInfo = seq(int(1), this.policy, seq(SHA256_ALG_NULL, octets(imprint)), int(serial), genTimeDer(now), int(nonce));
    const attrs = setOf(CONTENT_TYPE_ATTR, seq(MESSAGE_DIGEST, setOf(octets(createHash('sha256').update(tstInfo).digest()))), this.essAttr);
    const signature = sign('sha256', attrs, { key: this.key, dsaEncoding: 'der' });
    const signerInfo = seq(int(1), this.sid, SHA256_ALG, Buffer.concat([Buffer.from([0xa0]), attrs.subarray(1)]), ECDSA_SHA256, octets(signature));
    const signedData = seq(int(3), setOf(SHA256_ALG), seq(ENCAP_TYPE, ctx(0, octets(tstInfo))), this.certs, setOf(signerInfo));
    return seq(GRANTED, seq(SIGNED_DATA, ctx(0, signedData)));
  }

  async timestamp(imprint: Buffer): Promise<Buffer> {
    const nonce = randomBytes(8);
    nonce[0] = (nonce[0] & 0x7f) | 0x01;
    const now = this.clock();
    return checkTimeStampResponse({ response: this.respond(imprint, nonce, now), imprint, nonce, trustAnchors: this.trustAnchors, now }).token;
  }
}
