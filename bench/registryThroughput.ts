/**
 * Issuance through the registry (issue 12), also run alone: `npx tsx bench/registryThroughput.ts`.
 *
 * - SQLite, all cores: a batch issued by BatchWorker (what `ecert issue --file` runs) with a
 *   render pool of one thread per core, against raw render + sign throughput of the same pool,
 *   the two alternated in rounds (target ≥ 90 %; the median round's ratio).
 * - PostgreSQL, one qualification: two instances, each a process of its own
 *   (bench/registryInstance.ts: registry pool, render pool of one thread, batch worker),
 *   issuing one batch together, against one of them alone (target ≥ 1.8×; the median of
 *   alternated rounds), with the CPU one instance spends per certificate (its process, render
 *   thread included, and the local PostgreSQL server) and the ratio every core of this machine
 *   could give at that cost. Skipped when PostgreSQL is unreachable.
 *
 *   BENCH_REGISTRY_ROWS   rows per run (default 2000)
 *   BENCH_REGISTRY_ROUNDS rounds of each part (default 5)
 *   BENCH_DATABASE_URL    PostgreSQL (default postgres://postgres@127.0.0.1:5432/test)
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import pino from 'pino';
import { loadCatalog } from '../src/catalog/loadCatalog';
import { loadConfig } from '../src/config';
import { generateKeyMaterial } from '../src/keys';
import { makeResidentId } from '../src/issue/residentId';
import { validateIssueRequest } from '../src/issue/validateIssueRequest';
import { BatchWorker } from '../src/issue/batch/BatchWorker';
import { createServices, type Services } from '../src/services';
import { openRegistry } from '../src/registry/openRegistry';
import type { RegistryStore } from '../src/registry/RegistryStore';

const ROWS = Number(process.env.BENCH_REGISTRY_ROWS ?? 2000);
const ROUNDS = Number(process.env.BENCH_REGISTRY_ROUNDS ?? 5);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const QUALIFICATION = 'registered-architect-1';

/** Row i of a bench batch; its ID number repeats every 139,860 rows (birth dates 420 × sequence 999, sexes 2). */
function row(i: number) {
  const sex = i % 2 ? '女' : '男';
  const birth = `${1970 + (i % 30)}-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`;
  return { qualification: QUALIFICATION, holder: { name: ['张伟', '王芳', '欧阳明月', '李娜'][i % 4], idType: 'resident-id', idNumber: makeResidentId({ birth, sex, seq: i % 999 }), sex, birth: birth.slice(0, 7) }, approvalDate: '2025-06-30', issueDate: '2025-08-15' };
}

async function services(work: string, keysDir: string, name: string, threads: number): Promise<Services> {
  const config = loadConfig({}, { dataDir: join(work, name), keysDir, publicUrl: 'http://localhost:3000', port: 0 });
  return createServices(config, { renderThreads: threads, ensureKeys: false, logger: pino({ level: 'silent' }) });
}

/**
 * CPU time (ms) used so far by the local PostgreSQL server's processes (proc(5): utime + stime
 * of every `postgres` process, in clock ticks of 10 ms); 0 when the server is not on this machine.
 */
function postgresCpuMs(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks * 10;
}

/** Issues a batch to its end; answers the CPU time (ms) the process that issued it spent meanwhile. */
type Runner = (batchId: string) => Promise<number>;

/** A batch worker of these services, in this process (what `ecert issue --file` runs). */
const inProcess = (s: Services): Runner => async (batchId) => {
  const cpu0 = process.cpuUsage();
  await new BatchWorker(s, { batchId, untilEmpty: true, leaseMs: 60_000 }).start().done();
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / 1000;
};

type Rate = { perSecond: number; nodeCpuMs: number; postgresCpuMs: number };

