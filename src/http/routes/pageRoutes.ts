import express, { Router } from 'express';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Services } from '../../services';
import { isEcertError } from '../../core/errors';
import { verifyToken } from '../../verify/verifyToken';
import { verifyUpload } from '../../verify/verifyUpload';
import { verifyUrlFor } from '../../qr/qrToken';
import { verifyDeps } from './verifyRoutes';
import { lookupHolderDocument } from '../../issue/lookupHolderDocument';
import { readUploadedFile } from '../readUpload';
import { RateLimiter } from '../rateLimiter';
import { errorView, holderPage, homePage, tokenPage, verifyPage } from '../pages/pages';
import { directorySection, lookupSection } from '../pages/directoryView';
import { loadDirectory } from '../../directory/Directory';
import { lookupDirectory } from '../../directory/lookupDirectory';
import { isValidManagementNo } from '../../registry/managementNumber';
import { qrCheckLinkFor } from '../../verify/copies/qrCheckLinkFor';
import { reportView } from '../pages/reportView';
import { sendPdf } from './certificateRoutes';

const ASSETS = fileURLToPath(new URL('../assets/', import.meta.url));
const require = createRequire(import.meta.url);

/** Static assets, read once: no CDN, nothing fetched at run time. */
const assets: Record<string, { type: string; body: Buffer }> = {
  'app.css': { type: 'text/css', body: readFileSync(ASSETS + 'app.css') },
  'verify.js': { type: 'text/javascript', body: readFileSync(ASSETS + 'verify.js') },
  'holder.js': { type: 'text/javascript', body: readFileSync(ASSETS + 'holder.js') },
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
  const directory = loadDirectory();
  r.get('/verify', (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q : undefined;
    const no = typeof req.query.no === 'string' ? req.query.no.slice(0, 32) : undefined;
    if (q === undefined) return html(res, verifyPage('', `${directorySection()}\n${lookupSection(undefined, no)}`));
    try {
      html(res, verifyPage('', `${directorySection(lookupDirectory(q, directory), undefined, q)}\n${lookupSection()}`));
    } catch (e) {
      if (!isEcertError(e) || e.status >= 500) throw e;
      html(res, verifyPage('', `${directorySection(undefined, e.bilingual, q)}\n${lookupSection()}`), e.status);
    }
  });

  // 管理号 + name → the QR check of that certificate (issue 11): both must match; rate-limited per client
  const byLookupClient = new RateLimiter(20, 60_000);
  r.post('/verify/lookup', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    const miss = { zh: '未找到匹配的证书，请核对管理号和姓名', en: 'No matching certificate: check the management number and the name' };
    try {
      byLookupClient.hit(req.ip ?? 'unknown');
      const no = String(req.body?.managementNo ?? '').trim().toUpperCase();
      const name = String(req.body?.name ?? '').trim();
      const record = isValidManagementNo(no) && name ? await s.registry.getCertificate(no) : undefined;
      const link = record && record.holderName === name ? await qrCheckLinkFor({ registry: s.registry, qrKey: s.keys.qrKey, publicUrl: '' })(no) : undefined;
      if (link) return res.redirect(303, link);
      html(res, verifyPage('', `${directorySection()}\n${lookupSection(miss)}`), 404);
    } catch (e) {
      if (!isEcertError(e) || e.status >= 500) throw e;
      html(res, verifyPage('', `${directorySection()}\n${lookupSection(e.bilingual)}`), e.status);
    }
  });

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
    try {
      const report = await verifyUpload(file, verifyDeps(s));
      respond(reportView(report));
    } catch (e) {
      if (!isEcertError(e) || e.status >= 500) throw e;
      respond(errorView(e.bilingual), e.status);
    }
  });

  r.get('/v/:token', async (req, res) => {
    const token = String(req.params.token);
    const report = await verifyToken(token, verifyDeps(s));
    html(res, tokenPage(report, verifyUrlFor(s.publicUrl, token)));
  });

  r.get('/holder', (_req, res) => html(res, holderPage(undefined, s.catalog.annotationPurposes)));
  const byClient = new RateLimiter(20, 60_000);
  r.post('/holder', express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 }), async (req, res) => {
    try {
      byClient.hit(req.ip ?? 'unknown');
      // the form's annotation fields (issue 15) are not part of a download
      const { purpose: _purpose, validDays: _validDays, ...lookup } = (req.body ?? {}) as Record<string, unknown>;
      const doc = await lookupHolderDocument(lookup, s);
      sendPdf(res, doc.pdf, `${doc.managementNo}.pdf`, doc.sha256);
    } catch (e) {
      if (!isEcertError(e) || e.status >= 500) throw e;
      // the guard's answers say what to do; every kind of miss reads the same
      const own = ['ERR_RATE_LIMITED', 'ERR_LOOKUP_LOCKED', 'ERR_CHALLENGE_REQUIRED', 'ERR_ANNOTATED_COPY_REQUIRED'].includes(e.code);
      const msg = own ? e.bilingual : { zh: '未找到匹配的证书，请核对姓名、证件号码和管理号', en: 'No matching certificate: check the name, ID number and management number' };
      html(res, holderPage(msg, s.catalog.annotationPurposes), e.status);
    }
  });
  return r;
}
