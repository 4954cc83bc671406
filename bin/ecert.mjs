#!/usr/bin/env node
// Entry of `npx ecert` and `npm start`: runs the TypeScript sources compiled into one cached
// module (src/runtime/compiledEntry.mjs), or through tsx's loader when that cannot be built
// (no build step either way, so a fresh clone works after `npm install`).
import { compiledEntry } from '../src/runtime/compiledEntry.mjs';

const compiled = await compiledEntry('src/cli/main.ts');
let main;
if (compiled) ({ main } = await import(compiled));
else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv);
