import { EcertError } from '../../core/errors';
import { readPemCertificates } from '../../keys/pem';
import { DevTsa } from './DevTsa';
import { loadOrCreateDevTsa } from './devTsaMaterial';
import { HttpTsa } from './HttpTsa';
import type { Timestamper } from './Timestamper';

/**
 * The Timestamper of this deployment. `tsaUrl` (ECERT_TSA_URL) set: an outside TSA over HTTP
 * (HttpTsa.ts) whose tokens must chain to `tsaRootsPem` (the contents of ECERT_TSA_ROOTS).
 * Unset: the embedded development TSA (DevTsa.ts), key material in `${keysDir}/tsa/`,
 * created on first use, NOT FOR PRODUCTION.
 */
/** What configures the TSA (ECERT_TSA_URL, the contents of ECERT_TSA_ROOTS), as passed to render threads. */
export interface TsaSettings {
  tsaUrl?: string;
  tsaRootsPem?: string;
}

export function createTimestamper(opts: TsaSettings & { keysDir: string; passphrase?: string; clock: () => Date; fetch?: typeof fetch; timeoutMs?: number }): Timestamper {
  if (!opts.tsaUrl) {
    return new DevTsa(loadOrCreateDevTsa({ keysDir: opts.keysDir, ...(opts.passphrase ? { passphrase: opts.passphrase } : {}), now: opts.clock() }), opts.clock);
  }
  let url: URL;
  try {
    url = new URL(opts.tsaUrl);
  } catch {
    throw new EcertError('ERR_CONFIG', { zh: 'ECERT_TSA_URL 不是有效的网址', en: 'ECERT_TSA_URL is not a URL' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new EcertError('ERR_CONFIG', { zh: 'ECERT_TSA_URL 须为 http(s) 网址', en: 'ECERT_TSA_URL must be an http(s) URL' });
  let roots: Buffer[] = [];
  try {
    roots = readPemCertificates(opts.tsaRootsPem ?? '');
  } catch {
    roots = [];
  }
  if (!roots.length) throw new EcertError('ERR_CONFIG', { zh: '设置了 ECERT_TSA_URL 时须以 ECERT_TSA_ROOTS 提供时间戳服务的根证书', en: 'ECERT_TSA_URL needs ECERT_TSA_ROOTS: the PEM roots trusted for its tokens' });
  return new HttpTsa(url.toString(), roots, opts.clock, opts.fetch ?? fetch, opts.timeoutMs);
}