/** Rows per second of one batch of `rows` issued by the runners together, and the CPU it took per row. */
async function batchRate(registry: RegistryStore, runners: Runner[], offset: number, tag: string, rows = ROWS): Promise<Rate> {
  const issuer = { id: `iss_bench_${tag}`, bodyCode: '*', name: 'bench', qualifications: [QUALIFICATION] };
  await registry.createIssuer({ ...issuer, keyHash: `bench-${tag}-${Date.now()}`, actor: 'bench', now: new Date() });
  const batchId = `b_bench_${tag}_${Date.now()}`;
  await registry.createBatch({ id: batchId, issuerId: issuer.id, rows: Array.from({ length: rows }, (_, i) => ({ rowNo: i + 1, payload: row(offset + i) })), now: new Date() });
  const pg0 = postgresCpuMs();
  const t0 = performance.now();
  const cpuMs = await Promise.all(runners.map((run) => run(batchId)));
  const seconds = (performance.now() - t0) / 1000;
  const pgMs = postgresCpuMs() - pg0;
  const b = (await registry.getBatch(batchId))!;
  if (b.done !== rows) throw new Error(`batch ${tag}: ${b.done}/${rows} issued, ${b.failed} failed: ${JSON.stringify(b.errors.slice(0, 3))}`);
  return { perSecond: rows / seconds, nodeCpuMs: cpuMs.reduce((x, y) => x + y, 0) / rows, postgresCpuMs: pgMs / rows };
}

