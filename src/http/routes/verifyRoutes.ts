import { Router } from 'express';
import type { Services } from '../../services';
import { verifyPdf } from '../../verify/verifyPdf';
import { verifyToken } from '../../verify/verifyToken';
import type { VerificationReport } from '../../verify/VerificationReport';
import { readPdfUpload } from '../readUpload';

/** Anyone verifies: an uploaded PDF, or a QR token. The answer is always a report (200). */
export function verifyRoutes(s: Services, onReport?: (kind: 'pdf' | 'token', report: VerificationReport) => void): Router {
  const r = Router();
  r.post('/api/v1/verify', async (req, res) => {
    const pdf = await readPdfUpload(req, s.config.maxUploadBytes);
    const report = await verifyPdf(pdf, { trustAnchors: s.keys.trustAnchors, compromisedSeals: s.keys.compromisedSeals, catalog: s.catalog, registry: s.registry, clock: s.clock });
    onReport?.('pdf', report);
    res.set('Cache-Control', 'no-store').json(report);
  });
  r.get('/api/v1/verify/token/:token', async (req, res) => {
    const report = await verifyToken(String(req.params.token), { jwks: s.keys.jwks(), catalog: s.catalog, registry: s.registry, clock: s.clock });
    onReport?.('token', report);
    res.set('Cache-Control', 'no-store').json(report);
  });
  return r;
}
