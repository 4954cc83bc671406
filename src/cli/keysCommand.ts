import type { Command } from 'commander';
import { loadConfig } from '../config';
import { loadCatalog } from '../catalog/loadCatalog';
import { initKeys } from '../services';
import { keyMaterialExists } from '../keys';

export function keysCommand(program: Command): void {
  const keys = program.command('keys').description('key material: root CA, seal certificates, QR token key');
  keys
    .command('init')
    .description('create a root CA, one seal certificate per catalog seal and a QR token key (development material unless you bring your own)')
    .option('--alg <alg>', 'rsa or ecdsa', 'ecdsa')
    .option('--force', 'create new current keys even if keys exist (older public material is kept so old certificates still verify)')
    .option('--pkcs11', 'generate the seal keys inside the PKCS#11 token of ECERT_PKCS11_MODULE / _TOKEN_LABEL / _PIN (no seal key file is written)')
    .action(async (opts: { alg: string; force?: boolean; pkcs11?: boolean }) => {
      if (opts.alg !== 'rsa' && opts.alg !== 'ecdsa') throw new Error('--alg must be rsa or ecdsa');
      const config = loadConfig();
      if (keyMaterialExists(config.keysDir) && !opts.force) {
        process.stdout.write(`keys already exist in ${config.keysDir} (use --force to rotate)\n`);
        return;
      }
      await initKeys(config, loadCatalog(), { alg: opts.alg, now: new Date(), force: opts.force, pkcs11: opts.pkcs11 });
      process.stdout.write(
        `keys written to ${config.keysDir} (${opts.alg})${opts.pkcs11 ? `, seal keys in token "${config.pkcs11!.tokenLabel}"` : ''}${config.keyPassphrase ? ', private keys encrypted' : ''}\n`,
      );
    });
}
