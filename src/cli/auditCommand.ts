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
        // every 管理号 drawn is issued, void (with its reason) or reserved right now (issue 12)
        const n = await s.registry.accountNumbers(s.clock());
        process.stdout.write(
          `management numbers: ${n.drawn} drawn = ${n.issued} issued + ${n.void} void + ${n.reserved} reserved` +
            (n.expired ? ` + ${n.expired} reserved past their lease (voided by the next reserve or claim)` : '') +
            '\n',
        );
        for (const p of n.problems) process.stdout.write(`NUMBER PROBLEM: ${p}\n`);
        setCode(r.ok && n.ok ? 0 : 1);
      } finally {
        await s.registry.close();
      }
    });
}
