import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../config';
import { createServices } from '../services';
import { startServer } from '../http/app';
import { ensureDevIssuers } from './devIssuers';
import { rowsInFlight, startBatchWorkers } from '../issue/batch/BatchWorker';

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('start the service (what npm start runs)')
    .option('--port <n>', 'HTTP port (0 = any free port)')
    .action(async (opts: { port?: string }) => {
      const config = loadConfig(process.env, opts.port !== undefined ? { port: Number(opts.port) } : {});
      const s = await createServices(config, { renderThreads: config.renderThreads ?? availableParallelism() });
      const running = await startServer(s, config.port);
      if (!config.publicUrl) s.publicUrl = running.url;
      const dev = await ensureDevIssuers(s);
      // rows in flight per worker: enough to keep every render thread busy between claims
      const workers = startBatchWorkers(s, config.batchWorkers, { claim: rowsInFlight(s.documents), onRow: (outcome) => running.metrics.batchRows.inc({ outcome }) });
      process.stdout.write(
        `ecert listening on ${running.url}  (registry: ${s.registry.engine}, keys: ${config.keysDir})\n` +
          (dev ? `development issuer API keys: ${dev}\n` : ''),
      );
      const stop = async () => {
        await workers.stop();
        await running.close();
        await s.registry.close();
        await s.documents.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await new Promise(() => {}); // run until a signal
    });
}
