import { describe, expect, it } from 'vitest';
import { reportView, verdictOf } from '../../../src/http/pages/reportView';
import { makeReport } from '../../../src/verify/VerificationReport';

describe('reportView', () => {
  it('shows a sample (issue 12) as a sample, not a certificate, for the file and the QR code', () => {
    for (const evidence of ['pdf', 'qr'] as const) {
      const r = makeReport('TOTAL_FAILED', 'SAMPLE', [{ id: 'not-a-sample', passed: false, detail: 'marked as a sample' }], new Date('2025-08-15T00:00:00Z'), { evidence });
      expect(verdictOf(r)).toBe('sample');
      const html = reportView(r);
      expect(html).toContain('样本，不是证书');
      expect(html).toContain('Sample, not a certificate');
      expect(html).toContain('data-sub-indication="SAMPLE"');
      expect(html).toContain('这是样本，不是证书');
      expect(html).not.toMatch(/(?<!未)通过/);
    }
  });
});
