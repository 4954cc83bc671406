import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from 'node:worker_threads';
import { RenderPool } from '../../../src/render/pool/RenderPool';
import { validateIssueRequest } from '../../../src/issue/validateIssueRequest';
import { loadCatalog } from '../../../src/catalog/loadCatalog';
import { formatManagementNo } from '../../../src/registry/managementNumber';
import { makeTestKeys } from '../../helpers/testPki';
import { issueBody } from '../../helpers/holders';

/**
 * Issue #10 (availability): a render worker that dies or never answers rejects its pending
 * work with a stable code and is replaced, so no caller (and no registry transaction) waits
 * forever.
 */
const catalog = loadCatalog();
const entry = catalog.list().find((x) => x.style === 1 && !x.specialties?.length)!;
const req = (i: number) => validateIssueRequest(issueBody(entry.code, i), { catalog, now: new Date('2026-01-01') });
const ids = (i: number) => ({ managementNo: formatManagementNo(2025, entry.serial, i), version: 1, signingTime: new Date('2026-01-01') });
const workersOf = (pool: RenderPool) => (pool as unknown as { slots: Array<{ worker: Worker }> }).slots.map((s) => s.worker);

let keysDir: string;
beforeAll(async () => {
  keysDir = (await makeTestKeys()).dir;
});

describe('RenderPool', () => {
  let pool: RenderPool;
  afterAll(() => pool?.close());

  it('rejects the work of a worker that dies with ERR_RENDER_WORKER_DIED, replaces it, and builds again', async () => {
    pool = new RenderPool({ keysDir, threads: 1 });
    await pool.ready;
    expect((await pool.build(req(1), ids(1), 'http://localhost')).pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const [first] = workersOf(pool);
    const inFlight = [pool.build(req(2), ids(2), 'http://localhost'), pool.build(req(3), ids(3), 'http://localhost')];
    await first.terminate(); // as a crash or an out-of-memory kill would end it
    for (const p of inFlight) await expect(p).rejects.toMatchObject({ code: 'ERR_RENDER_WORKER_DIED' });
    const [second] = workersOf(pool);
    expect(second).not.toBe(first);
    const again = await pool.build(req(4), ids(4), 'http://localhost');
    expect(again.data.managementNo).toBe(formatManagementNo(2025, entry.serial, 4));
  });

  it('ends a worker whose task never answers within the time limit, and serves the next task', async () => {
    const slow = new RenderPool({ keysDir, threads: 1, taskTimeoutMs: 1 });
    await slow.ready;
    try {
      const [first] = workersOf(slow);
      await expect(slow.build(req(5), ids(5), 'http://localhost')).rejects.toMatchObject({ code: 'ERR_RENDER_WORKER_DIED' });
      expect(workersOf(slow)[0]).not.toBe(first);
    } finally {
      await slow.close();
    }
  });

  it('collects the main thread\'s garbage once per so many document bytes received (COLLECT_AFTER_BYTES)', async () => {
    let collections = 0;
    const counted = new RenderPool({ keysDir, threads: 1, collect: { garbage: () => collections++, afterBytes: 100_000 } });
    await counted.ready;
    try {
      const sizes: number[] = [];
      for (let i = 0; i < 10; i++) sizes.push((await counted.build(req(10 + i), ids(10 + i), 'http://localhost')).pdf.length);
      await new Promise((r) => setImmediate(r));
      // one collection each time the bytes received since the previous one reach 100,000
      let expected = 0;
      sizes.reduce((since, n) => (since + n >= 100_000 ? (expected++, 0) : since + n), 0);
      expect(expected).toBeGreaterThanOrEqual(2);
      expect(collections).toBe(expected);
    } finally {
      await counted.close();
    }
  });

  it('gives released documents back to their worker: out of this heap at once, without a collection', async () => {
    const pool2 = new RenderPool({ keysDir, threads: 1 });
    await pool2.ready;
    try {
      const built = await Promise.all(Array.from({ length: 30 }, (_, i) => pool2.build(req(60 + i), ids(60 + i), 'http://localhost')));
      const bytes = built.reduce((n, b) => n + b.pdf.length, 0);
      const before = process.memoryUsage().external;
      for (const b of built) pool2.release(b.pdf);
      await new Promise((r) => setImmediate(r)); // sent back together, in the next turn
      const after = process.memoryUsage().external;
      // detached here: this thread's external memory (V8's account, which starts its full
      // collections) drops by the documents' bytes without any collection
      expect(before - after).toBeGreaterThanOrEqual(bytes * 0.95);
      expect(built.every((b) => b.pdf.length === 0)).toBe(true);
      pool2.release(built[0].pdf); // twice, or a buffer not from the pool: nothing happens
      pool2.release(Buffer.from('%PDF-'));
      const next = await pool2.build(req(90), ids(90), 'http://localhost'); // the worker took them and renders on
      expect(next.data.managementNo).toBe(ids(90).managementNo);
    } finally {
      await pool2.close();
    }
  });

  it('keeps its threads rendering while the main thread is held (TASKS_PER_WORKER tasks posted to each)', async () => {
    const held = new RenderPool({ keysDir, threads: 1 });
    await held.ready;
    try {
      await held.build(req(30), ids(30), 'http://localhost'); // the worker's first render (JIT, fonts) out of the way
      const order: string[] = [];
      const builds = Array.from({ length: 40 }, (_, i) => held.build(req(31 + i), ids(31 + i), 'http://localhost').then((b) => order.push(b.data.managementNo)));
      // hold this thread as a long registry commit would: nothing can be posted meanwhile
      const until = Date.now() + 3000;
      while (Date.now() < until);
      // what the worker finished meanwhile arrives in the next turn of the event loop: all it
      // was given (16), where a pool posting two at a time would have 2 and one posting all
      // 40. In that same turn each answer posts the next task, and a render of ~1.5 ms may
      // come back before the turn ends: a few more, never the 24 still queued here.
      await new Promise((r) => setImmediate(r));
      expect(order.length).toBeGreaterThanOrEqual(16);
      expect(order.length).toBeLessThan(24);
      await Promise.all(builds);
      // two render at once in a worker, so they may finish out of order; each answers with its own 管理号
      expect(order.sort()).toEqual(Array.from({ length: 40 }, (_, i) => ids(31 + i).managementNo).sort());
    } finally {
      await held.close();
    }
  });

  it('refuses work after close with a code, never a hang', async () => {
    const closed = new RenderPool({ keysDir, threads: 1 });
    await closed.ready;
    await closed.close();
    await expect(closed.build(req(6), ids(6), 'http://localhost')).rejects.toMatchObject({ code: 'ERR_RENDER_WORKER_DIED' });
  });
});
