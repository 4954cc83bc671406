import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Issuer } from '../registry/RegistryStore';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    log: Logger;
    issuer?: Issuer;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * A request id on every log line (taken from X-Request-Id when well-formed), and one access
 * line per request: method, route path (never a query string or body), status, duration.
 */
export function requestContext(logger: Logger, onDone?: (req: Parameters<RequestHandler>[0], status: number, seconds: number) => void): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    req.id = given && REQUEST_ID.test(given) ? given : randomUUID();
    req.log = logger.child({ reqId: req.id });
    res.setHeader('X-Request-Id', req.id);
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      req.log.info({ method: req.method, path: redactPath(req.path), status: res.statusCode, ms: Math.round(seconds * 1000) }, 'request');
      onDone?.(req, res.statusCode, seconds);
    });
    next();
  };
}

/** Paths carry 管理号 and tokens, never ID numbers; tokens are shortened to keep logs readable. */
function redactPath(path: string): string {
  return path.replace(/^\/(v|api\/v1\/verify\/token)\/([^/]{12})[^/]*/, '/$1/$2…');
}
