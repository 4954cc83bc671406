import { num } from '../pdf/PdfWriter';

/** Frame colour: a deep vermilion-brown used on Chinese certificates. */
const FRAME = '0.55 0.16 0.12';
/** Paper tint behind the frame. */
const PAPER = '0.995 0.985 0.955';

/**
 * The page's decoration: a warm paper tint, a heavy outer rule and a fine inner rule, and
 * a stepped ornament in each corner (回纹-like), all vector.
 */
export function borderArtwork(width: number, height: number): string {
  const o = 26; // outer rule inset
  const i = 33; // inner rule inset
  let s = `q ${PAPER} rg 0 0 ${num(width)} ${num(height)} re f\n`;
  s += `${FRAME} RG ${FRAME} rg 2.4 w ${o} ${o} ${num(width - 2 * o)} ${num(height - 2 * o)} re S\n`;
  s += `0.7 w ${i} ${i} ${num(width - 2 * i)} ${num(height - 2 * i)} re S\n`;
  // corner ornaments: two nested steps inside each corner of the inner rule
  const corners: Array<[number, number, number, number]> = [
    [i, i, 1, 1],
    [width - i, i, -1, 1],
    [i, height - i, 1, -1],
    [width - i, height - i, -1, -1],
  ];
  s += '1.1 w\n';
  for (const [cx, cy, dx, dy] of corners) {
    for (const d of [7, 13]) {
      const len = 30 - d;
      s += `${num(cx + dx * d)} ${num(cy + dy * (d + len))} m ${num(cx + dx * d)} ${num(cy + dy * d)} l ${num(cx + dx * (d + len))} ${num(cy + dy * d)} l S\n`;
    }
    s += `${num(cx + dx * 19)} ${num(cy + dy * 19)} m ${num(cx + dx * 23)} ${num(cy + dy * 19)} l ${num(cx + dx * 23)} ${num(cy + dy * 23)} l ${num(cx + dx * 19)} ${num(cy + dy * 23)} l h f\n`;
  }
  return s + 'Q\n';
}
