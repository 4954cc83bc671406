import express, { Router } from 'express';
import { z } from 'zod';
import type { Services } from '../../services';
import { isEcertError } from '../../core/errors';
import { createAnnotatedCopy, type AnnotatedCopy } from '../../annotate/createAnnotatedCopy';
import { listHolderAnnotations, withdrawHolderAnnotation } from '../../annotate/holderAnnotations';
import { parseWith } from '../../issue/parseWith';
import { holderPage } from '../pages/pages';
import { holderAnnotationsPage } from '../pages/annotationPages';
import { jsonBody } from '../jsonBody';
import { RateLimiter } from '../rateLimiter';

const annotationId = z.string().regex(/^[0-9a-f]{16}$/);

/** Codes whose own message the /holder form shows (every identity miss reads the same ERR_NOT_FOUND text). */
export const HOLDER_FORM_OWN_MESSAGES = ['ERR_RATE_LIMITED', 'ERR_LOOKUP_LOCKED', 'ERR_CHALLENGE_REQUIRED', 'ERR_ANNOTATION_LIMIT', 'ERR_ANNOTATED_COPY_REQUIRED', 'ERR_UNKNOWN_PURPOSE', 'ERR_VALIDATION', 'ERR_CERTIFICATE_REVOKED'];

function sendCopy(res: express.Response, c: AnnotatedCopy): void {
  res
    .status(201)
    .type('application/pdf')
    .set('Content-Disposition', `attachment; filename="${c.managementNo}-${c.annotation.id}.pdf"`)
    .set('X-Annotation-Id', c.annotation.id)
    .set('X-Valid-Until', c.annotation.validUntil)
    .set('X-Document-SHA256', c.sha256)
    .set('Cache-Control', 'private, no-store')
    .send(c.pdf);
}

/**
 * Issue 15 (加注): holders create, list and withdraw annotated copies, by the API and by the
 * /holder form. The identity check is the look-up's, with the same per-number guard
 * (s.lookupGuard), so misses here count in the same budget.
 */
export function annotationRoutes(s: Services, limits = { perClient: 20, windowMs: 60_000 }): Router {
  const r = Router();
  const byClient = new RateLimiter(limits.perClient, limits.windowMs);
  const form = [jsonBody('4kb'), express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 })];
  r.post('/api/v1/holder/annotations', ...form, async (req, res) => {
    byClient.hit(req.ip ?? 'unknown');
    sendCopy(res, await createAnnotatedCopy(req.body, s));
  });
  r.post('/api/v1/holder/annotations/list', ...form, async (req, res) => {
    byClient.hit(req.ip ?? 'unknown');
    res.set('Cache-Control', 'no-store').json(await listHolderAnnotations(req.body, s));
  });
  r.post('/api/v1/holder/annotations/:id/withdraw', ...form, async (req, res) => {
    byClient.hit(req.ip ?? 'unknown');
    const id = parseWith(annotationId, String(req.params.id));
    res.set('Cache-Control', 'no-store').json(await withdrawHolderAnnotation(id, req.body, s));
  });
  // the /holder form's 生成加注件 button (formaction): the PDF downloads, or the page says why not
  r.post('/holder/annotations', express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 }), async (req, res) => {
    try {
      byClient.hit(req.ip ?? 'unknown');
      sendCopy(res, await createAnnotatedCopy(req.body, s));
    } catch (e) {
      if (!isEcertError(e) || e.status >= 500) throw e;
      const msg = HOLDER_FORM_OWN_MESSAGES.includes(e.code) ? e.bilingual : { zh: '未找到匹配的证书，请核对姓名、证件号码和管理号', en: 'No matching certificate: check the name, ID number and management number' };
      res.status(e.status).type('html').set('Cache-Control', 'no-store').send(holderPage(msg, s.catalog.annotationPurposes));
    }
  });
  // list and withdraw on the page (plain forms)
  const formBody = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });
  const onPage = (handler: (req: express.Request, res: express.Response) => Promise<void>) => async (req: express.Request, res: express.Response) => {
    try {
      byClient.hit(req.ip ?? 'unknown');
      await handler(req, res);
    } catch (e) {
      if (!isEcertError(e) || e.status >= 500) throw e;
      const msg = HOLDER_FORM_OWN_MESSAGES.includes(e.code) ? e.bilingual : { zh: '未找到匹配的证书，请核对姓名、证件号码和管理号', en: 'No matching certificate: check the name, ID number and management number' };
      res.status(e.status).type('html').set('Cache-Control', 'no-store').send(holderPage(msg, s.catalog.annotationPurposes));
    }
  };
  const identity = (body: unknown) => {
    const { purpose: _p, validDays: _v, id: _i, ...rest } = (body ?? {}) as Record<string, unknown>;
    return rest;
  };
  r.post('/holder/annotations/list', formBody, onPage(async (req, res) => {
    const body = identity(req.body);
    const list = await listHolderAnnotations(body, s);
    res.type('html').set('Cache-Control', 'no-store').send(holderAnnotationsPage(list, { name: String(body.name) }));
  }));
  r.post('/holder/annotations/withdraw', formBody, onPage(async (req, res) => {
    const id = parseWith(annotationId, String((req.body ?? {}).id ?? ''));
    const body = identity(req.body);
    const done = await withdrawHolderAnnotation(id, body, s);
    const list = await listHolderAnnotations(body, s);
    res.type('html').set('Cache-Control', 'no-store').send(holderAnnotationsPage(list, { name: String(body.name) }, { zh: `已撤回加注件（用途：${done.purposeName.zh}，有效期至 ${done.validUntil}）`, en: `Withdrawn: the annotated copy for ${done.purposeName.en}, valid until ${done.validUntil}` }));
  }));
  return r;
}
