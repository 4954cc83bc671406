import type { RequestHandler } from 'express';
import { EcertError } from '../core/errors';
import { hashApiKey } from '../issue/issuerCredentials';
import type { RegistryStore } from '../registry/RegistryStore';

/** `Authorization: Bearer <issuer API key>` → req.issuer; 401 without a valid credential. */
export function requireIssuer(registry: RegistryStore): RequestHandler {
  return async (req, _res, next) => {
    const m = /^Bearer\s+(ek_[A-Za-z0-9_-]{20,100})\s*$/.exec(req.get('authorization') ?? '');
    if (!m) return next(new EcertError('ERR_UNAUTHENTICATED'));
    const issuer = await registry.findIssuerByKeyHash(hashApiKey(m[1]));
    if (!issuer || issuer.disabled) return next(new EcertError('ERR_UNAUTHENTICATED'));
    req.issuer = issuer;
    next();
  };
}
