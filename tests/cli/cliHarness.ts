import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestKeys } from '../helpers/testPki';

export const BIN = join(process.cwd(), 'bin/ecert.mjs');

/** A data dir of its own and the cached test keys, as environment for `ecert` child processes. */
export async function cliEnv(extra: Record<string, string> = {}) {
  const keys = await makeTestKeys();
  const dataDir = mkdtempSync(join(tmpdir(), 'ecert-cli-'));
  return { ...process.env, ECERT_DATA_DIR: dataDir, ECERT_KEYS_DIR: keys.dir, ECERT_PUBLIC_URL: 'http://localhost:3000', ECERT_LOG_LEVEL: 'silent', ...extra } as NodeJS.ProcessEnv & { ECERT_DATA_DIR: string };
}

export function ecert(args: string[], env: NodeJS.ProcessEnv, input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', input, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function ecertAsync(args: string[], env: NodeJS.ProcessEnv) {
  return spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}
