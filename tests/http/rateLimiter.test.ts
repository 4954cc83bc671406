import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/http/rateLimiter';

describe('RateLimiter', () => {
  it('allows `limit` hits per window and then refuses with ERR_RATE_LIMITED and a retry time', () => {
    const r = new RateLimiter(3, 60_000);
    for (let i = 0; i < 3; i++) r.hit('a', 1000);
    expect(() => r.hit('a', 1000)).toThrow(expect.objectContaining({ code: 'ERR_RATE_LIMITED', details: { retryAfterSeconds: 60 } }));
    r.hit('b', 1000); // other keys unaffected
    r.hit('a', 61_000); // next window
  });
  it('stays bounded in memory', () => {
    const r = new RateLimiter(1, 60_000, 10);
    for (let i = 0; i < 1000; i++) r.hit(`k${i}`, 0);
    expect((r as unknown as { windows: Map<string, unknown> }).windows.size).toBeLessThanOrEqual(10);
  });
});
