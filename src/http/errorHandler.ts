import type { ErrorRequestHandler, RequestHandler } from 'express';
import { EcertError, isEcertError } from '../core/errors';

/**
 * The one place where errors become HTTP (habit from practica: map at the edge). An
 * EcertError carries its status; body-parser and multipart errors are mapped to codes;
 * anything else is a 500 with no detail leaked (and logged with the request id).
 */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const e = toEcertError(err);
  if (e.status >= 500) req.log?.error({ err }, 'request failed');
  else req.log?.info({ code: e.code }, 'request rejected');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (e.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(e.retryAfterSeconds));
  res.status(e.status).json(e.toJSON());
};

export function toEcertError(err: unknown): EcertError {
  if (isEcertError(err)) return err;
  const e = err as { type?: string; status?: number; code?: string };
  if (e?.type === 'entity.too.large') return new EcertError('ERR_PAYLOAD_TOO_LARGE');
  if (e?.type === 'entity.parse.failed') return new EcertError('ERR_INVALID_JSON');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return new EcertError('ERR_UNSUPPORTED_MEDIA_TYPE');
  if (e?.type === 'request.aborted') return new EcertError('ERR_BAD_REQUEST', { zh: '请求已中断', en: 'request aborted' });
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return new EcertError('ERR_BAD_REQUEST');
  return new EcertError('ERR_INTERNAL', { cause: err });
}

export const notFound: RequestHandler = (_req, _res, next) => next(new EcertError('ERR_NOT_FOUND'));
