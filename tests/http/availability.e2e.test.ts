import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { HolderLookupGuard, LOOKUP_GUARD_POLICY } from '../../src/issue/holderLookupGuard';
import { loadOrCreateSecret } from '../../src/issue/idDigest';
import { startServer } from '../../src/http/app';
import { makeTestServer } from '../helpers/testServices';
import { issueBody } from '../helpers/holders';

/**
 * Issue #10 (availability), as classes over real HTTP: every upload route gets cut-off,
 * garbage and mis-bounded multipart bodies and truncated raw bodies (sent byte for byte on a
 * socket, then half-closed), every JSON route gets deeply nested JSON; a ZIP download aborted
 * by its client ends its handler; after each, the service still answers /healthz.
 */
let env: Awaited<ReturnType<typeof makeTestServer>>;
let key: string;
let q: string;

beforeAll(async () => {
  env = await makeTestServer({ requestTimeoutMs: 3000 });
  const entry = env.s.catalog.list().find((x) => x.style === 1 && !x.specialties?.length)!;
  q = entry.code;
  key = await env.keyFor(entry.issuingBody);
});
afterAll(() => env?.close());

/** Send raw bytes, half-close, and return the status line's code (0 when the server closed without one). */
function rawRequest(head: string, body: Buffer | string): Promise<number> {
  const { port } = new URL(env.url);
  return new Promise((resolve) => {
    const sock = connect(Number(port), '127.0.0.1', () => {
      sock.write(head);
      sock.end(body);
    });
    let got = '';
    sock.on('data', (d) => (got += d.toString('latin1')));
    sock.on('error', () => {});
    sock.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0)));
    sock.setTimeout(10_000, () => sock.destroy());
  });
}

async function healthy(): Promise<void> {
  const r = await fetch(env.url + '/healthz');
  expect(r.status).toBe(200);
}

const B = 'xYzBoundary123';
const part = (name: string, filename: string, type: string) => `--${B}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`;
const MULTIPART_BODIES: Record<string, string> = {
  'cut off inside the file, before the closing boundary': part('file', 'a.pdf', 'application/pdf') + '%PDF-1.7\n1 0 obj\n<<',
  'cut off inside the part headers': `--${B}\r\nContent-Disposition: form-da`,
  'cut off right after the opening boundary': `--${B}\r\n`,
  'cut off after a complete field part': `--${B}\r\nContent-Disposition: form-data; name="x"\r\n\r\nvalue\r\n--${B}\r\n` + part('file', 'b.pdf', 'application/pdf') + '%PDF',
  'garbage with no boundary at all': 'garbage '.repeat(200),
  'a different boundary than declared': `--other\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-1.7\r\n--other--\r\n`,
  'a part without headers': `--${B}\r\n\r\n%PDF-1.7\r\n--${B}--\r\n`,
  'a header line of 100 kB': `--${B}\r\nContent-Disposition: form-data; name="file"; filename="${'a'.repeat(100_000)}"\r\n\r\n%PDF\r\n--${B}--\r\n`,
  'many parts': Array.from({ length: 200 }, (_, i) => `--${B}\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nv\r\n`).join('') + `--${B}--\r\n`,
  'two file parts, the first cut': part('file', 'a.pdf', 'application/pdf') + '%PDF-1.7\r\n' + part('file', 'b.pdf', 'application/pdf'),
  'bare LF line ends, cut': `--${B}\nContent-Disposition: form-data; name="file"; filename="a.pdf"\n\n%PDF`,
};
const UPLOAD_ROUTES = ['/api/v1/verify', '/verify', '/verify?fragment=1'];

describe('uploads cut off or malformed, on every upload route', () => {
  for (const route of UPLOAD_ROUTES) {
    it(`${route}: every multipart shape gets a 4xx and the service keeps answering`, async () => {
      for (const [what, body] of Object.entries(MULTIPART_BODIES)) {
        const bytes = Buffer.from(body, 'latin1');
        // as sent: the declared length matches what arrives, then the client stops
        const status = await rawRequest(`POST ${route} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=${B}\r\nContent-Length: ${bytes.length}\r\nConnection: close\r\n\r\n`, bytes);
        expect([400, 413, 415, 422], `${route}: ${what} → ${status}`).toContain(status);
        // declared longer than sent: the client disappears mid-body
        await rawRequest(`POST ${route} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=${B}\r\nContent-Length: ${bytes.length + 5000}\r\n\r\n`, bytes);
        await healthy();
      }
      // chunked and cut off, and a raw PDF body cut off
      await rawRequest(`POST ${route} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=${B}\r\nTransfer-Encoding: chunked\r\n\r\n`, '20\r\n' + part('file', 'a.pdf', 'application/pdf').slice(0, 32) + '\r\n');
      await rawRequest(`POST ${route} HTTP/1.1\r\nHost: x\r\nContent-Type: application/pdf\r\nContent-Length: 90000\r\n\r\n`, '%PDF-1.7\n');
      await healthy();
    });
  }

  it('/api/v1/batches: cut-off and mis-typed bodies get a 4xx and the service keeps answering', async () => {
    const auth = `Authorization: Bearer ${key}\r\n`;
    for (const [type, body] of [
      [`multipart/form-data; boundary=${B}`, MULTIPART_BODIES['cut off inside the file, before the closing boundary']],
      ['text/csv', 'qualification,name\n"unterminated'],
      ['application/json', '[{"qualification": "x", "holder": {"name": '],
    ] as const) {
      const bytes = Buffer.from(body);
      const status = await rawRequest(`POST /api/v1/batches HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: ${type}\r\nContent-Length: ${bytes.length}\r\nConnection: close\r\n\r\n`, bytes);
      expect(status, `${type} → ${status}`).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
      await rawRequest(`POST /api/v1/batches HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: ${type}\r\nContent-Length: ${bytes.length + 100}\r\n\r\n`, bytes);
      await healthy();
    }
  });
});

