import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { EcertError } from '../core/errors';

/**
 * Operator data is not public: GET /metrics needs `Authorization: Bearer $ECERT_METRICS_TOKEN`
 * (RFC 6750 §2.1). Compared as SHA-256 digests in constant time, so neither the token's
 * length nor its prefix leaks through timing.
 */
export function metricsAuth(token: string): RequestHandler {
  const expected = createHash('sha256').update(token).digest();
  return (req, _res, next) => {
    const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(req.get('authorization') ?? '');
    const given = createHash('sha256').update(m?.[1] ?? '').digest();
    if (!m || !timingSafeEqual(given, expected)) return next(new EcertError('ERR_UNAUTHENTICATED', { zh: '需要运维令牌', en: 'operator token required' }));
    next();
  };
}
