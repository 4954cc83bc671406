import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/loadCatalog';
import { generateKeyMaterial } from '../../src/keys';
import { markCompromised } from '../../src/keys/keyLifecycle';
import { issueCertificate } from '../../src/issue/issueCertificate';
import { renewArchives, type RenewDeps } from '../../src/ltv/renewArchives';
import { createTimestamper } from '../../src/ltv/tsp/createTimestamper';
import { certificatePem } from '../../src/keys/pem';
import { signatureTimestampOf, signatureValueOf } from '../../src/sign/addSignatureTimestamp';
import { inspectSignatures } from '../../src/verify/pdf/inspectSignatures';
import { verifyPdf } from '../../src/verify/verifyPdf';
import { issueBody } from '../helpers/holders';
import { makeTestServices, type TestEnv } from '../helpers/testServices';
import { tmpFile } from '../helpers/pdfTools';
import { BIN } from '../cli/cliHarness';

/**
 * Issue 14 end to end, on the development TSA and CA: certificates issued with a signature
 * timestamp (B-T), archived (B-LTA) by renewArchives and renewed as the TSA certificates near
 * their end, then verified decades later — by our verifier on a moved clock and by `ecert verify`
 * under Debian's faketime — and by independent readers (pdfsig, qpdf, openssl ts / ocsp).
 * Keys of its own (a seal is marked compromised here).
 */
const YEAR = 365.25 * 86_400_000;
const t0 = new Date();
let now = t0;
const clock = () => now;
let env: TestEnv;
let keysDir: string;
let first: string;
let second: string;

const deps = (): RenewDeps => ({
  registry: env.s.registry,
  // a new process at each run of `ecert ltv renew`: the development TSA renews its certificate when due
  timestamper: createTimestamper({ keysDir, clock }),
  revocation: env.s.revocation,
  sealTrustAnchors: env.s.keys.trustAnchors,
  clock,
});
const verify = (pdf: Buffer, at: Date) =>
  verifyPdf(pdf, { trustAnchors: env.s.keys.trustAnchors, tsaTrustAnchors: env.s.tsaTrustAnchors, compromisedSeals: env.s.keys.compromisedSeals, catalog: env.s.catalog, registry: env.s.registry, clock: () => at });
const newest = async (no: string) => (await env.s.registry.getDocument(no))!;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  keysDir = mkdtempSync(join(tmpdir(), 'ecert-ltv-keys-'));
  const c = loadCatalog();
  await generateKeyMaterial({ dir: keysDir, alg: 'ecdsa', seals: c.seals.map((s) => ({ id: s.id, name: s.fullName, bodyName: c.body(s.bodyCode).name })), now: t0, publicUrl: 'http://localhost:3000' });
  env = await makeTestServices({ clock, config: { keysDir } });
  const q = env.s.catalog.list().find((x) => x.style === 1 && !x.specialties?.length)!;
  const issuer = { id: 'iss_ltv', bodyCode: q.issuingBody, name: 't', qualifications: [q.code] };
  await env.s.registry.createIssuer({ ...issuer, keyHash: 'ltv', actor: 'test', now });
  first = (await issueCertificate(issueBody(q.code, 31), issuer, env.s)).record.managementNo;
  now = new Date(t0.getTime() + 2 * 3_600_000);
  second = (await issueCertificate(issueBody(q.code, 32), issuer, env.s)).record.managementNo;
  // found out later: the seal's key was compromised from an hour after the first certificate; the second must not stand
  now = new Date(t0.getTime() + 3 * 3_600_000);
  markCompromised(keysDir, q.sealId, new Date(t0.getTime() + 3_600_000), now);
}, 120_000);
afterAll(() => env?.close());

