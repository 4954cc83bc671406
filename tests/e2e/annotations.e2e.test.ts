import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { SQLITE_FILE_NAME } from '../../src/registry/openRegistry';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyQrToken } from '../../src/qr/qrToken';
import { holder, issueBody } from '../helpers/holders';
import { pdftotext, renderPng, tmpFile, zbar } from '../helpers/pdfTools';
import { makeTestServer } from '../helpers/testServices';

/**
 * Issue 15 (加注) over HTTP on a real stack: a holder creates annotated copies (sealed PDFs that
 * poppler's pdfsig accepts, with the purpose and end date printed and in a QR code that zbarimg
 * reads), lists and withdraws them; a fourth valid one is refused with the date the next becomes
 * possible; verifiers get the annotation in the report, and the copy fails once its end date has
 * passed on the verifier's clock, when withdrawn, when the certificate is re-issued or revoked.
 * A body whose certificates are used only as annotated copies refuses the original, after the
 * identity check only. The service's clock is moved by the test.
 */
describe('annotated copies (加注) over HTTP', () => {
  let env: Awaited<ReturnType<typeof makeTestServer>>;
  let t = Date.parse('2027-02-01T04:00:00Z'); // 12:00 China time
  const setChina = (iso: string) => (t = Date.parse(`${iso}+08:00`));
  let key: string;
  let managementNo: string;
  const req = issueBody('', 5);
  const me = () => ({ name: req.holder.name, idNumber: req.holder.idNumber, managementNo });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(env.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const verify = async (pdf: Buffer) => {
    const fd = new FormData();
    fd.append('file', new Blob([new Uint8Array(pdf)], { type: 'application/pdf' }), 'copy.pdf');
    return (await fetch(env.url + '/api/v1/verify', { method: 'POST', body: fd })).json();
  };
  const verifyToken = async (token: string) => (await fetch(`${env.url}/api/v1/verify/token/${token}`)).json();
  const create = async (body: Record<string, unknown>) => {
    const r = await post('/api/v1/holder/annotations', { ...me(), ...body });
    return { r, pdf: r.ok ? Buffer.from(await r.arrayBuffer()) : undefined, json: r.ok ? undefined : await r.json() };
  };

  beforeAll(async () => {
    env = await makeTestServer({ clock: () => new Date(t) });
    const q = env.s.catalog.list().find((x) => x.style === 1 && !x.specialties?.length)!;
    req.qualification = q.code;
    key = await env.keyFor(q.issuingBody);
    const r = await post('/api/v1/certificates', req, { authorization: `Bearer ${key}` });
    expect(r.status).toBe(201);
    managementNo = (await r.json()).managementNo;
  });
  afterAll(() => env?.close());

  let copy: Buffer;
  let copyId: string;

  it('creates a sealed annotated copy: 201, headers, pdfsig valid, purpose and end date printed, embedded, in the QR code', async () => {
    const { r, pdf } = await create({ purpose: 'self-use', validDays: 30 });
    expect(r.status).toBe(201);
    expect(r.headers.get('content-type')).toBe('application/pdf');
    copyId = r.headers.get('x-annotation-id')!;
    expect(copyId).toMatch(/^[0-9a-f]{16}$/);
    expect(r.headers.get('x-valid-until')).toBe('2027-03-02'); // 2027-02-01 + 29 days: 30 calendar days including today
    copy = pdf!;
    expect(r.headers.get('x-document-sha256')).toBe(createHash('sha256').update(copy).digest('hex'));
    const sig = execFileSync('pdfsig', [tmpFile('copy.pdf', copy)], { encoding: 'utf8' });
    expect(sig).toContain('Signature is Valid');
    expect(sig).toContain('Total document signed');
    const text = pdftotext(copy).replace(/\s+/g, '');
    expect(text).toContain('用途：本人调用');
    expect(text).toContain('有效期至：2027年03月02日');
    expect(text).toContain(req.holder.idNumber); // the holder's own copy prints their ID number, as the original does
    const [url] = zbar(renderPng(copy, 200));
    expect(url.toLowerCase()).toMatch(new RegExp(`^${env.url}/v/\\d+$`)); // QR alphanumeric mode upper-cases the URL (issue 11)
    const claims = await verifyQrToken(url.split(/\/v\//i)[1], env.s.keys.jwks());
    expect(claims).toMatchObject({ n: managementNo, r: 1, y: { id: copyId, purpose: 'self-use', validUntil: '2027-03-02' } });
    expect(url).not.toContain(req.holder.idNumber);
  });

  it('verifies the copy (upload and QR) with the annotation first; fails ANNOTATION_EXPIRED after the end date, valid on the last day', async () => {
    const passed = await verify(copy);
    expect(passed).toMatchObject({ indication: 'TOTAL_PASSED', evidence: 'pdf', annotation: { id: copyId, purpose: 'self-use', validUntil: '2027-03-02', status: 'valid' } });
    const [url] = zbar(renderPng(copy, 200));
    const token = url.split(/\/v\//i)[1];
    expect(await verifyToken(token)).toMatchObject({ indication: 'TOTAL_PASSED', evidence: 'qr', annotation: { id: copyId, status: 'valid' } });
    const page = await (await fetch(`${env.url}/v/${token}`)).text();
    expect(page.indexOf('data-annotation')).toBeGreaterThan(-1);
    expect(page.indexOf('data-annotation')).toBeLessThan(page.indexOf('class="verdict'));
    expect(page).toContain('2027年03月02日');
    expect(page).toContain('本人调用');
    setChina('2027-03-02T23:59:00'); // last day, China time
    expect((await verify(copy)).indication).toBe('TOTAL_PASSED');
    setChina('2027-03-03T00:00:30'); // the next day
    const expired = await verify(copy);
    expect(expired).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'ANNOTATION_EXPIRED', annotation: { status: 'expired' } });
    expect(expired.message.en).toContain('The certificate itself may still be valid');
    expect(await verifyToken(token)).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'ANNOTATION_EXPIRED' });
    const amber = await (await fetch(`${env.url}/v/${token}`)).text();
    expect(amber).toMatch(/class="verdict superseded"[^>]*data-sub-indication="ANNOTATION_EXPIRED"/);
    setChina('2027-02-01T12:00:00');
  });

  it('lists, withdraws (the copy then fails ANNOTATION_WITHDRAWN), and refuses a 4th valid one with the next possible date', async () => {
    const b = await create({ purpose: 'job-application', validDays: 1 });
    expect(b.r.headers.get('x-valid-until')).toBe('2027-02-01');
    const c = await create({ purpose: 'practice-registration', validDays: 90 });
    expect(c.r.headers.get('x-valid-until')).toBe('2027-05-01');
    const fourth = await create({ purpose: 'self-use', validDays: 10 });
    expect(fourth.r.status).toBe(409);
    expect(fourth.json.error.code).toBe('ERR_ANNOTATION_LIMIT');
    expect(fourth.json.error.details.nextPossible).toBe('2027-02-02'); // the day after the earliest end date (b's)
    expect(fourth.json.error.message.en).toContain('2027-02-02');
    const list = await (await post('/api/v1/holder/annotations/list', me())).json();
    expect(list.annotations).toHaveLength(3);
    expect(list.annotations.map((a: { status: string }) => a.status)).toEqual(['valid', 'valid', 'valid']);
    expect(JSON.stringify(list)).not.toContain(req.holder.idNumber);
    // withdrawing one frees a place at once
    const w = await post(`/api/v1/holder/annotations/${copyId}/withdraw`, me());
    expect(w.status).toBe(200);
    expect((await w.json()).status).toBe('withdrawn');
    expect(await verify(copy)).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'ANNOTATION_WITHDRAWN', annotation: { status: 'withdrawn' } });
    const d = await create({ purpose: 'self-use', validDays: 5 });
    expect(d.r.status).toBe(201);
    // on day 1 the 1-day copy has expired and no longer counts
    setChina('2027-02-02T08:00:00');
    expect((await verify(b.pdf!)).subIndication).toBe('ANNOTATION_EXPIRED');
    const e = await create({ purpose: 'self-use', validDays: 2 });
    expect(e.r.status).toBe(201);
    expect((await create({ purpose: 'self-use', validDays: 2 })).r.status).toBe(409);
    // the issuer sees them, never the ID number
    const rec = await (await fetch(`${env.url}/api/v1/certificates/${managementNo}`, { headers: { authorization: `Bearer ${key}` } })).json();
    expect(rec.annotations.map((a: { status: string }) => a.status).sort()).toEqual(['expired', 'valid', 'valid', 'valid', 'withdrawn']);
    expect(JSON.stringify(rec)).not.toContain(req.holder.idNumber);
    // creations and withdrawals are in the audit log, whose chain holds
    expect((await env.s.registry.verifyAudit()).ok).toBe(true);
    const db = new Database(join(env.s.config.dataDir, SQLITE_FILE_NAME), { readonly: true });
    try {
      const rows = db.prepare(`SELECT action, target, details FROM audit_log WHERE action LIKE 'annotation.%' ORDER BY seq`).all() as Array<{ action: string; target: string; details: string }>;
      expect(rows.map((r) => r.action)).toEqual(['annotation.create', 'annotation.create', 'annotation.create', 'annotation.withdraw', 'annotation.create', 'annotation.create']);
      expect(rows.every((r) => r.target === managementNo && !r.details.includes(req.holder.idNumber))).toBe(true);
      expect(JSON.parse(rows[3].details)).toEqual({ id: copyId });
    } finally {
      db.close();
    }
    setChina('2027-02-01T12:00:00');
  });

  it('refuses bad input with coded 4xx and a wrong identity with the look-up miss', async () => {
    expect((await create({ purpose: 'self-use', validDays: 0 })).json.error.code).toBe('ERR_VALIDATION');
    expect((await create({ purpose: 'self-use', validDays: 91 })).json.error.code).toBe('ERR_VALIDATION');
    expect((await create({ purpose: 'party', validDays: 3 })).json.error.code).toBe('ERR_UNKNOWN_PURPOSE');
    const wrong = await post('/api/v1/holder/annotations', { ...me(), idNumber: holder(900).idNumber, purpose: 'self-use', validDays: 3 });
    expect(wrong.status).toBe(404);
    expect((await wrong.json()).error.code).toBe('ERR_NOT_FOUND');
    expect((await post('/api/v1/holder/annotations/list', { ...me(), name: '别人' })).status).toBe(404);
    expect((await post('/api/v1/holder/annotations/0123456789abcdef/withdraw', me())).status).toBe(404);
  });

  it('a re-issued certificate makes the copy SUPERSEDED, a revoked one REVOKED', async () => {
    setChina('2027-06-01T12:00:00');
    const f = await create({ purpose: 'self-use', validDays: 30 });
    expect(f.r.status).toBe(201);
    const re = await post(`/api/v1/certificates/${managementNo}/reissue`, { ...req, approvalDate: '2025-06-29', reason: '更正批准日期' }, { authorization: `Bearer ${key}` });
    expect(re.status).toBeLessThan(300);
    expect((await verify(f.pdf!)).subIndication).toBe('SUPERSEDED');
    const g = await create({ purpose: 'self-use', validDays: 30 });
    expect(g.r.status).toBe(201);
    expect((await verify(g.pdf!)).indication).toBe('TOTAL_PASSED');
    expect((await post(`/api/v1/certificates/${managementNo}/revoke`, { reason: '测试撤销' }, { authorization: `Bearer ${key}` })).status).toBe(200);
    expect((await verify(g.pdf!)).subIndication).toBe('REVOKED');
    expect((await create({ purpose: 'self-use', validDays: 3 })).json.error.code).toBe('ERR_CERTIFICATE_REVOKED');
  });

  it('a body that allows only annotated copies refuses the original after the identity check, on the API and the form', async () => {
    const q = env.s.catalog.list().find((x) => env.s.catalog.body(x.issuingBody).annotatedCopiesOnlyFrom && !x.specialties?.length)!;
    const body = { ...issueBody(q.code, 6), issueDate: '2025-08-15' };
    const r = await post('/api/v1/certificates', body, { authorization: `Bearer ${await env.keyFor(q.issuingBody)}` });
    expect(r.status).toBe(201);
    const no = (await r.json()).managementNo;
    const who = { name: body.holder.name, idNumber: body.holder.idNumber, managementNo: no };
    const refused = await post('/api/v1/holder/lookup', who);
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.code).toBe('ERR_ANNOTATED_COPY_REQUIRED');
    expect((await post('/api/v1/holder/lookup', { ...who, idNumber: holder(901).idNumber })).status).toBe(404);
    const form = await fetch(env.url + '/holder', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...who, purpose: 'self-use', validDays: '7' }).toString() });
    expect(form.status).toBe(403);
    expect(await form.text()).toContain('加注件');
    // the annotated copy of it is made (form, no JavaScript)
    const made = await fetch(env.url + '/holder/annotations', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...who, purpose: 'self-use', validDays: '7' }).toString() });
    expect(made.status).toBe(201);
    expect(made.headers.get('x-valid-until')).toBe('2027-06-07');
    expect((await verify(Buffer.from(await made.arrayBuffer()))).indication).toBe('TOTAL_PASSED');
  });
});
