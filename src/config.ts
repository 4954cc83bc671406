import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { EcertError } from './core/errors';
import { issueMessages } from './core/issueMessages';
import type { Pkcs11Config } from './keys/pkcs11/Pkcs11Token';

/**
 * Configuration from the environment (contract.md "Configuration"), validated once at
 * start-up. The CLI reads the same variables.
 */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  ECERT_DATA_DIR: z.string().min(1).default('./data'),
  ECERT_KEYS_DIR: z.string().min(1).default('./keys'),
  ECERT_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  ECERT_PUBLIC_URL: z.string().url().optional(),
  ECERT_KEY_PASSPHRASE: z.string().min(8, 'at least 8 characters').optional(),
  /** Largest accepted upload for verification, in bytes (security.md: a few MB). */
  ECERT_MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(5 * 1024 * 1024),
  /** Largest accepted batch body (CSV or JSON), in bytes. */
  ECERT_MAX_BATCH_BYTES: z.coerce.number().int().positive().default(50 * 1024 * 1024),
  ECERT_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Batch worker concurrency per instance (0 = no background batch worker in this instance). */
  ECERT_BATCH_WORKERS: z.coerce.number().int().min(0).max(64).default(1),
  /** Worker threads rendering and signing documents in `serve` and `issue` (default: one per core). */
  ECERT_RENDER_THREADS: z.coerce.number().int().min(0).max(64).optional(),
  /** Address to bind (contract.md "Configuration"). */
  ECERT_HOST: z.string().min(1).default('0.0.0.0'),
  /** Express `trust proxy`: a hop count, `true`, or addresses/subnets; unset = the socket's address. */
  ECERT_TRUST_PROXY: z.string().min(1).optional(),
  /** Bearer token for GET /metrics; unset = metrics not served. */
  ECERT_METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  // issue 13: seal keys in a PKCS #11 token (README "Going to production")
  ECERT_PKCS11_MODULE: z.string().min(1).optional(),
  ECERT_PKCS11_TOKEN_LABEL: z.string().min(1).max(32, 'a token label has at most 32 characters (PKCS #11 CK_TOKEN_INFO)').optional(),
  ECERT_PKCS11_PIN: z.string().min(1).optional(),
  ECERT_PKCS11_PIN_FILE: z.string().min(1).optional(),
  // issue 14: RFC 3161 time-stamp authority (README "Long-term validation")
  ECERT_TSA_URL: z.string().url().regex(/^https?:\/\//, 'must be an http(s) URL').optional(),
  ECERT_TSA_ROOTS: z.string().min(1).optional(),
});

export interface Config {
  port: number;
  dataDir: string;
  keysDir: string;
  databaseUrl?: string;
  /** Base of verification links; `http://localhost:$PORT` when unset (resolved once listening). */
  publicUrl?: string;
  keyPassphrase?: string;
  maxUploadBytes: number;
  maxBatchBytes: number;
  logLevel: string;
  batchWorkers: number;
  renderThreads?: number;
  host: string;
  /** `trust proxy` for Express; false = take the client address from the socket. */
  trustProxy: boolean | number | string;
  metricsToken?: string;
  /** Token holding the seal keys (issue 13); unset: seal keys are files. */
  pkcs11?: Pkcs11Config;
  /** Issue 14: the TSA of signature and document timestamps; unset = the embedded development TSA. */
  tsaUrl?: string;
  /** PEM text of the roots trusted for time-stamp tokens (from the file ECERT_TSA_ROOTS). */
  tsaRootsPem?: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const blankToUndefined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = envSchema.safeParse(blankToUndefined, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const m = issueMessages(issue);
    throw new EcertError('ERR_CONFIG', { zh: `环境变量 ${issue.path.join('.')} 无效：${m.zh}`, en: `${issue.path.join('.')}: ${m.en}` });
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    dataDir: resolve(e.ECERT_DATA_DIR),
    keysDir: resolve(e.ECERT_KEYS_DIR),
    databaseUrl: e.ECERT_DATABASE_URL,
    publicUrl: e.ECERT_PUBLIC_URL?.replace(/\/+$/, ''),
    keyPassphrase: e.ECERT_KEY_PASSPHRASE,
    maxUploadBytes: e.ECERT_MAX_UPLOAD_BYTES,
    maxBatchBytes: e.ECERT_MAX_BATCH_BYTES,
    logLevel: e.ECERT_LOG_LEVEL,
    batchWorkers: e.ECERT_BATCH_WORKERS,
    renderThreads: e.ECERT_RENDER_THREADS,
    host: e.ECERT_HOST,
    trustProxy: parseTrustProxy(e.ECERT_TRUST_PROXY),
    metricsToken: e.ECERT_METRICS_TOKEN,
    pkcs11: pkcs11Of(e),
    ...tsaOf(e),
    ...overrides,
  };
}

/** Express's `trust proxy` forms: a hop count, true/false, or a comma-separated list of addresses and subnets. */
function parseTrustProxy(v: string | undefined): boolean | number | string {
  if (v === undefined || v === 'false') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) return Number(v);
  return v;
}

/** ECERT_TSA_URL needs ECERT_TSA_ROOTS (a token from a TSA nobody trusts proves nothing); the roots file is read once. */
function tsaOf(e: z.infer<typeof envSchema>): Pick<Config, 'tsaUrl' | 'tsaRootsPem'> {
  const bad = (en: string) => new EcertError('ERR_CONFIG', { zh: '时间戳服务配置无效', en });
  if (!e.ECERT_TSA_ROOTS) {
    if (e.ECERT_TSA_URL) throw bad('ECERT_TSA_URL needs ECERT_TSA_ROOTS (PEM file of the roots trusted for its tokens)');
    return {};
  }
  let pem: string;
  try {
    pem = readFileSync(e.ECERT_TSA_ROOTS, 'utf8');
  } catch {
    throw bad(`cannot read ECERT_TSA_ROOTS ${e.ECERT_TSA_ROOTS}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw bad(`ECERT_TSA_ROOTS ${e.ECERT_TSA_ROOTS} holds no PEM certificate`);
  return { ...(e.ECERT_TSA_URL ? { tsaUrl: e.ECERT_TSA_URL } : {}), tsaRootsPem: pem };
}

/** ECERT_PKCS11_*: all of module, label and a PIN (inline or from a file), or none. */
function pkcs11Of(e: z.infer<typeof envSchema>): Pkcs11Config | undefined {
  if (!e.ECERT_PKCS11_MODULE && !e.ECERT_PKCS11_TOKEN_LABEL) return undefined;
  const bad = (en: string) => new EcertError('ERR_CONFIG', { zh: 'PKCS#11 配置不完整', en });
  if (!e.ECERT_PKCS11_MODULE || !e.ECERT_PKCS11_TOKEN_LABEL) throw bad('set both ECERT_PKCS11_MODULE and ECERT_PKCS11_TOKEN_LABEL');
  let pin = e.ECERT_PKCS11_PIN;
  if (!pin && e.ECERT_PKCS11_PIN_FILE) {
    try {
      pin = readFileSync(e.ECERT_PKCS11_PIN_FILE, 'utf8').replace(/\r?\n$/, '');
    } catch {
      throw bad(`cannot read ECERT_PKCS11_PIN_FILE ${e.ECERT_PKCS11_PIN_FILE}`);
    }
  }
  if (!pin) throw bad('set ECERT_PKCS11_PIN or ECERT_PKCS11_PIN_FILE');
  return { module: e.ECERT_PKCS11_MODULE, tokenLabel: e.ECERT_PKCS11_TOKEN_LABEL, pin };
}
