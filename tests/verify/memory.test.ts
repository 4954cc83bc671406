import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Issue #10, memory: 200 uploads, each carrying one unique ~2 MB certificate in its CMS
 * (./hostileUploads.ts), grow the resident size by no more than 150 MB. Measured in a child
 * process run with --expose-gc (./memoryProbe.ts): resident and heap sizes after full
 * garbage collections, before and after the 200 verifications. Before the fix: +920 MB
 * after 100 uploads (every certificate parsed was cached with a base64 key and a slice of
 * the upload).
 */
describe('memory under hostile uploads', () => {
  it('200 uploads with a unique 2 MB certificate each leave the resident size flat (< 150 MB growth) and cache nothing', () => {
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(import.meta.dirname, 'memoryProbe.ts')], {
      cwd: join(import.meta.dirname, '../..'),
      env: { ...process.env, ECERT_PROBE_UPLOADS: '200' },
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout.trim().split('\n').pop()!);
    console.log(`200 hostile uploads of ${m.uploadBytes} bytes in ${m.seconds.toFixed(1)} s: RSS ${m.before.rssMB.toFixed(0)} → ${m.after.rssMB.toFixed(0)} MB (${m.rssGrowthMB.toFixed(1)} MB), heap ${m.heapGrowthMB.toFixed(1)} MB`);
    // every upload got as far as the chain (its certificate parsed, its signature verified)
    expect(m.verdicts).toEqual({ 'TOTAL_FAILED/NO_CERTIFICATE_CHAIN_FOUND': 205 });
    expect(m.uploadBytes).toBeGreaterThan(4_000_000);
    expect(m.trustedCached).toBe(0);
    expect(m.rssGrowthMB).toBeLessThan(150);
    expect(m.heapGrowthMB).toBeLessThan(50);
  }, 300_000);
});
