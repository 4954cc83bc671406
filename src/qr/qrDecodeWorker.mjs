// Worker thread of src/qr/QrImageDecoder.ts: decodes one image per message, off the main
// thread. Plain JavaScript (sharp + jsQR only), so it starts without the TypeScript loader.
//
// jsQR's search grows faster than the pixel count on busy images (random noise: 0.5 s at
// 800 px, 5 s at 1600 px on this project's 2-core machine), so the image is tried in passes
// of rising cost and the first hit wins: most photos and screenshots decode in the first.
import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import jsQR from 'jsqr';

const { maxInputPixels, passes } = workerData;
sharp.concurrency(1);
sharp.cache(false);

async function pixels(bytes, side) {
  return sharp(bytes, { limitInputPixels: maxInputPixels, failOn: 'error' })
    .rotate()
    .resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
}

async function decode(bytes) {
  let last;
  for (const { side, inversion } of passes) {
    const { data, info } = await pixels(bytes, side);
    if (last && info.width === last.width && info.height === last.height && inversion === last.inversion) continue; // same pass again
    last = { width: info.width, height: info.height, inversion };
    const code = jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), info.width, info.height, { inversionAttempts: inversion });
    if (code?.data) return code.data;
  }
  return undefined;
}

parentPort.on('message', async ({ id, bytes }) => {
  let text;
  try {
    text = await decode(Buffer.from(bytes));
  } catch {
    text = undefined; // not an image, or over the pixel budget
  }
  parentPort.postMessage({ id, text });
});
parentPort.postMessage({ ready: true });
