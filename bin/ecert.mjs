#!/usr/bin/env node
// Entry of `npx ecert` and `npm start`: runs the TypeScript sources through tsx's loader
// (no build step, so a fresh clone works after `npm install`).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
