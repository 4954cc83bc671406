import { EcertError } from '../../core/errors';
import { octets } from '../../sign/der';
import { crlUrls, ocspUrls } from './certFields';
import { checkRevocation, ocspResponseNonce } from './checkRevocation';
import { createDevelopmentCa } from './developmentCa';
import { buildOcspRequest } from './ocspRequest';
import type { RevocationData, RevocationSource } from './RevocationData';

/** Caps on what an outside responder or CRL server may send back. */
export const MAX_OCSP_RESPONSE_BYTES = 1 << 20;
export const MAX_CRL_BYTES = 20 << 20;
export const DEFAULT_REVOCATION_TIMEOUT_MS = 10_000;

/**
 * Validation data for a certificate (ETSI EN 319 142-1 §5.4.2, the /DSS):
 *  - issued by one of OUR development roots (keys/roots/<id>.cert.pem with its key): an OCSP
 *    response and the CRL, made in this process by src/ltv/revocation/developmentCa.ts;
 *  - otherwise: OCSP by HTTP POST to the certificate's AIA id-ad-ocsp URL (RFC 6960
 *    Appendix A.1), else the CRL of its CRLDistributionPoints (RFC 5280 §4.2.1.13), each
 *    with a time limit and a size cap, and each checked (signature, CertID) before use.
 * Nothing usable → EcertError ERR_REVOCATION_UNAVAILABLE (503).
 */
export function createRevocationSource(opts: { keysDir: string; passphrase?: string; clock: () => Date; fetch?: typeof fetch; timeoutMs?: number }): RevocationSource {
  const ca = createDevelopmentCa({ keysDir: opts.keysDir, passphrase: opts.passphrase });
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_REVOCATION_TIMEOUT_MS;

  async function get(url: string, init: RequestInit, cap: number): Promise<Buffer> {
    if (!/^https?:\/\//i.test(url)) throw new Error(`not an http(s) URL: ${url}`);
    const res = await doFetch(url, { ...init, redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`HTTP ${res.status} from ${url}`);
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > cap) throw new Error(`${url}: ${declared} bytes, over the ${cap}-byte cap`);
    const parts: Buffer[] = [];
    let size = 0;
    if (res.body)
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        if (size > cap) throw new Error(`${url}: over the ${cap}-byte cap`);
        parts.push(Buffer.from(chunk));
      }
    return Buffer.concat(parts);
  }

  return {
    async fetch(cert: Buffer, issuer: Buffer): Promise<RevocationData> {
      const now = opts.clock();
      const root = ca.rootOf(cert);
      if (root && root.der.equals(issuer)) {
        const crl = ca.buildCrl(root.id, now)!;
        return { ocsps: [ca.respondOcsp(buildOcspRequest(cert, issuer, { nonce: false }).der, now)], crls: [crl] };
      }
      const failures: string[] = [];
      for (const url of ocspUrls(cert)) {
        try {
          const req = buildOcspRequest(cert, issuer);
          const body = await get(url, { method: 'POST', headers: { 'Content-Type': 'application/ocsp-request', Accept: 'application/ocsp-response' }, body: new Uint8Array(req.der) }, MAX_OCSP_RESPONSE_BYTES);
          // RFC 8954 §2.1: a responder may ignore the nonce (pre-produced responses, RFC 5019); if it answers one, it must be ours
          const echoed = ocspResponseNonce(body);
          if (req.nonce && echoed && !echoed.equals(octets(req.nonce))) throw new Error(`${url}: the response carries another nonce`);
          const r = checkRevocation({ cert, issuer, data: { ocsps: [body], crls: [] }, at: now });
          if (r.status === 'unknown') throw new Error(`${url}: ${r.checks.filter((c) => !c.passed).map((c) => c.detail).join('; ') || 'status unknown'}`);
          return { ocsps: [body], crls: [] };
        } catch (e) {
          failures.push(`OCSP ${url}: ${(e as Error).message}`);
        }
      }
      for (const url of crlUrls(cert)) {
        try {
          let body = await get(url, { method: 'GET', headers: { Accept: 'application/pkix-crl' } }, MAX_CRL_BYTES);
          const pem = body.toString('latin1').match(/-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/);
          if (pem) body = Buffer.from(pem[1].replace(/\s+/g, ''), 'base64');
          const r = checkRevocation({ cert, issuer, data: { ocsps: [], crls: [body] }, at: now });
          if (r.status === 'unknown') throw new Error(`${url}: ${r.checks.filter((c) => !c.passed).map((c) => c.detail).join('; ') || 'status unknown'}`);
          return { ocsps: [], crls: [body] };
        } catch (e) {
          failures.push(`CRL ${url}: ${(e as Error).message}`);
        }
      }
      if (!failures.length) failures.push('the certificate names no OCSP responder (AIA) and no CRL distribution point');
      throw new EcertError('ERR_REVOCATION_UNAVAILABLE', { en: failures.join('; '), details: { failures } });
    },
  };
}
