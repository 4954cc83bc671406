import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig, type Config } from '../../src/config';
import { createServices } from '../../src/services';
import { issueCertificate } from '../../src/issue/issueCertificate';
import { verifyPdf } from '../../src/verify/verifyPdf';
import { issueBody } from '../helpers/holders';
import { tmpFile } from '../helpers/pdfTools';
import { makeSoftHsm, SOFTHSM_MODULE } from '../helpers/softhsm';


// many child processes (the CLI through tsx) and real tools: generous on a loaded machine
vi.setConfig({ testTimeout: 240_000 });
/**
 * Issue 13: seal certificates from an outside CA. The CA is OpenSSL's command line, run
 * here (root → intermediate → seal); the request comes from `ecert keys csr` for a key file
 * and for a key in a SoftHSM2 token. pdfsig with only that root in a fresh NSS database,
 * `openssl cms -verify -CAfile root` and our verifier accept the issued PDF; a certificate for
 * another key, an expired one, one without signing usage and one that does not chain are
 * refused, each with its code.
 */
const PIN = '135790';
let hsmEnv: NodeJS.ProcessEnv;
beforeAll(() => {
  hsmEnv = makeSoftHsm([{ label: 'ecert-ca-test', pin: PIN }]).env;
});

const run = (cmd: string, args: string[], env?: NodeJS.ProcessEnv) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: env ?? process.env });
  return { status: r.status, out: `${r.stdout}${r.stderr}`, stdout: r.stdout, stderr: r.stderr };
};
const ossl = (args: string[], env?: NodeJS.ProcessEnv) => {
  const r = run('openssl', args, env);
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.out}`);
  return r.stdout;
};

/** A two-level CA in `dir`: root.pem/root.key, int.pem/int.key, and an extensions file. */
function makeCa(dir: string) {
  writeFileSync(
    join(dir, 'ext.cnf'),
    [
      '[ca]',
      'basicConstraints = critical, CA:TRUE, pathlen:0',
      'keyUsage = critical, keyCertSign, cRLSign',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid',
      '[seal]',
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature, nonRepudiation',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid',
      '[encrypt]',
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, keyEncipherment',
      '',
    ].join('\n'),
  );
  const p = (f: string) => join(dir, f);
  ossl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', p('root.key'), '-out', p('root.pem'), '-days', '3650', '-subj', '/C=CN/O=Test Certification Authority/CN=Test CA Root', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  ossl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('int.key'), '-out', p('int.csr'), '-subj', '/C=CN/O=Test Certification Authority/CN=Test CA Seal Issuing CA']);
  ossl(['x509', '-req', '-in', p('int.csr'), '-CA', p('root.pem'), '-CAkey', p('root.key'), '-set_serial', '0x1001', '-days', '1825', '-out', p('int.pem'), '-extfile', p('ext.cnf'), '-extensions', 'ca']);
  const sign = (csr: string, out: string, opts: { ext?: string; days?: number; env?: NodeJS.ProcessEnv; ca?: 'int' | 'root' } = {}) =>
    ossl(['x509', '-req', '-in', csr, '-CA', p(`${opts.ca ?? 'int'}.pem`), '-CAkey', p(`${opts.ca ?? 'int'}.key`), '-set_serial', `0x${Math.floor(Math.random() * 1e9).toString(16)}`, '-days', String(opts.days ?? 365), '-out', out, '-extfile', p('ext.cnf'), '-extensions', opts.ext ?? 'seal'], opts.env);
  return { p, sign };
}

describe.each([
  ['file', 'ecdsa'],
  ['pkcs11', 'rsa'],
] as const)('seal certificate from an outside CA (%s key, %s)', (where, alg) => {
  const dir = mkdtempSync(join(tmpdir(), `ecert-ca-${where}-`));
  const keysDir = join(dir, 'keys');
  let env: NodeJS.ProcessEnv;
  let ca: ReturnType<typeof makeCa>;
  let config: Config;
  const sealId = 'mohrss';
  const cli = (args: string[]) => run(process.execPath, [join(import.meta.dirname, '../../bin/ecert.mjs'), 'keys', ...args], env);

  beforeAll(() => {
    env = { ...hsmEnv, ECERT_KEYS_DIR: keysDir, ...(where === 'pkcs11' ? { ECERT_PKCS11_MODULE: SOFTHSM_MODULE, ECERT_PKCS11_TOKEN_LABEL: 'ecert-ca-test', ECERT_PKCS11_PIN: PIN } : {}) };
    expect(cli(['init', '--alg', alg, ...(where === 'pkcs11' ? ['--pkcs11'] : [])]).status).toBe(0);
    mkdirSync(join(dir, 'ca'));
    ca = makeCa(join(dir, 'ca'));
    config = loadConfig(env, { dataDir: join(dir, 'data'), publicUrl: 'http://localhost:3000', port: 0 });
  });

  it('keys csr writes a PKCS#10 request signed by the seal key, with the seal name and the signing key usage', () => {
    const r = cli(['csr', '--seal', sealId, '--out', join(dir, 'seal.csr')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const v = run('openssl', ['req', '-in', join(dir, 'seal.csr'), '-verify', '-noout', '-text']);
    expect(v.status).toBe(0);
    expect(v.stderr).toMatch(/self-signature verify OK|verify OK/);
    const text = v.stdout;
    expect(text).toContain(alg === 'rsa' ? 'sha256WithRSAEncryption' : 'ecdsa-with-SHA256');
    expect(text).toContain('Digital Signature, Non Repudiation');
    const pub = ossl(['req', '-in', join(dir, 'seal.csr'), '-noout', '-pubkey']);
    const cert = readFileSync(join(keysDir, 'seals', sealId, `${JSON.parse(readFileSync(join(keysDir, 'current.json'), 'utf8')).seals[sealId]}.cert.pem`));
    expect(pub).toBe(ossl(['x509', '-noout', '-pubkey', '-in', tmpFile('c.pem', cert)]));
  });

  it('keys import refuses: untrusted root, no chain, another key, no signing usage, expired, each with its code', () => {
    const csr = join(dir, 'seal.csr');
    ca.sign(csr, join(dir, 'seal.pem'));
    // the CA root is not trusted yet
    let r = cli(['import', '--seal', sealId, '--cert', join(dir, 'seal.pem'), '--chain', ca.p('int.pem')]);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('ERR_CERT_UNTRUSTED');
    // a root that is not self-signed is not an anchor
    expect(cli(['trust', ca.p('int.pem')]).stderr).toContain('ERR_CERT_INVALID');
    r = cli(['trust', ca.p('root.pem')]);
    expect(r.status).toBe(0);
    // no intermediate given
    r = cli(['import', '--seal', sealId, '--cert', join(dir, 'seal.pem')]);
    expect(r.stderr).toContain('ERR_CERT_UNTRUSTED');
    // a certificate for another key
    ossl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'other.key'), '-out', join(dir, 'other.csr'), '-subj', '/C=CN/CN=someone else']);
    ca.sign(join(dir, 'other.csr'), join(dir, 'other.pem'));
    r = cli(['import', '--seal', sealId, '--cert', join(dir, 'other.pem'), '--chain', ca.p('int.pem')]);
    expect(r.stderr).toContain('ERR_CERT_KEY_MISMATCH');
    // key encipherment only
    ca.sign(csr, join(dir, 'enc.pem'), { ext: 'encrypt' });
    r = cli(['import', '--seal', sealId, '--cert', join(dir, 'enc.pem'), '--chain', ca.p('int.pem')]);
    expect(r.stderr).toContain('ERR_CERT_KEY_USAGE');
    // issued a year ago for 30 days (the CA's clock set back with faketime)
    const yearAgo = new Date(Date.now() - 365 * 86400_000).toISOString().slice(0, 10);
    const fr = run('faketime', [yearAgo, 'openssl', 'x509', '-req', '-in', csr, '-CA', ca.p('int.pem'), '-CAkey', ca.p('int.key'), '-set_serial', '0x77', '-days', '30', '-out', join(dir, 'old.pem'), '-extfile', ca.p('ext.cnf'), '-extensions', 'seal']);
    expect(fr.status).toBe(0);
    r = cli(['import', '--seal', sealId, '--cert', join(dir, 'old.pem'), '--chain', ca.p('int.pem')]);
    expect(r.stderr).toContain('ERR_CERT_EXPIRED');
    // garbage
    writeFileSync(join(dir, 'junk.pem'), 'not a certificate');
    expect(cli(['import', '--seal', sealId, '--cert', join(dir, 'junk.pem')]).stderr).toContain('ERR_CERT_INVALID');
    expect(cli(['import', '--seal', 'no-such-seal', '--cert', join(dir, 'seal.pem')]).stderr).toContain('ERR_SEAL_UNKNOWN');
  });

  it('after import, issued PDFs carry the intermediate: pdfsig (only the CA root in NSS), openssl cms and our verifier trust them', async () => {
    const r = cli(['import', '--seal', sealId, '--cert', join(dir, 'seal.pem'), '--chain', ca.p('int.pem')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('1 intermediate(s)');
    const status = JSON.parse(cli(['status', '--json']).stdout) as { seals: Array<Record<string, unknown>> };
    expect(status.seals.find((x) => x.sealId === sealId)).toMatchObject({ where, intermediates: 1 });
    expect(status.seals.find((x) => x.sealId === sealId)!.issuer).toContain('CN=Test CA Seal Issuing CA');
    const s = await createServices(config, { logger: pino({ level: 'silent' }), ensureKeys: false, renderThreads: where === 'pkcs11' ? 2 : 0 });
    try {
      const q = s.catalog.list().find((x) => x.sealId === sealId && x.style === 1 && !x.specialties?.length)!;
      const issued = await issueCertificate(issueBody(q.code, 3), { id: 't', bodyCode: q.issuingBody, name: 't', qualifications: [q.code] }, s);
      const pdf = (await s.registry.getDocument(issued.record.managementNo))!.pdf;
      const report = await verifyPdf(pdf, { trustAnchors: s.keys.trustAnchors, tsaTrustAnchors: s.tsaTrustAnchors, catalog: s.catalog, registry: s.registry, clock: () => new Date() });
      expect(report.indication).toBe('TOTAL_PASSED');
      expect(report.checks.find((c) => c.id === 'certificate-chain')?.detail).toContain('Test CA Root');

      const pdfPath = tmpFile('ca.pdf', pdf);
      const nss = join(dir, 'nss');
      mkdirSync(nss);
      execFileSync('certutil', ['-N', '-d', `sql:${nss}`, '--empty-password']);
      execFileSync('certutil', ['-A', '-d', `sql:${nss}`, '-n', 'test-ca-root', '-t', 'CT,C,C', '-i', ca.p('root.pem')]);
      const sig = run('pdfsig', ['-nssdir', `sql:${nss}`, pdfPath]).out;
      expect(sig).toContain('Signature is Valid');
      expect(sig).toContain('Certificate is Trusted');

      const m = /\/ByteRange \[(\d+) (\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(pdf.toString('latin1'))!;
      const [a, b, c] = [Number(m[2]), Number(m[3]), Number(m[4])];
      const der = Buffer.from(pdf.subarray(a + 1, b - 1).toString('latin1'), 'hex');
      const len = der.subarray(2, 2 + (der[1] & 0x7f)).reduce((n, x) => n * 256 + x, 0) + 2 + (der[1] & 0x7f);
      writeFileSync(join(dir, 'sig.der'), der.subarray(0, len));
      writeFileSync(join(dir, 'content.bin'), Buffer.concat([pdf.subarray(0, a), pdf.subarray(b, b + c)]));
      const cms = run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', join(dir, 'sig.der'), '-content', join(dir, 'content.bin'), '-CAfile', ca.p('root.pem'), '-purpose', 'any', '-out', '/dev/null']);
      expect(cms.out).toContain('Verification successful');
      const certs = ossl(['pkcs7', '-inform', 'DER', '-in', join(dir, 'sig.der'), '-print_certs', '-noout']);
      expect(certs).toContain('Test CA Seal Issuing CA');
    } finally {
      await s.documents.close();
      await s.registry.close();
    }
  });
});
