import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestServices, type TestEnv } from '../helpers/testServices';
import { issueBody } from '../helpers/holders';
import { issueCertificate } from '../../src/issue/issueCertificate';
import { qrClaimsOf, signQrToken } from '../../src/qr/qrToken';
import { verifyToken } from '../../src/verify/verifyToken';
import { certificateDataOf } from '../../src/verify/copies/verifyLinkOfRecord';
import type { Issuer } from '../../src/registry/RegistryStore';
import { sampleManagementNo } from '../../src/registry/managementNumber';

/** Token reports (issue 11): evidence qr; a long name carried as a prefix is compared as a prefix. */
let env: TestEnv;
let no: string;
const LONG = '玛丽亚·特蕾莎·冯·哈布斯堡·洛林·阿尔卑斯';
const verify = (t: string) => verifyToken(t, { jwks: env.s.keys.jwks(), catalog: env.s.catalog, registry: env.s.registry, clock: env.s.clock });

beforeAll(async () => {
  env = await makeTestServices();
  const entry = env.s.catalog.list().find((x) => x.style === 1 && !x.specialties?.length)!;
  const issuer: Issuer = { id: 'iss_tok', bodyCode: entry.issuingBody, name: 't', qualifications: [entry.code] };
  await env.s.registry.createIssuer({ ...issuer, keyHash: 'x', actor: 'test', now: env.s.clock() });
  const body = issueBody(entry.code, 31);
  body.holder.name = LONG;
  no = (await issueCertificate(body, issuer, env.s)).record.managementNo;
});
afterAll(() => env?.close());

describe('verifyToken', () => {
  it('passes a token whose name is cut to its first 36 bytes when the registry name starts with it', async () => {
    const data = certificateDataOf((await env.s.registry.getCertificate(no))!, env.s.catalog);
    const r = await verify(await signQrToken(qrClaimsOf(data), env.s.keys.qrKey));
    expect(r).toMatchObject({ evidence: 'qr', indication: 'TOTAL_PASSED', certificate: { holderName: LONG } });
  });

  it('reports a sample’s token as a sample (issue 12): by its signed mark even with a registered number, and by a number of the sample range', async () => {
    const data = certificateDataOf((await env.s.registry.getCertificate(no))!, env.s.catalog);
    const marked = await verify(await signQrToken(qrClaimsOf({ ...data, sample: true }), env.s.keys.qrKey));
    expect(marked).toMatchObject({ evidence: 'qr', indication: 'TOTAL_FAILED', subIndication: 'SAMPLE' });
    expect(marked.certificate).toBeUndefined();
    expect(marked.message.zh).toContain('样本');
    expect(marked.message.en).toContain('not a certificate');
    const inRange = await verify(await signQrToken(qrClaimsOf({ ...data, managementNo: sampleManagementNo(2025, Number(no.slice(4, 7)), 5) }), env.s.keys.qrKey));
    expect(inRange).toMatchObject({ evidence: 'qr', indication: 'TOTAL_FAILED', subIndication: 'SAMPLE' });
    expect(inRange.checks.find((c) => c.id === 'not-a-sample')).toMatchObject({ passed: false, detail: expect.stringContaining('sample range') });
  });

  it('fails with REGISTRY_MISMATCH when the cut name is not the beginning of the registry name', async () => {
    const data = certificateDataOf((await env.s.registry.getCertificate(no))!, env.s.catalog);
    const r = await verify(await signQrToken(qrClaimsOf({ ...data, holderName: '伊丽莎白·亚历山德拉·玛丽·温莎·蒙巴顿·格洛斯特' }), env.s.keys.qrKey));
    expect(r).toMatchObject({ evidence: 'qr', indication: 'TOTAL_FAILED', subIndication: 'REGISTRY_MISMATCH' });
    expect(r.message.zh).not.toMatch(/未被修改/);
  });

  it('a token not signed by a published key: SIG_CRYPTO_FAILURE, evidence qr, pointing to the PDF or a 管理号 look-up', async () => {
    const r = await verify('1' + '2'.repeat(200));
    expect(r).toMatchObject({ evidence: 'qr', indication: 'TOTAL_FAILED', subIndication: 'SIG_CRYPTO_FAILURE' });
    expect(r.message.zh).toContain('管理号');
  });
});
