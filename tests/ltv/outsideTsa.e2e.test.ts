import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPemCertificates } from '../../src/keys/pem';
import { ERROR_CODES } from '../../src/core/errors';
import { issueBody } from '../helpers/holders';
import { startOpensslTsa, TSA_REPLY, type OpensslTsa } from '../helpers/opensslTsa';
import { makeTestServer } from '../helpers/testServices';

/**
 * Issue 14 with an outside TSA (`openssl ts -reply` behind loopback HTTP, its own root):
 * ECERT_TSA_URL / ECERT_TSA_ROOTS make every issued document B-T from it, the verifier trusts its
 * root and nothing else; a TSA that fails gives 503 ERR_TSA_UNAVAILABLE and writes nothing (the
 * reserved 管理号 is voided with its reason, never a silently unstamped certificate).
 */
let tsa: OpensslTsa;
let server: Awaited<ReturnType<typeof makeTestServer>>;
let key: string;
let q: { code: string; issuingBody: string };

beforeAll(async () => {
  tsa = await startOpensslTsa();
  server = await makeTestServer({ config: { tsaUrl: tsa.url, tsaRootsPem: tsa.rootPem } });
  q = server.s.catalog.list().find((x) => x.style === 1 && !x.specialties?.length)!;
  key = await server.keyFor(q.issuingBody);
}, 60_000);
afterAll(async () => {
  await server?.close();
  await tsa?.close();
});

const issue = (i: number) =>
  fetch(`${server.url}/api/v1/certificates`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(issueBody(q.code, i)) });

describe('issuance with an outside TSA (ECERT_TSA_URL)', () => {
  it('stamps every document there; the verifier trusts exactly ECERT_TSA_ROOTS', async () => {
    expect(server.s.tsaTrustAnchors).toEqual(readPemCertificates(tsa.rootPem));
    const r = await issue(41);
    expect(r.status).toBe(201);
    const { managementNo } = await r.json();
    expect(tsa.responses.length).toBeGreaterThanOrEqual(1);
    const pdf = (await server.s.registry.getDocument(managementNo))!.pdf;
    const report = await (await fetch(`${server.url}/api/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/pdf' }, body: new Uint8Array(pdf) })).json();
    expect(report.indication).toBe('TOTAL_PASSED');
    expect(report.checks.find((c: { id: string }) => c.id === 'signature-timestamp')).toMatchObject({ passed: true, detail: expect.stringContaining('PAdES B-T') });
    expect(report.signer.timestampTime).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it.each([
    // PKIStatusInfo { status rejection (2) } (RFC 3161 §2.4.2)
    ['a rejection', 42, async () => ({ body: Buffer.from([0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x02]), type: TSA_REPLY }), 'STATUS'],
    ['a replayed response', 43, async () => ({ body: tsa.responses[0], type: TSA_REPLY }), 'NONCE'],
    ['an HTTP error', 44, async () => ({ body: Buffer.from('down'), status: 500, type: 'text/plain' }), 'NETWORK'],
  ] as const)('answers 503 ERR_TSA_UNAVAILABLE on %s and writes nothing', async (_name, i, behaviour, reason) => {
    tsa.behave(behaviour);
    try {
      const before = await server.s.registry.accountNumbers(server.s.clock());
      const r = await issue(i);
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe(String(ERROR_CODES.ERR_TSA_UNAVAILABLE.retryAfter)); // RFC 9110 §10.2.3: a transient failure
      const body = await r.json();
      expect(body.error).toMatchObject({ code: 'ERR_TSA_UNAVAILABLE', details: { reason } });
      expect(body.error.message.zh).toBeTruthy();
      const after = await server.s.registry.accountNumbers(server.s.clock());
      expect(after).toMatchObject({ ok: true, issued: before.issued, void: before.void + 1 });
    } finally {
      tsa.behave();
    }
    // the TSA back: the same request issues
    expect((await issue(i)).status).toBe(201);
  });
});
