/**
 * `npm run bench`: every figure next to its peer, measured in one run on this machine, then
 * bench/results.json and a table. Loopback only; every loop is bounded in count and time.
 *
 *   BENCH_BATCH_ROWS   rows of the batch run (default 100000; the README's figure)
 *   BENCH_SECONDS      duration of each HTTP load (default 10)
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { loadCatalog } from '../src/catalog/loadCatalog';
import { generateKeyMaterial, loadKeyStore } from '../src/keys';
import { buildCertificateDocument } from '../src/issue/buildCertificateDocument';
import { validateIssueRequest } from '../src/issue/validateIssueRequest';
import { makeResidentId } from '../src/issue/residentId';
import { RenderPool } from '../src/render/pool/RenderPool';
import { issueTwoPhase } from '../src/issue/issueTwoPhase';
import { FontSet } from '../src/render/fonts/FontSet';
import { openRegistry } from '../src/registry/openRegistry';
import { verifyPdf } from '../src/verify/verifyPdf';
import { systemClock } from '../src/core/clock';
import { formatChineseDate, formatChineseYearMonth } from '../src/render/formatFields';
import { PeerPipeline, makePeerP12 } from './peerPipeline';
import { healthUnderQrLoad } from './healthUnderQrLoad';
import { hostileUploads } from '../tests/verify/hostileUploads';
import { benchPkcs11 } from './pkcs11Bench';
import { registryThroughput } from './registryThroughput';
import { createTimestamper } from '../src/ltv/tsp/createTimestamper';
import { tsaTrustAnchors } from '../src/ltv/tsp/tsaTrustAnchors';
import { createRevocationSource } from '../src/ltv/revocation';
import { renewArchives } from '../src/ltv/renewArchives';

const ROOT = join(import.meta.dirname, '..');
const BATCH_ROWS = Number(process.env.BENCH_BATCH_ROWS ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const results: Record<string, unknown> = { date: new Date().toISOString(), machine: `${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, ${Math.round(Number(execFileSync('awk', ['/MemTotal/ {print $2}', '/proc/meminfo'], { encoding: 'utf8' })) / 1024 / 1024)} GiB, Node ${process.version}` };
const log = (s: string) => process.stdout.write(s + '\n');

const work = mkdtempSync(join(tmpdir(), 'ecert-bench-'));
const catalog = loadCatalog();
const seals = catalog.seals.map((s) => ({ id: s.id, name: s.fullName, bodyName: catalog.body(s.bodyCode).name }));
const keysDir = join(work, 'keys');
await generateKeyMaterial({ dir: keysDir, alg: 'ecdsa', seals, now: new Date() });
const rsaKeysDir = join(work, 'keys-rsa');
await generateKeyMaterial({ dir: rsaKeysDir, alg: 'rsa', seals, now: new Date() });
const keys = loadKeyStore(keysDir);
const rsaKeys = loadKeyStore(rsaKeysDir);
const fonts = FontSet.load();
const q = catalog.get('registered-architect-1');

function request(i: number) {
  const sex = i % 2 ? '女' : '男';
  const birth = `${1970 + (i % 30)}-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`;
  return validateIssueRequest(
    { qualification: q.code, holder: { name: ['张伟', '王芳', '欧阳明月', '李娜'][i % 4], idType: 'resident-id', idNumber: makeResidentId({ birth, sex, seq: i }), sex, birth: birth.slice(0, 7) }, approvalDate: '2025-06-30', issueDate: '2025-08-15' },
    { catalog, now: new Date() },
  );
}
const no = (i: number) => `2025004${String(i + 1).padStart(7, '0')}`.padEnd(15, '0');

async function timed<T>(n: number, f: (i: number) => Promise<T>): Promise<{ msEach: number; last: T }> {
  let last!: T;
  const t = performance.now();
  for (let i = 0; i < n; i++) last = await f(i);
  return { msEach: (performance.now() - t) / n, last };
}

// ---------------------------------------------------------------- issuance, one thread
log('issuance …');
const peer = new PeerPipeline(readFileSync(join(ROOT, 'node_modules/@expo-google-fonts/noto-serif-sc/400Regular/NotoSerifSC_400Regular.ttf')), makePeerP12());
const peerCert = (i: number) => {
  const r = request(i);
  return {
    lines: ['中华人民共和国', '专业技术人员职业资格证书', '(电子证书)', q.title, q.titleEn],
    paragraph: `本证书由中华人民共和国${catalog.departmentsFor(q.code).join('、')}批准颁发，表明持证人通过国家统一组织的考试，取得${q.title}。`,
    fields: [['姓名：', r.holder.name], ['证件号码：', r.holder.idNumber], ['性别：', r.holder.sex], ['出生年月：', formatChineseYearMonth(r.holder.birth)], ['批准日期：', formatChineseDate(r.approvalDate)], ['管理号：', no(i)], ['制发日期：', formatChineseDate(r.issueDate)]] as Array<[string, string]>,
    qrText: `http://localhost:3000/v/${'x'.repeat(330)}`,
  };
};
await peer.issue(peerCert(0)); // warm-up
const peerRun = await timed(20, (i) => peer.issue(peerCert(i)));
const ours = (k: typeof keys) => (i: number) => buildCertificateDocument(request(i), { managementNo: no(i), version: 1, signingTime: new Date() }, { catalog, keys: k, fonts, publicUrl: 'http://localhost:3000' });
// issue 14: the same with the signature timestamp of PAdES B-T from the development TSA (in process)
const devTsa = createTimestamper({ keysDir, clock: systemClock });
const oursBt = (i: number) => buildCertificateDocument(request(i), { managementNo: no(i), version: 1, signingTime: new Date() }, { catalog, keys, fonts, publicUrl: 'http://localhost:3000', timestamper: devTsa });
// steady state, as a cohort sees it: every variant warmed up (JIT, font-subset cache) before any is timed
for (const f of [ours(keys), ours(rsaKeys), oursBt]) await timed(300, f);
const oursRun = await timed(1000, ours(keys));
const oursRsa = await timed(500, ours(rsaKeys));
const oursBtRun = await timed(1000, oursBt);
const pool = new RenderPool({ keysDir, threads: availableParallelism() });
await pool.ready;
await Promise.all(Array.from({ length: 100 }, (_, i) => pool.build(request(i), { managementNo: no(i), version: 1, signingTime: new Date() }, 'http://localhost:3000')));
const poolN = 3000;
let t0 = performance.now();
await Promise.all(Array.from({ length: poolN }, (_, i) => pool.build(request(i), { managementNo: no(i), version: 1, signingTime: new Date() }, 'http://localhost:3000')));
const perSecondAllCores = poolN / ((performance.now() - t0) / 1000);
await pool.close();
results.issuance = {
  peerMsPerCertificate: round(peerRun.msEach),
  ecertMsPerCertificateEcdsa: round(oursRun.msEach),
  ecertMsPerCertificateRsa2048: round(oursRsa.msEach),
  ratioVsPeer: round(peerRun.msEach / oursRun.msEach),
  ratioVsPeerSameAlgorithm: round(peerRun.msEach / oursRsa.msEach),
  ecertCertificatesPerSecondAllCores: Math.round(perSecondAllCores),
  threads: availableParallelism(),
};
log('issuance with a PKCS#11 token (SoftHSM2) …');
results.issuanceBT = { msWithoutTimestamp: round(oursRun.msEach), msWithSignatureTimestamp: round(oursBtRun.msEach), ratio: round(oursBtRun.msEach / oursRun.msEach), pdfBytes: oursBtRun.last.pdf.length };
results.issuancePkcs11 = await benchPkcs11({ work, seals, catalog, fonts, request, no });
results.pdfSize = { peerBytes: peerRun.last.length, ecertBytesEcdsa: oursRun.last.pdf.length, ecertBytesRsa2048: oursRsa.last.pdf.length };

// ---------------------------------------------------------------- verification in process and by peers
log('verification …');
const vdir = join(work, 'verify');
mkdirSync(vdir);
const registry = await openRegistry({ dataDir: vdir });
await registry.migrate();
const issued: Buffer[] = [];
for (let i = 0; i < 200; i++) {
  const r = request(10_000 + i);
  const { record } = await issueTwoPhase(registry, {
    dedupKey: `b${i}`, year: 2025, qualificationSerial: q.serial, actor: 'bench', now: new Date(),
    record: { qualification: q.code, holderName: r.holder.name, idType: r.holder.idType, idNumberMasked: r.holder.idNumber.slice(0, 6) + '********' + r.holder.idNumber.slice(-4), idNumberDigest: String(i), sex: r.holder.sex, birth: r.holder.birth, approvalDate: r.approvalDate, issueDate: r.issueDate, issuerBody: q.issuingBody, issuerId: 'bench' },
    build: (n) => buildCertificateDocument(r, { managementNo: n, version: 1, signingTime: new Date() }, { catalog, keys, fonts, publicUrl: 'http://localhost:3000', timestamper: devTsa }),
  });
  issued.push((await registry.getDocument(record.managementNo))!.pdf);
}
const deps = { trustAnchors: keys.trustAnchors, tsaTrustAnchors: tsaTrustAnchors({ keysDir }), catalog, registry, clock: systemClock };
for (const p of issued.slice(0, 50)) await verifyPdf(p, deps);
t0 = performance.now();
let passed = 0;
const rounds = 5;
for (let k = 0; k < rounds; k++) for (const p of issued) passed += (await verifyPdf(p, deps)).indication === 'TOTAL_PASSED' ? 1 : 0;
const verifyPerSecond = (issued.length * rounds) / ((performance.now() - t0) / 1000);
// issue 14: `ecert ltv renew` on the 200 stored documents (DSS from the development CA, document timestamp), then their verification
log('ltv renew …');
t0 = performance.now();
const renewal = await renewArchives({ registry, timestamper: devTsa, revocation: createRevocationSource({ keysDir, clock: systemClock }), sealTrustAnchors: keys.trustAnchors, clock: systemClock });
const renewPerSecond = renewal.renewed / ((performance.now() - t0) / 1000);
const archived: Buffer[] = [];
for (const p of issued) archived.push((await registry.getDocument((await registry.findDocumentBySha256(createHash('sha256').update(p).digest('hex')))!.managementNo))!.pdf);
t0 = performance.now();
let ltaPassed = 0;
for (const p of archived) ltaPassed += (await verifyPdf(p, deps)).indication === 'TOTAL_PASSED' ? 1 : 0;
results.ltv = {
  renewedDocuments: renewal.renewed,
  failed: renewal.failed.length,
  renewPerSecond: round(renewPerSecond),
  archiveBytesAdded: archived[0].length - issued[0].length,
  verifyArchivedPdfsPerSecond: Math.round(archived.length / ((performance.now() - t0) / 1000)),
  allArchivedPassed: ltaPassed === archived.length,
};
await registry.close();
const files = issued.slice(0, 20).map((p, i) => {
  const f = join(vdir, `${i}.pdf`);
  writeFileSync(f, p);
  return f;
});
const perDoc = (cmd: string, args: (f: string) => string[]) => {
  const t = performance.now();
  for (const f of files) spawnSync(cmd, args(f));
  return files.length / ((performance.now() - t) / 1000);
};
results.verification = {
  ecertInProcessPdfsPerSecond: Math.round(verifyPerSecond),
  ecertAllPassed: passed === issued.length * rounds,
  pdfsigPdfsPerSecond: round(perDoc('pdfsig', (f) => [f])),
  mutoolPdfsPerSecond: round(perDoc('mutool', (f) => ['sign', '-v', f])),
};

// ---------------------------------------------------------------- over HTTP: a real server process
log('HTTP …');
const srvData = join(work, 'srv');
const env = { ...process.env, PORT: '0', ECERT_DATA_DIR: srvData, ECERT_KEYS_DIR: keysDir, ECERT_LOG_LEVEL: 'silent' };
const server = spawn(process.execPath, [join(ROOT, 'bin/ecert.mjs'), 'serve'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d;
    const m = /listening on (http:\/\/localhost:\d+)/.exec(out);
    if (m) resolve(m[1]);
  });
  setTimeout(() => reject(new Error('server did not start')), 60_000);
});
const apiKey = JSON.parse(readFileSync(join(srvData, 'dev-issuers.json'), 'utf8')).issuers.find((x: { bodyCode: string }) => x.bodyCode === q.issuingBody).apiKey;
const lat: number[] = [];
let firstNo = '';
for (let i = 0; i < 300; i++) {
  const t = performance.now();
  const r = await fetch(`${url}/api/v1/certificates`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ ...request(50_000 + i), holder: { ...request(50_000 + i).holder } }) });
  const body = await r.json();
  if (r.status !== 201) throw new Error(`issuance over HTTP: ${r.status} ${JSON.stringify(body)}`);
  firstNo ||= body.managementNo;
  lat.push(performance.now() - t);
}
lat.sort((a, b) => a - b);
const pdf = Buffer.from(await (await fetch(`${url}/api/v1/certificates/${firstNo}/pdf`, { headers: { authorization: `Bearer ${apiKey}` } })).arrayBuffer());
const token = /\/v\/([\w.-]+)/i.exec(execFileSync('zbarimg', ['--quiet', '--raw', renderPng(pdf)], { encoding: 'utf8' }))![1];
const load = (path: string, opts: Partial<autocannon.Options>) =>
  autocannon({ url: url + path, connections: 16, pipelining: 1, duration: SECONDS, ...opts });
const tokenRun = await load(`/api/v1/verify/token/${token}`, {});
const verifyRun = await load('/api/v1/verify', { method: 'POST', headers: { 'content-type': 'application/pdf' }, body: pdf });
let n = 0;
const issueRun = await load('/api/v1/certificates', {
  method: 'POST',
  connections: 4,
    requests: [{ method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, setupRequest: (req: autocannon.Request) => ({ ...req, body: JSON.stringify(request(100_000 + n++)) }) }],
});
log('healthz under QR photo load …');
const health = await healthUnderQrLoad(url, SECONDS);
// issue #10, memory: the server's resident size (/proc/<pid>/status VmRSS) before and after 200
// uploads each carrying one unique ~2 MB certificate in its CMS (tests/verify/hostileUploads.ts)
log('hostile uploads …');
const hostile = await hostileUploads({ catalog, fonts });
const rssMB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))![1]) / 1024;
const postPdf = async (pdf: Buffer) => (await fetch(`${url}/api/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/pdf' }, body: new Uint8Array(pdf) })).status;
for (let i = 0; i < 5; i++) await postPdf(await hostile.upload(i));
const rssBefore = rssMB();
const hostileStatuses: Record<number, number> = {};
for (let i = 5; i < 205; i++) {
  const st = await postPdf(await hostile.upload(i));
  hostileStatuses[st] = (hostileStatuses[st] ?? 0) + 1;
}
await new Promise((r) => setTimeout(r, 2000));
const rssAfter = rssMB();
results.hostileUploadsMemory = { uploads: 200, uploadBytes: hostile.firstSize, rssBeforeMB: Math.round(rssBefore), rssAfterMB: Math.round(rssAfter), rssGrowthMB: Math.round(rssAfter - rssBefore), statuses: hostileStatuses };
server.kill('SIGTERM');
const summary = (r: autocannon.Result) => ({ requestsPerSecond: Math.round(r.requests.average), p50ms: r.latency.p50, p99ms: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx });
results.http = {
  issueSingleSequential: { p50ms: round(lat[Math.floor(lat.length * 0.5)]), p99ms: round(lat[Math.floor(lat.length * 0.99)]) },
  issueLoad: summary(issueRun),
  verifyPdfLoad: summary(verifyRun),
  verifyTokenLoad: summary(tokenRun),
  healthz: health,
};

// ---------------------------------------------------------------- batch through the registry
log(`batch of ${BATCH_ROWS} …`);
const batchData = join(work, 'batch');
const cohort = join(work, 'cohort.csv');
execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/makeCohort.ts'), String(BATCH_ROWS), cohort], { stdio: 'ignore', cwd: ROOT });
t0 = performance.now();
const timeOut = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, join(ROOT, 'bin/ecert.mjs'), 'issue', '--file', cohort], { env: { ...process.env, ECERT_DATA_DIR: batchData, ECERT_KEYS_DIR: keysDir, ECERT_LOG_LEVEL: 'silent' }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
const batchSeconds = (performance.now() - t0) / 1000;
const peakKb = Number(timeOut.stderr.trim().split('\n').pop());
results.batch = { rows: BATCH_ROWS, seconds: round(batchSeconds), certificatesPerSecond: Math.round(BATCH_ROWS / batchSeconds), peakRssMB: Math.round(peakKb / 1024), summary: timeOut.stdout.split('\n').filter((l) => /issued|failed|pending/.test(l)).map((l) => l.trim()) };

// ---------------------------------------------------------------- issue 12: issuance through the registry (SQLite all cores; PostgreSQL 1 vs 2 instances)
results.registryThroughput = await registryThroughput(log);

rmSync(work, { recursive: true, force: true });
writeFileSync(join(ROOT, 'bench/results.json'), JSON.stringify(results, null, 2) + '\n');
log('\n' + table(results));
// the end of the run: handles left by libraries (undici keep-alive sockets, sharp's thread pool)
// would keep the process alive, and busy, beside the next run
process.exit(0);

function renderPng(p: Buffer): string {
  const f = join(vdir, 'qr.pdf');
  writeFileSync(f, p);
  execFileSync('pdftoppm', ['-png', '-r', '150', '-singlefile', f, join(vdir, 'qr')]);
  return join(vdir, 'qr.png');
}
function round(x: number): number {
  return Math.round(x * 100) / 100;
}
function registryLines(t: Record<string, Record<string, number>> | undefined): string[] {
  if (!t) return [];
  const pg = t.postgres as unknown as { cpuMsPerCertificate: Record<string, number> };
  const sqliteCpu = t.sqlite.cpuMsPerCertificate as unknown as Record<string, number>;
  return [
    `batch via registry, SQLite ${t.sqlite.batchViaRegistryPerSecond}/s vs raw render+sign ${t.sqlite.rawRenderSignPerSecond}/s on the same cores: ${Math.round(t.sqlite.ratio * 100)} % (target ≥ 90 %; median of rounds ${(t.sqlite.roundRatios as unknown as number[]).map((x) => Math.round(x * 100)).join(' / ')} %)`,
    `                          rounds, raw/s → batch/s as the registry grows by ${t.rows} certificates a round: ${(t.sqlite.rounds as unknown as number[][]).map(([raw, batch]) => `${raw} → ${batch}`).join(', ')}`,
    `                          CPU per certificate (all threads): raw ${sqliteCpu.raw} ms, batch ${sqliteCpu.batch} ms: at equal core use the registry allows ${Math.round(t.sqlite.cpuRatio * 100)} %`,
    t.postgres
      ? `PostgreSQL, one qualification: 2 instances ${t.postgres.twoInstancesPerSecond}/s vs 1 instance ${t.postgres.oneInstancePerSecond}/s: ${t.postgres.ratio}× (target ≥ 1.8×; median of rounds ${(t.postgres.roundRatios as unknown as number[]).join(' / ')}×)\n` +
        `                          one instance spends ${pg.cpuMsPerCertificate.node} ms CPU in node + ${pg.cpuMsPerCertificate.postgres} ms in PostgreSQL per certificate: all ${t.threads} cores of this machine allow at most ${t.postgres.cpuCeilingRatio}×`
      : 'PostgreSQL: unreachable, skipped',
  ];
}
function table(r: typeof results): string {
  const i = r.issuance as Record<string, number>;
  const p11 = (r.issuancePkcs11 ?? {}) as Record<string, number>;
  const s = r.pdfSize as Record<string, number>;
  const v = r.verification as Record<string, number>;
  const h = r.http as Record<string, Record<string, number>>;
  const b = r.batch as Record<string, number>;
  return [
    `ecert benchmark · ${r.date} · ${r.machine}`,
    ``,
    `issuance, one thread      ecert ${i.ecertMsPerCertificateEcdsa} ms (ECDSA) / ${i.ecertMsPerCertificateRsa2048} ms (RSA-2048)   peer ${i.peerMsPerCertificate} ms   ratio ${i.ratioVsPeer}× (${i.ratioVsPeerSameAlgorithm}× same algorithm)`,
    `issuance, all cores       ${i.ecertCertificatesPerSecondAllCores} certificates/s (${i.threads} threads)`,
    `issuance with B-T        ${(r.issuanceBT as Record<string, number>).msWithSignatureTimestamp} ms with the development TSA vs ${(r.issuanceBT as Record<string, number>).msWithoutTimestamp} ms without: ${(r.issuanceBT as Record<string, number>).ratio}× (target ≤ 1.5×)`,
    `ltv renew                 ${(r.ltv as Record<string, number>).renewPerSecond} documents/s (${(r.ltv as Record<string, number>).renewedDocuments} stored documents to B-LTA, +${(r.ltv as Record<string, number>).archiveBytesAdded} B each); archived copies verify at ${(r.ltv as Record<string, number>).verifyArchivedPdfsPerSecond}/s`,
    `issuance, PKCS#11 token   ${p11.tokenMsPerCertificateEcdsa} ms (ECDSA) / ${p11.tokenMsPerCertificateRsa2048} ms (RSA-2048) one thread; ${p11.tokenCertificatesPerSecondAllCoresEcdsa} certificates/s all cores (SoftHSM2; file keys above)`,
    `issuance over HTTP        p50 ${h.issueSingleSequential.p50ms} ms  p99 ${h.issueSingleSequential.p99ms} ms (sequential); under load ${h.issueLoad.requestsPerSecond} req/s p99 ${h.issueLoad.p99ms} ms, errors ${h.issueLoad.errors}, non-2xx ${h.issueLoad.non2xx}`,
    `PDF size                  ecert ${s.ecertBytesEcdsa} B (ECDSA) / ${s.ecertBytesRsa2048} B (RSA)   peer ${s.peerBytes} B`,
    `batch                     ${b.rows} rows in ${b.seconds} s (${b.certificatesPerSecond}/s), peak RSS ${b.peakRssMB} MB (target < 300)`,
    ...registryLines(r.registryThroughput as Record<string, Record<string, number>> | undefined),
    `verification in process   ${v.ecertInProcessPdfsPerSecond} PDFs/s   pdfsig ${v.pdfsigPdfsPerSecond}/s   mutool ${v.mutoolPdfsPerSecond}/s`,
    `verify PDF over HTTP      ${h.verifyPdfLoad.requestsPerSecond} req/s  p50 ${h.verifyPdfLoad.p50ms} ms  p99 ${h.verifyPdfLoad.p99ms} ms  errors ${h.verifyPdfLoad.errors}`,
    `verify QR token over HTTP ${h.verifyTokenLoad.requestsPerSecond} req/s  p50 ${h.verifyTokenLoad.p50ms} ms  p99 ${h.verifyTokenLoad.p99ms} ms  errors ${h.verifyTokenLoad.errors}`,
    `/healthz, 3 QR-noise uploaders  p99 ${(h.healthz as unknown as { underQrNoiseLoad: { p99ms: number } }).underQrNoiseLoad.p99ms} ms (idle p99 ${(h.healthz as unknown as { idle: { p99ms: number } }).idle.p99ms} ms)`,
    `200 hostile 2 MB-cert uploads: server RSS ${(r.hostileUploadsMemory as Record<string, number>).rssBeforeMB} → ${(r.hostileUploadsMemory as Record<string, number>).rssAfterMB} MB (+${(r.hostileUploadsMemory as Record<string, number>).rssGrowthMB} MB; target ≤ 150)`,
  ].join('\n');
}
