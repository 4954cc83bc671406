import QRCode from 'qrcode';
import { num } from '../pdf/PdfWriter';
import { selectMask } from './qrMask';

/** ISO/IEC 18004 §7.4.4 table 5: the 45 characters of alphanumeric mode. */
const ALPHANUMERIC = /^[0-9A-Z $%*+\-./:]*$/;

/**
 * The segments of a verification URL (ISO/IEC 18004 §7.4): a compact token `…/v/<digits>`
 * (src/qr/compactToken) is numeric mode (3.33 bits a digit) after the base URL in upper-case
 * alphanumeric mode (5.5 bits a character; scheme and host are case-insensitive, RFC 3986 §6.2.2.1,
 * and the /V/ route matches case-insensitively) when the base has no path of its own; anything
 * else is one byte-mode segment.
 */
export function qrSegments(text: string): Array<{ data: string | Buffer; mode: 'numeric' | 'alphanumeric' | 'byte' }> {
  const m = /^(https?:\/\/[^/?#]+)\/v\/([0-9]+)$/i.exec(text);
  if (m && ALPHANUMERIC.test(m[1].toUpperCase())) return [{ data: `${m[1].toUpperCase()}/V/`, mode: 'alphanumeric' }, { data: m[2], mode: 'numeric' }];
  if (m) return [{ data: Buffer.from(`${m[1]}/v/`, 'utf8'), mode: 'byte' }, { data: m[2], mode: 'numeric' }];
  return [{ data: Buffer.from(text, 'utf8'), mode: 'byte' }];
}

/**
 * QR code symbol (ISO/IEC 18004) as vector rectangles in module units: one `cm` scales a
 * module to its size, then every horizontal run of dark modules is one `re` with integer
 * coordinates, all filled at once (short to write, fast to compress). Error-correction level
 * M (15 % recovery) tolerates smudges and blur. The symbol fills `size`; its 4-module quiet
 * zone (ISO/IEC 18004 §6.3.8) is painted white around it, outside `size`, so the modules are
 * as large as the layout allows (≥ 0.76 mm at the layouts' 106 pt for a compact token of
 * version ≤ 8: ≥ 3 px on a 100-dpi screen, where 88 pt had given 2.5 px and a marginal decode).
 */
export function qrArtwork(text: string, x: number, y: number, size: number): { ops: string; modules: number; moduleSize: number } {
  // built once with mask 0, then the best mask chosen by qrMask.ts (same choice as the package's search, faster)
  const qr = QRCode.create(qrSegments(text) as never, { errorCorrectionLevel: 'M', maskPattern: 0 });
  const n = qr.modules.size;
  const data = selectMask(qr.modules.data, (qr.modules as unknown as { reservedBit: Uint8Array }).reservedBit, n, 0, 'M').modules;
  const quiet = 4;
  const m = size / n;
  let s = `q 1 1 1 rg ${num(x - quiet * m)} ${num(y - quiet * m)} ${num(size + 2 * quiet * m)} ${num(size + 2 * quiet * m)} re f\n0 0 0 rg ${num(m)} 0 0 ${num(m)} ${num(x)} ${num(y)} cm\n`;
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
  return { ops: s + 'f Q\n', modules: n, moduleSize: m };
}
