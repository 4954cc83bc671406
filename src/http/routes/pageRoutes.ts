import express, { Router } from 'express';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Services } from '../../services';
import { isEcertError } from '../../core/errors';
import { verifyPdf } from '../../verify/verifyPdf';
import { verifyToken } from '../../verify/verifyToken';
import { decodeQrImage, tokenFromUrl } from '../../qr/decodeQrImage';
import { lookupHolderDocument } from '../../issue/lookupHolderDocument';
import { isPdf, readUploadedFile } from '../readUpload';
import { RateLimiter } from '../rateLimiter';
import { errorView, holderPage, homePage, tokenPage, verifyPage } from '../pages/pages';
import { reportView } from '../pages/reportView';
import { sendPdf } from './certificateRoutes';

const ASSETS = fileURLToPath(new URL('../assets/', import.meta.url));
const require = createRequire(import.meta.url);

/** Static assets, read once: no CDN, nothing fetched at run time. */
const assets: Record<string, { type: string; body: Buffer }> = {
  'app.css': { type: 'text/css', body: readFileSync(ASSETS + 'app.css') },
  'verify.js': { type: 'text/javascript', body: readFileSync(ASSETS + 'verify.js') },
  'jsQR.js': { type: 'text/javascript', body: readFileSync(require.resolve('jsqr/dist/jsQR.js')) },
};

/** The web pages of contract.md: /, /verify, /v/{token}, /holder. Server-rendered; JS only enhances. */
export function pageRoutes(s: Services): Router {
  const r = Router();
  const html = (res: express.Response, body: string, status = 200) =>
    res
      .status(status)
      .type('html')
      .set('Content-Security-Policy', "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
      .send(body);

  r.get('/assets/:name', (req, res, next) => {
    const a = assets[String(req.params.name)];
    if (!a) return next();
    res.type(a.type).set('Cache-Control', 'public, max-age=3600').send(a.body);
  });

  r.get('/', (_req, res) => html(res, homePage()));
  r.get('/verify', (_req, res) => html(res, verifyPage()));

  r.post('/verify', async (req, res) => {
    const fragment = req.query.fragment === '1';
    const respond = (body: string, status = 200) => html(res, fragment ? body : verifyPage(body), status);
    let file: Buffer;
    try {
      file = await readUploadedFile(req, s.config.maxUploadBytes);
    } catch (e) {
      if (!isEcertError(e)) throw e;
      return respond(errorView(e.bilingual), e.status);
    }
    if (isPdf(file)) {
      const report = await verifyPdf(file, { trustAnchors: s.keys.trustAnchors, compromisedSeals: s.keys.compromisedSeals, catalog: s.catalog, registry: s.registry, clock: s.clock });
      return respond(reportView(report));
    }
    const text = await decodeQrImage(file);
    const token = text ? tokenFromUrl(text) : undefined;
    if (!token) {
      return respond(errorView({ zh: '无法识别：请上传证书 PDF，或清晰的二维码图片', en: 'Not recognised: upload the certificate PDF or a sharp image of its QR code' }), 422);
    }
    const report = await verifyToken(token, { jwks: s.keys.jwks(), catalog: s.catalog, registry: s.registry, clock: s.clock });
    respond(reportView(report));
  });

  r.get('/v/:token', async (req, res) => {
    const report = await verifyToken(String(req.params.token), { jwks: s.keys.jwks(), catalog: s.catalog, registry: s.registry, clock: s.clock });
    html(res, tokenPage(report));
  });

  r.get('/holder', (_req, res) => html(res, holderPage()));
  const byClient = new RateLimiter(20, 60_000);
  r.post('/holder', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    try {
      byClient.hit(req.ip ?? 'unknown');
      const doc = await lookupHolderDocument(req.body, s);
      sendPdf(res, doc.pdf, `${doc.managementNo}.pdf`, doc.sha256);
    } catch (e) {
      if (!isEcertError(e) || e.status >= 500) throw e;
      const msg = e.code === 'ERR_RATE_LIMITED' ? e.bilingual : { zh: '未找到匹配的证书，请核对姓名、证件号码和管理号', en: 'No matching certificate: check the name, ID number and management number' };
      html(res, holderPage(msg), e.status);
    }
  });
  return r;
}
