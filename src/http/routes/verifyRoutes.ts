import { Router } from 'express';
import type { Services } from '../../services';
import { verifyUpload } from '../../verify/verifyUpload';
import { qrCheckLinkFor } from '../../verify/copies/qrCheckLinkFor';
import { decodeQrImage } from '../../qr/decodeQrImage';
import { verifyToken } from '../../verify/verifyToken';
import type { VerificationReport } from '../../verify/VerificationReport';
import { readUploadedFile } from '../readUpload';

/** Anyone verifies: an uploaded PDF, or a QR token. The answer is always a report (200). */
export function verifyRoutes(s: Services, onReport?: (kind: 'pdf' | 'token', report: VerificationReport) => void): Router {
  const r = Router();
  r.post('/api/v1/verify', async (req, res) => {
    // a PDF, or (issue 11) a PNG/JPEG/WebP photo or screenshot of its QR code → the token report
    const file = await readUploadedFile(req, s.config.maxUploadBytes);
    const report = await verifyUpload(file, verifyDeps(s));
    onReport?.(report.evidence === 'qr' ? 'token' : 'pdf', report);
    res.set('Cache-Control', 'no-store').json(report);
  });
  r.get('/api/v1/verify/token/:token', async (req, res) => {
    const report = await verifyToken(String(req.params.token), { jwks: s.keys.jwks(), catalog: s.catalog, registry: s.registry, clock: s.clock });
    onReport?.('token', report);
    res.set('Cache-Control', 'no-store').json(report);
  });
  return r;
}

/** Everything verification needs, from the services (issue 11: with the QR check link of copies). */
export function verifyDeps(s: Services) {
  return {
    trustAnchors: s.keys.trustAnchors,
    tsaTrustAnchors: s.tsaTrustAnchors,
    compromisedSeals: s.keys.compromisedSeals,
    jwks: s.keys.jwks(),
    catalog: s.catalog,
    registry: s.registry,
    clock: s.clock,
    qrCheckLinkFor: qrCheckLinkFor({ registry: s.registry, qrKey: s.keys.qrKey, publicUrl: s.publicUrl }),
    decodeQr: decodeQrImage,
  };
}
