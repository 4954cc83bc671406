import type { Command } from 'commander';
import { loadConfig } from '../config';
import { createServices } from '../services';

export function auditCommand(program: Command, setCode: (c: number) => void): void {
  const audit = program.command('audit').description('the hash-chained audit log');
  audit
    .command('verify')
    .description('check the audit chain: exit 0 when intact, 1 when a row was changed or deleted')
    .action(async () => {
      const s = await createServices(loadConfig(), { ensureKeys: false });
      try {
        const r = await s.registry.verifyAudit();
        if (r.ok) process.stdout.write(`audit log intact: ${r.entries} entries\n`);
        else process.stdout.write(`AUDIT LOG TAMPERED at entry ${r.firstBadSeq}: ${r.problem}\n`);
        setCode(r.ok ? 0 : 1);
      } finally {
        await s.registry.close();
      }
    });
}
