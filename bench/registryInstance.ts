/**
 * One ecert instance of the PostgreSQL part of bench/registryThroughput.ts, in a process of its
 * own as instances run in production: its services (registry pool, render pool of one thread),
 * and a batch worker per command. Reads commands on stdin, one a line:
 *   run <batchId>   issue what is left of the batch, then answer `done <cpu ms>` (this process,
 *                   render thread included, during the run)
 * and prints `ready` once its services are up. Ends with stdin.
 *
 *   argv: databaseUrl keysDir dataDir
 */
import { createInterface } from 'node:readline';
import pino from 'pino';
import { loadConfig } from '../src/config';
import { BatchWorker } from '../src/issue/batch/BatchWorker';
import { createServices } from '../src/services';

const [databaseUrl, keysDir, dataDir] = process.argv.slice(2);
const config = loadConfig({}, { dataDir, keysDir, databaseUrl, publicUrl: 'http://localhost:3000', port: 0 });
const s = await createServices(config, { renderThreads: 1, ensureKeys: false, logger: pino({ level: 'silent' }) });
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  const [command, batchId] = line.trim().split(/\s+/);
  if (command !== 'run' || !batchId) continue;
  const cpu0 = process.cpuUsage();
  await new BatchWorker(s, { batchId, untilEmpty: true, leaseMs: 60_000 }).start().done();
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`done ${(cpu.user + cpu.system) / 1000}\n`);
}
await s.registry.close();
await s.documents.close();
process.exit(0);
