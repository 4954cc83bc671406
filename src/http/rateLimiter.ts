import { EcertError } from '../core/errors';

/**
 * Fixed-window counters per key, in memory (per instance: behind a load balancer with N
 * instances the effective limit is at most N times this). Bounded: at most `maxKeys` keys
 * are tracked, the oldest window dropped first.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxKeys = 100_000,
  ) {}

  /** Count one hit for `key`; throws ERR_RATE_LIMITED past the limit. */
  hit(key: string, now = Date.now()): void {
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      if (!w && this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
      w = { start: now, count: 0 };
      this.windows.delete(key);
      this.windows.set(key, w);
    }
    if (++w.count > this.limit) {
      throw new EcertError('ERR_RATE_LIMITED', { details: { retryAfterSeconds: Math.ceil((w.start + this.windowMs - now) / 1000) } });
    }
  }
}
