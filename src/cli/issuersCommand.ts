import type { Command } from 'commander';
import { loadConfig } from '../config';
import { createServices } from '../services';
import { createIssuerCredential } from '../issue/issuerCredentials';

export function issuersCommand(program: Command, setCode: (c: number) => void): void {
  const issuers = program.command('issuers').description('issuer credentials');
  issuers
    .command('add <bodyCode>')
    .description('create an API key for an issuing body (all its qualifications unless narrowed); the key is shown once')
    .option('--qualification <code...>', 'narrow to these qualification codes')
    .option('--name <name>', 'a name for the credential')
    .option('--json', 'print {"issuer":…, "apiKey":…}')
    .action(async (bodyCode: string, opts: { qualification?: string[]; name?: string; json?: boolean }) => {
      const s = await createServices(loadConfig());
      try {
        const { issuer, apiKey } = await createIssuerCredential(
          { bodyCode, qualifications: opts.qualification, name: opts.name, actor: `cli:${process.env.USER ?? 'operator'}`, now: s.clock() },
          s,
        );
        if (opts.json) process.stdout.write(JSON.stringify({ issuer, apiKey }) + '\n');
        else {
          process.stdout.write(
            `issuer ${issuer.id} (${issuer.bodyCode}, ${issuer.qualifications.length} qualifications)\n` +
              `API key (shown once, store it now): ${apiKey}\n`,
          );
        }
        setCode(0);
      } finally {
        await s.registry.close();
      }
    });
  issuers
    .command('disable <issuerId>')
    .description('disable a credential at once: its key gets 401, its queued batch rows fail with ERR_ISSUER_DISABLED; issued certificates stay valid')
    .option('--json', 'print {"issuerId":…, "disabled":true}')
    .action(async (issuerId: string, opts: { json?: boolean }) => {
      const s = await createServices(loadConfig(), { ensureKeys: false });
      try {
        await s.registry.disableIssuer(issuerId, `cli:${process.env.USER ?? 'operator'}`, s.clock());
        if (opts.json) process.stdout.write(JSON.stringify({ issuerId, disabled: true }) + '\n');
        else process.stdout.write(`issuer ${issuerId} disabled\n`);
        setCode(0);
      } finally {
        await s.registry.close();
      }
    });
  issuers
    .command('list')
    .description('list issuer credentials (never their keys)')
    .option('--json', 'print a JSON array')
    .action(async (opts: { json?: boolean }) => {
      const s = await createServices(loadConfig());
      try {
        if (opts.json) process.stdout.write(JSON.stringify(await s.registry.listIssuers()) + '\n');
        else for (const i of await s.registry.listIssuers()) {
          process.stdout.write(`${i.id}\t${i.bodyCode}\t${i.disabled ? 'disabled' : 'active'}\t${i.qualifications.join(',')}\n`);
        }
      } finally {
        await s.registry.close();
      }
    });
}
