import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnnotatedCopy } from '../../src/annotate/createAnnotatedCopy';
import { addDays } from '../../src/annotate/annotationPolicy';
import { issueCertificate } from '../../src/issue/issueCertificate';
import type { Issuer } from '../../src/registry/RegistryStore';
import { verifyPdf } from '../../src/verify/verifyPdf';
import { verifyToken } from '../../src/verify/verifyToken';
import { renderPng, zbar } from '../helpers/pdfTools';
import { issueBody } from '../helpers/holders';
import { makeTestServices, type TestEnv } from '../helpers/testServices';

/**
 * Issue 15 (加注): verification of an annotated copy on an injected clock, PDF and QR alike: valid
 * from the moment it is made through the last minute of day validDays−1 (China time), expired
 * from the first minute of day validDays. A copy with one byte changed is not confirmed.
 */
let env: TestEnv;
let now = new Date('2027-04-10T01:00:00Z'); // 09:00 China time
const at = (day: string, hhmm: string) => new Date(`${day}T${hhmm}:00+08:00`);

beforeAll(async () => {
  env = await makeTestServices({ clock: () => now });
});
afterAll(() => env?.close());

describe.each([1, 7, 90])('an annotated copy valid for %i day(s)', (validDays) => {
  let pdf: Buffer;
  let token: string;
  let until: string;

  beforeAll(async () => {
    now = new Date('2027-04-10T01:00:00Z');
    const entry = env.s.catalog.list().find((x) => x.style === 2)!;
    const issuer: Issuer = { id: `iss_${validDays}`, bodyCode: entry.issuingBody, name: 't', qualifications: [entry.code] };
    await env.s.registry.createIssuer({ ...issuer, keyHash: `x${validDays}`, actor: 'test', now });
    const body = issueBody(entry.code, 100 + validDays);
    const r = await issueCertificate(body, issuer, env.s);
    const copy = await createAnnotatedCopy({ name: body.holder.name, idNumber: body.holder.idNumber, managementNo: r.record.managementNo, purpose: 'self-use', validDays }, env.s);
    pdf = copy.pdf;
    until = copy.annotation.validUntil;
    token = zbar(renderPng(pdf, 200))[0].split(/\/v\//i)[1];
  });

  const check = async (when: Date) => {
    now = when;
    const deps = { trustAnchors: env.s.keys.trustAnchors, tsaTrustAnchors: env.s.tsaTrustAnchors, jwks: env.s.keys.jwks(), catalog: env.s.catalog, registry: env.s.registry, clock: () => when };
    const [p, q] = [await verifyPdf(pdf, deps), await verifyToken(token, deps)];
    return [`${p.indication}/${p.subIndication ?? ''}/${p.annotation?.status}`, `${q.indication}/${q.subIndication ?? ''}/${q.annotation?.status}`];
  };

  it('passes on day 0 and on the last minute of day validDays−1, fails ANNOTATION_EXPIRED from day validDays', async () => {
    expect(until).toBe(addDays('2027-04-10', validDays - 1));
    const ok = 'TOTAL_PASSED//valid';
    const expired = 'TOTAL_FAILED/ANNOTATION_EXPIRED/expired';
    expect(await check(at('2027-04-10', '09:00'))).toEqual([ok, ok]);
    expect(await check(at(until, '23:59'))).toEqual([ok, ok]);
    expect(await check(at(addDays(until, 1), '00:00'))).toEqual([expired, expired]);
    expect(await check(at(addDays(until, 400), '12:00'))).toEqual([expired, expired]);
  });

  it('a changed byte is not confirmed as the copy', async () => {
    const t = Buffer.from(pdf);
    t[t.indexOf('/Producer (ecert)') + 11] = 'E'.charCodeAt(0);
    now = at('2027-04-10', '10:00');
    const r = await verifyPdf(t, { trustAnchors: env.s.keys.trustAnchors, tsaTrustAnchors: env.s.tsaTrustAnchors, catalog: env.s.catalog, registry: env.s.registry, clock: () => now });
    expect(r.indication).toBe('TOTAL_FAILED');
    expect(r.subIndication).not.toBe('ANNOTATION_EXPIRED');
  });
});
