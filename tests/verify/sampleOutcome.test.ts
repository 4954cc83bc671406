import { describe, expect, it } from 'vitest';
import { sampleOutcome } from '../../src/verify/sampleOutcome';
import { formatManagementNo, sampleManagementNo } from '../../src/registry/managementNumber';
import type { CertificateRecord } from '../../src/registry/RegistryStore';

/** Issue 12: either signal makes a sample; a sample number in the registry is a registry error. */
const registryWith = (...nos: string[]) => ({ getCertificate: async (no: string) => (nos.includes(no) ? ({ managementNo: no } as CertificateRecord) : undefined) });

describe('sampleOutcome', () => {
  const certificateNo = formatManagementNo(2025, 39, 17);
  const sampleNo = sampleManagementNo(2025, 39, 3);

  it('is undefined for a certificate: not marked, a number outside the sample range', async () => {
    expect(await sampleOutcome({ managementNo: certificateNo }, registryWith(certificateNo))).toBeUndefined();
    expect(await sampleOutcome({ managementNo: certificateNo, marked: false })).toBeUndefined();
  });

  it('finds a sample by its mark alone, by its number alone, or both', async () => {
    const marked = await sampleOutcome({ managementNo: certificateNo, marked: true });
    expect(marked?.checks).toEqual([{ id: 'not-a-sample', passed: false, detail: expect.stringContaining('marked as a sample') }]);
    const inRange = await sampleOutcome({ managementNo: sampleNo });
    expect(inRange?.checks).toEqual([{ id: 'not-a-sample', passed: false, detail: expect.stringContaining('sample range') }]);
    const both = await sampleOutcome({ managementNo: sampleNo, marked: true }, registryWith());
    expect(both?.checks).toHaveLength(1);
    expect(both?.checks[0].detail).toMatch(/marked as a sample; .*sample range/);
  });

  it('reports a sample number held by the registry as a registry error (the registry never draws one)', async () => {
    const r = await sampleOutcome({ managementNo: sampleNo, marked: true }, registryWith(sampleNo));
    expect(r?.checks.map((c) => [c.id, c.passed])).toEqual([['not-a-sample', false], ['sample-not-registered', false]]);
    expect(r?.checks[1].detail).toContain('registry error');
    // a registry that cannot be reached changes nothing: still a sample
    const down = { getCertificate: async () => Promise.reject(new Error('down')) };
    expect((await sampleOutcome({ managementNo: sampleNo }, down))?.checks).toHaveLength(1);
  });
});
