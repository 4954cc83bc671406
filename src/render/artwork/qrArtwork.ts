import QRCode from 'qrcode';
import { num } from '../pdf/PdfWriter';
import { selectMask } from './qrMask';

/**
 * QR code symbol (ISO/IEC 18004) as vector rectangles in module units: one `cm` scales a
 * module to its size, then every horizontal run of dark modules is one `re` with integer
 * coordinates, all filled at once (short to write, fast to compress). Error-correction level
 * M (15 % recovery) keeps the symbol small enough for ~0.4 mm modules at a 3 cm print while
 * tolerating smudges; the 4-module quiet zone (ISO/IEC 18004 §6.3.8) is painted white.
 * The URL is one byte-mode segment (no segmentation search).
 */
export function qrArtwork(text: string, x: number, y: number, size: number): { ops: string; modules: number } {
  // built once with mask 0, then the best mask chosen by qrMask.ts (same choice as the package's search, faster)
  const qr = QRCode.create([{ data: Buffer.from(text, 'utf8'), mode: 'byte' }], { errorCorrectionLevel: 'M', maskPattern: 0 });
  const n = qr.modules.size;
  const data = selectMask(qr.modules.data, (qr.modules as unknown as { reservedBit: Uint8Array }).reservedBit, n, 0, 'M').modules;
  const quiet = 4;
  const m = size / (n + 2 * quiet);
  let s = `q 1 1 1 rg ${num(x)} ${num(y)} ${num(size)} ${num(size)} re f\n0 0 0 rg ${num(m)} 0 0 ${num(m)} ${num(x + quiet * m)} ${num(y + quiet * m)} cm\n`;
  for (let row = 0; row < n; row++) {
    const yy = n - 1 - row;
    let col = 0;
    while (col < n) {
      if (!data[row * n + col]) {
        col++;
        continue;
      }
      const start = col;
      while (col < n && data[row * n + col]) col++;
      s += `${start} ${yy} ${col - start} 1 re\n`;
    }
  }
  return { ops: s + 'f Q\n', modules: n };
}
