import { describe, expect, it } from 'vitest';
import { Coalescer, type Settled } from '../../src/registry/Coalescer';

/** A fake operation: records the groups it was called with; odd numbers fail on their own. */
function harness(opts: { failGroup?: boolean; max?: number; lingerMs?: number; quietMs?: number } = {}) {
  const groups: number[][] = [];
  const ones: number[] = [];
  const c = new Coalescer<number, string>(
    async (calls) => {
      groups.push(calls);
      await new Promise((r) => setTimeout(r, 5));
      if (opts.failGroup) throw new Error('group failed');
      return calls.map((n): Settled<string> => (n % 2 ? { ok: false, error: new Error(`odd ${n}`) } : { ok: true, value: `v${n}` }));
    },
    async (n) => {
      ones.push(n);
      if (n % 2) throw new Error(`odd ${n}`);
      return `one${n}`;
    },
    { max: opts.max ?? 4, lingerMs: opts.lingerMs, quietMs: opts.quietMs, patient: (n) => n >= 100 },
  );
  return { c, groups, ones };
}

describe('Coalescer', () => {
  it('groups calls made in one tick, at most max per group, and answers each call on its own', async () => {
    const { c, groups, ones } = harness();
    const out = await Promise.allSettled([0, 1, 2, 4, 6, 8].map((n) => c.submit(n)));
    expect(groups).toEqual([[0, 1, 2, 4], [6, 8]]);
    expect(ones).toEqual([]);
    expect(out.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual(['v0', 'odd 1', 'v2', 'v4', 'v6', 'v8']);
  });

  it('runs a lone call by itself, and calls made meanwhile join the next group', async () => {
    const { c, groups, ones } = harness();
    const first = c.submit(2);
    await Promise.resolve();
    await Promise.resolve();
    const later = [c.submit(4), c.submit(6)];
    expect(await first).toBe('one2');
    expect(await Promise.all(later)).toEqual(['v4', 'v6']);
    expect(ones).toEqual([2]);
    expect(groups).toEqual([[4, 6]]);
  });

  it('runs the calls one by one when the group as a whole fails', async () => {
    const { c, groups, ones } = harness({ failGroup: true });
    const out = await Promise.allSettled([2, 3, 4].map((n) => c.submit(n)));
    expect(groups).toEqual([[2, 3, 4]]);
    expect(ones.sort()).toEqual([2, 3, 4]);
    expect(out.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual(['one2', 'odd 3', 'one4']);
  });

  it('lets patient calls wait for company, up to lingerMs or a full group', async () => {
    const { c, groups } = harness({ lingerMs: 40, max: 3 });
    const a = c.submit(100);
    setTimeout(() => void c.submit(102), 10);
    await a;
    expect(groups).toEqual([[100, 102]]);
    // a full group goes at once
    const t0 = performance.now();
    await Promise.all([c.submit(104), c.submit(106), c.submit(108)]);
    expect(performance.now() - t0).toBeLessThan(40);
    expect(groups[1]).toEqual([104, 106, 108]);
    // an impatient call does not wait
    const { c: c2, ones } = harness({ lingerMs: 10_000 });
    expect(await c2.submit(2)).toBe('one2');
    expect(ones).toEqual([2]);
  });

  it('ends a linger once no call has joined it for quietMs (the last rows of a batch), not before', async () => {
    const { c, groups } = harness({ lingerMs: 10_000, quietMs: 250, max: 10 });
    const t0 = performance.now();
    const calls = [c.submit(100)];
    // joining every 20 ms keeps the group waiting past quietMs…
    for (const n of [102, 104, 106]) {
      await new Promise((r) => setTimeout(r, 20));
      calls.push(c.submit(n));
    }
    await Promise.all(calls);
    // …and it goes ~250 ms after the last one joined, not after lingerMs
    const elapsed = performance.now() - t0;
    expect(groups).toEqual([[100, 102, 104, 106]]);
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(elapsed).toBeLessThan(5000);
  });
});
