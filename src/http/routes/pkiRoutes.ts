import express, { Router } from 'express';
import { EcertError } from '../../core/errors';
import type { Services } from '../../services';
import { createDevelopmentCa, OCSP_STATUS, ocspError } from '../../ltv/revocation/developmentCa';

/** Cap on an OCSP request body: a request for a few certificates is a few hundred bytes. */
export const MAX_OCSP_REQUEST_BYTES = 10 * 1024;

/**
 * The development CA's revocation services, named in development seal certificates
 * (src/keys/generateKeyMaterial.ts): `GET /pki/crl/<root id>.crl` (RFC 5280 §5, DER,
 * application/pkix-crl per RFC 2585 §4.2) and `POST /pki/ocsp` (RFC 6960 Appendix A.1).
 * A request that is not an OCSPRequest gets a malformedRequest OCSPResponse (§2.3), not an
 * error page. Everything is made by src/ltv/revocation/developmentCa.ts.
 */
export function pkiRoutes(s: Services): Router {
  const r = Router();
  const ca = createDevelopmentCa({ keysDir: s.config.keysDir, passphrase: s.config.keyPassphrase });
  r.get('/pki/crl/:ca.crl', (req, res, next) => {
    const id = String(req.params.ca);
    const crl = /^[0-9a-f]{1,64}$/.test(id) ? ca.buildCrl(id, s.clock()) : undefined;
    if (!crl) return next(new EcertError('ERR_NOT_FOUND', { en: `no development CA "${id}"` }));
    res.type('application/pkix-crl').set('Cache-Control', 'public, max-age=3600').send(crl);
  });
  r.post('/pki/ocsp', express.raw({ type: () => true, limit: MAX_OCSP_REQUEST_BYTES }), (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let answer: Buffer;
    try {
      answer = body.length ? ca.respondOcsp(body, s.clock()) : ocspError(OCSP_STATUS.malformedRequest);
    } catch {
      answer = ocspError(OCSP_STATUS.internalError);
    }
    res.type('application/ocsp-response').set('Cache-Control', 'no-store').send(answer);
  });
  return r;
}
