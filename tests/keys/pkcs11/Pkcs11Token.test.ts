import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate, verify } from 'node:crypto';
import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config';
import { createServices } from '../../../src/services';
import { issueCertificate } from '../../../src/issue/issueCertificate';
import { Pkcs11Token } from '../../../src/keys/pkcs11/Pkcs11Token';
import { loadKeyStore } from '../../../src/keys';
import { verifyPdf } from '../../../src/verify/verifyPdf';
import { issueBody } from '../../helpers/holders';
import { tmpFile } from '../../helpers/pdfTools';
import { makeSoftHsm, SOFTHSM_MODULE } from '../../helpers/softhsm';


// many child processes (the CLI through tsx) and real tools: generous on a loaded machine
vi.setConfig({ testTimeout: 240_000 });
/**
 * Issue 13: seal keys generated in and used from a PKCS #11 token (SoftHSM2 from Debian, a
 * throw-away token per run), checked with OpenSC's pkcs11-tool, poppler's pdfsig and our
 * verifier. `ecert keys init --pkcs11` runs as the real CLI in a child process.
 */
const PIN = '246810';
let hsm: ReturnType<typeof makeSoftHsm>;

beforeAll(() => {
  hsm = makeSoftHsm([
    { label: 'ecert-ec', pin: PIN },
    { label: 'ecert-rsa', pin: PIN },
    { label: 'ecert-spare', pin: PIN },
    { label: 'ecert-gone', pin: PIN },
  ]);
});

function cli(args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, [join(import.meta.dirname, '../../../bin/ecert.mjs'), ...args], { encoding: 'utf8', env: { ...hsm.env, ...env } });
}

function pkcs11Env(label: string, keysDir: string, pin = PIN): NodeJS.ProcessEnv {
  return { ECERT_KEYS_DIR: keysDir, ECERT_PKCS11_MODULE: SOFTHSM_MODULE, ECERT_PKCS11_TOKEN_LABEL: label, ECERT_PKCS11_PIN: pin };
}

describe.each([
  ['ecdsa', 'ecert-ec', 'EC'],
  ['rsa', 'ecert-rsa', 'RSA'],
] as const)('PKCS#11 seal keys (%s)', (alg, label, p11Type) => {
  const keysDir = mkdtempSync(join(tmpdir(), `ecert-p11keys-${alg}-`));
  const dataDir = mkdtempSync(join(tmpdir(), `ecert-p11data-${alg}-`));

  it('`ecert keys init --pkcs11` generates the seal keys in the token: sensitive, never extractable; no seal key file', () => {
    const r = cli(['keys', 'init', '--pkcs11', '--alg', alg], pkcs11Env(label, keysDir));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`seal keys in token "${label}"`);
    const sealDirs = readdirSync(join(keysDir, 'seals'));
    expect(sealDirs.length).toBeGreaterThan(0);
    for (const d of sealDirs) {
      const files = readdirSync(join(keysDir, 'seals', d));
      expect(files.some((f) => f.endsWith('.key.pem'))).toBe(false);
      expect(files.filter((f) => f.endsWith('.pkcs11.json'))).toHaveLength(1);
    }
    const listing = execFileSync('pkcs11-tool', ['--module', SOFTHSM_MODULE, '--token-label', label, '--login', '--pin', PIN, '-O'], { env: hsm.env, encoding: 'utf8' });
    const privates = listing.split(/\n(?=\S)/).filter((b) => b.startsWith('Private Key Object'));
    expect(privates).toHaveLength(sealDirs.length);
    for (const b of privates) {
      expect(b).toContain(`Private Key Object; ${p11Type}`);
      expect(b).toMatch(/Access:\s+sensitive, always sensitive, never extractable, local/);
      expect(b).toMatch(/Usage:\s+.*sign/);
    }
  });

  it('issues from the main thread and from every render thread; pdfsig and our verifier accept the signature', async () => {
    const config = loadConfig({}, { dataDir, keysDir, publicUrl: 'http://localhost:3000', port: 0, pkcs11: { module: SOFTHSM_MODULE, tokenLabel: label, pin: PIN } });
    for (const renderThreads of [0, 2]) {
      const s = await createServices(config, { logger: pino({ level: 'silent' }), ensureKeys: false, renderThreads });
      try {
        const q = s.catalog.list().find((x) => x.style === 1 && !x.specialties?.length)!;
        const issuer = { id: "test", bodyCode: q.issuingBody, name: "test", qualifications: [q.code] };
        const results = await Promise.all([1, 2, 3, 4].map((i) => issueCertificate(issueBody(q.code, i + renderThreads * 10), issuer, s)));
        for (const r of results) {
          expect(r.created).toBe(true);
          const pdf = (await s.registry.getDocument(r.record.managementNo))!.pdf;
          const report = await verifyPdf(pdf, { trustAnchors: s.keys.trustAnchors, tsaTrustAnchors: s.tsaTrustAnchors, catalog: s.catalog, registry: s.registry, clock: () => new Date() });
          expect(report.indication).toBe("TOTAL_PASSED");
          expect(report.checks.filter((c) => !c.passed)).toEqual([]);
          const out = spawnSync('pdfsig', [tmpFile('p11.pdf', pdf)], { encoding: 'utf8' });
          expect(out.stdout).toContain('Signature is Valid');
        }
      } finally {
        await s.documents.close();
        await s.registry.close();
      }
    }
  });
});

