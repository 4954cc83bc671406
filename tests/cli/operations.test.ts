import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cliEnv, ecert } from './cliHarness';
import { holder } from '../helpers/holders';
import { BATCH_ERRORS_LISTED } from '../../src/registry/RegistryStore';
import { freshSchemaUrl, postgresAvailable } from '../helpers/postgres';

/** Issue 12: operator commands with --json, conflicts in the batch summary, a CLI batch beside a running service. */
function cohort(path: string, rows: number, offset = 0, rename?: { row: number; name: string }): void {
  const lines = ['qualification,name,idNumber,sex,birth,approvalDate,issueDate'];
  for (let i = 0; i < rows; i++) {
    const h = holder(offset + i);
    lines.push(['tax-adviser', rename?.row === i ? rename.name : h.name, h.idNumber, h.sex, h.birth, '2025-06-30', '2025-08-15'].join(','));
  }
  writeFileSync(path, lines.join('\n'));
}
const batchIdOf = (stderr: string) => /batch (b_[0-9a-f]{32})/.exec(stderr)![1];

describe('ecert operator commands', () => {
  it('counts and lists every failed row of a batch larger than one page of errors (summary, batches status)', async () => {
    const env = await cliEnv();
    const file = join(env.ECERT_DATA_DIR, 'bad.csv');
    const n = BATCH_ERRORS_LISTED + 30;
    const lines = ['qualification,name,idNumber,sex,birth,approvalDate,issueDate'];
    // a sex that contradicts the resident ID: refused when submitted, nothing rendered
    for (let i = 0; i < n; i++) {
      const h = holder(7000 + i);
      lines.push(['tax-adviser', h.name, h.idNumber, h.sex === '男' ? '女' : '男', h.birth, '2025-06-30', '2025-08-15'].join(','));
    }
    writeFileSync(file, lines.join('\n'));
    const r = ecert(['issue', '--file', file], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`失败 failed\\s+${n}\\n`));
    const batchId = batchIdOf(r.stderr);
    expect(r.stdout).toContain(`… ${n - 20} more errors (ecert batches status ${batchId} --json lists them all)`);
    const json = JSON.parse(ecert(['batches', 'status', batchId, '--json'], env).stdout);
    expect(json).toMatchObject({ total: n, failed: n });
    expect(json.errors.map((e: { row: number }) => e.row)).toEqual(Array.from({ length: n }, (_, i) => i + 2));
    expect(json.errors.every((e: { code: string }) => e.code === 'ERR_SEX_MISMATCH')).toBe(true);
    const text = ecert(['batches', 'status', batchId], env);
    expect(text.code).toBe(1);
    expect(text.stdout.split('\n').filter((l) => l.startsWith('  行 row '))).toHaveLength(50);
    expect(text.stdout).toContain(`… ${n - 50} more (--json lists them all)`);
  });

  it('certificates show|search|revoke|reissue, batches status, issuers disable, with --json; conflicting rows listed with their reissue command', async () => {
    const env = await cliEnv();
    const file = join(env.ECERT_DATA_DIR, 'c.csv');
    cohort(file, 4, 300);
    const r = ecert(['issue', '--file', file], env);
    expect(r.code, r.stderr).toBe(0);
    const batchId = batchIdOf(r.stderr);

    const status = ecert(['batches', 'status', batchId, '--json'], env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ id: batchId, total: 4, done: 4, failed: 0, pending: 0 });
    expect(ecert(['batches', 'status', 'b_nope'], env).code).toBe(3);

    const all = JSON.parse(ecert(['certificates', 'search', '--qualification', 'tax-adviser', '--json'], env).stdout);
    expect(all).toHaveLength(4);
    // by the Chinese title, by the first characters of the 管理号, by a name padded as lists pad it
    const numbers = (args: string[]) => JSON.parse(ecert(['certificates', 'search', ...args, '--json'], env).stdout).map((r: { managementNo: string }) => r.managementNo).sort();
    expect(numbers(['--qualification', '税务师'])).toEqual(numbers(['--qualification', 'tax-adviser']));
    expect(numbers(['--management-no', all[0].managementNo.slice(0, 7)])).toEqual(numbers(['--qualification', 'tax-adviser']));
    expect(numbers(['--management-no', all[0].managementNo])).toEqual([all[0].managementNo]);
    expect(numbers(['--name', Array.from(all[0].holder.name as string).join('\u3000')])).toContain(all[0].managementNo);
    const unknown = ecert(['certificates', 'search', '--qualification', '注册税务师'], env);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('ERR_UNKNOWN_QUALIFICATION');
    expect(unknown.stderr).toContain('tax-adviser');
    expect(ecert(['certificates', 'search', '--management-no', '2025-01'], env).stderr).toContain('ERR_VALIDATION');
    const h1 = holder(301);
    const byId = ecert(['certificates', 'search', '--id-number', h1.idNumber, '--json'], env);
    // the number as an operator may paste it: full width, spaced, lower case (normalizeIdNumber)
    const typed = Array.from(h1.idNumber.toLowerCase(), (c) => (/\d/.test(c) ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join('').replace(/^(.{6})/, '$1 ');
    expect(JSON.parse(ecert(['certificates', 'search', '--id-number', typed, '--json'], env).stdout).map((r: { managementNo: string }) => r.managementNo)).toEqual(JSON.parse(byId.stdout).map((r: { managementNo: string }) => r.managementNo));
    const [found] = JSON.parse(byId.stdout);
    expect(found.holder.name).toBe(h1.name);
    expect(byId.stdout).not.toContain(h1.idNumber);
    const shown = JSON.parse(ecert(['certificates', 'show', found.managementNo, '--json'], env).stdout);
    // a number typed full width is found; one that cannot be a 管理号 is explained, not "not found"
    const wide = Array.from(found.managementNo as string, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join('');
    expect(JSON.parse(ecert(['certificates', 'show', wide, '--json'], env).stdout).managementNo).toBe(found.managementNo);
    const typo = found.managementNo.slice(0, 12) + ((Number(found.managementNo[12]) + 1) % 10) + found.managementNo.slice(13); // one digit mistyped (MOD 11-2 detects it)
    for (const [no, says] of [['999', '应为 15 位'], [typo, '校验位不符']] as const) {
      const r = ecert(['certificates', 'show', no], env);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('ERR_VALIDATION');
      expect(r.stderr).toContain(says);
    }
    expect(shown).toMatchObject({ managementNo: found.managementNo, status: 'valid', currentVersion: 1 });

    // the cohort again with one name corrected (周一 → 周壹): that row conflicts, the summary says how to re-issue
    const corrected = join(env.ECERT_DATA_DIR, 'corrected.csv');
    cohort(corrected, 4, 300, { row: 1, name: '周壹' });
    const again = ecert(['issue', '--file', corrected], env);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/已签发 issued\s+3/);
    expect(again.stdout).toMatch(/失败 failed\s+1/);
    const cmd = new RegExp(`ecert certificates reissue ${found.managementNo} --file \\S+ --row (\\d+) --reason`).exec(again.stdout);
    expect(cmd, again.stdout).not.toBeNull();
    // the column as the file's header names it (English headers here), with both values
    expect(again.stdout).toContain(`name「周壹」（已签发：「${h1.name}」）`);

    const re = ecert(['certificates', 'reissue', found.managementNo, '--file', corrected, '--row', cmd![1], '--reason', '姓名更正', '--json'], env);
    expect(re.code, re.stderr).toBe(0);
    expect(JSON.parse(re.stdout)).toMatchObject({ managementNo: found.managementNo, currentVersion: 2, holder: { name: '周壹' } });

    const revoked = ecert(['certificates', 'revoke', found.managementNo, '--reason', '测试撤销', '--json'], env);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ status: 'revoked', revocation: { reason: '测试撤销' } });
    expect(JSON.parse(ecert(['certificates', 'search', '--status', 'revoked', '--json'], env).stdout)).toHaveLength(1);

    const { issuer } = JSON.parse(ecert(['issuers', 'add', 'cctaa', '--json'], env).stdout);
    const disabled = ecert(['issuers', 'disable', issuer.id, '--json'], env);
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(JSON.parse(disabled.stdout)).toEqual({ issuerId: issuer.id, disabled: true });
    expect(JSON.parse(ecert(['issuers', 'list', '--json'], env).stdout)).toContainEqual(expect.objectContaining({ id: issuer.id, disabled: true }));

    const audit = ecert(['audit', 'verify'], env);
    expect(audit.code, audit.stdout).toBe(0);
    expect(audit.stdout).toMatch(/management numbers: (\d+) drawn = \1 issued \+ 0 void/);
  }, 180_000);

  it.each(['sqlite', 'postgres'] as const)('issue --file beside a running service on the same registry (%s): the batch is the CLI run\'s, the bar and summary are true, every PDF in --out', async (engine) => {
    if (engine === 'postgres' && !(await postgresAvailable())) return;
    const db = engine === 'postgres' ? await freshSchemaUrl('ecert_cli') : undefined;
    const metricsToken = 'test-metrics-token-0123456789';
    const env = await cliEnv({ ECERT_RENDER_THREADS: '1', PORT: '0', ECERT_METRICS_TOKEN: metricsToken, ...(db ? { ECERT_DATABASE_URL: db.url } : {}) });
    const server = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        server.stdout!.on('data', (d) => {
          out += d;
          const m = /listening on (\S+)/.exec(out);
          if (m) resolve(m[1]);
        });
        server.once('exit', (c) => reject(new Error(`server exited ${c}`)));
      });
      // rows the service's own batch workers finished, by outcome (ecert_batch_rows_total)
      const serviceRows = async (outcome: string) => {
        const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })).text();
        return Number(new RegExp(`^ecert_batch_rows_total\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
      };
      const file = join(env.ECERT_DATA_DIR, 'beside.csv');
      const rows = 60;
      cohort(file, rows, 600);
      const out = join(env.ECERT_DATA_DIR, 'out');
      const r = ecert(['issue', '--file', file, '--out', out], env);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`已签发 issued\\s+${rows}`));
      expect(r.stdout).toMatch(/待处理 pending 0/);
      expect(r.stderr).toContain(`${rows}/${rows}`);
      expect(readdirSync(out).filter((f) => f.endsWith('.pdf'))).toHaveLength(rows);
      const status = JSON.parse(ecert(['batches', 'status', batchIdOf(r.stderr), '--json'], env).stdout);
      expect(status).toMatchObject({ total: rows, done: rows, pending: 0 });
      expect(status.owner).toBeUndefined(); // released at the end of the run
      // the CLI run's batch was its own: the service's workers issued none of its rows …
      expect(await serviceRows('issued')).toBe(0);
      // … though they issue a batch submitted to the service (the counter is not dead)
      const key = (JSON.parse(readFileSync(join(env.ECERT_DATA_DIR, 'dev-issuers.json'), 'utf8')).issuers as Array<{ apiKey: string; qualifications: string[] }>).find((i) => i.qualifications.includes('tax-adviser'))!.apiKey;
      const served = join(env.ECERT_DATA_DIR, 'served.csv');
      cohort(served, 3, 700);
      const sub = await fetch(`${url}/api/v1/batches`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' }, body: readFileSync(served) });
      expect(sub.status).toBe(202);
      for (let i = 0; i < 200 && (await serviceRows('issued')) < 3; i++) await new Promise((res) => setTimeout(res, 100));
      expect(await serviceRows('issued')).toBe(3);
    } finally {
      server.kill('SIGTERM');
      await new Promise((res) => server.once('exit', res));
      await db?.drop();
    }
  });
});