describe('deeply nested JSON, on every JSON route', () => {
  it('is a 400 ERR_JSON_TOO_DEEP (or another 4xx), never a 500', async () => {
    const deepArray = '['.repeat(50_000) + ']'.repeat(50_000);
    const deepObject = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
    const inRow = JSON.stringify([issueBody(q, 1)]).replace('"approvalDate"', `"x":${'['.repeat(20_000)}${']'.repeat(20_000)},"approvalDate"`);
    const routes: Array<[string, Record<string, string>]> = [
      ['/api/v1/certificates', { authorization: `Bearer ${key}` }],
      ['/api/v1/batches', { authorization: `Bearer ${key}` }],
      ['/api/v1/holder/lookup', {}],
      ['/api/v1/holder/challenge', {}],
      ['/api/v1/certificates/202500100000000/revoke', { authorization: `Bearer ${key}` }],
      ['/api/v1/certificates/202500100000000/reissue', { authorization: `Bearer ${key}` }],
    ];
    for (const [route, headers] of routes) {
      for (const body of [deepArray, deepObject, inRow]) {
        const r = await fetch(env.url + route, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
        expect(r.status, `${route} ${body.slice(0, 10)}`).toBeGreaterThanOrEqual(400);
        expect(r.status, `${route} ${body.slice(0, 10)}`).toBeLessThan(500);
      }
      const r = await fetch(env.url + route, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: deepArray });
      if (r.status === 400) expect((await r.json()).error.code).toMatch(/^ERR_(JSON_TOO_DEEP|PAYLOAD_TOO_LARGE|INVALID_JSON)$/);
    }
    const batch = await fetch(env.url + '/api/v1/batches', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: inRow });
    expect(batch.status).toBe(400);
    expect((await batch.json()).error.code).toBe('ERR_JSON_TOO_DEEP');
    await healthy();
  });
});

describe('a ZIP download aborted by its client', () => {
  it('ends its handler (the batch listing is closed), and the service keeps answering', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => issueBody(q, 500 + i));
    const sub = await (await fetch(env.url + '/api/v1/batches', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(rows) })).json();
    for (let i = 0; i < 300; i++) {
      const st = await (await fetch(env.url + `/api/v1/batches/${sub.batchId}`, { headers: { authorization: `Bearer ${key}` } })).json();
      if (st.done + st.failed === st.total) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    let listings = 0;
    let closed = 0;
    const original = env.s.registry.listBatchCertificates.bind(env.s.registry);
    env.s.registry.listBatchCertificates = async function* (id: string) {
      listings++;
      try {
        yield* original(id);
      } finally {
        closed++;
      }
    };
    try {
      const ac = new AbortController();
      const r = await fetch(env.url + `/api/v1/batches/${sub.batchId}/zip`, { headers: { authorization: `Bearer ${key}` }, signal: ac.signal });
      const reader = r.body!.getReader();
      await reader.read(); // the first bytes, then the client goes away without reading on
      ac.abort();
      for (let i = 0; i < 50 && closed < listings; i++) await new Promise((res) => setTimeout(res, 100));
      expect(listings).toBe(1);
      expect(closed).toBe(1);
      await healthy();
    } finally {
      env.s.registry.listBatchCertificates = original;
    }
  });
});

describe('operator settings', () => {
  it('serves no /metrics without ECERT_METRICS_TOKEN', async () => {
    expect(env.s.config.metricsToken).toBeUndefined();
    expect((await fetch(env.url + '/metrics')).status).toBe(404);
  });

  it('binds to ECERT_HOST and takes the client address from the socket unless ECERT_TRUST_PROXY says otherwise', async () => {
    expect(loadConfig({ ECERT_HOST: '127.0.0.1', ECERT_TRUST_PROXY: '10.0.0.0/8, loopback' })).toMatchObject({ host: '127.0.0.1', trustProxy: '10.0.0.0/8, loopback' });
    expect(loadConfig({ ECERT_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({}).trustProxy).toBe(false);
    const fast = { ...LOOKUP_GUARD_POLICY, missFloorMs: 0 };
    const look = (url: string, i: number) =>
      fetch(url + '/api/v1/holder/lookup', { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': `203.0.113.${i}` }, body: JSON.stringify({ name: '某人', idNumber: '110105194912310021', managementNo: `X${i}` }) });
    const statuses = async (url: string) => {
      const out: number[] = [];
      for (let i = 0; i < 22; i++) out.push((await look(url, i)).status);
      return out;
    };
    for (const [trust, limited] of [[false, true], ['loopback', false]] as const) {
      env.s.config.host = '127.0.0.1';
      env.s.config.trustProxy = trust;
      const srv = await startServer(env.s, 0);
      env.s.lookupGuard = new HolderLookupGuard({ store: env.s.registry, secret: loadOrCreateSecret(env.s.config.keysDir, 'lookup-challenge.key'), clock: env.s.clock }, fast);
      try {
        expect((srv.server.address() as { address: string }).address).toBe('127.0.0.1');
        const got = await statuses(srv.url);
        // forged X-Forwarded-For headers do not escape the per-client limit unless the proxy is trusted
        expect(got.includes(429), `trust proxy ${trust}: ${got.join(',')}`).toBe(limited);
      } finally {
        await srv.close();
      }
    }
  });
});
