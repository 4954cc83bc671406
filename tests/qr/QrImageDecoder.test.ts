import { randomBytes } from 'node:crypto';
import QRCode from 'qrcode';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { QrImageDecoder, DEFAULT_QR_LIMITS } from '../../src/qr/QrImageDecoder';

/**
 * Issue #10 (availability): QR photos are decoded in worker threads with a queue, time and
 * heap limit; the main thread's event loop keeps turning meanwhile. Images are made here:
 * a QR code drawn by the qrcode package, and random noise (the costliest input for the QR
 * search; 1600×1600 as the independent review used).
 */
const noise = (side = 1600) => sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
const qrPng = (text: string) => QRCode.toBuffer(text, { type: 'png', margin: 4, scale: 6, errorCorrectionLevel: 'M' });

describe('QrImageDecoder', () => {
  // generous time limit: these tests assert outcomes, not speed (the machine may be busy)
  const decoder = new QrImageDecoder({ ...DEFAULT_QR_LIMITS, threads: 2, timeoutMs: 60_000 });
  afterAll(() => decoder.close());

  it('decodes a QR image; noise and non-images give undefined', async () => {
    expect(await decoder.decode(await qrPng('https://ecert.example/v/abc.def'))).toBe('https://ecert.example/v/abc.def');
    expect(await decoder.decode(await noise(1000))).toBeUndefined();
    expect(await decoder.decode(Buffer.from('GIF89a not really'))).toBeUndefined();
    expect(await decoder.decode(randomBytes(4096))).toBeUndefined();
  });

  it('keeps the event loop turning while three noise images are decoded', async () => {
    const images = await Promise.all([noise(1000), noise(1000), noise(1000)]); // npm run bench: 1600 px over HTTP
    let settled = 0;
    const decoding = images.map((i) => decoder.decode(i).finally(() => settled++));
    // on the main thread, these turns of the event loop would only come after the decoding
    let turns = 0;
    while (settled === 0 && turns < 20) {
      await new Promise((r) => setTimeout(r, 1));
      turns++;
    }
    expect(turns).toBe(20);
    expect(settled).toBe(0);
    await Promise.all(decoding);
  });

  it('ends an image past its time limit with ERR_QR_DECODE_TIMEOUT and decodes the next one', async () => {
    const quick = new QrImageDecoder({ ...DEFAULT_QR_LIMITS, timeoutMs: 400 });
    try {
      await expect(quick.decode(await noise())).rejects.toMatchObject({ code: 'ERR_QR_DECODE_TIMEOUT' });
      await expect(quick.decode(await noise())).rejects.toMatchObject({ code: 'ERR_QR_DECODE_TIMEOUT' });
      expect(await quick.decode(await qrPng('after'))).toBe('after'); // a small image well within 400 ms, on the replacement worker
    } finally {
      await quick.close();
    }
  });

  it('refuses work past its queue with ERR_BUSY (503), never an unbounded backlog', async () => {
    const small = new QrImageDecoder({ ...DEFAULT_QR_LIMITS, threads: 1, maxQueued: 1, timeoutMs: 60_000 });
    try {
      const img = await noise(900);
      const results = await Promise.allSettled([small.decode(img), small.decode(img), small.decode(img), small.decode(img)]);
      const busy = results.filter((r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'ERR_BUSY');
      expect(busy.length).toBeGreaterThanOrEqual(1);
      expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
    } finally {
      await small.close();
    }
  });

  it('refuses images over the pixel budget without decoding them', async () => {
    const tiny = new QrImageDecoder({ ...DEFAULT_QR_LIMITS, maxInputPixels: 100 * 100 });
    try {
      expect(await tiny.decode(await qrPng('too big'))).toBeUndefined();
    } finally {
      await tiny.close();
    }
  });
});
