import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestServices, type TestEnv } from '../helpers/testServices';
import { issueBody } from '../helpers/holders';
import { makeForeignKeys } from '../helpers/testPki';
import { issueCertificate } from '../../src/issue/issueCertificate';
import { buildCertificateDocument } from '../../src/issue/buildCertificateDocument';
import { validateIssueRequest } from '../../src/issue/validateIssueRequest';
import { verifyPdf } from '../../src/verify/verifyPdf';
import { attackCorpus, type Attack } from './attackCorpus';

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
        const r = await verifyPdf(attack.bytes, { trustAnchors: env.s.keys.trustAnchors, catalog: env.s.catalog, registry: env.s.registry, clock: env.s.clock });
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
    const run = (a: Attack) => verifyPdf(a.bytes, { trustAnchors: env.s.keys.trustAnchors, catalog: env.s.catalog, registry: env.s.registry, clock: env.s.clock });
    expect((await run(by('signed by a key that is not ours'))).subIndication).toBe('NO_CERTIFICATE_CHAIN_FOUND');
    expect((await run(by('new page content, valid xref'))).subIndication).toBe('FORMAT_FAILURE');
    expect((await run(by('padding changed'))).subIndication).toBe('FORMAT_FAILURE');
  });
});
