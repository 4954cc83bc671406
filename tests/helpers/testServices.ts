import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { loadConfig, type Config } from '../../src/config';
import { createServices, type Services } from '../../src/services';
import { startServer, type RunningServer } from '../../src/http/app';
import { createIssuerCredential } from '../../src/issue/issuerCredentials';
import { makeTestKeys } from './testPki';
import { startBatchWorkers } from '../../src/issue/batch/BatchWorker';
import type { Clock } from '../../src/core/clock';

export interface TestEnv {
  s: Services;
  dir: string;
  close(): Promise<void>;
}

/**
 * A real service stack for tests: test keys (generated, cached per process), a registry in
 * a temp dir (SQLite) or a fresh PostgreSQL schema, the real catalog and fonts.
 */
export async function makeTestServices(opts: { alg?: 'rsa' | 'ecdsa'; databaseUrl?: string; clock?: Clock; config?: Partial<Config>; logger?: Logger } = {}): Promise<TestEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'ecert-test-'));
  const keys = await makeTestKeys({ alg: opts.alg ?? 'ecdsa' });
  const config = loadConfig({}, { dataDir: join(dir, 'data'), keysDir: keys.dir, databaseUrl: opts.databaseUrl, publicUrl: 'http://localhost:3000', port: 0, ...opts.config });
  const s = await createServices(config, { clock: opts.clock, logger: opts.logger ?? pino({ level: 'silent' }), ensureKeys: false });
  return {
    s,
    dir,
    close: async () => {
      await s.registry.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The test stack behind a real HTTP server on port 0, with an issuer key per body. */
export async function makeTestServer(opts: Parameters<typeof makeTestServices>[0] & { requestTimeoutMs?: number } = {}): Promise<TestEnv & { http: RunningServer; url: string; keyFor(bodyCode: string, qualifications?: string[]): Promise<string> }> {
  const env = await makeTestServices(opts);
  const http = await startServer(env.s, 0, '127.0.0.1', { requestTimeoutMs: opts.requestTimeoutMs ?? 60_000, headersTimeoutMs: 15_000 });
  env.s.publicUrl = http.url;
  const workers = startBatchWorkers(env.s, 1);
  return {
    ...env,
    http,
    url: http.url,
    keyFor: async (bodyCode, qualifications) => (await createIssuerCredential({ bodyCode, qualifications, actor: 'test', now: env.s.clock() }, env.s)).apiKey,
    close: async () => {
      await workers.stop();
      await http.close();
      await env.close();
    },
  };
}
