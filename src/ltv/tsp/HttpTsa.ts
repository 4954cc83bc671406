import { randomBytes } from 'node:crypto';
import { buildTimeStampReq } from './buildTimeStampReq';
import { checkTimeStampResponse, MAX_RESPONSE_BYTES, tsaFailure } from './checkTimeStampResponse';
import type { Timestamper } from './Timestamper';

export const DEFAULT_TSA_TIMEOUT_MS = 10_000;

/**
 * An outside TSA over HTTP (RFC 3161 §3.4): POST of a DER TimeStampReq as
 * application/timestamp-query, an application/timestamp-reply expected back, within a
 * timeout and a size cap; every response goes through checkTimeStampResponse.ts.
 */
/** An outside TSA's token with its certificate chain is ~6–8 KB (RSA-4096 chains more): the room kept before its first token is seen. */
export const FIRST_TOKEN_RESERVE = 12 * 1024;

export class HttpTsa implements Timestamper {
  /** The largest token this TSA has sent (0 before the first). */
  private largest = 0;

  /**
   * Before its first token: FIRST_TOKEN_RESERVE; then the largest seen plus a quarter.
   * A token that outgrows the room fails that one document (ERR_TSA_UNAVAILABLE, reason SIZE:
   * nothing written, a batch row is retried) and raises the reserve for the next.
   */
  get tokenReserve(): number {
    return this.largest ? Math.ceil(this.largest * 1.25) + 256 : FIRST_TOKEN_RESERVE;
  }

  constructor(
    private readonly url: string,
    readonly trustAnchors: Buffer[],
    private readonly clock: () => Date,
    private readonly fetchFn: typeof fetch = fetch,
    private readonly timeoutMs = DEFAULT_TSA_TIMEOUT_MS,
  ) {}

  async timestamp(imprint: Buffer): Promise<Buffer> {
    const nonce = randomBytes(8);
    nonce[0] = (nonce[0] & 0x7f) | 0x01;
    const body = buildTimeStampReq(imprint, nonce);
    const response = await this.post(body);
    const { token } = checkTimeStampResponse({ response, imprint, nonce, trustAnchors: this.trustAnchors, now: this.clock() });
    this.largest = Math.max(this.largest, token.length);
    return token;
  }

  private async post(body: Buffer): Promise<Buffer> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    try {
      res = await this.fetchFn(this.url, { method: 'POST', headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' }, body: new Uint8Array(body), signal, redirect: 'error' });
    } catch (e) {
      throw tsaFailure('NETWORK', signal.aborted ? `no answer within ${this.timeoutMs} ms` : (e as Error).message?.slice(0, 120), e);
    }
    try {
      if (res.status !== 200) throw tsaFailure('NETWORK', `HTTP ${res.status}`);
      const type = (res.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
      // RFC 3161 §3.4; some TSAs still send the draft name application/timestamp-response
      if (type !== 'application/timestamp-reply' && type !== 'application/timestamp-response') throw tsaFailure('NETWORK', `content type "${type.slice(0, 60)}"`);
      const declared = Number(res.headers.get('content-length') ?? '0');
      if (declared > MAX_RESPONSE_BYTES) throw tsaFailure('NETWORK', `response of ${declared} bytes`);
      return await readCapped(res, MAX_RESPONSE_BYTES);
    } catch (e) {
      await res.body?.cancel().catch(() => undefined);
      if ((e as { code?: string }).code === 'ERR_TSA_UNAVAILABLE') throw e;
      throw tsaFailure('NETWORK', signal.aborted ? `no answer within ${this.timeoutMs} ms` : (e as Error).message?.slice(0, 120), e);
    }
  }
}

async function readCapped(res: Response, cap: number): Promise<Buffer> {
  if (!res.body) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > cap) {
      await reader.cancel().catch(() => undefined);
      throw tsaFailure('NETWORK', `response larger than ${cap} bytes`);
    }
    parts.push(Buffer.from(value));
  }
  return Buffer.concat(parts);
}
