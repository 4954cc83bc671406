import { examineTimeStampToken, TokenFault, type TokenCheck, type TokenSubIndication } from './examineTimeStampToken';

export interface TimeStampTokenVerification {
  ok: boolean;
  genTime?: Date;
  tsaCertificate?: Buffer;
  tsaSubject?: string;
  checks: TokenCheck[];
  subIndication?: TokenSubIndication;
}

/**
 * The verifier's check of an embedded RFC 3161 TimeStampToken (a signature timestamp,
 * ETSI EN 319 142-1 §5.3, or a document timestamp, §5.5): the same checks as the issuing
 * client (checkTimeStampResponse.ts) without the nonce and the clock window: structure
 * (strict DER, bounded size and certificate count), message imprint = `imprint`, ESS
 * signing-certificate, CMS signature, critical id-kp-timeStamping EKU, chain to one of
 * `trustAnchors` valid at genTime and at `at` (now, or a later timestamp's genTime).
 * Never throws: junk is FORMAT_FAILURE.
 */
export function verifyTimeStampToken(args: { token: Buffer; imprint: Buffer; trustAnchors: Buffer[]; at: Date }): TimeStampTokenVerification {
  const checks: TokenCheck[] = [];
  try {
    const r = examineTimeStampToken({ token: args.token, imprint: args.imprint, trustAnchors: args.trustAnchors, validAt: [args.at], checks });
    return { ok: true, genTime: r.genTime, tsaCertificate: r.tsaCertificate, tsaSubject: r.tsaSubject, checks };
  } catch (e) {
    if (e instanceof TokenFault) {
      checks.push({ id: e.id, passed: false, detail: e.detail });
      return { ok: false, subIndication: e.sub, checks };
    }
    checks.push({ id: 'tst-structure', passed: false, detail: `unreadable token (${String((e as Error)?.message ?? e).slice(0, 80)})` });
    return { ok: false, subIndication: 'FORMAT_FAILURE', checks };
  }
}
