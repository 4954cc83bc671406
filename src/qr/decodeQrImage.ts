import sharp from 'sharp';
import jsQR from 'jsqr';

/** Pixel budget for uploaded photos (a 40-megapixel phone photo at most). */
const MAX_INPUT_PIXELS = 40_000_000;

/**
 * Decode a QR code from a photo or screenshot (PNG, JPEG, WebP): scaled to at most 1600 px
 * on its long side, RGBA, then jsQR. Returns the text, or undefined when there is no
 * readable code or the bytes are not an image.
 */
export async function decodeQrImage(bytes: Buffer): Promise<string | undefined> {
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      .rotate()
      .resize({ width: 1600, height: 1600, fit: 'inside', withoutEnlargement: true })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const code = jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), info.width, info.height, { inversionAttempts: 'attemptBoth' });
    return code?.data || undefined;
  } catch {
    return undefined;
  }
}

/** The token of a verification URL `…/v/<token>`, or undefined. */
export function tokenFromUrl(text: string): string | undefined {
  return /\/v\/([A-Za-z0-9_.-]+)\s*$/.exec(text)?.[1];
}
