import { inflateSync } from 'node:zlib';

/** At most this many images are looked at, the largest first, each at most this many pixels. */
const MAX_IMAGES = 3;
const MAX_PIXELS = 25_000_000;
const MAX_SCAN = 2000;

/**
 * The raster images of a PDF as PNG or JPEG files, for finding a QR code in a scanned or
 * "printed to PDF" copy: image XObjects (ISO 32000-1 §8.9.5) with /DCTDecode (the stream is a
 * JPEG file) or /FlateDecode without a predictor at 8 bits per component (1, 3 or 4 components,
 * inferred from the inflated length). Anything else is skipped; never throws.
 */
export async function pageImages(bytes: Buffer): Promise<Buffer[]> {
  const found: Array<{ w: number; h: number; filter: string; data: Buffer }> = [];
  try {
    const text = bytes.toString('latin1');
    const re = /\/Subtype\s*\/Image\b/g;
    let m: RegExpExecArray | null;
    for (let n = 0; (m = re.exec(text)) && n < MAX_SCAN; n++) {
      const dictStart = text.lastIndexOf('<<', m.index);
      const streamAt = text.indexOf('stream', m.index);
      if (dictStart < 0 || streamAt < 0 || streamAt - dictStart > 4096) continue;
      const dict = text.slice(dictStart, streamAt);
      const w = Number(/\/Width\s+(\d+)/.exec(dict)?.[1]);
      const h = Number(/\/Height\s+(\d+)/.exec(dict)?.[1]);
      const filter = /\/Filter\s*\[?\s*\/(\w+)/.exec(dict)?.[1] ?? '';
      if (!(w > 20 && h > 20 && w * h <= MAX_PIXELS) || /\/DecodeParms/.test(dict) || /\/ImageMask\s+true/.test(dict)) continue;
      if (filter !== 'DCTDecode' && !(filter === 'FlateDecode' && /\/BitsPerComponent\s+8\b/.test(dict))) continue;
      let p = streamAt + 6;
      if (text[p] === '\r') p++;
      if (text[p] === '\n') p++;
      const end = text.indexOf('endstream', p);
      if (end < 0) continue;
      found.push({ w, h, filter, data: bytes.subarray(p, end) });
    }
  } catch {
    return [];
  }
  if (!found.length) return [];
  found.sort((a, b) => b.w * b.h - a.w * a.h);
  // loaded on first use (~19 MB of libvips, see src/render/artwork/sealImage.ts), outside the
  // per-image try: a library that cannot load is an error, not an unreadable image
  const { default: sharp } = await import('sharp');
  const out: Buffer[] = [];
  for (const img of found.slice(0, MAX_IMAGES)) {
    try {
      if (img.filter === 'DCTDecode') {
        out.push(img.data);
        continue;
      }
      const raw = inflateSync(img.data, { maxOutputLength: img.w * img.h * 4 });
      const channels = raw.length / (img.w * img.h);
      if (channels !== 1 && channels !== 3 && channels !== 4) continue;
      out.push(await sharp(raw, { raw: { width: img.w, height: img.h, channels } }).png({ compressionLevel: 1 }).toBuffer());
    } catch {
      // an image we cannot read is skipped
    }
  }
  return out;
}
