import { execFile, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { opensslTsaFiles } from './opensslTimestamp';

const run = promisify(execFile);

/**
 * An independent TSA for tests: a loopback HTTP server (node:http, 127.0.0.1, port 0) that
 * answers each RFC 3161 §3.4 query with `openssl ts -reply -config <tsa.cnf>`, its root and
 * TSA certificate (critical extendedKeyUsage=timeStamping) made by `openssl` in a temp dir.
 *
 * Misbehaving variants:
 * - `essCertIdAlg: 'sha1'`: SigningCertificate v1 (RFC 2634) instead of v2 (RFC 5816);
 * - `faketime: '-10m'`: openssl runs under faketime (libfaketime FAKETIME syntax) — a TSA clock off;
 * - `behave(fn)`: replace the answer: `fn(query, openssl)` returns the HTTP answer (or 'hang'),
 *   `openssl(query)` still gets a genuine response (to replay it, garble it, …).
 */
export interface OpensslTsa {
  url: string;
  rootPem: string;
  root: Buffer;
  tsaCertPem: string;
  dir: string;
  /** Responses served so far, newest last. */
  responses: Buffer[];
  behave(fn?: Behaviour): void;
  /** Run `openssl ts -reply` on a query (DER) directly. */
  reply(query: Buffer): Promise<Buffer>;
  close(): Promise<void>;
}

export type Answer = { body: Buffer; status?: number; type?: string } | 'hang';
export type Behaviour = (query: Buffer, openssl: (q: Buffer) => Promise<Buffer>) => Promise<Answer> | Answer;

export const TSA_REPLY = 'application/timestamp-reply';

export async function startOpensslTsa(opts: { essCertIdAlg?: 'sha1' | 'sha256'; faketime?: string; includeRootInToken?: boolean } = {}): Promise<OpensslTsa> {
  const dir = opensslTsaFiles({ prefix: 'ecert-openssl-tsa-', rootSubject: '/C=CN/O=openssl test/CN=openssl Test TSA Root', tsaSubject: '/C=CN/O=openssl test/CN=openssl Test TSA', essCertIdAlg: opts.essCertIdAlg, includeRootInToken: opts.includeRootInToken });
  const rootPem = readFileSync(join(dir, 'root.pem'), 'utf8');
  const tsaCertPem = readFileSync(join(dir, 'tsa.pem'), 'utf8');

  let n = 0;
  const reply = async (query: Buffer): Promise<Buffer> => {
    const id = `${process.pid}-${n++}`;
    const q = join(dir, `q${id}.tsq`);
    const r = join(dir, `r${id}.tsr`);
    writeFileSync(q, query);
    const args = ['ts', '-reply', '-config', join(dir, 'tsa.cnf'), '-queryfile', q, '-out', r];
    if (opts.faketime) await run('faketime', ['-f', opts.faketime, 'openssl', ...args], { cwd: dir });
    else await run('openssl', args, { cwd: dir });
    return readFileSync(r);
  };

  let behaviour: Behaviour | undefined;
  const responses: Buffer[] = [];
  const hanging = new Set<import('node:http').ServerResponse>();
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      void (async () => {
        try {
          const query = Buffer.concat(parts);
          const answer: Answer = behaviour ? await behaviour(query, reply) : { body: await reply(query) };
          if (answer === 'hang') {
            hanging.add(res);
            return;
          }
          responses.push(answer.body);
          res.writeHead(answer.status ?? 200, { 'content-type': answer.type ?? TSA_REPLY, 'content-length': answer.body.length });
          res.end(answer.body);
        } catch (e) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(e));
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/tsa`,
    rootPem,
    root: new X509Certificate(rootPem).raw,
    tsaCertPem,
    dir,
    responses,
    behave: (fn) => {
      behaviour = fn;
    },
    reply,
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of hanging) r.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `openssl ts -verify -digest <hex> -in token.der -token_in -CAfile root.pem`: true when OpenSSL accepts the token. */
export function opensslVerifiesToken(token: Buffer, digest: Buffer, rootPem: string): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ecert-tsverify-'));
  writeFileSync(join(dir, 'token.der'), token);
  writeFileSync(join(dir, 'root.pem'), rootPem);
  const r = spawnSync('openssl', ['ts', '-verify', '-digest', digest.toString('hex'), '-in', join(dir, 'token.der'), '-token_in', '-CAfile', join(dir, 'root.pem')], { encoding: 'utf8' });
  const output = `${r.stdout}${r.stderr}`;
  return { ok: r.status === 0 && /Verification: OK/.test(output), output };
}
