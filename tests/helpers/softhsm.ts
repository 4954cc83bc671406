import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's SoftHSM2 PKCS #11 module (package softhsm2). */
export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

/**
 * A throw-away SoftHSM2 installation: its own softhsm2.conf and token directory in a temp
 * dir, SOFTHSM2_CONF pointing at it for this process (and the child processes it starts),
 * one initialised token per label. SoftHSM reads the configuration at C_Initialize, so call
 * this before the first token is opened in the process.
 */
export function makeSoftHsm(tokens: Array<{ label: string; pin: string; soPin?: string }>): { conf: string; dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'ecert-softhsm-'));
  const tokenDir = join(dir, 'tokens');
  mkdirSync(tokenDir);
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  process.env.SOFTHSM2_CONF = conf;
  const env = { ...process.env, SOFTHSM2_CONF: conf };
  for (const t of tokens) execFileSync('softhsm2-util', ['--init-token', '--free', '--label', t.label, '--pin', t.pin, '--so-pin', t.soPin ?? '12345678'], { env, stdio: 'pipe' });
  return { conf, dir, env };
}
