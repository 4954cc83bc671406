import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { WalCheckpointer } from '../../src/registry/WalCheckpointer';

/** The checkpoint thread of SqliteStore (src/registry/WalCheckpointer.ts), on a database of its own. */
describe('WalCheckpointer', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function walDatabase(): { file: string; db: Database.Database; write: (n: number) => void } {
    dir = mkdtempSync(join(tmpdir(), 'ecert-ckpt-'));
    const file = join(dir, 'w.sqlite');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (x BLOB)');
    const insert = db.prepare('INSERT INTO t VALUES (randomblob(8192))');
    return { file, db, write: (n) => db.transaction(() => { for (let i = 0; i < n; i++) insert.run(); })() };
  }

  it('copies every frame of the WAL into the database file, from its own connection', async () => {
    const { file, db, write } = walDatabase();
    const ckpt = new WalCheckpointer({ file, busyTimeoutMs: 1000 });
    try {
      write(200);
      const first = await ckpt.run();
      expect(first.logFrames).toBeGreaterThan(200);
      expect(first.checkpointedFrames).toBe(first.logFrames);
      // the next write starts the WAL again from its beginning
      write(1);
      expect((await ckpt.run()).logFrames).toBeLessThan(10);
    } finally {
      await ckpt.close();
      db.close();
    }
  });

  it('rejects a checkpoint still waiting for its answer when it closes, instead of leaving it pending', async () => {
    const { file, db, write } = walDatabase();
    const ckpt = new WalCheckpointer({ file, busyTimeoutMs: 1000, timeoutMs: 600_000 });
    try {
      write(50);
      const running = ckpt.run();
      await ckpt.close();
      await expect(running).rejects.toThrow(/closed/);
    } finally {
      db.close();
    }
  });

  it('starts a new thread for the next checkpoint after its thread died', async () => {
    const { file, db, write } = walDatabase();
    const ckpt = new WalCheckpointer({ file, busyTimeoutMs: 1000 });
    try {
      write(10);
      await ckpt.run();
      const worker = (ckpt as unknown as { worker: Worker }).worker;
      await worker.terminate(); // as a crash would end it
      write(10);
      expect((await ckpt.run()).checkpointedFrames).toBeGreaterThan(0);
      expect((ckpt as unknown as { worker: Worker }).worker).not.toBe(worker);
    } finally {
      await ckpt.close();
      db.close();
    }
  });

  it('ends a thread whose checkpoint does not answer in time, and rejects the checkpoint', async () => {
    const { file, db, write } = walDatabase();
    // 1 ms: less than the thread takes to start, so the checkpoint cannot answer in time
    const impatient = new WalCheckpointer({ file, busyTimeoutMs: 1000, timeoutMs: 1 });
    try {
      write(10);
      await expect(impatient.run()).rejects.toThrow(/timed out/);
      expect((impatient as unknown as { worker?: Worker }).worker).toBeUndefined();
    } finally {
      await impatient.close();
      db.close();
    }
  });
});
