import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compiledEntry } from '../../src/runtime/compiledEntry.mjs';

describe('compiledEntry', () => {
  it('compiles an entry once into the cache, keeps every module at its own source URL, and reuses it while the sources are unchanged', async () => {
    const url = (await compiledEntry('src/render/pool/renderWorker.ts'))!;
    expect(url).toMatch(/\/node_modules\/\.cache\/ecert\/src_render_pool_renderWorker\.ts-[0-9a-f]{12}\.mjs$/);
    const file = fileURLToPath(url);
    const built = statSync(file).mtimeMs;
    expect(await compiledEntry('src/render/pool/renderWorker.ts')).toBe(url);
    expect(statSync(file).mtimeMs).toBe(built);
    const code = readFileSync(file, 'utf8');
    // paths computed from a module's URL stay those of its source file (templates, fonts)
    expect(code).toContain(JSON.stringify(new URL('../../src/render/fonts/FontSet.ts', import.meta.url).href));
    expect(code).not.toMatch(/import\.meta\.url/);
    const manifest = JSON.parse(readFileSync(file.replace(/-[0-9a-f]{12}\.mjs$/, '.json'), 'utf8')) as { inputs: Record<string, [number, number]> };
    expect(Object.keys(manifest.inputs)).toContain('src/render/fonts/FontSet.ts');
  });

  it('is turned off by ECERT_NO_BUNDLE (callers then load the sources through tsx)', async () => {
    process.env.ECERT_NO_BUNDLE = '1';
    try {
      expect(await compiledEntry('src/cli/main.ts')).toBeUndefined();
    } finally {
      delete process.env.ECERT_NO_BUNDLE;
    }
  });
});
