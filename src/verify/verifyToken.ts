import type { JSONWebKeySet } from 'jose';
import type { Catalog } from '../catalog/Catalog';
import type { Clock } from '../core/clock';
import { isEcertError } from '../core/errors';
import { verifyQrToken } from '../qr/qrToken';
import { registryStatus, type RegistryReader } from './registryStatus';
import { annotationOutcome, annotationVerdict, type AnnotationReader } from './annotationOutcome';
import { sampleOutcome } from './sampleOutcome';
import { makeReport, type Check, type VerificationReport } from './VerificationReport';

export interface VerifyTokenDeps {
  jwks: JSONWebKeySet;
  catalog: Catalog;
  registry: RegistryReader & AnnotationReader;
  clock: Clock;
}

/** QR token: signature against the published QR keys → claims → registry status → report. */
export async function verifyToken(token: string, deps: VerifyTokenDeps): Promise<VerificationReport> {
  const now = deps.clock();
  const checks: Check[] = [];
  let claims;
  try {
    claims = await verifyQrToken(token, deps.jwks);
  } catch (e) {
    if (!isEcertError(e)) throw e;
    checks.push({ id: 'token-signature', passed: false, detail: e.bilingual.en });
    return makeReport('TOTAL_FAILED', 'SIG_CRYPTO_FAILURE', checks, now, { evidence: 'qr' });
  }
  checks.push({ id: 'token-signature', passed: true, detail: 'signed by a published QR key' });
  // issue 12: a sample's token (its format, or a 管理号 of the sample range) confirms no certificate
  const sample = await sampleOutcome({ managementNo: claims.n, marked: claims.z === true }, deps.registry);
  if (sample) {
    checks.push(...sample.checks);
    return makeReport('TOTAL_FAILED', 'SAMPLE', checks, now, { evidence: 'qr' });
  }
  // issue 15: the token of an annotated copy names an annotation the registry must hold
  const copy = claims.y ? await annotationOutcome(claims.y, claims.n, deps.registry, deps.catalog, now) : undefined;
  if (copy) checks.push(...copy.checks);
  if (copy?.mismatch) return makeReport('TOTAL_FAILED', copy.mismatch, checks, now, { evidence: 'qr' });
  const reg = await registryStatus(
    {
      managementNo: claims.n,
      version: claims.r,
      qualification: claims.q,
      ...(claims.hc ? { holderNamePrefix: claims.h } : { holderName: claims.h }),
      idNumberMasked: claims.i,
      approvalDate: claims.a,
      issueDate: claims.d,
      ...(claims.x ? { sex: claims.x } : {}),
      ...(claims.b ? { birth: claims.b } : {}),
    },
    deps.registry,
    deps.catalog,
  );
  checks.push(...reg.checks);
  const extra = { evidence: 'qr' as const, ...(reg.certificate ? { certificate: reg.certificate } : {}), ...(copy?.annotation ? { annotation: copy.annotation } : {}) };
  if (reg.indeterminate) return makeReport('INDETERMINATE', reg.sub, checks, now, extra);
  if (reg.sub) return makeReport('TOTAL_FAILED', reg.sub, checks, now, extra);
  const annotated = copy?.annotation ? annotationVerdict(copy.annotation, checks) : undefined;
  if (annotated) return makeReport('TOTAL_FAILED', annotated, checks, now, extra);
  return makeReport('TOTAL_PASSED', undefined, checks, now, extra);
}
