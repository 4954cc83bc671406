import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { deflateSync } from 'node:zlib';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestServer } from '../helpers/testServices';
import { holder, issueBody } from '../helpers/holders';

/**
 * Issue #6 over real HTTP: size limits, hostile PDFs, slow uploads, malformed and hostile
 * issuance input (nothing half-written), structured logs without ID numbers, metrics.
 */
const logLines: string[] = [];
const sink = new Writable({
  write(chunk, _enc, cb) {
    logLines.push(...String(chunk).split('\n').filter(Boolean));
    cb();
  },
});

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';
let env: Awaited<ReturnType<typeof makeTestServer>>;
let key: string;
let q: string;
const post = (path: string, body: BodyInit, headers: Record<string, string> = {}) => fetch(env.url + path, { method: 'POST', body, headers });
const minimalPdf = (extra: string) => Buffer.from(`%PDF-1.7\n${extra}\ntrailer\n<< /Root 1 0 R >>\nstartxref\n0\n%%EOF\n`, 'latin1');

beforeAll(async () => {
  env = await makeTestServer({ requestTimeoutMs: 1500, config: { maxUploadBytes: 256 * 1024, metricsToken: METRICS_TOKEN }, logger: pino({ level: 'info' }, sink) });
  const entry = env.s.catalog.list().find((x) => x.style === 1 && !x.specialties?.length)!;
  q = entry.code;
  key = await env.keyFor(entry.issuingBody);
});
afterAll(() => env?.close());

