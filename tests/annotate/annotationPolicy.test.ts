import { describe, expect, it } from 'vitest';
import { ANNOTATION_POLICY, addDays, annotationState, isAnnotationExpired, nextAnnotationPossible, validUntilFor } from '../../src/annotate/annotationPolicy';
import { originalDownloadAllowed } from '../../src/annotate/originalDownloadAllowed';
import { loadCatalog } from '../../src/catalog/loadCatalog';
import { catalogSchema } from '../../src/catalog/catalogSchema';
import { readFileSync } from 'node:fs';

/** Issue 15 (加注): the validity and limit rules, on China dates, at their edges; purposes as data. */
describe('annotation policy', () => {
  // 2027-03-10 23:30 UTC is already 2027-03-11 in China
  const lateUtc = new Date('2027-03-10T23:30:00Z');

  it('validUntil counts validDays calendar days in China time, today included', () => {
    expect(validUntilFor(new Date('2027-03-10T12:00:00Z'), 1)).toBe('2027-03-10');
    expect(validUntilFor(lateUtc, 1)).toBe('2027-03-11');
    expect(validUntilFor(lateUtc, 90)).toBe('2027-06-08');
    expect(validUntilFor(new Date('2028-02-28T04:00:00Z'), 2)).toBe('2028-02-29');
    expect(validUntilFor(new Date('2027-12-31T04:00:00Z'), 3)).toBe('2028-01-02');
  });

  it('a copy is valid on day 0 and day validDays−1, expired on day validDays (China midnight)', () => {
    const made = new Date('2027-03-10T02:00:00Z');
    for (const validDays of [1, 30, ANNOTATION_POLICY.maxValidDays]) {
      const until = validUntilFor(made, validDays);
      const dayN = (n: number, hhmm: string) => new Date(`${addDays('2027-03-10', n)}T${hhmm}:00+08:00`);
      expect(isAnnotationExpired(until, dayN(0, '00:00'))).toBe(false);
      expect(isAnnotationExpired(until, dayN(validDays - 1, '23:59'))).toBe(false);
      expect(isAnnotationExpired(until, dayN(validDays, '00:00'))).toBe(true);
    }
  });

  it('states and the next possible date (the day after the earliest end date)', () => {
    const now = new Date('2027-03-10T02:00:00Z');
    expect(annotationState({ status: 'active', validUntil: '2027-03-10' }, now)).toBe('valid');
    expect(annotationState({ status: 'active', validUntil: '2027-03-09' }, now)).toBe('expired');
    expect(annotationState({ status: 'withdrawn', validUntil: '2027-06-01' }, now)).toBe('withdrawn');
    expect(nextAnnotationPossible(['2027-05-01', '2027-03-12', '2027-04-30'])).toBe('2027-03-13');
    expect(ANNOTATION_POLICY).toEqual({ maxValidDays: 90, maxValid: 3 });
  });

  it('purposes and the per-body original setting come from the catalog data, validated at load', () => {
    const c = loadCatalog();
    expect(c.annotationPurposes.map((p) => p.code)).toEqual(expect.arrayContaining(['self-use', 'job-application', 'practice-registration']));
    expect(c.annotationPurposes.find((p) => p.code === 'self-use')).toMatchObject({ zh: '本人调用', cptaOffersToday: true });
    const raw = JSON.parse(readFileSync(new URL('../../templates/catalog.json', import.meta.url), 'utf8'));
    expect(catalogSchema.safeParse({ ...raw, annotationPurposes: [{ code: 'job-application', zh: '求职应聘', en: 'job' }] }).success).toBe(false);
    expect(catalogSchema.safeParse({ ...raw, annotationPurposes: [{ code: 'self-use', zh: '本人调用', en: 'a' }, { code: 'self-use', zh: '本人', en: 'b' }] }).success).toBe(false);
    expect(catalogSchema.safeParse({ ...raw, issuingBodies: [{ ...raw.issuingBodies[0], annotatedCopiesOnlyFrom: '2021-13-01' }] }).success).toBe(false);
    const only = c.bodies.find((b) => b.annotatedCopiesOnlyFrom)!;
    expect(only.annotatedCopiesOnlyFrom).toBe('2021-12-17');
    expect(originalDownloadAllowed({ issuerBody: only.code, issueDate: '2021-12-16' }, c)).toBe(true);
    expect(originalDownloadAllowed({ issuerBody: only.code, issueDate: '2021-12-17' }, c)).toBe(false);
    expect(originalDownloadAllowed({ issuerBody: 'mohrss', issueDate: '2025-08-15' }, c)).toBe(true);
  });
});
