import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../../src/runtime/collectGarbage';

describe('collectGarbage', () => {
  it('collects an unreachable object at once, and leaves no global gc behind', async () => {
    const ref = new WeakRef({ rows: new Array(100_000).fill('row') });
    // a WeakRef's target stays alive until the end of the job that created or read it
    await new Promise((r) => setTimeout(r, 0));
    collectGarbage();
    expect(ref.deref()).toBeUndefined();
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
    collectGarbage(); // callable again
  });
});
