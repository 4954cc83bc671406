import Database from 'better-sqlite3';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliEnv, ecert, ecertAsync } from './cliHarness';
import { FULL_ID_NUMBER, holder } from '../helpers/holders';

function cohort(path: string, rows: number, qualification = 'tax-adviser', offset = 0): void {
  const lines = ['qualification,name,idNumber,sex,birth,approvalDate,issueDate'];
  for (let i = 0; i < rows; i++) {
    const h = holder(offset + i);
    lines.push([qualification, h.name, h.idNumber, h.sex, h.birth, '2025-06-30', '2025-08-15'].join(','));
  }
  writeFileSync(path, lines.join('\n'));
}

describe('ecert command line', () => {
  it('issue --file issues a cohort with a summary, verify exits 0 / 1 / 2, audit verify catches a changed row', async () => {
    const env = await cliEnv();
    const file = join(env.ECERT_DATA_DIR, 'c.csv');
    cohort(file, 30);
    const out = join(env.ECERT_DATA_DIR, 'out');
    const r = ecert(['issue', '--file', file, '--out', out], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/已签发 issued\s+30/);
    expect(r.stderr).toContain('30/30');
    const pdfs = readdirSync(out);
    expect(pdfs).toHaveLength(30);

    const good = join(out, pdfs[0]);
    const ok = ecert(['verify', good], env);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain('通过 PASSED');
    const json = ecert(['verify', good, '--json'], env);
    expect(JSON.parse(json.stdout)).toMatchObject({ indication: 'TOTAL_PASSED' });
    expect(json.stdout).not.toMatch(FULL_ID_NUMBER);
    for (let i = 0; i < 30; i++) expect(json.stdout).not.toContain(holder(i).idNumber);

    const bad = Buffer.from(readFileSync(good));
    bad[bad.indexOf('/Producer (ecert)') + 11] = 'E'.charCodeAt(0);
    writeFileSync(join(out, 'bad.pdf'), bad);
    expect(ecert(['verify', join(out, 'bad.pdf')], env).code).toBe(1);
    // a document-supplied name with terminal escapes (ESC[2J clears the screen, a fake PASSED line
    // follows): printed as visible escapes, never as control characters (security.md, "Terminal output")
    const crafted = Buffer.from(readFileSync(good).toString('latin1').replace('/SubFilter /ETSI.CAdES.detached', '/SubFilter /#1b#5b2J#0aPASSED!!') /* same length */, 'latin1');
    writeFileSync(join(out, 'crafted.pdf'), crafted);
    const shown = ecert(['verify', join(out, 'crafted.pdf')], env);
    expect(shown.code).toBe(1);
    expect(shown.stdout).toContain('\\x1b[2J');
    expect(shown.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(shown.stdout).toContain('\\x0aPASSED!!'); // the line break stays inside the escaped detail
    writeFileSync(join(out, 'not.pdf'), 'hello');
    expect(ecert(['verify', join(out, 'not.pdf')], env).code).toBe(1);
    // registry unreachable: the signature is fine but the status cannot be confirmed
    const offline = ecert(['verify', good], { ...env, ECERT_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(offline.code, offline.stdout).toBe(2);
    expect(offline.stdout).toContain('无法确认');

    expect(ecert(['audit', 'verify'], env).code).toBe(0);
    // someone with access to the database file: drops the append-only guard, then edits a row
    const db = new Database(join(env.ECERT_DATA_DIR, 'registry.sqlite'));
    expect(() => db.prepare("UPDATE audit_log SET target = 'forged' WHERE seq = 3").run()).toThrow(/append-only/);
    db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete');
    db.prepare("UPDATE audit_log SET target = 'forged' WHERE seq = 3").run();
    db.close();
    const audit = ecert(['audit', 'verify'], env);
    expect(audit.code).toBe(1);
    expect(audit.stdout).toContain('TAMPERED at entry 3');
  });

  it('resumes a batch killed with SIGKILL: every row issued exactly once', async () => {
    const env = await cliEnv();
    const file = join(env.ECERT_DATA_DIR, 'big.csv');
    const rows = 400;
    cohort(file, rows, 'tax-adviser', 5000);
    const child = ecertAsync(['issue', '--file', file], env);
    const dbPath = join(env.ECERT_DATA_DIR, 'registry.sqlite');
    const done = () => {
      try {
        const db = new Database(dbPath, { readonly: true, fileMustExist: true });
        const n = (db.prepare("SELECT COUNT(*) AS n FROM batch_rows WHERE state = 'done'").get() as { n: number }).n;
        db.close();
        return n;
      } catch {
        return 0;
      }
    };
    const started = Date.now();
    while (done() < 40 && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const before = done();
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(rows);

    const again = ecert(['issue', '--file', file], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('resuming');
    const db = new Database(dbPath, { readonly: true });
    const certs = (db.prepare('SELECT COUNT(*) AS n FROM certificates').get() as { n: number }).n;
    const docs = (db.prepare('SELECT COUNT(*) AS n FROM documents').get() as { n: number }).n;
    const doneRows = db.prepare("SELECT COUNT(*) AS n, COUNT(DISTINCT management_no) AS d FROM batch_rows WHERE state = 'done'").get() as { n: number; d: number };
    db.close();
    expect(certs).toBe(rows);
    expect(docs).toBe(rows);
    expect(doneRows).toEqual({ n: rows, d: rows });
  });

  it('samples writes one signed PDF per catalog entry; issuers add prints a key once', async () => {
    const env = await cliEnv();
    const out = join(env.ECERT_DATA_DIR, 'samples');
    const r = ecert(['samples', '--out', out], env);
    expect(r.code, r.stderr).toBe(0);
    const files = readdirSync(out).filter((f) => f.endsWith('.pdf'));
    expect(files.length).toBeGreaterThanOrEqual(31);
    expect(files.length).toBe(40);
    const add = ecert(['issuers', 'add', 'cctaa', '--json'], env);
    expect(add.code, add.stderr).toBe(0);
    const { issuer, apiKey } = JSON.parse(add.stdout);
    expect(apiKey).toMatch(/^ek_/);
    expect(issuer.qualifications).toEqual(['tax-adviser']);
    const bad = ecert(['issuers', 'add', 'cctaa', '--qualification', 'nurse'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('ERR_FORBIDDEN');
  });
});
