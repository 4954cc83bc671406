import type { Command } from 'commander';
import { loadConfig } from '../config';
import { loadCatalog } from '../catalog/loadCatalog';
import { initKeys } from '../services';
import { keyMaterialExists, loadKeyStore } from '../keys';
import { readFileSync, writeFileSync } from 'node:fs';
import { EcertError } from '../core/errors';
import { importSealCertificate, sealCsr, trustRoot } from '../keys/sealCertificates';
import { EXPIRY_WARNING_DAYS, keyStatus, markCompromised } from '../keys/keyLifecycle';

export function keysCommand(program: Command): void {
  const keys = program.command('keys').description('key material: root CA, seal certificates, QR token key');
  keys
    .command('init')
    .description('create a root CA, one seal certificate per catalog seal and a QR token key (development material unless you bring your own)')
    .option('--alg <alg>', 'rsa or ecdsa', 'ecdsa')
    .option('--force', 'create new current keys even if keys exist (older public material is kept so old certificates still verify)')
    .option('--pkcs11', 'generate the seal keys inside the PKCS#11 token of ECERT_PKCS11_MODULE / _TOKEN_LABEL / _PIN (no seal key file is written)')
    .option('--retire <how>', 'on rotation, what to do with the replaced private key files: archive (encrypted under keys/retired/, needs ECERT_KEY_PASSPHRASE) or delete; default archive with a passphrase, delete without')
    .action(async (opts: { alg: string; force?: boolean; pkcs11?: boolean; retire?: string }) => {
      if (opts.retire !== undefined && opts.retire !== 'archive' && opts.retire !== 'delete') throw new Error('--retire must be archive or delete');
      if (opts.alg !== 'rsa' && opts.alg !== 'ecdsa') throw new Error('--alg must be rsa or ecdsa');
      const config = loadConfig();
      if (keyMaterialExists(config.keysDir) && !opts.force) {
        process.stdout.write(`keys already exist in ${config.keysDir} (use --force to rotate)\n`);
        return;
      }
      const { retired } = await initKeys(config, loadCatalog(), { alg: opts.alg, now: new Date(), force: opts.force, pkcs11: opts.pkcs11, retire: opts.retire as 'archive' | 'delete' | undefined });
      for (const line of retired) process.stdout.write(`retired key: ${line}\n`);
      process.stdout.write(
        `keys written to ${config.keysDir} (${opts.alg})${opts.pkcs11 ? `, seal keys in token "${config.pkcs11!.tokenLabel}"` : ''}${config.keyPassphrase ? ', private keys encrypted' : ''}\n`,
      );
    });

  // issue 13: certificates from an outside CA
  keys
    .command('csr')
    .description("write a PKCS#10 certificate request for a seal's key (in the token or its file), to send to a CA")
    .requiredOption('--seal <sealId>', 'seal id (see the catalog)')
    .requiredOption('--out <file>', 'where to write the request (PEM)')
    .action(async (opts: { seal: string; out: string }) => {
      const config = loadConfig();
      const catalog = loadCatalog();
      const seal = catalog.seals.find((x) => x.id === opts.seal);
      if (!seal) throw new EcertError('ERR_SEAL_UNKNOWN', { zh: opts.seal, en: opts.seal });
      const store = loadKeyStore(config.keysDir, { passphrase: config.keyPassphrase, pkcs11: config.pkcs11 });
      const pem = await sealCsr(store, config.keysDir, seal.id, { cn: seal.fullName, o: catalog.body(seal.bodyCode).name, c: 'CN' }, config.keyPassphrase);
      writeFileSync(opts.out, pem);
      process.stdout.write(`certificate request for seal ${seal.id} written to ${opts.out}\n`);
    });
  keys
    .command('trust <rootPem>')
    .description('add a trust anchor (a self-signed CA root certificate, PEM or DER)')
    .action((rootPem: string) => {
      const config = loadConfig();
      const ids = trustRoot(config.keysDir, readFileSync(rootPem, 'latin1'), new Date());
      process.stdout.write(`trusted ${ids.length} root(s): ${ids.join(', ')}\n`);
    });
  keys
    .command('import')
    .description('install the CA-issued certificate of a seal (checked: same key, signing usage, valid now, chains to a trusted root)')
    .requiredOption('--seal <sealId>', 'seal id')
    .requiredOption('--cert <file>', 'the issued certificate (PEM or DER)')
    .option('--chain <file>', 'intermediate CA certificates (PEM)')
    .action((opts: { seal: string; cert: string; chain?: string }) => {
      const config = loadConfig();
      const store = loadKeyStore(config.keysDir, { passphrase: config.keyPassphrase, pkcs11: config.pkcs11 });
      const r = importSealCertificate({
        store,
        dir: config.keysDir,
        sealId: opts.seal,
        certText: readFileSync(opts.cert, 'latin1'),
        chainText: opts.chain ? readFileSync(opts.chain, 'latin1') : undefined,
        now: new Date(),
        passphrase: config.keyPassphrase,
      });
      process.stdout.write(`seal ${opts.seal}: installed "${r.subject.replace(/\n/g, ', ')}" issued by "${r.issuer.replace(/\n/g, ', ')}", valid to ${r.validTo}, ${r.chain} intermediate(s)\n`);
    });

  // issue 13: key lifecycle
  keys
    .command('status')
    .description('each seal: where its key lives (file / pkcs11), certificate subject, issuer, validity, days left, warnings')
    .option('--json', 'JSON output')
    .action((opts: { json?: boolean }) => {
      const config = loadConfig();
      const rows = keyStatus(config.keysDir, new Date());
      if (opts.json) {
        process.stdout.write(JSON.stringify({ warningDays: EXPIRY_WARNING_DAYS, seals: rows }, null, 2) + '\n');
        return;
      }
      for (const r of rows)
        process.stdout.write(
          `${r.sealId.padEnd(10)} ${r.where.padEnd(6)} ${r.notBefore.slice(0, 10)} → ${r.notAfter.slice(0, 10)} (${r.daysLeft} days left)${r.intermediates ? ` +${r.intermediates} intermediate(s)` : ''}\n  subject: ${r.subject}\n  issuer:  ${r.issuer}\n${r.warning ? `  WARNING: ${r.warning}\n` : ''}`,
        );
    });
  keys
    .command('revoke')
    .description('mark a seal key compromised: documents the registry recorded from --since on fail verification, earlier ones stay valid; the key stops signing')
    .requiredOption('--seal <sealId>', 'seal id')
    .requiredOption('--since <date>', 'ISO 8601 date or date-time from which the key is considered compromised')
    .action((opts: { seal: string; since: string }) => {
      const config = loadConfig();
      const since = /^\d{4}-\d{2}-\d{2}$/.test(opts.since) ? new Date(`${opts.since}T00:00:00Z`) : new Date(opts.since);
      const e = markCompromised(config.keysDir, opts.seal, since, new Date());
      process.stdout.write(`seal ${e.sealId}: key ${e.keyId} marked compromised since ${e.since} (${e.certificateSha256.length} certificate(s))\n`);
    });
}