describe('long-term validation (issue 14)', () => {
  it('issues B-T: a signature timestamp over the signature value that openssl ts -verify accepts', async () => {
    const doc = await newest(first);
    expect(doc.revision).toBe(0);
    const cms = inspectSignatures(doc.pdf).signatures[0].cms;
    const token = signatureTimestampOf(cms)!;
    expect(token).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'ecert-ltv-ts-'));
    writeFileSync(join(dir, 'token.der'), token);
    writeFileSync(join(dir, 'root.pem'), certificatePem(env.s.tsaTrustAnchors[0]));
    const digest = createHash('sha256').update(signatureValueOf(cms)).digest('hex');
    const out = spawnSync('openssl', ['ts', '-verify', '-digest', digest, '-token_in', '-in', 'token.der', '-CAfile', 'root.pem'], { cwd: dir, encoding: 'utf8' });
    expect(out.stdout + out.stderr).toMatch(/Verification: OK/);
    const r = await verify(doc.pdf, t0);
    expect(r.indication).toBe('TOTAL_PASSED');
    expect(r.checks.find((c) => c.id === 'signature-timestamp')).toMatchObject({ passed: true, detail: expect.stringContaining('PAdES B-T') });
  });

  it('ltv renew archives every document once (idempotent), registered by hash, the issued bytes kept', async () => {
    now = new Date(t0.getTime() + 4 * 3_600_000);
    const issued = await newest(first);
    expect(await renewArchives(deps())).toEqual({ renewed: 2, failed: [] });
    expect(await renewArchives(deps())).toEqual({ renewed: 0, failed: [] });
    const doc = await newest(first);
    expect(doc.revision).toBe(1);
    expect(doc.pdf.subarray(0, issued.pdf.length).equals(issued.pdf)).toBe(true);
    // the revision carries the DSS and a document timestamp in the room its TSA needs (regression: 16 KB of zeros each)
    expect(doc.pdf.length - issued.pdf.length).toBeLessThan(12_000);
    expect(await env.s.registry.findDocumentBySha256(sha256(doc.pdf))).toMatchObject({ managementNo: first, version: 1 });
    expect((await env.s.registry.getDocument(first, 1, 0))!.sha256).toBe(issued.sha256);
    const ins = inspectSignatures(doc.pdf);
    expect(ins.documentTimestamps).toHaveLength(1);
    expect(ins.dss!.ocsps.length).toBeGreaterThanOrEqual(2); // the seal's and the TSA's certificates
  });

  it('is read by independent tools: pdfsig (seal valid), qpdf --check, openssl ts -verify (document timestamp), openssl ocsp (DSS responses)', async () => {
    const doc = await newest(first);
    const path = tmpFile('ltv.pdf', doc.pdf);
    const sig = spawnSync('pdfsig', [path], { encoding: 'utf8' });
    expect((sig.stdout + sig.stderr).split('Signature #2')[0]).toMatch(/Signature is Valid/);
    expect(sig.stdout).toContain('Signature #2');
    const qpdf = spawnSync('qpdf', ['--check', path], { encoding: 'utf8' });
    expect(qpdf.status, qpdf.stdout + qpdf.stderr).toBe(0);
    const ins = inspectSignatures(doc.pdf);
    const dir = mkdtempSync(join(tmpdir(), 'ecert-ltv-tools-'));
    writeFileSync(join(dir, 'tsa-root.pem'), env.s.tsaTrustAnchors.map(certificatePem).join(''));
    const [a, b, c, d] = ins.documentTimestamps[0].byteRange;
    writeFileSync(join(dir, 'covered.bin'), Buffer.concat([doc.pdf.subarray(a, a + b), doc.pdf.subarray(c, c + d)]));
    writeFileSync(join(dir, 'doc-ts.der'), ins.documentTimestamps[0].token);
    const ts = spawnSync('openssl', ['ts', '-verify', '-data', 'covered.bin', '-in', 'doc-ts.der', '-token_in', '-CAfile', 'tsa-root.pem'], { cwd: dir, encoding: 'utf8' });
    expect(ts.stdout + ts.stderr).toMatch(/Verification: OK/);
    writeFileSync(join(dir, 'roots.pem'), [...env.s.keys.trustAnchors, ...env.s.tsaTrustAnchors].map(certificatePem).join(''));
    for (const [i, resp] of ins.dss!.ocsps.entries()) {
      writeFileSync(join(dir, `ocsp${i}.der`), resp);
      const o = spawnSync('openssl', ['ocsp', '-respin', `ocsp${i}.der`, '-CAfile', 'roots.pem', '-verify_other', 'roots.pem', '-resp_text'], { cwd: dir, encoding: 'utf8' });
      expect(o.stderr + '\n' + o.stdout, `DSS OCSP response ${i}`).toMatch(/Response verify OK/);
    }
  });

  it('judges the seal at the signature timestamp: revoked after it → stands; revoked before it → REVOKED', async () => {
    const ok = await verify((await newest(first)).pdf, now);
    expect(ok.indication).toBe('TOTAL_PASSED');
    expect(ok.checks.find((c) => c.id === 'seal-revocation')?.detail).toMatch(/after the signature timestamp/);
    const bad = await verify((await newest(second)).pdf, now);
    expect(bad).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'REVOKED' });
    expect(bad.checks.find((c) => c.id === 'seal-revocation')).toMatchObject({ passed: false, detail: expect.stringMatching(/before the signature timestamp/) });
    expect(bad.message.zh).toMatch(/签章时间之前已被撤销/);
  });

  it('renews before the TSA certificate ends, and verifies 21 years later, after the seal certificate has expired', async () => {
    // the development TSA's certificate lasts 10 years: each renewal is due 90 days before the newest timestamp's TSA certificate ends
    now = new Date(t0.getTime() + 5 * YEAR);
    expect((await renewArchives(deps(), { managementNos: [first] })).renewed).toBe(0);
    for (const years of [9.8, 19.6]) {
      now = new Date(t0.getTime() + years * YEAR);
      expect(await renewArchives(deps(), { managementNos: [first] }), `at +${years} years`).toEqual({ renewed: 1, failed: [] });
    }
    const doc = await newest(first);
    expect(doc.revision).toBe(3);
    expect(inspectSignatures(doc.pdf).documentTimestamps).toHaveLength(3);
    const later = new Date(t0.getTime() + 21 * YEAR);
    const r = await verify(doc.pdf, later);
    expect(r.indication, JSON.stringify(r.checks.filter((c) => !c.passed))).toBe('TOTAL_PASSED');
    expect(r.checks.filter((c) => /^(document-timestamp-\d|signature-timestamp)/.test(c.id)).map((c) => c.id)).toEqual(['document-timestamp-3', 'document-timestamp-2', 'document-timestamp-1', 'signature-timestamp']);
    // the copy as issued (B-T only) cannot prove its time any more: its TSA certificate ended
    const asIssued = await verify((await env.s.registry.getDocument(first, 1, 0))!.pdf, later);
    expect(asIssued).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'OUT_OF_BOUNDS_NO_POE' });
    expect(asIssued.message.en).toMatch(/can no longer be proven/);

    // `ecert verify` under faketime, 21 years ahead, with the same registry and keys
    const file = tmpFile('ltv-21y.pdf', doc.pdf);
    const at = later.toISOString().slice(0, 19).replace('T', ' ');
    const cli = spawnSync('faketime', [at, process.execPath, BIN, 'verify', file, '--json'], {
      env: { ...process.env, TZ: 'UTC', ECERT_DATA_DIR: join(env.dir, 'data'), ECERT_KEYS_DIR: keysDir, ECERT_LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    const report = JSON.parse(cli.stdout);
    expect(report.verifiedAt.slice(0, 4)).toBe(String(later.getUTCFullYear()));
    expect(report.indication, cli.stderr + JSON.stringify(report.checks)).toBe('TOTAL_PASSED');
    expect(cli.status).toBe(0);
  });
});
