import express, { Router } from 'express';
import type { Services } from '../../services';
import { lookupHolderDocument, holderLookupSchema } from '../../issue/lookupHolderDocument';
import { RateLimiter } from '../rateLimiter';
import { jsonBody } from '../jsonBody';
import { sendPdf } from './certificateRoutes';

/** Holders download their own signed PDF; rate-limited per client and per 管理号 against enumeration. */
export function holderRoutes(s: Services, limits = { perClient: 20, perNumber: 5, windowMs: 60_000 }): Router {
  const r = Router();
  const byClient = new RateLimiter(limits.perClient, limits.windowMs);
  const byNumber = new RateLimiter(limits.perNumber, limits.windowMs);
  r.post('/api/v1/holder/lookup', jsonBody('4kb'), express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    byClient.hit(req.ip ?? 'unknown');
    const no = holderLookupSchema.shape.managementNo.safeParse(req.body?.managementNo);
    if (no.success) byNumber.hit(no.data.toUpperCase());
    const doc = await lookupHolderDocument(req.body, s);
    sendPdf(res, doc.pdf, `${doc.managementNo}.pdf`, doc.sha256);
  });
  return r;
}
