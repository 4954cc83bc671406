import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, EcertError } from '../../src/core/errors';

describe('EcertError', () => {
  it('carries a stable code, its status and a bilingual message', () => {
    const e = new EcertError('ERR_GLYPH_MISSING', { zh: '𠇔', en: 'U+201D4' });
    expect(e.code).toBe('ERR_GLYPH_MISSING');
    expect(e.status).toBe(422);
    expect(e.toJSON()).toEqual({ error: { code: 'ERR_GLYPH_MISSING', message: { zh: expect.stringContaining('𠇔'), en: expect.stringContaining('U+201D4') } } });
  });
  it('every code has a 4xx/5xx status and both messages', () => {
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^ERR_[A-Z][A-Z0-9_]*$/); // digits allowed inside (ERR_PKCS11_PIN, issue 13)
      expect(spec.status).toBeGreaterThanOrEqual(400);
      expect(spec.zh.length).toBeGreaterThan(1);
      expect(spec.en.length).toBeGreaterThan(1);
    }
  });
  it('a transient 503 says when to retry (Retry-After), an error that names its own wait keeps it, a lasting one says nothing', () => {
    for (const spec of Object.values(ERROR_CODES) as Array<{ status: number; retryAfter?: number }>) if (spec.retryAfter !== undefined) expect(spec.status).toBe(503);
    expect(new EcertError('ERR_REGISTRY_UNAVAILABLE').retryAfterSeconds).toBe(5);
    expect(new EcertError('ERR_BUSY', { details: { retryAfterSeconds: 9 } }).retryAfterSeconds).toBe(9);
    expect(new EcertError('ERR_RATE_LIMITED', { details: { retryAfterSeconds: 60 } }).retryAfterSeconds).toBe(60);
    // used up or refused for good: retrying changes nothing
    for (const code of ['ERR_MANAGEMENT_NO_EXHAUSTED', 'ERR_SEAL_KEY_COMPROMISED', 'ERR_KEY_CERT_MISMATCH', 'ERR_PKCS11_PIN', 'ERR_VALIDATION'] as const) expect(new EcertError(code).retryAfterSeconds, code).toBeUndefined();
  });
  it('user-facing code never adds an English detail without the Chinese one (issue 12: "in Chinese as fully as in English")', () => {
    // every `new EcertError(code, { en: … })` without `zh:` in the code that answers issuers,
    // holders and operators; internal failures (ERR_INTERNAL, a worker's death) name no field
    const internal = /ERR_INTERNAL|ERR_RENDER_WORKER_DIED|ERR_KEYS_MISSING|ERR_CATALOG_INVALID/;
    const offenders: string[] = [];
    for (const dir of ['src/issue', 'src/http', 'src/cli', 'src/annotate']) {
      for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
        const text = readFileSync(join(dir, file), 'utf8');
        for (const m of text.matchAll(/new EcertError\('(ERR_[A-Z0-9_]+)',\s*\{([^}]*)\}/g)) {
          if (/\ben:/.test(m[2]) && !/\bzh:/.test(m[2]) && !/\.\.\./.test(m[2]) && !internal.test(m[1])) offenders.push(`${dir}/${file}: ${m[0].slice(0, 90)}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
