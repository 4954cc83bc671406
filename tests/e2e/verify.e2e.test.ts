import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestServer } from '../helpers/testServices';
import { issueBody } from '../helpers/holders';
import { makeForeignKeys } from '../helpers/testPki';
import { incrementalUpdate } from '../verify/attackCorpus';
import { buildCertificateDocument } from '../../src/issue/buildCertificateDocument';
import { validateIssueRequest } from '../../src/issue/validateIssueRequest';
import { formatManagementNo, SAMPLE_SEQ_FROM } from '../../src/registry/managementNumber';

/** Issue #5: verdicts over real HTTP, as a verifier's client sees them. */
describe('POST /api/v1/verify over HTTP', () => {
  let env: Awaited<ReturnType<typeof makeTestServer>>;
  let pdf: Buffer;
  let q: ReturnType<typeof env.s.catalog.get>;
  const verify = async (bytes: Buffer, multipart = false) => {
    let r: Response;
    if (multipart) {
      const fd = new FormData();
      fd.append('file', new Blob([new Uint8Array(bytes)], { type: 'application/pdf' }), 'c.pdf');
      r = await fetch(`${env.url}/api/v1/verify`, { method: 'POST', body: fd });
    } else r = await fetch(`${env.url}/api/v1/verify`, { method: 'POST', body: new Uint8Array(bytes), headers: { 'content-type': 'application/pdf' } });
    expect(r.status).toBe(200);
    return r.json();
  };

  beforeAll(async () => {
    env = await makeTestServer();
    q = env.s.catalog.list().find((x) => x.style === 2)!;
    const key = await env.keyFor(q.issuingBody);
    const issued = await (await fetch(`${env.url}/api/v1/certificates`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(issueBody(q.code, 1)) })).json();
    pdf = Buffer.from(await (await fetch(`${env.url}/api/v1/certificates/${issued.managementNo}/pdf`, { headers: { authorization: `Bearer ${key}` } })).arrayBuffer());
  });
  afterAll(() => env?.close());

  it('passes the issued PDF, raw or as multipart', async () => {
    expect(await verify(pdf)).toMatchObject({ indication: 'TOTAL_PASSED', certificate: { status: 'valid' }, message: { zh: expect.stringContaining('通过') } });
    expect((await verify(pdf, true)).indication).toBe('TOTAL_PASSED');
  });

  it('fails one changed byte in the signed range with HASH_FAILURE', async () => {
    const t = Buffer.from(pdf);
    t[t.indexOf('/Producer (ecert)') + 11] = 'E'.charCodeAt(0);
    expect(await verify(t)).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE' });
  });

  it('fails an incremental update appended after signing', async () => {
    const r = await verify(incrementalUpdate(pdf, [[900, '<< /Type /Annot /Subtype /Text /Rect [0 0 9 9] /Contents (x) >>']]));
    expect(r.indication).toBe('TOTAL_FAILED');
    expect(r.checks.find((c: { passed: boolean }) => !c.passed).id).toBe('single-revision');
  });

  it('fails a look-alike seal from another CA with NO_CERTIFICATE_CHAIN_FOUND, and does not pass a genuine PDF unknown to the registry', async () => {
    const req = validateIssueRequest(issueBody(q.code, 2), { catalog: env.s.catalog, now: env.s.clock() });
    const foreign = await makeForeignKeys();
    const forged = await buildCertificateDocument(req, { managementNo: '202503900000019', version: 1, signingTime: new Date() }, { ...env.s, keys: foreign.store });
    expect(await verify(forged.pdf)).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND' });
    const stray = await buildCertificateDocument(req, { managementNo: formatManagementNo(2025, q.serial, SAMPLE_SEQ_FROM - 1), version: 1, signingTime: new Date() }, env.s);
    const r = await verify(stray.pdf);
    expect(r.indication).not.toBe('TOTAL_PASSED');
    expect(r.subIndication).toBe('UNKNOWN_CERTIFICATE');
  });

  it('describes the API in OpenAPI generated from the request schemas', async () => {
    const doc = await (await fetch(`${env.url}/openapi.json`)).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/certificates', '/api/v1/batches', '/api/v1/verify', '/api/v1/holder/lookup']));
    expect(doc.components.schemas.IssueRequest.properties.holder.properties).toHaveProperty('idNumber');
    expect(doc.components.schemas.IssueRequest.additionalProperties).toBe(false);
    const page = await (await fetch(`${env.url}/api-docs`)).text();
    expect(page).toContain('/api/v1/certificates/{managementNo}/revoke');
  });
});
