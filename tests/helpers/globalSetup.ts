import { compiledEntry } from '../../src/runtime/compiledEntry.mjs';

/**
 * Build the compiled entries once before the test files run (src/runtime/compiledEntry.mjs),
 * instead of in the first CLI process or render pool of every test file at once.
 */
export default async function setup(): Promise<void> {
  await Promise.all([compiledEntry('src/cli/main.ts'), compiledEntry('src/render/pool/renderWorker.ts')]);
}