export async function registryThroughput(log: (s: string) => void = (s) => process.stdout.write(s + '\n')): Promise<Record<string, unknown>> {
  const work = mkdtempSync(join(tmpdir(), 'ecert-bench-registry-'));
  const catalog = loadCatalog();
  const keysDir = join(work, 'keys');
  await generateKeyMaterial({ dir: keysDir, alg: 'ecdsa', seals: catalog.seals.map((s) => ({ id: s.id, name: s.fullName, bodyName: catalog.body(s.bodyCode).name })), now: new Date() });
  const cores = availableParallelism();
  const out: Record<string, unknown> = { rows: ROWS, threads: cores };
  try {
    // raw and through the registry alternate, ROUNDS times, and the median of the rounds' ratios
    // is the figure: on this VM a rate drifts by 10–30 % within a minute, which a single pair of
    // runs took for a difference between them (0.86–1.00 in four runs of one pair each)
    log(`registry throughput: raw render + sign vs SQLite batch, ${cores} threads, ${ROUNDS} rounds of ${ROWS} rows …`);
    // one render pool for both (the services' own, with the signature timestamp of the development
    // TSA): both then run on the same threads, equally warm
    const sqlite = await services(work, keysDir, 'sqlite', cores);
    const pool = sqlite.documents;
    const rounds: Array<{ raw: Rate; viaRegistry: Rate }> = [];
    try {
      const reqs = Array.from({ length: ROWS }, (_, i) => validateIssueRequest(row(i), { catalog, now: new Date() }));
      const rawRate = async (n: number): Promise<Rate> => {
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        await Promise.all(reqs.slice(0, n).map((r, i) => pool.build(r, { managementNo: `2025004${String(i + 1).padStart(7, '0')}0`, version: 1, signingTime: new Date() }, 'http://localhost:3000')));
        const cpu = process.cpuUsage(cpu0);
        return { perSecond: n / ((performance.now() - t0) / 1000), nodeCpuMs: (cpu.user + cpu.system) / 1000 / n, postgresCpuMs: 0 };
      };
      // warm-up: the render threads' JIT takes some 6,000 documents to settle here (raw rounds
      // of 2,000 rose 480 → 600 → 720/s, then stayed), the batch path's main thread two batches
      // (with one, the rounds' ratios rose 82 → 87 → 93 %, the batch rate 536 → 631 → 666/s)
      await rawRate(ROWS);
      await rawRate(ROWS);
      await batchRate(sqlite.registry, [inProcess(sqlite)], 0, 'warm');
      await batchRate(sqlite.registry, [inProcess(sqlite)], 50_000, 'warm2');
      for (let k = 0; k < ROUNDS; k++) {
        const raw = await rawRate(ROWS);
        rounds.push({ raw, viaRegistry: await batchRate(sqlite.registry, [inProcess(sqlite)], 100_000 * (k + 1), `sqlite${k}`) });
      }
    } finally {
      await sqlite.registry.close();
      await sqlite.documents.close();
    }
    const ratios = rounds.map((r) => r.viaRegistry.perSecond / r.raw.perSecond);
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    out.sqlite = {
      rawRenderSignPerSecond: Math.round(median(rounds.map((r) => r.raw.perSecond))),
      batchViaRegistryPerSecond: Math.round(median(rounds.map((r) => r.viaRegistry.perSecond))),
      ratio: Math.round(median(ratios) * 1000) / 1000,
      roundRatios: ratios.map((x) => Math.round(x * 1000) / 1000),
      rounds: rounds.map((r) => [Math.round(r.raw.perSecond), Math.round(r.viaRegistry.perSecond)]),
      // CPU of the whole process (every thread) per certificate, medians of the rounds: with
      // every core busy in both, the ratio above is about raw / batch (cpuRatio), i.e. what
      // the registry's work per certificate costs, which a faster or slower phase of this VM
      // moves far less than it moves the rates
      cpuMsPerCertificate: { raw: round3(median(rounds.map((r) => r.raw.nodeCpuMs))), batch: round3(median(rounds.map((r) => r.viaRegistry.nodeCpuMs))) },
      cpuRatio: round3(median(rounds.map((r) => r.raw.nodeCpuMs / r.viaRegistry.nodeCpuMs))),
    };

    const pgUp = !process.env.BENCH_SKIP_POSTGRES && await new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 }).connect().then(
      () => true,
      () => false,
    );
    if (!pgUp) {
      log(`registry throughput: PostgreSQL at ${DATABASE_URL} unreachable, skipped`);
      return out;
    }
    const schema = `ecert_bench_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    const url = `${DATABASE_URL}${DATABASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const registry = await openRegistry({ dataDir: join(work, 'pg-admin'), databaseUrl: url });
    const instances: Instance[] = [];
    try {
      await registry.migrate();
      log(`registry throughput: PostgreSQL, one qualification, 1 instance × 1 render thread vs 2 instances × 1, each instance a process, ${ROUNDS} rounds …`);
      for (const name of ['pg-a', 'pg-b']) instances.push(await startInstance(url, keysDir, join(work, name)));
      const [a] = instances;
      // warm-up: both render threads' JIT (~6,000 documents to settle, see above), 3,000 each
      await batchRate(registry, instances.map((i) => i.run), 200_000, 'pgwarm', 3 * ROWS);
      const pgRounds: Array<{ one: Rate; two: Rate }> = [];
      // rows of one database stay within one period of row()'s ID numbers (see row)
      const first = 200_000 + 3 * ROWS;
      for (let k = 0; k < ROUNDS; k++) {
        const one = await batchRate(registry, [a.run], first + ROWS * k, `pg1_${k}`);
        pgRounds.push({ one, two: await batchRate(registry, instances.map((i) => i.run), first + ROWS * (ROUNDS + k), `pg2_${k}`) });
      }
      const mid = [...pgRounds].sort((x, y) => x.two.perSecond / x.one.perSecond - y.two.perSecond / y.one.perSecond)[Math.floor(pgRounds.length / 2)];
      // What this machine allows: every core busy at one instance's CPU cost per certificate
      // (its process, render thread included, and the PostgreSQL server, all on the same cores here).
      const cpuMsPerCertificate = mid.one.nodeCpuMs + mid.one.postgresCpuMs;
      out.postgres = {
        oneInstancePerSecond: Math.round(mid.one.perSecond),
        twoInstancesPerSecond: Math.round(mid.two.perSecond),
        ratio: round2(mid.two.perSecond / mid.one.perSecond),
        roundRatios: pgRounds.map((r) => round2(r.two.perSecond / r.one.perSecond)),
        cpuMsPerCertificate: { node: round2(mid.one.nodeCpuMs), postgres: round2(mid.one.postgresCpuMs) },
        cpuCeilingRatio: round2((cores * 1000) / cpuMsPerCertificate / mid.one.perSecond),
      };
    } finally {
      for (const i of instances) await i.stop();
      await registry.close();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    }
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

interface Instance {
  /** Issue what is left of the batch; the CPU time (ms) the instance's process spent on it. */
  run: Runner;
  stop(): Promise<void>;
}

/** An ecert instance in a process of its own (bench/registryInstance.ts), as instances run in production. */
async function startInstance(databaseUrl: string, keysDir: string, dataDir: string): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'registryInstance.ts'), databaseUrl, keysDir, dataDir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines.next();
    if (r.done) throw new Error('bench instance ended');
    return String(r.value);
  };
  if ((await next()) !== 'ready') throw new Error('bench instance did not start');
  return {
    run: async (batchId) => {
      child.stdin!.write(`run ${batchId}\n`);
      return Number(/^done ([\d.]+)$/.exec(await next())![1]);
    },
    stop: async () => {
      child.stdin!.end();
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await registryThroughput();
  process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  process.exit(0);
}
