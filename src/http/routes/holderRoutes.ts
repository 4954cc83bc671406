import express, { Router } from 'express';
import { z } from 'zod';
import type { Services } from '../../services';
import { lookupHolderDocument } from '../../issue/lookupHolderDocument';
import { parseWith } from '../../issue/parseWith';
import { RateLimiter } from '../rateLimiter';
import { jsonBody } from '../jsonBody';
import { sendPdf } from './certificateRoutes';

const challengeRequest = z.object({ managementNo: z.string().trim().min(1).max(32) }).strict();

/**
 * Holders download their own signed PDF. Wrong look-ups are limited per 管理号 by the
 * registry-backed guard (shared with the /holder form and every instance); a per-client
 * limit in memory slows a single client down on top.
 */
export function holderRoutes(s: Services, limits = { perClient: 20, windowMs: 60_000 }): Router {
  const r = Router();
  const byClient = new RateLimiter(limits.perClient, limits.windowMs);
  const form = [jsonBody('4kb'), express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 })];
  r.post('/api/v1/holder/challenge', ...form, async (req, res) => {
    const { managementNo } = parseWith(challengeRequest, req.body);
    res.set('Cache-Control', 'no-store').json(await s.lookupGuard.challengeFor(managementNo.toUpperCase()));
  });
  r.post('/api/v1/holder/lookup', ...form, async (req, res) => {
    byClient.hit(req.ip ?? 'unknown');
    const doc = await lookupHolderDocument(req.body, s);
    sendPdf(res, doc.pdf, `${doc.managementNo}.pdf`, doc.sha256);
  });
  return r;
}
