import { mkdirSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import { loadCatalog } from './catalog/loadCatalog';
import type { Catalog } from './catalog/Catalog';
import type { Config } from './config';
import { systemClock, type Clock } from './core/clock';
import { IdDigester, loadOrCreateSecret } from './issue/idDigest';
import { HolderLookupGuard } from './issue/holderLookupGuard';
import { InProcessBuilder, type DocumentBuilder } from './render/pool/DocumentBuilder';
import { RenderPool } from './render/pool/RenderPool';
import { generateKeyMaterial, keyMaterialExists, loadKeyStore } from './keys';
import type { KeyStore } from './keys/KeyStore';
import { Pkcs11Token } from './keys/pkcs11/Pkcs11Token';
import { logKeyWarnings } from './keys/keyHealth';
import { EcertError } from './core/errors';
import { openRegistry } from './registry/openRegistry';
import type { RegistryStore } from './registry/RegistryStore';
import { FontSet } from './render/fonts/FontSet';
import { createTimestamper } from './ltv/tsp/createTimestamper';
import type { Timestamper } from './ltv/tsp/Timestamper';
import { tsaTrustAnchors } from './ltv/tsp/tsaTrustAnchors';
import { createRevocationSource, type RevocationSource } from './ltv/revocation';
import { nameFitter } from './render/layout/nameFit';
import type { NameFit } from './issue/validateIssueRequest';

/**
 * The composition root: everything a use case needs, built once per process from the
 * configuration. HTTP handlers and CLI commands receive it; nothing below reads the
 * environment.
 */
export interface Services {
  config: Config;
  catalog: Catalog;
  keys: KeyStore;
  registry: RegistryStore;
  ids: IdDigester;
  /** Renders and signs documents: in this thread, or a pool of worker threads. */
  documents: DocumentBuilder;
  clock: Clock;
  logger: Logger;
  /** Base of the verification links in QR codes. */
  publicUrl: string;
  /** Whether a holder name fits its field on the page (fonts loaded on first use). */
  nameFits: NameFit;
  /** Wrong holder look-ups per 管理号, shared through the registry. */
  lookupGuard: HolderLookupGuard;
  /** Issue 14: signature and document timestamps (ECERT_TSA_URL, else the development TSA). */
  timestamper: Timestamper;
  /** Roots trusted for time-stamp tokens when verifying. */
  tsaTrustAnchors: Buffer[];
  /** OCSP responses and CRLs for archive revisions (the development CA in process, else the certificates' URLs). */
  revocation: RevocationSource;
}

export interface ServiceOptions {
  clock?: Clock;
  logger?: Logger;
  /** Create development keys when the keys directory is empty (npm start does). */
  ensureKeys?: boolean;
  keyAlg?: 'rsa' | 'ecdsa';
  /** Worker threads rendering documents (0 = in this thread, the default). */
  renderThreads?: number;
}

export async function createServices(config: Config, opts: ServiceOptions = {}): Promise<Services> {
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? pino({ level: config.logLevel, base: { service: 'ecert' } });
  const catalog = loadCatalog();
  if (opts.ensureKeys !== false && !keyMaterialExists(config.keysDir)) {
    logger.warn({ dir: config.keysDir }, 'no key material: generating DEVELOPMENT keys (not for production)');
    await initKeys(config, catalog, { alg: opts.keyAlg ?? 'ecdsa', now: clock() });
  }
  const keys = loadKeyStore(config.keysDir, { passphrase: config.keyPassphrase, pkcs11: config.pkcs11 });
  logKeyWarnings({ config, clock }, logger);
  // before any render worker starts: the development TSA's key is created here once, not by every thread
  const tsa = { ...(config.tsaUrl ? { tsaUrl: config.tsaUrl } : {}), ...(config.tsaRootsPem ? { tsaRootsPem: config.tsaRootsPem } : {}) };
  const timestamper = createTimestamper({ ...tsa, keysDir: config.keysDir, passphrase: config.keyPassphrase, clock });
  mkdirSync(config.dataDir, { recursive: true });
  const registry = await openRegistry({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  await registry.migrate();
  // a process that stopped between the two phases of an issuance left reserved numbers: void them (issue 12)
  await registry.voidExpiredReservations(clock());
  // with a render pool, documents are built in its threads (the font bytes shared with them, src/render/fonts/fontBytes.ts)
  let documents: DocumentBuilder;
  if (opts.renderThreads) {
    const pool = new RenderPool({ keysDir: config.keysDir, passphrase: config.keyPassphrase, threads: opts.renderThreads, keys, tsa });
    await pool.ready;
    documents = pool;
  } else documents = new InProcessBuilder({ catalog, keys, fonts: FontSet.load(), timestamper });
  return {
    config,
    catalog,
    keys,
    registry,
    documents,
    ids: IdDigester.fromKeysDir(config.keysDir),
    clock,
    logger,
    publicUrl: config.publicUrl ?? `http://localhost:${config.port}`,
    nameFits: nameFitter(() => FontSet.load()),
    lookupGuard: new HolderLookupGuard({ store: registry, secret: loadOrCreateSecret(config.keysDir, 'lookup-challenge.key'), clock }),
    timestamper,
    tsaTrustAnchors: tsaTrustAnchors({ ...tsa, keysDir: config.keysDir }),
    revocation: createRevocationSource({ keysDir: config.keysDir, passphrase: config.keyPassphrase, clock }),
  };
}

/** `ecert keys init`: a root CA, one seal certificate per catalog seal, a QR token key. */
export async function initKeys(
  config: Pick<Config, 'keysDir' | 'keyPassphrase' | 'pkcs11'> & Partial<Pick<Config, 'publicUrl' | 'port'>>,
  catalog: Catalog,
  opts: { alg: 'rsa' | 'ecdsa'; now: Date; force?: boolean; pkcs11?: boolean; retire?: 'archive' | 'delete' },
): Promise<{ retired: string[] }> {
  let token: Pkcs11Token | undefined;
  if (opts.pkcs11) {
    if (!config.pkcs11) throw new EcertError('ERR_CONFIG', { zh: '使用 --pkcs11 需设置 ECERT_PKCS11_MODULE、ECERT_PKCS11_TOKEN_LABEL 和 PIN', en: '--pkcs11 needs ECERT_PKCS11_MODULE, ECERT_PKCS11_TOKEN_LABEL and ECERT_PKCS11_PIN (or _PIN_FILE)' });
    token = new Pkcs11Token(config.pkcs11);
  }
  return generateKeyMaterial({
    dir: config.keysDir,
    alg: opts.alg,
    seals: catalog.seals.map((s) => ({ id: s.id, name: s.fullName, bodyName: catalog.body(s.bodyCode).name })),
    now: opts.now,
    passphrase: config.keyPassphrase,
    force: opts.force,
    token,
    retire: opts.retire,
    // the development CA's CRL and OCSP URLs in seal certificates (src/ltv/revocation/)
    publicUrl: config.publicUrl ?? (config.port !== undefined ? `http://localhost:${config.port}` : undefined),
  });
}
