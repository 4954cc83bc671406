// Worker thread of src/registry/WalCheckpointer.ts: its own connection to one SQLite registry,
// running a PASSIVE checkpoint (https://www.sqlite.org/c3ref/wal_checkpoint_v2.html) per
// message, off the thread that writes. Plain JavaScript (better-sqlite3 only), so it starts
// without the TypeScript loader.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const db = new Database(workerData.file, { timeout: workerData.busyTimeoutMs, fileMustExist: true });
// FULL: the WAL is flushed before its frames are copied, the database file after
// (https://www.sqlite.org/pragma.html#pragma_synchronous), whatever the writer's setting
db.pragma('synchronous = FULL');

parentPort.on('message', (m) => {
  if (m === 'close') {
    // the writer has closed its connections: this one is the last, and SQLite checkpoints the
    // rest and removes the WAL as it closes
    db.close();
    parentPort.close();
    return;
  }
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ log: Number(r.log), checkpointed: Number(r.checkpointed) });
  } catch (e) {
    parentPort.postMessage({ error: `${e?.code ?? ''} ${e?.message ?? e}`.trim() });
  }
});
