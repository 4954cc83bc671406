import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { parseManagementNo } from '../../src/registry/managementNumber';
import { openRegistry, SQLITE_FILE_NAME } from '../../src/registry/openRegistry';
import { SqliteStore } from '../../src/registry/SqliteStore';
import { WalCheckpointer } from '../../src/registry/WalCheckpointer';
import { issueTwoPhase } from '../../src/issue/issueTwoPhase';
import { builtDocument, record, storeContract, type Row } from './storeContract';

function rawSql(file: string) {
  return async (statement: string): Promise<Row[]> => {
    const db = new Database(file);
    try {
      let st: Database.Statement;
      try {
        st = db.prepare(statement);
      } catch (e) {
        if (/more than one statement/.test(String(e))) return db.exec(statement), [];
        throw e;
      }
      return st.reader ? (st.all() as Row[]) : (st.run(), []);
    } finally {
      db.close();
    }
  };
}

storeContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ecert-sqlite-'));
  const store = await openRegistry({ dataDir: dir });
  await store.migrate();
  return {
    store,
    another: async () => SqliteStore.open({ file: join(dir, SQLITE_FILE_NAME) }),
    sql: rawSql(join(dir, SQLITE_FILE_NAME)),
    disableAuditGuard: 'DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete',
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

/** A stand-in document padded to more than 128 KiB, so that a few hundred fill the WAL. */
function padded(managementNo: string, tag: string, padding: Buffer) {
  const b = builtDocument(managementNo, 1, tag);
  const pdf = Buffer.concat([b.pdf, padding, Buffer.from(`% ${tag}\n`)]);
  return { ...b, pdf, sha256: createHash('sha256').update(pdf).digest('hex') };
}

describe('SqliteStore specifics', () => {
  const now = new Date('2025-08-15T02:00:00Z');

  it('serialises issuance across processes on one file (BEGIN IMMEDIATE): distinct, gapless numbers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecert-sqlite-'));
    const file = join(dir, 'r.sqlite');
    const store = SqliteStore.open({ file, busyTimeoutMs: 10_000 });
    try {
      await store.migrate();
      const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/issueFromAnotherProcess.ts', import.meta.url)), file, '30', 'child-'], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
      expect((await lines.next()).value).toBe('ready');
      child.stdin!.write('go\n');
      const mine: string[] = [];
      for (let i = 0; i < 30; i++) {
        const r = await issueTwoPhase(store, {
          dedupKey: `parent-${i}`,
          year: 2025,
          qualificationSerial: 39,
          record: record(i),
          build: async (no) => (await new Promise((res) => setTimeout(res, 2)), builtDocument(no, 1, `parent-${i}`)),
          actor: 'parent',
          now,
        });
        mine.push(r.record.managementNo);
      }
      const theirs = JSON.parse(String((await lines.next()).value)) as string[];
      const seqs = [...mine, ...theirs].map((no) => parseManagementNo(no)!.seq).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      expect(await store.verifyAudit()).toMatchObject({ ok: true, entries: 60 });
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens in WAL mode with foreign keys, in a directory it creates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecert-sqlite-'));
    try {
      const file = join(dir, 'deep', 'er', 'r.sqlite');
      const store = SqliteStore.open({ file });
      await store.migrate();
      await store.close();
      const db = new Database(file);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('page_size', { simple: true })).toBe(16384);
      db.pragma('foreign_keys = ON');
      expect(() => db.prepare("INSERT INTO documents (management_no, version, sha256, pdf, created_at) VALUES ('202503900000017', 1, ?, x'00', 'now')").run('a'.repeat(64))).toThrow(/FOREIGN KEY/);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checkpoints the WAL after commits, in a thread of its own: the WAL stops growing, and every document reads back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecert-sqlite-'));
    const file = join(dir, 'r.sqlite');
    const store = SqliteStore.open({ file });
    try {
      await store.migrate();
      // the writer itself never checkpoints (SqliteStore.open): without the checkpoint thread the
      // WAL would hold all 100 MB written below (800 documents of 128 KiB)
      const padding = randomBytes(128 * 1024);
      const big = (no: string, i: number) => padded(no, `w${i}`, padding);
      const issued: Array<{ no: string; sha256: string }> = [];
      for (let i = 0; i < 800; i++) {
        const r = await issueTwoPhase(store, { dedupKey: `w${i}`, year: 2025, qualificationSerial: 39, record: record(i), build: async (no) => big(no, i), actor: 'x', now });
        issued.push({ no: r.record.managementNo, sha256: big(r.record.managementNo, i).sha256 });
      }
      // the WAL file keeps the size it reached between two checkpoints (one after ~1000 counted
      // frames, SqliteStore.ts), as it is reused from its beginning after each; without the
      // thread it holds all 100 MB and more
      expect(statSync(`${file}-wal`).size).toBeLessThan(0.5 * 800 * padding.length);
      for (const { no, sha256 } of issued.filter((_, i) => i % 80 === 0)) expect((await store.getDocument(no))!.sha256).toBe(sha256);
      expect(await store.verifyAudit()).toMatchObject({ ok: true, entries: 800 });
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
    // the checkpoint thread's connection, closed last, checkpointed the rest and removed the WAL
    expect(statSync(`${file}-wal`, { throwIfNoEntry: false })).toBeUndefined();
  });

  it('checkpoints in two passes: the first while writes go on, the second holding the write lock, and the WAL then starts again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecert-sqlite-'));
    const file = join(dir, 'r.sqlite');
    // each pass of the checkpoint thread waits for the test to open its gate, then runs as usual
    const gates: Array<{ open: () => void; opened: Promise<void> }> = [];
    const passes: Array<Promise<unknown>> = [];
    const original = WalCheckpointer.prototype.run;
    const spy = vi.spyOn(WalCheckpointer.prototype, 'run').mockImplementation(function (this: WalCheckpointer) {
      let open!: () => void;
      const gate = { open: () => open(), opened: new Promise<void>((r) => (open = r)) };
      gates.push(gate);
      const pass = gate.opened.then(() => original.call(this));
      passes.push(pass);
      return pass;
    });
    const store = SqliteStore.open({ file });
    try {
      await store.migrate();
      const padding = randomBytes(128 * 1024);
      let n = 0;
      const issue = () => {
        const i = n++;
        return issueTwoPhase(store, { dedupKey: `c${i}`, year: 2025, qualificationSerial: 39, record: record(i), build: async (no) => padded(no, `c${i}`, padding), actor: 'x', now });
      };
      // ~1000 counted frames (SqliteStore.ts: CHECKPOINT_FRAMES) start a checkpoint
      while (!gates.length) await issue();
      expect(n).toBeLessThan(200);
      // pass 1 is under way: certificates are still committed meanwhile
      for (let k = 0; k < 5; k++) await issue();
      expect(gates).toHaveLength(1);
      gates[0].open();
      await passes[0];
      await vi.waitFor(() => expect(gates).toHaveLength(2), { timeout: 5000 });
      // pass 2 holds the write lock: a commit waits for it
      let committed = false;
      const waiting = issue().then(() => (committed = true));
      await new Promise((r) => setTimeout(r, 100));
      expect(committed).toBe(false);
      gates[1].open();
      await waiting;
      expect(committed).toBe(true);
      // the checkpoint was complete, so the commit above started the WAL again from its beginning:
      // it holds that commit's frames only, not the thousand and more written before
      const probe = new Database(file);
      const [r] = probe.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>;
      probe.close();
      expect(r.log).toBeGreaterThan(0);
      expect(r.log).toBeLessThan(100);
      // the next checkpoint: once its pass 1 has let half as many frames again be written as
      // started it, writes wait for it (its answer needs a turn of the event loop, which a
      // writer busy with its own statements may not give), so the WAL stays bounded
      while (gates.length < 3) await issue();
      let blocked: Promise<unknown> | undefined;
      for (let k = 0; k < 200 && !blocked; k++) {
        const p = issue();
        if (await Promise.race([p.then(() => false), new Promise((r) => setTimeout(() => r(true), 200))])) blocked = p;
      }
      expect(blocked).toBeDefined();
      gates[2].open();
      await vi.waitFor(() => expect(gates).toHaveLength(4), { timeout: 5000 });
      gates[3].open();
      await blocked;
      expect(await store.verifyAudit()).toMatchObject({ ok: true, entries: n });
    } finally {
      for (const g of gates) g.open();
      await store.close();
      spy.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the 4 KiB pages of a registry created before 16 KiB pages, and works on it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecert-sqlite-'));
    try {
      const file = join(dir, 'r.sqlite');
      const old = new Database(file);
      old.pragma('journal_mode = WAL');
      old.prepare('CREATE TABLE earlier (x)').run();
      old.close();
      const store = SqliteStore.open({ file });
      await store.migrate();
      const r = await issueTwoPhase(store, { dedupKey: 'a', year: 2025, qualificationSerial: 39, record: record(1), build: async (no) => builtDocument(no, 1, 'a'), actor: 'x', now: new Date() });
      expect(r.record.managementNo).toMatch(/^\d{15}$/);
      await store.close();
      const db = new Database(file);
      expect(db.pragma('page_size', { simple: true })).toBe(4096);
      expect(db.prepare('SELECT COUNT(*) AS n FROM documents').get()).toEqual({ n: 1 });
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers ERR_REGISTRY_UNAVAILABLE when the file cannot be opened, and while another process holds the write lock past busy_timeout; recovers after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecert-sqlite-'));
    writeFileSync(join(dir, 'plain-file'), 'not a directory');
    expect(() => SqliteStore.open({ file: join(dir, 'plain-file', 'registry.sqlite') })).toThrow(expect.objectContaining({ code: 'ERR_REGISTRY_UNAVAILABLE' }));
    const file = join(dir, 'r.sqlite');
    const store = SqliteStore.open({ file, busyTimeoutMs: 150 });
    try {
      await store.migrate();
      const first = await issueTwoPhase(store, { dedupKey: 'a', year: 2025, qualificationSerial: 39, record: record(1), build: async (no) => builtDocument(no, 1, 'a'), actor: 'x', now });
      const other = new Database(file); // stands for another process: its own connection and lock
      other.exec('BEGIN IMMEDIATE');
      let built = false;
      const t0 = Date.now();
      await expect(
        issueTwoPhase(store, { dedupKey: 'b', year: 2025, qualificationSerial: 39, record: record(2), build: async (no) => ((built = true), builtDocument(no, 1, 'b')), actor: 'x', now }),
      ).rejects.toMatchObject({ code: 'ERR_REGISTRY_UNAVAILABLE', status: 503 });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
      expect(built).toBe(false);
      // readers are not blocked by a writer (WAL)
      expect((await store.getCertificate(first.record.managementNo))?.holderName).toBe('持证人1');
      other.exec('ROLLBACK');
      other.close();
      const second = await issueTwoPhase(store, { dedupKey: 'b', year: 2025, qualificationSerial: 39, record: record(2), build: async (no) => builtDocument(no, 1, 'b'), actor: 'x', now });
      expect(second.created).toBe(true);
      expect((await store.verifyAudit()).ok).toBe(true);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
    await expect(store.ping()).rejects.toMatchObject({ code: 'ERR_REGISTRY_UNAVAILABLE' });
  });
});
