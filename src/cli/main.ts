import { Command, CommanderError } from 'commander';
import { isEcertError } from '../core/errors';
import { serveCommand } from './serveCommand';
import { keysCommand } from './keysCommand';
import { issuersCommand } from './issuersCommand';
import { verifyCommand } from './verifyCommand';
import { samplesCommand } from './samplesCommand';
import { issueCommand } from './issueCommand';
import { auditCommand } from './auditCommand';
import { certificatesCommand } from './certificatesCommand';
import { batchesCommand } from './batchesCommand';
import { sealsCommand } from './sealsCommand';
import { ltvCommand } from './ltvCommand';

/**
 * `ecert <command>` (contract.md "Command line"). Each command lives in its own module and
 * returns its exit code; the configuration comes from the same environment variables as
 * the service.
 */
export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const setCode = (c: number) => {
    code = c;
  };
  const program = new Command()
    .name('ecert')
    .description('专业技术人员职业资格电子证书 · issue and verify professional-qualification e-certificates')
    .exitOverride()
    .showHelpAfterError();
  serveCommand(program);
  keysCommand(program);
  issuersCommand(program, setCode);
  issueCommand(program, setCode);
  verifyCommand(program, setCode);
  samplesCommand(program, setCode);
  auditCommand(program, setCode);
  certificatesCommand(program, setCode);
  batchesCommand(program, setCode);
  sealsCommand(program);
  ltvCommand(program, setCode);
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 64;
    if (isEcertError(e)) {
      process.stderr.write(`${e.code}: ${e.bilingual.zh}\n${e.bilingual.en}\n`);
      return 3;
    }
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    return 3;
  }
}
