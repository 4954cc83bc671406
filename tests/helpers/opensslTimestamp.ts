import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * An independent RFC 3161 TSA made with `openssl ts` in a temp dir: a root, a TSA certificate
 * with the critical timeStamping EKU (RFC 3161 §2.3), keys generated per run, never committed.
 */
export interface OpensslTsa {
  dir: string;
  rootPem: string;
  tsaPem: string;
  /** A TimeStampToken (DER ContentInfo) over a SHA-256 digest. */
  stamp(sha256Digest: Buffer): Promise<Buffer>;
  /** `openssl ts -verify` of a token over the given data; returns stdout+stderr. */
  verify(token: Buffer, data: Buffer): string;
  /** DER of the root and TSA certificates. */
  certsDer(): Buffer[];
  /** A CRL of the root (`openssl ca -gencrl`), DER. */
  crlDer(): Buffer;
  /** An OCSP response for the TSA certificate signed by the root (`openssl ocsp -index`), DER. */
  ocspDer(): Buffer;
}

const run = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

/**
 * The files of an `openssl ts` TSA in a new temp dir: root.pem/root.key, tsa.pem/tsa.key (critical
 * extendedKeyUsage=timeStamping, RFC 3161 §2.3) and tsa.cnf for `openssl ts -reply -config`.
 * Shared by the in-process stamper below and the loopback HTTP TSA (tests/helpers/opensslTsa.ts).
 */
export function opensslTsaFiles(opts: { prefix: string; rootSubject: string; tsaSubject: string; essCertIdAlg?: 'sha1' | 'sha256'; includeRootInToken?: boolean }): string {
  const dir = mkdtempSync(join(tmpdir(), opts.prefix));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', 'root.key', '-out', 'root.pem', '-subj', opts.rootSubject, '-days', '3650', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  run(['req', '-new', ...ec, '-keyout', 'tsa.key', '-out', 'tsa.csr', '-subj', opts.tsaSubject], dir);
  writeFileSync(join(dir, 'ext.cnf'), '[tsa]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=critical,timeStamping\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
  run(['x509', '-req', '-in', 'tsa.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-out', 'tsa.pem', '-days', '3650', '-extfile', 'ext.cnf', '-extensions', 'tsa'], dir);
  writeFileSync(join(dir, 'tsaserial'), '01\n');
  writeFileSync(
    join(dir, 'tsa.cnf'),
    [
      '[ tsa ]',
      'default_tsa = tsa_config1',
      '[ tsa_config1 ]',
      `dir = ${dir}`,
      'serial = $dir/tsaserial',
      'crypto_device = builtin',
      'signer_cert = $dir/tsa.pem',
      ...(opts.includeRootInToken ? ['certs = $dir/root.pem'] : []),
      'signer_key = $dir/tsa.key',
      'signer_digest = sha256',
      'default_policy = 1.2.3.4.1',
      'digests = sha256, sha384, sha512',
      'accuracy = secs:1',
      'ordering = no',
      'tsa_name = yes',
      'ess_cert_id_chain = no',
      `ess_cert_id_alg = ${opts.essCertIdAlg ?? 'sha256'}`,
      '',
    ].join('\n'),
  );
  return dir;
}

export function makeOpensslTsa(): OpensslTsa {
  const dir = opensslTsaFiles({ prefix: 'ecert-tsa-', rootSubject: '/CN=Test TSA Root (NOT FOR PRODUCTION)', tsaSubject: '/CN=Test TSA (NOT FOR PRODUCTION)', includeRootInToken: true });
  // a minimal `openssl ca` database listing the TSA certificate as valid (for -gencrl and ocsp -index)
  const serial = run(['x509', '-in', 'tsa.pem', '-noout', '-serial'], dir).toString().trim().split('=')[1];
  const end = new Date(run(['x509', '-in', 'tsa.pem', '-noout', '-enddate'], dir).toString().trim().split('=')[1]);
  const yymmdd = end.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
  writeFileSync(join(dir, 'index.txt'), `V\t${yymmdd}\t\t${serial}\tunknown\t/CN=Test TSA (NOT FOR PRODUCTION)\n`);
  writeFileSync(join(dir, 'crlnumber'), '01\n');
  writeFileSync(join(dir, 'ca.cnf'), `[ ca ]\ndefault_ca = CA_default\n[ CA_default ]\ndatabase = ${dir}/index.txt\ncrlnumber = ${dir}/crlnumber\ndefault_md = sha256\ndefault_crl_days = 7\n`);
  let n = 0;
  const pem = (p: string) => readFileSync(join(dir, p), 'latin1');
  const der = (p: string) => Buffer.from(pem(p).replace(/-----[^-]+-----|\s/g, ''), 'base64');
  return {
    dir,
    rootPem: join(dir, 'root.pem'),
    tsaPem: join(dir, 'tsa.pem'),
    async stamp(digest) {
      const q = `q${++n}.tsq`;
      const t = `t${n}.der`;
      run(['ts', '-query', '-digest', digest.toString('hex'), '-sha256', '-cert', '-no_nonce', '-out', q], dir);
      run(['ts', '-reply', '-config', 'tsa.cnf', '-queryfile', q, '-token_out', '-out', t], dir);
      return readFileSync(join(dir, t));
    },
    verify(token, data) {
      const k = ++n;
      writeFileSync(join(dir, `v${k}.der`), token);
      writeFileSync(join(dir, `v${k}.bin`), data);
      try {
        return run(['ts', '-verify', '-data', `v${k}.bin`, '-in', `v${k}.der`, '-token_in', '-CAfile', 'root.pem', '-untrusted', 'tsa.pem'], dir).toString();
      } catch (e) {
        const x = e as { stdout?: Buffer; stderr?: Buffer };
        return `${x.stdout?.toString() ?? ''}${x.stderr?.toString() ?? ''}`;
      }
    },
    certsDer: () => [der('root.pem'), der('tsa.pem')],
    crlDer() {
      run(['ca', '-gencrl', '-config', 'ca.cnf', '-keyfile', 'root.key', '-cert', 'root.pem', '-out', 'crl.pem'], dir);
      run(['crl', '-in', 'crl.pem', '-outform', 'DER', '-out', 'crl.der'], dir);
      return readFileSync(join(dir, 'crl.der'));
    },
    ocspDer() {
      run(['ocsp', '-issuer', 'root.pem', '-cert', 'tsa.pem', '-no_nonce', '-reqout', 'req.der'], dir);
      run(['ocsp', '-index', 'index.txt', '-rsigner', 'root.pem', '-rkey', 'root.key', '-CA', 'root.pem', '-reqin', 'req.der', '-respout', 'resp.der', '-ndays', '1'], dir);
      return readFileSync(join(dir, 'resp.der'));
    },
  };
}
