import express, { Router } from 'express';
import { EcertError } from '../../core/errors';
import type { Services } from '../../services';
import { createDevelopmentCa, OCSP_STATUS, ocspError } from '../../ltv/revocation/developmentCa';

/** Cap on an OCSP request body: a request for a few certificates is a few hundred bytes. */
export const MAX_OCSP_REQUEST_BYTES = 10 * 1024;

/**
 * The development CA's revocation services, named in development seal certificates
 * (src/keys/generateKeyMaterial.ts): `GET /pki/crl/<root id>.crl` (RFC 5280 §5, DER,
 * application/pkix-crl per RFC 2585 §4.2) and `POST /pki/ocsp` or `GET /pki/ocsp/<base64>`
 * (RFC 6960 Appendix A.1).
 * A request that is not an OCSPRequest gets a malformedRequest OCSPResponse (§2.3), not an
 * error page. Everything is made by src/ltv/revocation/developmentCa.ts.
 */
export function pkiRoutes(s: Services): Router {
  const r = Router();
  const ca = createDevelopmentCa({ keysDir: s.config.keysDir, passphrase: s.config.keyPassphrase });
  const answer = (der: Buffer): Buffer => {
    try {
      return der.length ? ca.respondOcsp(der, s.clock()) : ocspError(OCSP_STATUS.malformedRequest);
    } catch {
      return ocspError(OCSP_STATUS.internalError);
    }
  };
  r.get('/pki/crl/:ca.crl', (req, res, next) => {
    const id = String(req.params.ca);
    const crl = /^[0-9a-f]{1,64}$/.test(id) ? ca.buildCrl(id, s.clock()) : undefined;
    if (!crl) return next(new EcertError('ERR_NOT_FOUND', { zh: `没有名为「${id}」的开发用 CA`, en: `no development CA "${id}"` }));
    res.type('application/pkix-crl').set('Cache-Control', 'public, max-age=3600').send(crl);
  });
  r.post('/pki/ocsp', express.raw({ type: () => true, limit: MAX_OCSP_REQUEST_BYTES }), (req, res) => {
    res.type('application/ocsp-response').set('Cache-Control', 'no-store').send(answer(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)));
  });
  // RFC 6960 Appendix A.1: GET {url}/{url-encoding of base-64 encoding of the DER OCSPRequest}
  r.get('/pki/ocsp/*request', (req, res) => {
    const raw = String(req.originalUrl.slice(req.originalUrl.indexOf('/pki/ocsp/') + '/pki/ocsp/'.length)).split('?')[0];
    let der = Buffer.alloc(0);
    try {
      const b64 = decodeURIComponent(raw);
      if (b64.length <= MAX_OCSP_REQUEST_BYTES * 2 && /^[A-Za-z0-9+/=_-]+$/.test(b64)) der = Buffer.from(b64, 'base64');
    } catch {
      /* malformed escape: a malformedRequest below */
    }
    res.type('application/ocsp-response').set('Cache-Control', 'no-store').send(answer(der));
  });
  return r;
}
