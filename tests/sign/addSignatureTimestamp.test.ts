import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EcertError } from '../../src/core/errors';
import { createTimestamper } from '../../src/ltv/tsp/createTimestamper';
import type { Timestamper } from '../../src/ltv/tsp/Timestamper';
import { verifyTimeStampToken } from '../../src/ltv/tsp/verifyTimeStampToken';
import { addSignatureTimestamp, signatureTimestampOf, signatureValueOf, withUnsignedAttributes } from '../../src/sign/addSignatureTimestamp';
import { buildCmsSignedData } from '../../src/sign/buildCmsSignedData';
import { OID } from '../../src/sign/constants';
import { int, nullValue, oid, seq, setOf } from '../../src/sign/der';
import { verifyCms } from '../../src/verify/cms/verifyCms';
import { makeSealSigner } from '../helpers/sealPki';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();

describe.each(['ecdsa', 'rsa'] as const)('PAdES B-T signature timestamp in our CMS (%s seal)', (alg) => {
  let ts: Timestamper;
  let pki: ReturnType<typeof makeSealSigner>;
  const content = randomBytes(2048);
  let cms: Buffer;
  let stamped: Buffer;
  beforeAll(async () => {
    ts = createTimestamper({ keysDir: mkdtempSync(join(tmpdir(), 'ecert-bt-')), clock: () => new Date() });
    pki = makeSealSigner(alg);
    cms = await buildCmsSignedData({ contentDigest: sha256(content), signer: pki.signer });
    stamped = await addSignatureTimestamp(cms, ts);
  });
  const verify = (c: Buffer) => verifyCms({ cms: c, signedBytes: [content], trustAnchors: [pki.rootCert], at: new Date() });

  it('verifyCms accepts the CMS with the id-aa-signatureTimeStampToken attribute and returns the token', () => {
    const plain = verify(cms);
    expect(plain.ok).toBe(true);
    expect(plain.signatureTimestamp).toBeUndefined();
    const v = verify(stamped);
    expect(v.ok, JSON.stringify(v.checks)).toBe(true);
    expect(v.signatureTimestamp!.equals(signatureTimestampOf(stamped)!)).toBe(true);
    expect(v.signatureValue!.equals(signatureValueOf(cms))).toBe(true);
    // the token stamps the signature value
    const t = verifyTimeStampToken({ token: v.signatureTimestamp!, imprint: sha256(v.signatureValue!), trustAnchors: ts.trustAnchors, at: new Date() });
    expect(t.ok).toBe(true);
    // the signed part is untouched: the same bytes up to the signature value
    expect(signatureValueOf(stamped).equals(signatureValueOf(cms))).toBe(true);
  });

  it('works on a padded /Contents value and refuses to stamp twice', async () => {
    const padded = Buffer.concat([cms, Buffer.alloc(100)]);
    expect(signatureValueOf(padded).equals(signatureValueOf(cms))).toBe(true);
    expect(signatureTimestampOf(Buffer.concat([stamped, Buffer.alloc(50)]))!.equals(signatureTimestampOf(stamped)!)).toBe(true);
    await expect(addSignatureTimestamp(stamped, ts)).rejects.toThrow(/already has unsigned attributes/);
  });

  it('a failing TSA propagates ERR_TSA_UNAVAILABLE (nothing stamped)', async () => {
    const down: Timestamper = { trustAnchors: [], tokenReserve: 0, timestamp: async () => Promise.reject(new EcertError('ERR_TSA_UNAVAILABLE', { details: { reason: 'NETWORK' } })) };
    await expect(addSignatureTimestamp(cms, down)).rejects.toMatchObject({ code: 'ERR_TSA_UNAVAILABLE', status: 503 });
  });

  it('any other unsigned attribute shape is FORMAT_FAILURE: a second attribute, two values, another type, a value that is not a SEQUENCE', () => {
    const token = signatureTimestampOf(stamped)!;
    const tsAttr = seq(oid(OID.signatureTimeStampToken), setOf(token));
    const other = seq(oid('1.2.840.113549.1.9.16.2.48'), setOf(nullValue())); // some other unsigned attribute
    const shapes: Record<string, Buffer[]> = {
      'a second attribute': [tsAttr, other].sort(Buffer.compare),
      'the timestamp twice': [tsAttr, tsAttr],
      'two values': [seq(oid(OID.signatureTimeStampToken), setOf(token, token))],
      'two different values': [seq(oid(OID.signatureTimeStampToken), setOf(token, seq(int(1))))],
      'another type only': [other],
      'value not a SEQUENCE': [seq(oid(OID.signatureTimeStampToken), setOf(int(5)))],
      'empty set': [],
      'no values': [seq(oid(OID.signatureTimeStampToken), setOf())],
    };
    // control: rebuilt with the genuine attribute, the same bytes as addSignatureTimestamp wrote
    expect(withUnsignedAttributes(cms, [tsAttr]).equals(stamped)).toBe(true);
    for (const [name, attrs] of Object.entries(shapes)) {
      const v = verify(withUnsignedAttributes(cms, attrs));
      expect({ name, ok: v.ok, sub: v.subIndication }).toEqual({ name, ok: false, sub: 'FORMAT_FAILURE' });
    }
  });
});
