import type { Logger } from 'pino';
import { EXPIRY_WARNING_DAYS, keyStatus } from './keyLifecycle';

/**
 * The seal keys' part of /healthz and of the start-up log (issue 13): `warn` when a seal
 * certificate expires within EXPIRY_WARNING_DAYS, has expired, or its key is marked
 * compromised. Certificates are public; no key material is read.
 */
export function keyHealth(s: { config: { keysDir: string }; clock: () => Date }): { status: 'ok' | 'warn'; seals: number; warnings: Array<{ sealId: string; daysLeft: number; warning: string }> } {
  try {
    const all = keyStatus(s.config.keysDir, s.clock());
    const warnings = all.filter((x) => x.warning).map((x) => ({ sealId: x.sealId, daysLeft: x.daysLeft, warning: x.warning! }));
    return { status: warnings.length ? 'warn' : 'ok', seals: all.length, warnings };
  } catch (e) {
    return { status: 'warn', seals: 0, warnings: [{ sealId: '*', daysLeft: 0, warning: `cannot read the key material: ${(e as Error).message}` }] };
  }
}

/** Log one warning per seal needing attention (called at start-up). */
export function logKeyWarnings(s: { config: { keysDir: string }; clock: () => Date }, logger: Logger): void {
  for (const w of keyHealth(s).warnings) logger.warn({ sealId: w.sealId, daysLeft: w.daysLeft, thresholdDays: EXPIRY_WARNING_DAYS }, `seal key: ${w.warning}`);
}
