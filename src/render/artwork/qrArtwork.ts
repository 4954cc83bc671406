import QRCode from 'qrcode';
import { num } from '../pdf/PdfWriter';

/**
 * QR code symbol (ISO/IEC 18004) as vector rectangles: every horizontal run of dark modules
 * is one `re`, all filled at once. Error-correction level M (15 % recovery) keeps the
 * symbol small enough for ~0.4 mm modules at a 3 cm print while tolerating smudges; the
 * quiet zone of 4 modules (§6.3.8 of ISO/IEC 18004) is painted white under the symbol.
 */
export function qrArtwork(text: string, x: number, y: number, size: number): { ops: string; modules: number } {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const data = qr.modules.data;
  const quiet = 4;
  const m = size / (n + 2 * quiet);
  let s = `q 1 1 1 rg ${num(x)} ${num(y)} ${num(size)} ${num(size)} re f\n0 0 0 rg\n`;
  const x0 = x + quiet * m;
  const top = y + size - quiet * m;
  for (let row = 0; row < n; row++) {
    let col = 0;
    while (col < n) {
      if (!data[row * n + col]) {
        col++;
        continue;
      }
      const start = col;
      while (col < n && data[row * n + col]) col++;
      s += `${num(x0 + start * m)} ${num(top - (row + 1) * m)} ${num((col - start) * m)} ${num(m)} re\n`;
    }
  }
  return { ops: s + 'f Q\n', modules: n };
}
