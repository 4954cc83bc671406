import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestServices, type TestEnv } from '../helpers/testServices';
import { issueBody } from '../helpers/holders';
import { makeForeignKeys } from '../helpers/testPki';
import { issueCertificate } from '../../src/issue/issueCertificate';
import { buildCertificateDocument } from '../../src/issue/buildCertificateDocument';
import { validateIssueRequest } from '../../src/issue/validateIssueRequest';
import { verifyPdf } from '../../src/verify/verifyPdf';
import { attackCorpus, ltvAttackCorpus, ltvUpdate, type Attack } from './attackCorpus';
import { makeOpensslTsa } from '../helpers/opensslTimestamp';
import { appendLtvRevision } from '../../src/pdf/appendLtvRevision';
import { inspectSignatures } from '../../src/verify/pdf/inspectSignatures';

/**
 * Issue #6: every attack class of security.md, generated from a real issued certificate,
 * for RSA and ECDSA seals. Every variant must be TOTAL_FAILED with a sub-indication, and
 * no exception may escape the verifier.
 */
describe.each(['ecdsa', 'rsa'] as const)('attack corpus against the verifier (%s seal)', (alg) => {
  let env: TestEnv;
  let corpus: Attack[];
  let original: Buffer;
  const tally = { tried: 0, falseAccepts: 0, unexpectedErrors: 0 };

  beforeAll(async () => {
    env = await makeTestServices({ alg });
    const q = env.s.catalog.list()[0];
    const issuer = { id: 'iss_attack', bodyCode: q.issuingBody, name: 't', qualifications: [q.code] };
    await env.s.registry.createIssuer({ ...issuer, keyHash: 'x', actor: 'test', now: env.s.clock() });
    const body = issueBody(q.code, 7, q.specialties?.length ? { specialty: q.specialties[0].name } : {});
    const r = await issueCertificate(body, issuer, env.s);
    const pdf = (await env.s.registry.getDocument(r.record.managementNo))!.pdf;
    const foreign = await makeForeignKeys();
    const req = validateIssueRequest(body, { catalog: env.s.catalog, now: env.s.clock() });
    const forged = await buildCertificateDocument(req, { managementNo: r.record.managementNo, version: 1, signingTime: env.s.clock() }, { ...env.s, keys: foreign.store });
    original = pdf;
    corpus = attackCorpus(pdf, { foreignSigned: forged.pdf });
  });
  afterAll(async () => {
    console.log(`attack files tried: ${tally.tried}, false accepts: ${tally.falseAccepts}, unexpected errors: ${tally.unexpectedErrors} (${alg})`);
    await env?.close();
  });

  it('covers every class of security.md, each variant a different file', () => {
    for (const a of corpus) expect(a.bytes.equals(original), `${a.cls} / ${a.variant}`).toBe(false);
    expect(new Set(corpus.map((a) => a.cls))).toEqual(new Set(['USF', 'CMS', 'ISA', 'SWA', 'Shadow', 'Certification', 'Structure']));
    expect(corpus.length).toBeGreaterThanOrEqual(35);
  });

  it('fails every variant with a sub-indication, never throwing', async () => {
    const failures: string[] = [];
    for (const attack of corpus) {
      tally.tried++;
      try {
        const r = await verifyPdf(attack.bytes, { trustAnchors: env.s.keys.trustAnchors, tsaTrustAnchors: env.s.tsaTrustAnchors, catalog: env.s.catalog, registry: env.s.registry, clock: env.s.clock });
        if (r.indication !== 'TOTAL_FAILED' || !r.subIndication) {
          tally.falseAccepts += r.indication === 'TOTAL_PASSED' ? 1 : 0;
          failures.push(`${attack.cls} / ${attack.variant}: ${r.indication} ${r.subIndication ?? ''}`);
        }
      } catch (e) {
        tally.unexpectedErrors++;
        failures.push(`${attack.cls} / ${attack.variant}: threw ${(e as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('names the rule: the foreign seal fails its chain, byte changes fail the hash or the structure', async () => {
    const by = (v: string) => corpus.find((a) => a.variant === v)!;
    const run = (a: Attack) => verifyPdf(a.bytes, { trustAnchors: env.s.keys.trustAnchors, tsaTrustAnchors: env.s.tsaTrustAnchors, catalog: env.s.catalog, registry: env.s.registry, clock: env.s.clock });
    expect((await run(by('signed by a key that is not ours'))).subIndication).toBe('NO_CERTIFICATE_CHAIN_FOUND');
    expect((await run(by('new page content, valid xref'))).subIndication).toBe('FORMAT_FAILURE');
    expect((await run(by('padding changed'))).subIndication).toBe('FORMAT_FAILURE');
  });
});

/**
 * Issue 14: forged long-term validation updates (security.md, "Long-term validation updates").
 * A hand-written well-formed update passes the structure rules (control); each forgery changes
 * one thing and must be TOTAL_FAILED / FORMAT_FAILURE, never an exception. The attack corpus
 * above must also fail when applied to a B-LTA file's seal revision.
 */
describe('long-term validation update forgeries', () => {
  let env: TestEnv;
  let pdf: Buffer;
  let token: Buffer;
  let lta: Buffer;
  let tsa: ReturnType<typeof makeOpensslTsa>;
  const offline = (b: Buffer) => verifyPdf(b, { trustAnchors: env.s.keys.trustAnchors, tsaTrustAnchors: env.s.tsaTrustAnchors, catalog: env.s.catalog, clock: env.s.clock });

  beforeAll(async () => {
    env = await makeTestServices();
    const q = env.s.catalog.list()[0];
    const issuer = { id: 'iss_ltv_attack', bodyCode: q.issuingBody, name: 't', qualifications: [q.code] };
    await env.s.registry.createIssuer({ ...issuer, keyHash: 'x', actor: 'test', now: env.s.clock() });
    const r = await issueCertificate(issueBody(q.code, 8), issuer, env.s);
    pdf = (await env.s.registry.getDocument(r.record.managementNo))!.pdf;
    tsa = makeOpensslTsa();
    token = await tsa.stamp(Buffer.alloc(32, 7));
    lta = await appendLtvRevision(pdf, { certs: env.s.keys.trustAnchors, ocsps: [], crls: [] }, (d) => tsa.stamp(d));
  }, 60_000);
  afterAll(() => env?.close());

  it('accepts the hand-written well-formed update and the one appendLtvRevision writes (controls)', async () => {
    // the writer's revision, stamped by a TSA the verifier is told to trust: only the registry is missing
    const trusting = await verifyPdf(lta, { trustAnchors: env.s.keys.trustAnchors, tsaTrustAnchors: [...env.s.tsaTrustAnchors, tsa.certsDer()[0]], catalog: env.s.catalog, clock: env.s.clock });
    expect(trusting.checks.filter((c) => !c.passed).map((c) => `${c.id}: ${c.detail}`)).toEqual(['registry-record: not checked (offline)']);
    expect(trusting.checks.map((c) => c.id)).toEqual(expect.arrayContaining(['ltv-update', 'document-timestamp-1', 'signature-timestamp']));
    // the same TSA not trusted: the document timestamp proves nothing
    expect((await offline(lta)).checks.filter((c) => !c.passed).map((c) => c.id)).toEqual(['document-timestamp-1']);
    // the hand-written update passes every structure rule; its token (over other bytes) is then refused
    const hand = await offline(ltvUpdate(pdf, token, env.s.keys.trustAnchors[0]));
    expect(hand.checks.filter((c) => !c.passed).map((c) => c.id)).toEqual(['document-timestamp-1']);
    expect(hand.indication).toBe('TOTAL_FAILED');
  });

  it('fails every forged update with FORMAT_FAILURE, naming the rule, never throwing', async () => {
    const corpus = ltvAttackCorpus(pdf, token, env.s.keys.trustAnchors[0]);
    expect(corpus.length).toBeGreaterThanOrEqual(20);
    const failures: string[] = [];
    const rules = new Set<string>();
    for (const attack of corpus) {
      try {
        const r = await verifyPdf(attack.bytes, { trustAnchors: env.s.keys.trustAnchors, tsaTrustAnchors: env.s.tsaTrustAnchors, catalog: env.s.catalog, registry: env.s.registry, clock: env.s.clock });
        const failed = r.checks.find((c) => !c.passed);
        rules.add(failed?.id ?? '');
        if (r.indication !== 'TOTAL_FAILED' || r.subIndication !== 'FORMAT_FAILURE') failures.push(`${attack.variant}: ${r.indication} ${r.subIndication ?? ''} (${failed?.id}: ${failed?.detail})`);
      } catch (e) {
        failures.push(`${attack.variant}: threw ${(e as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
    // the forgeries are refused by the update rules, not by an accident of parsing
    for (const id of ['ltv-update-objects', 'ltv-update-catalog', 'ltv-update-dss-der', 'document-timestamp', 'single-revision', 'signature-count', 'ltv-update-xref']) expect(rules).toContain(id);
  });

  it('fails the attack corpus built on a B-LTA copy (structure, seal, or the document timestamp over its bytes)', async () => {
    const failures: string[] = [];
    let byTimestampOnly = 0;
    for (const attack of attackCorpus(lta)) {
      const r = await offline(attack.bytes).catch((e: Error) => ({ indication: 'threw ' + e.message, subIndication: undefined }));
      if (r.indication === 'TOTAL_FAILED' && r.subIndication) continue;
      // bytes of revision 1 outside the seal's ByteRange (its /Contents hex) are covered by the
      // document timestamp only: its RFC 3161 check over the ByteRange (lead's POE step) refuses them
      const ins = inspectSignatures(attack.bytes);
      const t = ins.documentTimestamps[0];
      const covered = Buffer.concat([attack.bytes.subarray(0, t.byteRange[1]), attack.bytes.subarray(t.byteRange[2], t.byteRange[2] + t.byteRange[3])]);
      if (r.indication !== 'TOTAL_PASSED' && !/Verification: OK/.test(tsa.verify(t.token, covered))) byTimestampOnly++;
      else failures.push(`${attack.cls} / ${attack.variant}: ${r.indication}`);
    }
    expect(failures).toEqual([]);
    expect(byTimestampOnly).toBeLessThanOrEqual(1);
  });
});
