import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { makeTestServer, makeTestServices } from '../helpers/testServices';
import { createIssuerCredential } from '../../src/issue/issuerCredentials';
import { issueCertificate } from '../../src/issue/issueCertificate';
import { RenderPool } from '../../src/render/pool/RenderPool';
import type { DocumentBuilder } from '../../src/render/pool/DocumentBuilder';
import { verifyPdf } from '../../src/verify/verifyPdf';
import { holder, issueBody } from '../helpers/holders';
import { postgresAvailable, registryFor } from '../helpers/postgres';

const pgUp = await postgresAvailable();
const engines = [{ engine: 'sqlite' }, ...(pgUp ? [{ engine: 'postgres' }] : [])];

/** Issue 12: conflicts are never silent; a re-issue moves the identity key. */
describe.each(engines)('conflicting issue requests on $engine', ({ engine }) => {
  let env: Awaited<ReturnType<typeof makeTestServer>>;
  let dropSchema = async () => {};
  let q: string;
  let key: string;
  const post = (path: string, body: unknown) =>
    fetch(env.url + path, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    const registry = await registryFor(engine);
    dropSchema = registry.drop;
    const { databaseUrl } = registry;
    env = await makeTestServer({ databaseUrl });
    const entry = env.s.catalog.list().find((x) => x.style === 1 && !x.specialties?.length)!;
    q = entry.code;
    key = await env.keyFor(entry.issuingBody);
  });
  afterAll(async () => {
    await env?.close();
    await dropSchema();
  });

  it('same identity with other details → 409 naming the 管理号 and the fields; identical → the existing certificate', async () => {
    const req = issueBody(q, 41);
    const first = await post('/api/v1/certificates', req);
    expect(first.status).toBe(201);
    const issued = await first.json();
    const same = await post('/api/v1/certificates', req);
    expect(same.status).toBe(200);
    expect(await same.json()).toMatchObject({ managementNo: issued.managementNo, documentSha256: issued.documentSha256, created: false });

    const corrected = { ...req, holder: { ...req.holder, name: '周壹' }, issueDate: '2025-08-16' };
    const conflict = await post('/api/v1/certificates', corrected);
    expect(conflict.status).toBe(409);
    const body = await conflict.json();
    expect(body.error).toMatchObject({ code: 'ERR_CONFLICTS_WITH_EXISTING', details: { managementNo: issued.managementNo, fields: ['holder.name', 'issueDate'] } });
    expect(body.error.message.zh).toContain(issued.managementNo);
    // each field with the value asked for and the one issued, in both languages
    expect(body.error.message.zh).toContain(`holder.name「周壹」（已签发：「${req.holder.name}」）、issueDate「2025-08-16」（已签发：「${req.issueDate}」）`);
    expect(body.error.message.en).toContain(`holder.name "周壹" (issued: "${req.holder.name}"), issueDate "2025-08-16" (issued: "${req.issueDate}")`);
    expect(body.error.message.zh).toContain('holder.name');
    expect(body.error.message.en).toContain('issueDate');
    expect(JSON.stringify(body)).not.toContain(req.holder.idNumber);
    // nothing was drawn for the refused request
    expect(await env.s.registry.accountNumbers(env.s.clock())).toMatchObject({ ok: true, void: 0 });
  });

  it('a re-issue that corrects the approval date moves the identity: the corrected request returns it, the old one conflicts', async () => {
    const req = issueBody(q, 42, { approvalDate: '2025-06-29' });
    const issued = await (await post('/api/v1/certificates', req)).json();
    const corrected = { ...req, approvalDate: '2025-06-30' };
    const re = await post(`/api/v1/certificates/${issued.managementNo}/reissue`, { ...corrected, reason: '批准日期更正' });
    expect(re.status).toBe(201);
    const doc = (await env.s.registry.getDocument(issued.managementNo))!;
    expect(doc.version).toBe(2);

    const again = await post('/api/v1/certificates', corrected);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ managementNo: issued.managementNo, documentSha256: doc.sha256, created: false });

    const old = await post('/api/v1/certificates', req);
    expect(old.status).toBe(409);
    expect((await old.json()).error).toMatchObject({ code: 'ERR_CONFLICTS_WITH_EXISTING', details: { managementNo: issued.managementNo, fields: ['approvalDate'] } });

    // correcting onto the identity of another certificate is refused
    const other = issueBody(q, 43);
    const otherNo = (await (await post('/api/v1/certificates', other)).json()).managementNo;
    const clash = await post(`/api/v1/certificates/${issued.managementNo}/reissue`, { ...other, reason: '误操作' });
    expect(clash.status).toBe(409);
    expect((await clash.json()).error).toMatchObject({ code: 'ERR_CONFLICTS_WITH_EXISTING', details: { managementNo: otherNo } });
  });

  it('a corrected ID number: the corrected request returns the certificate, no second one is issued', async () => {
    const req = issueBody(q, 44);
    const issued = await (await post('/api/v1/certificates', req)).json();
    const h = holder(45);
    const corrected = { ...req, holder: { ...req.holder, idNumber: h.idNumber, sex: h.sex, birth: h.birth } };
    expect((await post(`/api/v1/certificates/${issued.managementNo}/reissue`, { ...corrected, reason: '证件号码更正' })).status).toBe(201);
    const again = await post('/api/v1/certificates', corrected);
    expect(again.status).toBe(200);
    expect((await again.json()).managementNo).toBe(issued.managementNo);
    const old = await post('/api/v1/certificates', req);
    expect(old.status).toBe(409);
    expect((await old.json()).error.details.fields).toEqual(expect.arrayContaining(['holder.idNumber']));
  });

  it('a disabled credential: 401 at once, its queued batch rows fail with ERR_ISSUER_DISABLED, nothing more in its name, issued certificates stay valid', async () => {
    const entry = env.s.catalog.list().find((x) => x.style === 1 && !x.specialties?.length)!;
    const own = await env.keyFor(entry.issuingBody);
    const asOwn = (path: string, init: RequestInit = {}) => fetch(env.url + path, { ...init, headers: { authorization: `Bearer ${own}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
    const single = await (await asOwn('/api/v1/certificates', { method: 'POST', body: JSON.stringify(issueBody(q, 46)) })).json();
    const header = 'qualification,name,idNumber,sex,birth,approvalDate,issueDate';
    const rows = Array.from({ length: 300 }, (_, i) => {
      const h = holder(2000 + i);
      return [q, h.name, h.idNumber, h.sex, h.birth, '2025-06-30', '2025-08-15'].join(',');
    });
    const sub = await asOwn('/api/v1/batches', { method: 'POST', body: [header, ...rows].join('\n'), headers: { 'content-type': 'text/csv' } });
    expect(sub.status).toBe(202);
    const { batchId } = await sub.json();
    const issuerId = (await env.s.registry.getCertificate(single.managementNo))!.issuerId;
    await env.s.registry.disableIssuer(issuerId, 'test', env.s.clock());

    const refused = await asOwn(`/api/v1/batches/${batchId}`);
    expect(refused.status).toBe(401);
    expect((await asOwn('/api/v1/certificates', { method: 'POST', body: JSON.stringify(issueBody(q, 47)) })).status).toBe(401);

    const status = (await env.s.registry.getBatch(batchId))!;
    expect(status.pending).toBe(0);
    expect(status.failed).toBeGreaterThan(0);
    expect(status.errors.every((e) => e.code === 'ERR_ISSUER_DISABLED')).toBe(true);
    const issuedBy = async () => (await env.s.registry.searchCertificates({ qualification: q, limit: 1000 })).filter((c) => c.issuerId === issuerId).length;
    const n = await issuedBy();
    expect(n).toBe(1 + status.done);
    await new Promise((r) => setTimeout(r, 1500)); // a claim cycle and more: nothing further in its name
    expect(await issuedBy()).toBe(n);

    // its certificates stay valid: the public verifier passes the PDF issued before
    const pdf = (await env.s.registry.getDocument(single.managementNo))!.pdf;
    const report = await (await fetch(`${env.url}/api/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/pdf' }, body: new Uint8Array(pdf) })).json();
    expect(report.indication).toBe('TOTAL_PASSED');
  });
});

/**
 * Issuing gives the document's bytes back to its render thread once they are in the registry
 * (src/render/pool/RenderPool.ts `release`): what the registry holds must be every byte that
 * was built, on both engines (PostgreSQL sends them with the commit, SQLite copies them at
 * the statement), whether the commit stored them or found the certificate already issued.
 */
describe.each(engines)('issuing through a render pool on $engine', ({ engine }) => {
  let env: Awaited<ReturnType<typeof makeTestServices>>;
  let pool: RenderPool;
  let dropSchema = async () => {};

  beforeAll(async () => {
    const registry = await registryFor(engine);
    dropSchema = registry.drop;
    const { databaseUrl } = registry;
    env = await makeTestServices({ databaseUrl });
    pool = new RenderPool({ keysDir: env.s.config.keysDir, threads: 1 });
    await pool.ready;
  });
  afterAll(async () => {
    await pool?.close();
    await env?.close();
    await dropSchema();
  });

  it('stores every byte built, then releases them; the document verifies', async () => {
    const entry = env.s.catalog.list().find((x) => x.style === 1 && !x.specialties?.length)!;
    const { issuer } = await createIssuerCredential({ bodyCode: entry.issuingBody, actor: 'test', now: env.s.clock() }, env.s);
    const built: Buffer[] = [];
    const released: Uint8Array[] = [];
    const documents: DocumentBuilder = {
      build: async (...a) => {
        const b = await pool.build(...a);
        built.push(b.pdf);
        return b;
      },
      release: (pdf) => (released.push(pdf), pool.release(pdf)),
      close: async () => {},
    };
    const s = { ...env.s, documents };
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => issueCertificate(issueBody(entry.code, 300 + i), issuer, s)));
    const again = await issueCertificate(issueBody(entry.code, 300), issuer, s); // identical: already issued, nothing built
    expect(again.created).toBe(false);
    expect(built).toHaveLength(12);
    expect(released.length === built.length && built.every((b) => released.includes(b))).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(built.every((b) => b.length === 0)).toBe(true); // gone back to the render thread
    for (const r of results) {
      const doc = (await env.s.registry.getDocument(r.record.managementNo))!;
      expect(createHash('sha256').update(doc.pdf).digest('hex')).toBe(r.documentSha256);
    }
    const report = await verifyPdf((await env.s.registry.getDocument(results[0].record.managementNo))!.pdf, {
      trustAnchors: env.s.keys.trustAnchors,
      tsaTrustAnchors: env.s.tsaTrustAnchors,
      catalog: env.s.catalog,
      registry: env.s.registry,
      clock: env.s.clock,
    });
    expect(report.indication).toBe('TOTAL_PASSED');
  });
});
