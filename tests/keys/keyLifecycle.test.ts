import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config';
import { createServices, type Services } from '../../src/services';
import { startServer } from '../../src/http/app';
import { issueCertificate } from '../../src/issue/issueCertificate';
import { generateKeyMaterial } from '../../src/keys';
import { markCompromised } from '../../src/keys/keyLifecycle';
import { verifyPdf } from '../../src/verify/verifyPdf';
import { issueBody } from '../helpers/holders';


// many child processes (the CLI through tsx) and real tools: generous on a loaded machine
vi.setConfig({ testTimeout: 240_000 });
/**
 * Issue 13, key lifecycle: `keys status`, expiry warnings in /healthz and the log, a seal key
 * declared compromised from a date (registry time decides), rotation picked up by a running
 * service (in-process and render threads), replaced private key files archived or deleted.
 */
const catalog = JSON.parse(readFileSync(join(import.meta.dirname, '../../templates/catalog.json'), 'utf8')) as { seals: Array<{ id: string; fullName: string; bodyCode: string }>; issuingBodies: Array<{ code: string; name: string }> };
const seals = catalog.seals.map((s) => ({ id: s.id, name: s.fullName, bodyName: catalog.issuingBodies.find((b) => b.code === s.bodyCode)!.name }));
const cli = (args: string[], env: NodeJS.ProcessEnv) => spawnSync(process.execPath, [join(import.meta.dirname, '../../bin/ecert.mjs'), 'keys', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

async function services(keysDir: string, clock: () => Date, extra: { renderThreads?: number; logs?: string[] } = {}): Promise<Services> {
  const logger = pino({ level: 'warn' }, new Writable({ write: (c, _e, cb) => (extra.logs?.push(String(c)), cb()) }));
  const config = loadConfig({}, { dataDir: mkdtempSync(join(tmpdir(), 'ecert-life-data-')), keysDir, publicUrl: 'http://localhost:3000', port: 0 });
  return createServices(config, { clock, logger, ensureKeys: false, renderThreads: extra.renderThreads });
}
const issuerFor = (s: Services, code: string) => {
  const q = s.catalog.get(code);
  return { id: 't', bodyCode: q.issuingBody, name: 't', qualifications: [q.code] };
};

describe('key lifecycle', () => {
  it('keys status [--json]: where each key lives, subject, issuer, validity, days left', async () => {
    const keysDir = mkdtempSync(join(tmpdir(), 'ecert-life-'));
    await generateKeyMaterial({ dir: keysDir, alg: 'ecdsa', seals, now: new Date() });
    const r = cli(['status', '--json'], { ECERT_KEYS_DIR: keysDir });
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { warningDays: number; seals: Array<Record<string, unknown>> };
    expect(out.warningDays).toBe(30);
    expect(out.seals).toHaveLength(seals.length);
    const mohrss = out.seals.find((x) => x.sealId === 'mohrss')!;
    expect(mohrss).toMatchObject({ where: 'file', intermediates: 0 });
    expect(mohrss.subject).toContain(`CN=${seals.find((s) => s.id === 'mohrss')!.name}`);
    expect(mohrss.issuer).toContain('ecert Development Root CA');
    expect(mohrss.daysLeft).toBeGreaterThan(19 * 365);
    expect(mohrss.warning).toBeUndefined();
    const text = cli(['status'], { ECERT_KEYS_DIR: keysDir }).stdout;
    expect(text).toMatch(/mohrss\s+file\s+\d{4}-\d{2}-\d{2} → \d{4}-\d{2}-\d{2} \(\d+ days left\)/);
  });

  it('/healthz and the start-up log warn when a seal certificate expires within 30 days', async () => {
    const keysDir = mkdtempSync(join(tmpdir(), 'ecert-life-'));
    await generateKeyMaterial({ dir: keysDir, alg: 'ecdsa', seals, now: new Date() });
    const first = readdirSync(join(keysDir, 'seals', 'mohrss')).find((f) => f.endsWith('.cert.pem'))!;
    const notAfter = new Date(new X509Certificate(readFileSync(join(keysDir, 'seals', 'mohrss', first))).validTo);
    const logs: string[] = [];
    const s = await services(keysDir, () => new Date(notAfter.getTime() - 10 * 86_400_000), { logs });
    const http = await startServer(s, 0, '127.0.0.1');
    try {
      const body = (await (await fetch(`${http.url}/healthz`)).json()) as { status: string; keys: { status: string; warnings: Array<{ sealId: string; daysLeft: number; warning: string }> } };
      expect(body.status).toBe('ok');
      expect(body.keys.status).toBe('warn');
      const w = body.keys.warnings.find((x) => x.sealId === 'mohrss')!;
      expect(w.daysLeft).toBeGreaterThanOrEqual(9);
      expect(w.daysLeft).toBeLessThanOrEqual(10);
      expect(w.warning).toContain('expires in');
      expect(logs.some((l) => l.includes('"sealId":"mohrss"') && l.includes('expires in') && l.includes('"level":40'))).toBe(true);
    } finally {
      await http.close();
      await s.registry.close();
    }
    const ok = await services(keysDir, () => new Date());
    const http2 = await startServer(ok, 0, '127.0.0.1');
    try {
      const body = (await (await fetch(`${http2.url}/healthz`)).json()) as { keys: { status: string; warnings: unknown[] } };
      expect(body.keys).toMatchObject({ status: 'ok', warnings: [] });
    } finally {
      await http2.close();
      await ok.registry.close();
    }
  });

  it('keys revoke --since: documents registered after the date fail (REVOKED_NO_POE), earlier ones pass; the running service stops signing with that key', async () => {
    const keysDir = mkdtempSync(join(tmpdir(), 'ecert-life-'));
    await generateKeyMaterial({ dir: keysDir, alg: 'ecdsa', seals, now: new Date('2025-09-01T00:00:00Z') });
    let now = new Date('2026-01-10T08:00:00Z');
    const s = await services(keysDir, () => now);
    const http = await startServer(s, 0, '127.0.0.1');
    try {
      const q = s.catalog.list().find((x) => x.sealId === 'mohrss' && !x.specialties?.length)!;
      const early = await issueCertificate(issueBody(q.code, 1), issuerFor(s, q.code), s);
      now = new Date('2026-03-10T08:00:00Z');
      const late = await issueCertificate(issueBody(q.code, 2), issuerFor(s, q.code), s);
      const pdfOf = async (no: string) => (await s.registry.getDocument(no))!.pdf;
      const verify = async (no: string) => verifyPdf(await pdfOf(no), { trustAnchors: s.keys.trustAnchors, tsaTrustAnchors: s.tsaTrustAnchors, compromisedSeals: s.keys.compromisedSeals, catalog: s.catalog, registry: s.registry, clock: () => now });
      expect((await verify(late.record.managementNo)).indication).toBe('TOTAL_PASSED');

      const r = cli(['revoke', '--seal', 'mohrss', '--since', '2026-02-01'], { ECERT_KEYS_DIR: keysDir });
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain('marked compromised since 2026-02-01T00:00:00.000Z');

      const a = await verify(early.record.managementNo);
      expect(a.indication).toBe('TOTAL_PASSED');
      expect(a.checks.find((c) => c.id === 'seal-key-compromise')).toMatchObject({ passed: true });
      const b = await verify(late.record.managementNo);
      expect(b).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'REVOKED_NO_POE' });
      // the HTTP verifier of the running service sees the mark too
      const res = await fetch(`${http.url}/api/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/pdf' }, body: new Uint8Array(await pdfOf(late.record.managementNo)) });
      expect(await res.json()).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'REVOKED_NO_POE' });
      // and it no longer signs with that key; other seals still sign
      await expect(issueCertificate(issueBody(q.code, 3), issuerFor(s, q.code), s)).rejects.toMatchObject({ code: 'ERR_SEAL_KEY_COMPROMISED' });
      const other = s.catalog.list().find((x) => x.sealId !== 'mohrss' && !x.specialties?.length)!;
      expect((await issueCertificate(issueBody(other.code, 4), issuerFor(s, other.code), s)).created).toBe(true);
      expect(() => markCompromised(keysDir, 'nope', new Date(), new Date())).toThrow(expect.objectContaining({ code: 'ERR_SEAL_UNKNOWN' }));
      expect(cli(['revoke', '--seal', 'mohrss', '--since', 'yesterday-ish'], { ECERT_KEYS_DIR: keysDir }).stderr).toContain('ERR_DATE_FORMAT');
    } finally {
      await http.close();
      await s.registry.close();
    }
  });

  it.each([0, 1])('a rotation takes effect in a running service without restart (render threads: %i)', async (renderThreads) => {
    const keysDir = mkdtempSync(join(tmpdir(), 'ecert-life-'));
    await generateKeyMaterial({ dir: keysDir, alg: 'rsa', seals, now: new Date() });
    const s = await services(keysDir, () => new Date(), { renderThreads });
    try {
      const q = s.catalog.list().find((x) => x.sealId === 'mohrss' && !x.specialties?.length)!;
      const serialOf = async (no: string) => (await verifyPdf((await s.registry.getDocument(no))!.pdf, { trustAnchors: s.keys.trustAnchors, tsaTrustAnchors: s.tsaTrustAnchors, catalog: s.catalog, registry: s.registry, clock: () => new Date() })).signer?.serial;
      const before = await issueCertificate(issueBody(q.code, 1), issuerFor(s, q.code), s);
      await generateKeyMaterial({ dir: keysDir, alg: 'ecdsa', seals, now: new Date(), force: true });
      const after = await issueCertificate(issueBody(q.code, 2), issuerFor(s, q.code), s);
      const index = JSON.parse(readFileSync(join(keysDir, 'current.json'), 'utf8')) as { seals: Record<string, string> };
      expect((await serialOf(after.record.managementNo))?.toLowerCase().replace(/^0+/, '')).toBe(index.seals.mohrss.replace(/^0+/, '')); // either side may keep a leading zero
      expect(await serialOf(before.record.managementNo)).not.toBe(await serialOf(after.record.managementNo));
      const v = await verifyPdf((await s.registry.getDocument(after.record.managementNo))!.pdf, { trustAnchors: s.keys.trustAnchors, tsaTrustAnchors: s.tsaTrustAnchors, catalog: s.catalog, registry: s.registry, clock: () => new Date() });
      expect(v.indication).toBe('TOTAL_PASSED');
    } finally {
      await s.documents.close();
      await s.registry.close();
    }
  });

  it('replaced private key files are archived encrypted (with a passphrase) or deleted, never left in place', async () => {
    const plain = mkdtempSync(join(tmpdir(), 'ecert-life-'));
    await generateKeyMaterial({ dir: plain, alg: 'ecdsa', seals, now: new Date() });
    const oldId = (JSON.parse(readFileSync(join(plain, 'current.json'), 'utf8')) as { seals: Record<string, string> }).seals.mohrss;
    const r = cli(['init', '--force'], { ECERT_KEYS_DIR: plain });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`retired key: deleted ${join('seals', 'mohrss', `${oldId}.key.pem`)}`);
    expect(existsSync(join(plain, 'seals', 'mohrss', `${oldId}.key.pem`))).toBe(false);
    expect(existsSync(join(plain, 'seals', 'mohrss', `${oldId}.cert.pem`))).toBe(true); // public: kept
    expect(cli(['init', '--force', '--retire', 'archive'], { ECERT_KEYS_DIR: plain }).stderr).toContain('ERR_CONFIG');

    const enc = mkdtempSync(join(tmpdir(), 'ecert-life-'));
    const passphrase = 'archive passphrase';
    await generateKeyMaterial({ dir: enc, alg: 'ecdsa', seals, now: new Date(), passphrase });
    const { retired } = await generateKeyMaterial({ dir: enc, alg: 'ecdsa', seals, now: new Date(), passphrase, force: true });
    expect(retired.length).toBe(2 + seals.length);
    const [stamp] = readdirSync(join(enc, 'retired'));
    const archived = join(enc, 'retired', stamp, 'seals', 'mohrss');
    const files = readdirSync(archived);
    expect(files).toHaveLength(1);
    expect(readFileSync(join(archived, files[0]), 'utf8')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE[ ]KEY-----/);
    expect(readdirSync(join(enc, 'seals', 'mohrss')).filter((f) => f.endsWith('.key.pem'))).toHaveLength(1); // only the current one
  });
});
