import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/**
 * A full garbage collection now, for the points where a process knows that much of its heap
 * has just become garbage: `ecert issue` after storing the batch (the cohort file, its decoded
 * text and the duplicate index, src/cli/issueCommand.ts), and the render pool once every 64 MB
 * of documents received from its threads (COLLECT_AFTER_BYTES, src/render/pool/RenderPool.ts).
 * Left to V8, the cohort's garbage stays until the old generation next reaches its limit,
 * after the render threads have started and the first documents' buffers have been promoted,
 * and the batch's peak resident size carries both
 * (100,000 rows on the 2-core bench machine: 368 MB peak without this collection, 323 MB with
 * it, README "Benchmark"). Node has no call for it: V8's --expose-gc, set at run time,
 * installs `gc` in contexts created afterwards (the way jest-leak-detector takes it), and is
 * unset again. It also discards the code V8 has compiled, which is why the render pool calls it
 * rarely; `gc({ type: 'major' })`, which would keep it, is only a scavenge in Node 20's V8
 * (`node --trace-gc`).
 */
export function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
    setFlagsFromString('--no-expose-gc');
  }
  gc();
}
