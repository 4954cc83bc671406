import { Router } from 'express';
import type { Services } from '../../services';
import { openApiDocument } from '../openapi';
import { apiDocsPage } from '../pages/apiDocsPage';
import { keyHealth } from '../../keys/keyHealth';

/** Catalog, trust anchors, QR keys and health: public, cacheable, no personal data. */
export function publicRoutes(s: Services): Router {
  const r = Router();
  r.get('/api/v1/qualifications', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(s.catalog.publicView());
  });
  r.get('/api/v1/trust-anchors', (_req, res) => {
    res.type('application/x-pem-file').set('Cache-Control', 'public, max-age=3600').send(s.keys.trustAnchorsPem());
  });
  r.get('/.well-known/jwks.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').json(s.keys.jwks());
  });
  r.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument(s.publicUrl));
  });
  r.get('/api-docs', (_req, res) => {
    res.type('html').send(apiDocsPage(openApiDocument(s.publicUrl)));
  });
  r.get('/healthz', async (_req, res) => {
    try {
      await s.registry.ping();
      res.json({ status: 'ok', registry: { engine: s.registry.engine, reachable: true }, keys: keyHealth(s) });
    } catch {
      res.status(503).json({
        status: 'degraded',
        registry: { engine: s.registry.engine, reachable: false },
        error: { code: 'ERR_REGISTRY_UNAVAILABLE', message: { zh: '证书登记库暂时不可用', en: 'Certificate registry is temporarily unavailable' } },
      });
    }
  });
  return r;
}