describe('hostile input over HTTP', () => {
  it('refuses oversize, empty, non-PDF and wrongly typed uploads with 4xx codes', async () => {
    const big = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(300 * 1024, 0x20)]);
    const r1 = await post('/api/v1/verify', big, { 'content-type': 'application/pdf' });
    expect(r1.status).toBe(413);
    expect((await r1.json()).error.code).toBe('ERR_PAYLOAD_TOO_LARGE');
    const fd = new FormData();
    fd.append('file', new Blob([big]), 'big.pdf');
    expect((await fetch(env.url + '/api/v1/verify', { method: 'POST', body: fd })).status).toBe(413);
    const empty = await post('/api/v1/verify', Buffer.alloc(0), { 'content-type': 'application/pdf' });
    expect(empty.status).toBe(400);
    expect((await empty.json()).error).toMatchObject({ code: 'ERR_EMPTY_BODY', message: { zh: expect.any(String), en: expect.any(String) } });
    const notPdf = await post('/api/v1/verify', Buffer.from('GIF89a……'), { 'content-type': 'application/pdf' });
    expect((await notPdf.json()).error.code).toBe('ERR_NOT_PDF');
    expect((await post('/api/v1/verify', 'x', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post('/api/v1/verify', 'garbage', { 'content-type': 'multipart/form-data; boundary=zzz' })).status).toBeGreaterThanOrEqual(400);
  });

  it('judges decompression bombs, deep nesting, huge arrays and reference loops as failures, fast, and keeps serving', async () => {
    const bomb = deflateSync(Buffer.alloc(50 * 1024 * 1024));
    const cases = [
      minimalPdf(`1 0 obj\n<< /Length ${bomb.length} /Filter /FlateDecode >>\nstream\n${bomb.toString('latin1')}\nendstream\nendobj`),
      minimalPdf(`1 0 obj\n${'['.repeat(5000)}${']'.repeat(5000)}\nendobj`),
      minimalPdf(`1 0 obj\n[${'0 '.repeat(150_000)}]\nendobj`),
      minimalPdf('1 0 obj\n2 0 R\nendobj\n2 0 obj\n1 0 R\nendobj'),
      Buffer.from('%PDF-1.7\n' + '('.repeat(100_000)),
    ];
    for (const pdf of cases) {
      const t = Date.now();
      const r = await post('/api/v1/verify', pdf, { 'content-type': 'application/pdf' });
      expect(r.status).toBeLessThan(500);
      if (r.status === 200) expect((await r.json()).indication).toBe('TOTAL_FAILED');
      expect(Date.now() - t).toBeLessThan(3000);
    }
    expect((await fetch(env.url + '/healthz')).status).toBe(200);
  });

  it('cuts a slow upload at the request time limit and answers the next request normally', async () => {
    const { port } = new URL(env.url);
    const closed = await new Promise<number>((resolve) => {
      const t = Date.now();
      const sock = connect(Number(port), '127.0.0.1', () => {
        sock.write('POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/pdf\r\nContent-Length: 100000\r\n\r\n%PDF-');
        const timer = setInterval(() => sock.write('0'), 200);
        sock.on('close', () => {
          clearInterval(timer);
          resolve(Date.now() - t);
        });
        sock.on('error', () => {});
      });
    });
    expect(closed).toBeLessThan(10_000);
    expect((await fetch(env.url + '/healthz')).status).toBe(200);
  });

  it('answers malformed and hostile issuance input with 4xx codes and writes nothing', async () => {
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const bodies: string[] = [
      '{',
      '[]',
      'null',
      '"x"',
      JSON.stringify({ ...issueBody(q, 1), holder: { ...holder(1), name: "Robert'); DROP TABLE certificates;--" } }),
      JSON.stringify({ ...issueBody(q, 1), holder: { ...holder(1), name: '<script>alert(1)</script>' } }),
      JSON.stringify({ ...issueBody(q, 1), holder: { ...holder(1), name: '张\u0007三' } }),
      JSON.stringify({ ...issueBody(q, 1), holder: { ...holder(1), name: '张'.repeat(5000) } }),
      JSON.stringify({ ...issueBody(q, 1), qualification: { $ne: null } }),
      JSON.stringify({ ...issueBody(q, 1), __proto__: { admin: true }, approvalDate: '2025-13-01' }),
      JSON.stringify({ ...issueBody(q, 1), issueDate: '9999-12-31' }),
      '{"qualification":"' + 'a'.repeat(100_000) + '"}',
    ];
    for (const body of bodies) {
      const r = await post('/api/v1/certificates', body, auth);
      expect(r.status, body.slice(0, 60)).toBeGreaterThanOrEqual(400);
      expect(r.status, body.slice(0, 60)).toBeLessThan(500);
      const j = await r.json();
      expect(j.error.code).toMatch(/^ERR_/);
      expect(j.error.message.zh.length).toBeGreaterThan(0);
    }
    const gbk = Buffer.from([0xd5, 0xc5, 0xc8, 0xfd, 0x2c, 0xff, 0xfe, 0x0a]); // not a usable CSV
    for (const [body, type] of [[gbk, 'text/csv'], ['qualification\n' + 'x\n'.repeat(10), 'text/csv'], ['[{"a":1}', 'application/json'], ['\u0000\u0001', 'text/csv']] as const) {
      const r = await post('/api/v1/batches', body, { authorization: `Bearer ${key}`, 'content-type': type });
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
    }
    const audit = await env.s.registry.verifyAudit();
    expect(audit.ok).toBe(true);
    const certs = (await env.s.registry.listIssuers()).length; // the registry still answers
    expect(certs).toBeGreaterThan(0);
  });

  it('survives seeded random mutations of valid issuance JSON: 2xx or 4xx, never 5xx, nothing half-written', async () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    let issued = 0;
    for (let i = 0; i < 150; i++) {
      const text = Buffer.from(JSON.stringify(issueBody(q, 200 + i)));
      for (let k = 0, n = 1 + rnd(4); k < n; k++) text[rnd(text.length)] = rnd(2) ? rnd(256) : '{}[]",:\\u0000'.charCodeAt(rnd(11));
      const r = await post('/api/v1/certificates', text, { authorization: `Bearer ${key}`, 'content-type': 'application/json' });
      expect(r.status, text.toString('latin1')).toBeLessThan(500);
      if (r.status === 201) {
        issued++;
        const { managementNo, documentSha256 } = await r.json();
        expect((await env.s.registry.getDocument(managementNo))!.sha256).toBe(documentSha256);
      } else await r.body?.cancel();
    }
    expect(issued).toBeLessThan(150);
    expect((await env.s.registry.verifyAudit()).ok).toBe(true);
  });

  it('logs JSON lines with a request id and never a full ID number; serves Prometheus metrics only with the operator token', async () => {
    const b = issueBody(q, 42);
    const r = await post('/api/v1/certificates', JSON.stringify(b), { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': 'req-test-42' });
    expect(r.status).toBe(201);
    const { managementNo } = await r.json();
    await post('/api/v1/holder/lookup', JSON.stringify({ name: b.holder.name, idNumber: b.holder.idNumber, managementNo }), { 'content-type': 'application/json' });
    const lines = logLines.map((l) => JSON.parse(l));
    const ours = lines.filter((l) => l.reqId === 'req-test-42');
    expect(ours.length).toBeGreaterThan(0);
    expect(lines.every((l) => typeof l.reqId === 'string' || !l.path)).toBe(true);
    expect(logLines.join('\n')).not.toContain(b.holder.idNumber);
    expect((await fetch(env.url + '/metrics')).status).toBe(401);
    expect((await fetch(env.url + '/metrics', { headers: { authorization: 'Bearer wrong-token-of-some-length' } })).status).toBe(401);
    const metrics = await (await fetch(env.url + '/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    expect(metrics).toContain('ecert_http_requests_total');
    expect(metrics).toContain('ecert_http_request_duration_seconds_bucket');
    expect(metrics).toMatch(/ecert_verifications_total\{kind="pdf",indication="TOTAL_FAILED"/);
    expect(metrics).toMatch(/ecert_issuances_total\{qualification="/);
  });
});
