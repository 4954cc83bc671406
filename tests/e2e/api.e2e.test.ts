import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestServer } from '../helpers/testServices';
import { holder, issueBody } from '../helpers/holders';
import { postgresAvailable, registryFor } from '../helpers/postgres';
import { BATCH_ERRORS_LISTED } from '../../src/registry/RegistryStore';

const pgUp = await postgresAvailable();
const engines = [{ engine: 'sqlite' }, ...(pgUp ? [{ engine: 'postgres' }] : [])];

describe.each(engines)('HTTP API end to end on $engine', ({ engine }) => {
  let env: Awaited<ReturnType<typeof makeTestServer>>;
  let dropSchema = async () => {};
  let q1: string; // a style-1 qualification without specialties
  let body1: string;
  let key1: string;
  let otherKey: string; // a Style 2 body's key
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const api = (path: string, init: RequestInit & { key?: string } = {}) =>
    fetch(env.url + path, {
      ...init,
      headers: { ...(init.key ? { authorization: `Bearer ${init.key}` } : {}), ...(init.body && typeof init.body === 'string' ? { 'content-type': 'application/json' } : {}), ...(init.headers ?? {}) },
    });

  beforeAll(async () => {
    const registry = await registryFor(engine);
    dropSchema = registry.drop;
    const { databaseUrl } = registry;
    env = await makeTestServer({ databaseUrl });
    const q = env.s.catalog.list().find((x) => x.style === 1 && !x.specialties?.length)!;
    q1 = q.code;
    body1 = q.issuingBody;
    key1 = await env.keyFor(body1);
    const style2 = env.s.catalog.list().find((x) => x.style === 2)!;
    otherKey = await env.keyFor(style2.issuingBody);
  });
  afterAll(async () => {
    await env?.close();
    await dropSchema();
  });

  it('issues, reads, downloads byte-identical PDF, verifies, looks up as holder, revokes', async () => {
    const req = issueBody(q1, 1);
    const res = await api('/api/v1/certificates', { method: 'POST', key: key1, body: JSON.stringify(req) });
    expect(res.status).toBe(201);
    const issued = await res.json();
    expect(issued.managementNo).toMatch(/^\d{14}[\dX]$/);
    expect(JSON.stringify(issued)).not.toContain(req.holder.idNumber);

    const rec = await (await api(`/api/v1/certificates/${issued.managementNo}`, { key: key1 })).json();
    expect(rec).toMatchObject({ managementNo: issued.managementNo, status: 'valid', holder: { name: req.holder.name, idNumberMasked: expect.stringContaining('****') } });
    expect(JSON.stringify(rec)).not.toContain(req.holder.idNumber);

    const pdfRes = await api(`/api/v1/certificates/${issued.managementNo}/pdf`, { key: key1 });
    expect(pdfRes.headers.get('content-type')).toContain('application/pdf');
    const pdf = Buffer.from(await pdfRes.arrayBuffer());
    expect(sha(pdf)).toBe(issued.documentSha256);

    const v = await (await api('/api/v1/verify', { method: 'POST', body: pdf, headers: { 'content-type': 'application/pdf' } })).json();
    expect(v.indication).toBe('TOTAL_PASSED');
    expect(v.certificate.idNumberMasked).not.toBe(req.holder.idNumber);

    const look = (b: object) => api('/api/v1/holder/lookup', { method: 'POST', body: JSON.stringify(b), headers: { 'x-forwarded-for': '10.0.0.1' } });
    const ok = await look({ name: req.holder.name, idNumber: req.holder.idNumber, managementNo: issued.managementNo });
    expect(ok.status).toBe(200);
    expect(sha(Buffer.from(await ok.arrayBuffer()))).toBe(issued.documentSha256);
    const misses = [
      { name: '别人', idNumber: req.holder.idNumber, managementNo: issued.managementNo },
      { name: req.holder.name, idNumber: holder(2).idNumber, managementNo: issued.managementNo },
      { name: req.holder.name, idNumber: req.holder.idNumber, managementNo: '202500100000000' },
    ];
    const bodies = [];
    for (const m of misses) {
      const r = await look(m);
      expect(r.status).toBe(404);
      bodies.push(await r.text());
    }
    expect(new Set(bodies).size).toBe(1);

    const rv = await api(`/api/v1/certificates/${issued.managementNo}/revoke`, { method: 'POST', key: key1, body: JSON.stringify({ reason: '考试违纪 exam misconduct' }) });
    expect(rv.status).toBe(200);
    expect((await rv.json()).status).toBe('revoked');
    const v2 = await (await api('/api/v1/verify', { method: 'POST', body: pdf, headers: { 'content-type': 'application/pdf' } })).json();
    expect(v2).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'REVOKED' });
  });

  it('401 without or with a wrong credential, 403 issuing outside the scope, 404 reading another body\'s certificate', async () => {
    const req = issueBody(q1, 3);
    expect((await api('/api/v1/certificates', { method: 'POST', body: JSON.stringify(req) })).status).toBe(401);
    expect((await api('/api/v1/certificates', { method: 'POST', key: 'ek_' + 'x'.repeat(43), body: JSON.stringify(req) })).status).toBe(401);
    const forbidden = await api('/api/v1/certificates', { method: 'POST', key: otherKey, body: JSON.stringify(req) });
    expect(forbidden.status).toBe(403);
    expect((await forbidden.json()).error.code).toBe('ERR_FORBIDDEN');
    const issued = await (await api('/api/v1/certificates', { method: 'POST', key: key1, body: JSON.stringify(req) })).json();
    // another body's certificate answers exactly as a number that does not exist (no probing)
    const missing = issued.managementNo.slice(0, -3) + (issued.managementNo.endsWith('000') ? '001' : '000');
    for (const [path, init] of [
      ['', {}],
      ['/pdf', {}],
      ['/revoke', { method: 'POST', body: JSON.stringify({ reason: 'not mine' }) }],
    ] as const) {
      const foreign = await api(`/api/v1/certificates/${issued.managementNo}${path}`, { ...init, key: otherKey });
      const absent = await api(`/api/v1/certificates/${missing}${path}`, { ...init, key: otherKey });
      expect(foreign.status).toBe(404);
      const body = await foreign.text();
      expect(body).not.toContain(req.holder.name);
      expect(body).toBe(await absent.text());
    }
  });

  it('does not issue the same certificate twice, and concurrent issuances never share a number', async () => {
    const req = issueBody(q1, 5);
    const first = await api('/api/v1/certificates', { method: 'POST', key: key1, body: JSON.stringify(req) });
    const again = await api('/api/v1/certificates', { method: 'POST', key: key1, body: JSON.stringify(req) });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect((await again.json()).managementNo).toBe((await first.json()).managementNo);

    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => api('/api/v1/certificates', { method: 'POST', key: key1, body: JSON.stringify(issueBody(q1, 100 + i)) }).then((r) => r.json())),
    );
    const numbers = results.map((r) => r.managementNo);
    expect(numbers.every(Boolean)).toBe(true);
    expect(new Set(numbers).size).toBe(24);
  });

  it('runs a batch of 1,000 CSV rows in the background with progress, per-row errors and a ZIP', async () => {
    const header = 'qualification,name,idNumber,sex,birth,approvalDate,issueDate';
    const rows = Array.from({ length: 1000 }, (_, i) => {
      const h = holder(1000 + i);
      const bad = i === 10; // one row with a wrong check digit
      const id = bad ? h.idNumber.slice(0, 17) + (h.idNumber.endsWith('0') ? '1' : '0') : h.idNumber;
      return [q1, h.name, id, h.sex, h.birth, '2025-06-30', '2025-08-15'].join(',');
    });
    const res = await api('/api/v1/batches', { method: 'POST', key: key1, body: [header, ...rows].join('\n'), headers: { 'content-type': 'text/csv' } });
    expect(res.status).toBe(202);
    const { batchId, total } = await res.json();
    expect(total).toBe(1000);
    let status;
    const seen = new Set<number>();
    for (let i = 0; i < 600; i++) {
      status = await (await api(`/api/v1/batches/${batchId}`, { key: key1 })).json();
      seen.add(status.done + status.failed);
      if (status.done + status.failed === 1000) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toMatchObject({ total: 1000, done: 999, failed: 1 });
    expect(status.errors).toEqual([expect.objectContaining({ row: 12, code: 'ERR_ID_NUMBER_CHECKSUM' })]); // the 11th data record: Excel row 12 (header = row 1)
    expect(seen.size).toBeGreaterThan(1); // progress was observed moving

    const zip = Buffer.from(await (await api(`/api/v1/batches/${batchId}/zip`, { key: key1 })).arrayBuffer());
    expect(zip.subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    // count local file headers
    let entries = 0;
    for (let i = zip.indexOf('PK\x03\x04'); i >= 0; i = zip.indexOf('PK\x03\x04', i + 4)) entries++;
    expect(entries).toBe(999);
    expect((await api(`/api/v1/batches/${batchId}`, { key: otherKey })).status).toBe(404);
    expect(status.links).toEqual({ self: `/api/v1/batches/${batchId}` }); // one page of errors: no next
    expect(await (await api(`/api/v1/batches/${batchId}?errorsAfter=12`, { key: key1 })).json()).toMatchObject({ failed: 1, errors: [] });
    for (const bad of ['-1', 'x', '1.5', '1e400']) {
      const r = await api(`/api/v1/batches/${batchId}?errorsAfter=${bad}`, { key: key1 });
      expect(r.status).toBe(422);
      expect((await r.json()).error).toMatchObject({ code: 'ERR_VALIDATION', details: { field: 'errorsAfter' } });
    }
  });

  it('lists more failed rows than one answer holds page by page (links.nextErrors)', async () => {
    const header = 'qualification,name,idNumber,sex,birth,approvalDate,issueDate';
    const n = BATCH_ERRORS_LISTED + 3;
    // refused when submitted (a wrong check digit, src/issue/batch/checkBatchRows.ts) and failed
    // by the worker without rendering
    const rows = Array.from({ length: n }, (_, i) => {
      const h = holder(5000 + i);
      return [q1, h.name, h.idNumber.slice(0, 17) + (h.idNumber.endsWith('0') ? '1' : '0'), h.sex, h.birth, '2025-06-30', '2025-08-15'].join(',');
    });
    const res = await api('/api/v1/batches', { method: 'POST', key: key1, body: [header, ...rows].join('\n'), headers: { 'content-type': 'text/csv' } });
    expect(res.status).toBe(202);
    const { batchId } = await res.json();
    for (let i = 0; i < 300 && (await (await api(`/api/v1/batches/${batchId}`, { key: key1 })).json()).failed < n; i++) await new Promise((r) => setTimeout(r, 100));
    const errors = [];
    let pages = 0;
    for (let next: string | undefined = `/api/v1/batches/${batchId}`; next; pages++) {
      const page = await (await api(next, { key: key1 })).json();
      expect(page).toMatchObject({ total: n, failed: n, done: 0 });
      errors.push(...page.errors);
      next = page.links.nextErrors;
    }
    expect(pages).toBe(2);
    expect(errors.map((e) => e.row)).toEqual(Array.from({ length: n }, (_, i) => i + 2)); // Excel rows 2 … n + 1
    // a wrong check digit after …000 reads as Excel's lost digits (src/issue/excelDamage.ts)
    for (const e of errors) expect(['ERR_ID_NUMBER_CHECKSUM', 'ERR_EXCEL_ALTERED']).toContain(e.code);
  });
});
