import { EcertError } from '../core/errors';
import type { Issuer } from '../registry/RegistryStore';

/**
 * An issuer may only act on the qualifications granted to its credential (which are a
 * subset of its issuing body's). Denials say nothing about whether the certificate exists.
 */
export function assertIssuerScope(issuer: Issuer, qualification: string): void {
  if (!issuer.qualifications.includes(qualification)) {
    throw new EcertError('ERR_FORBIDDEN', { details: { qualification } });
  }
}

export function inIssuerScope(issuer: Issuer, qualification: string): boolean {
  return issuer.qualifications.includes(qualification);
}
