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
});
