import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestServices, type TestEnv } from '../helpers/testServices';
import { issueBody } from '../helpers/holders';
import { issueCertificate } from '../../src/issue/issueCertificate';
import { verifyPdf } from '../../src/verify/verifyPdf';

/**
 * Seeded, reproducible mutation and truncation of a valid certificate (issue #6). CI runs
 * ECERT_FUZZ_CASES (default 3,000); `npm run fuzz` runs 100,000. A failure prints the seed
 * and case number, so it can be replayed with ECERT_FUZZ_SEED.
 */
const CASES = Number(process.env.ECERT_FUZZ_CASES ?? 3000);
const SEED = Number(process.env.ECERT_FUZZ_SEED ?? 0x5eed);
const BUDGET_MS = 1000;

/** mulberry32: a small, well-distributed 32-bit PRNG. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(pdf: Buffer, rnd: () => number): Buffer {
  const int = (n: number) => Math.floor(rnd() * n);
  const kind = int(6);
  if (kind === 0) return pdf.subarray(0, int(pdf.length)); // truncation
  const b = Buffer.from(pdf);
  if (kind === 1) {
    for (let i = 0, n = 1 + int(8); i < n; i++) b[int(b.length)] = int(256); // random bytes
    return b;
  }
  if (kind === 2) {
    const at = int(b.length);
    b[at] ^= 1 << int(8); // a single bit
    return b;
  }
  if (kind === 3) {
    // structural characters swapped for others
    const tokens = ['<', '>', '[', ']', '(', ')', '/', ' ', '0', '9', 'R', '\n'];
    for (let i = 0, n = 1 + int(4); i < n; i++) b[int(b.length)] = tokens[int(tokens.length)].charCodeAt(0);
    return b;
  }
  if (kind === 4) {
    const at = int(b.length);
    return Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + int(64) }, () => int(256))), b.subarray(at)]); // insertion
  }
  const at = int(b.length);
  return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(256))]); // deletion
}

describe('verifier fuzzing', () => {
  let env: TestEnv;
  let pdf: Buffer;
  const tally = { cases: 0, falseAccepts: 0, unexpectedErrors: 0, slowest: 0 };

  beforeAll(async () => {
    env = await makeTestServices();
    const q = env.s.catalog.list().find((x) => !x.specialties?.length)!;
    const issuer = { id: 'iss_fuzz', bodyCode: q.issuingBody, name: 't', qualifications: [q.code] };
    await env.s.registry.createIssuer({ ...issuer, keyHash: 'x', actor: 'test', now: env.s.clock() });
    const r = await issueCertificate(issueBody(q.code, 9), issuer, env.s);
    pdf = (await env.s.registry.getDocument(r.record.managementNo))!.pdf;
  });
  afterAll(async () => {
    console.log(`fuzz cases run: ${tally.cases} (seed ${SEED}), false accepts: ${tally.falseAccepts}, unexpected errors: ${tally.unexpectedErrors}, slowest: ${tally.slowest.toFixed(1)} ms`);
    await env?.close();
  });

  it(`${CASES} mutated certificates: none passes, none throws, each within ${BUDGET_MS} ms`, async () => {
    const rnd = prng(SEED);
    const problems: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const m = mutate(pdf, rnd);
      if (m.equals(pdf)) continue;
      tally.cases++;
      const t0 = performance.now();
      try {
        const r = await verifyPdf(m, { trustAnchors: env.s.keys.trustAnchors, tsaTrustAnchors: env.s.tsaTrustAnchors, catalog: env.s.catalog, registry: env.s.registry, clock: env.s.clock });
        if (r.indication === 'TOTAL_PASSED') {
          tally.falseAccepts++;
          problems.push(`case ${i}: accepted`);
        }
      } catch (e) {
        tally.unexpectedErrors++;
        problems.push(`case ${i}: threw ${(e as Error).message}`);
      }
      const ms = performance.now() - t0;
      tally.slowest = Math.max(tally.slowest, ms);
      if (ms > BUDGET_MS) problems.push(`case ${i}: ${ms.toFixed(0)} ms`);
      if (problems.length > 20) break;
    }
    expect(problems).toEqual([]);
  }, 300_000);
});
