/**
 * Issue #10's availability figure: /healthz latency while 3 clients keep uploading
 * 1600×1600 noise images (the costliest input for the QR search) to /verify, next to the
 * same probe with no load, both in this run. Bounded: `seconds` of load, 3 clients.
 */
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';

async function probe(url: string, until: number): Promise<number[]> {
  const out: number[] = [];
  while (Date.now() < until) {
    const t = performance.now();
    await (await fetch(url + '/healthz')).arrayBuffer();
    out.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 50));
  }
  return out.sort((a, b) => a - b);
}

const pct = (xs: number[], p: number) => Math.round(xs[Math.min(xs.length - 1, Math.floor(xs.length * p))] * 10) / 10;

export async function healthUnderQrLoad(url: string, seconds: number) {
  const idle = await probe(url, Date.now() + Math.min(3, seconds) * 1000);
  const noise = await sharp(randomBytes(1600 * 1600 * 3), { raw: { width: 1600, height: 1600, channels: 3 } }).jpeg({ quality: 80 }).toBuffer(); // ≈ 2 MB, under the upload limit
  const until = Date.now() + seconds * 1000;
  let uploads = 0;
  const statuses: Record<string, number> = {};
  const client = async () => {
    while (Date.now() < until) {
      const fd = new FormData();
      fd.append('file', new Blob([new Uint8Array(noise)], { type: 'image/jpeg' }), 'noise.jpg');
      const r = await fetch(url + '/verify', { method: 'POST', body: fd });
      await r.arrayBuffer();
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      uploads++;
    }
  };
  const [loaded] = await Promise.all([probe(url, until), client(), client(), client()]);
  return {
    idle: { p50ms: pct(idle, 0.5), p99ms: pct(idle, 0.99) },
    underQrNoiseLoad: { p50ms: pct(loaded, 0.5), p99ms: pct(loaded, 0.99), probes: loaded.length, uploads, statuses },
  };
}