describe('PKCS#11 token errors are coded; issuance never half-writes', () => {
  const keysDir = mkdtempSync(join(tmpdir(), 'ecert-p11keys-err-'));

  beforeAll(() => {
    const r = cli(['keys', 'init', '--pkcs11'], pkcs11Env('ecert-ec', keysDir));
    expect(r.status).toBe(0);
  });

  it('wrong PIN → ERR_PKCS11_PIN; unknown token → ERR_PKCS11_TOKEN; missing module → ERR_PKCS11_TOKEN', () => {
    expect(() => new Pkcs11Token({ module: SOFTHSM_MODULE, tokenLabel: 'ecert-spare', pin: '000000' })).toThrow(expect.objectContaining({ code: 'ERR_PKCS11_PIN' }));
    expect(() => new Pkcs11Token({ module: SOFTHSM_MODULE, tokenLabel: 'no-such-token', pin: PIN })).toThrow(expect.objectContaining({ code: 'ERR_PKCS11_TOKEN' }));
    expect(() => new Pkcs11Token({ module: '/nonexistent/libpkcs11.so', tokenLabel: 'ecert-ec', pin: PIN })).toThrow(expect.objectContaining({ code: 'ERR_PKCS11_TOKEN' }));
    const bad = cli(['keys', 'init', '--pkcs11', '--force'], pkcs11Env('ecert-spare', mkdtempSync(join(tmpdir(), 'ecert-p11keys-bad-')), '999999'));
    expect(bad.status).toBe(3);
    expect(bad.stderr).toContain('ERR_PKCS11_PIN');
    expect(bad.stderr).toContain('签章设备');
  });

  it('a key missing from the token → ERR_PKCS11_KEY; a lost session is reopened and signing goes on', async () => {
    const token = new Pkcs11Token({ module: SOFTHSM_MODULE, tokenLabel: 'ecert-ec', pin: PIN });
    await expect(token.sign({ id: 'ffff', label: 'gone', keyType: 'ec' }, Buffer.from('x'))).rejects.toMatchObject({ code: 'ERR_PKCS11_KEY' });
    const store = loadKeyStore(keysDir, { pkcs11: token.config });
    // the same key index with another (logged-in) token configured: named, not a mysterious failure
    const spare = loadKeyStore(keysDir, { pkcs11: { module: SOFTHSM_MODULE, tokenLabel: 'ecert-rsa', pin: PIN } });
    expect(() => spare.signerFor(Object.keys(spare.index.seals)[0])).toThrow(expect.objectContaining({ code: 'ERR_PKCS11_TOKEN', bilingual: expect.objectContaining({ en: expect.stringContaining('is in token "ecert-ec"') }) }));
    const sealId = Object.keys(store.index.seals)[0];
    const signer = store.signerFor(sealId);
    const cert = new X509Certificate(signer.certificate);
    const data = Buffer.from('signed attributes');
    expect(verify('sha256', data, cert.publicKey, await signer.sign(data))).toBe(true);
    token.closeAllSessions();
    store.tokenFor(sealId).closeAllSessions(); // every session of the slot is gone, the login with them
    expect(verify('sha256', data, cert.publicKey, await signer.sign(data))).toBe(true);
  });

  it('a token that disappears while in use → ERR_PKCS11_TOKEN, not a crash', async () => {
    const token = new Pkcs11Token({ module: SOFTHSM_MODULE, tokenLabel: 'ecert-gone', pin: PIN });
    const ref = { id: 'a1b2', label: 'short-lived', keyType: 'ec' as const };
    await token.generate(ref);
    expect((await token.sign(ref, Buffer.from('x'))).length).toBeGreaterThan(64);
    // SoftHSM keeps each token in a directory of its tokendir: remove this one (the device unplugged)
    const tokens = join(hsm.dir, 'tokens');
    const dir = readdirSync(tokens).find((d) => readFileSync(join(tokens, d, 'token.object')).includes('ecert-gone'))!;
    rmSync(join(tokens, dir), { recursive: true });
    await expect(token.sign(ref, Buffer.from('x'))).rejects.toMatchObject({ code: 'ERR_PKCS11_TOKEN' });
  });

  it('with the token refusing the PIN, issuing answers ERR_PKCS11_PIN and the registry holds nothing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ecert-p11data-err-'));
    // the key index points at token "ecert-ec"; the service is configured with a token whose PIN is wrong
    const config = loadConfig({}, { dataDir, keysDir, publicUrl: 'http://localhost:3000', port: 0, pkcs11: { module: SOFTHSM_MODULE, tokenLabel: 'ecert-spare', pin: '000000' } });
    for (const renderThreads of [0, 2]) {
      const s = await createServices(config, { logger: pino({ level: 'silent' }), ensureKeys: false, renderThreads });
      try {
        const q = s.catalog.list().find((x) => x.style === 1 && !x.specialties?.length)!;
        const issuer = { id: 'test', bodyCode: q.issuingBody, name: 'test', qualifications: [q.code] };
        const err = await issueCertificate(issueBody(q.code, 7), issuer, s).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'ERR_PKCS11_PIN', status: 503 });
        expect((err as { bilingual: { zh: string; en: string } }).bilingual.en).toContain('ECERT_PKCS11_PIN');
      } finally {
        await s.documents.close();
        await s.registry.close();
      }
    }
    const db = new Database(join(dataDir, 'registry.sqlite'), { readonly: true });
    // nothing half-written: no certificate, no document; a number reserved for it is recorded void with its reason (two-phase issuance)
    for (const table of ['certificates', 'documents']) expect(db.prepare(`SELECT count(*) AS n FROM ${table}`).get()).toEqual({ n: 0 });
    const numbers = db.prepare('SELECT state, void_reason FROM management_numbers').all() as Array<{ state: string; void_reason: string | null }>;
    expect(numbers.every((n) => n.state === 'void' && !!n.void_reason)).toBe(true);
    db.close();
  });
});
