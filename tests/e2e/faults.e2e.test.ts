import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { makeTestServer } from '../helpers/testServices';
import { makeTestKeys } from '../helpers/testPki';
import { issueBody } from '../helpers/holders';
import { freshSchemaUrl, postgresAvailable, TEST_DATABASE_URL } from '../helpers/postgres';
import { openRegistry } from '../../src/registry/openRegistry';
import { createIssuerCredential } from '../../src/issue/issuerCredentials';
import { loadCatalog } from '../../src/catalog/loadCatalog';
import { RESERVATION_LEASE_MS } from '../../src/issue/issueTwoPhase';

const pgUp = await postgresAvailable();

/**
 * A TCP proxy in front of PostgreSQL that the test can cut and restore. Its port is the one
 * the system gives the first `up` (a port drawn at random once fell in the ephemeral range,
 * where an outgoing connection held it: EADDRINUSE, and a listen that never answered); a
 * later `up` listens on it again, retrying while the port is still held.
 */
function pgProxy(target: URL) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((c) => {
        const u = connect(Number(target.port || 5432), target.hostname);
        for (const s of [c, u]) {
          sockets.add(s);
          s.on('error', () => {});
          s.on('close', () => sockets.delete(s));
        }
        c.pipe(u).pipe(c);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as AddressInfo).port;
        resolve();
      });
    });
  const up = async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await listen();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt === 40) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const down = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server?.listening) return resolve();
      server.close(() => resolve());
    });
  return {
    get port() {
      return port;
    },
    up,
    down,
  };
}

describe.skipIf(!pgUp)('registry unavailable', () => {
  it('answers 503 with a clear message while PostgreSQL is down, and recovers when it returns', async () => {
    const schema = await freshSchemaUrl();
    const target = new URL(TEST_DATABASE_URL);
    const proxy = pgProxy(target);
    await proxy.up();
    const url = schema.url.replace(`${target.hostname}:${target.port || 5432}`, `127.0.0.1:${proxy.port}`);
    const env = await makeTestServer({ databaseUrl: url });
    try {
      const q = env.s.catalog.list().find((x) => x.style === 2)!;
      const key = await env.keyFor(q.issuingBody);
      const issue = (i: number) => fetch(`${env.url}/api/v1/certificates`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(issueBody(q.code, i)) });
      expect((await issue(1)).status).toBe(201);
      await proxy.down();
      const r = await issue(2);
      expect(r.status).toBe(503);
      const body = await r.json();
      expect(body.error.code).toBe('ERR_REGISTRY_UNAVAILABLE');
      expect(body.error.message.zh).toContain('登记库');
      expect((await fetch(`${env.url}/healthz`)).status).toBe(503);
      await proxy.up();
      let status = 0;
      for (let i = 0; i < 20 && status !== 201; i++) {
        status = (await issue(3)).status;
        if (status !== 201) await new Promise((res) => setTimeout(res, 250));
      }
      expect(status).toBe(201);
      expect((await fetch(`${env.url}/healthz`)).status).toBe(200);
    } finally {
      await env.close();
      await proxy.down();
      await schema.drop();
    }
  });
});

describe('SIGKILL during issuance', () => {
  it('leaves no certificate without its document and hash, and keeps every acknowledged one', async () => {
    const keys = await makeTestKeys();
    const dataDir = mkdtempSync(join(tmpdir(), 'ecert-kill-'));
    const env = { ...process.env, PORT: '0', ECERT_DATA_DIR: dataDir, ECERT_KEYS_DIR: keys.dir, ECERT_LOG_LEVEL: 'silent', ECERT_RENDER_THREADS: '0' };
    const catalog = loadCatalog();
    const q = catalog.list().find((x) => x.style === 1 && !x.specialties?.length)!;
    const start = () =>
      new Promise<{ url: string; kill: () => Promise<void> }>((resolve, reject) => {
        const child = spawn(process.execPath, [join(process.cwd(), 'bin/ecert.mjs'), 'serve'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          const m = /listening on (http:\/\/localhost:\d+)/.exec(out);
          if (m) resolve({ url: m[1], kill: () => new Promise((r) => (child.once('exit', () => r()), child.kill('SIGKILL'))) });
        });
        child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
      });
    const first = await start();
    const registry0 = await openRegistry({ dataDir });
    const { apiKey } = await createIssuerCredential({ bodyCode: q.issuingBody, actor: 'test', now: new Date() }, { catalog, registry: registry0 });
    await registry0.close();
    const acknowledged: string[] = [];
    const requests = Array.from({ length: 60 }, (_, i) =>
      fetch(`${first.url}/api/v1/certificates`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(issueBody(q.code, 700 + i)) })
        .then(async (r) => r.status === 201 && acknowledged.push((await r.json()).managementNo))
        .catch(() => undefined),
    );
    await new Promise((r) => setTimeout(r, 150));
    await first.kill();
    await Promise.all(requests);
    const second = await start(); // the service starts again on the same registry
    await second.kill();
    const registry = await openRegistry({ dataDir });
    await registry.migrate();
    for (const no of acknowledged) expect(await registry.getCertificate(no)).toBeDefined();
    expect((await registry.verifyAudit()).ok).toBe(true);
    // every 管理号 drawn is accounted for: numbers the killed process had reserved are voided once
    // their lease has run out (two-phase issuance, issue 12), never reused, never a gap
    const afterLease = new Date(Date.now() + RESERVATION_LEASE_MS + 1000);
    await registry.voidExpiredReservations(afterLease);
    const account = await registry.accountNumbers(afterLease);
    expect(account).toMatchObject({ ok: true, reserved: 0, expired: 0, problems: [] });
    expect(account.issued).toBeGreaterThanOrEqual(acknowledged.length);
    expect(account.drawn).toBe(account.issued + account.void);
    expect((await registry.verifyAudit()).ok).toBe(true);
    await registry.close();
    // every certificate in the registry has its current document, and the stored hash is the PDF's
    const db = new Database(join(dataDir, 'registry.sqlite'), { readonly: true });
    const rows = db
      .prepare(
        `SELECT c.management_no AS no, d.sha256 AS sha, d.pdf AS pdf, d.part_offset AS partOffset, p.bytes AS part FROM certificates c
         LEFT JOIN documents d ON d.management_no = c.management_no AND d.version = c.current_version LEFT JOIN document_parts p ON p.sha256 = d.part_sha256`,
      )
      .all() as Array<{ no: string; sha: string | null; pdf: Buffer | null; partOffset: number | null; part: Buffer | null }>;
    db.close();
    expect(rows.length).toBeGreaterThanOrEqual(acknowledged.length);
    for (const r of rows) {
      expect(r.pdf, r.no).not.toBeNull();
      // the document's shared part (src/registry/DocumentParts.ts) is in document_parts: every row here has one
      expect(r.part, r.no).not.toBeNull();
      const whole = Buffer.concat([r.pdf!.subarray(0, r.partOffset!), r.part!, r.pdf!.subarray(r.partOffset!)]);
      expect(createHash('sha256').update(whole).digest('hex')).toBe(r.sha);
    }
  });
});
