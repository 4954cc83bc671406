import { num } from '../pdf/PdfWriter';
import type { GlyphEncoder } from '../text/TextSetter';

export interface SealSpec {
  /** Text along the upper arc, read clockwise (the body's name). */
  arcText: string;
  /** Text under the star, set horizontally (e.g. 专业技术人员职业资格证书专用章). */
  centerText?: string;
}

/** Seal red (印泥红), DeviceRGB. */
export const SEAL_RED = '0.86 0.1 0.11';
/** Bézier constant for a quarter circle. */
const KAPPA = 0.5522847498;

/**
 * Vector artwork of a round official seal (红色圆形印章) drawn in a square form of side
 * 2·radius with its centre at (radius, radius): an outer ring, a five-pointed star in the
 * centre, the name along the upper arc with every character turned to face outwards, and
 * the optional text under the star. Vector, so it is crisp at any zoom.
 */
export function sealArtwork(spec: SealSpec, radius: number, fonts: GlyphEncoder): string {
  const R = radius;
  const c = R;
  const ring = R * 0.055;
  let s = `q ${SEAL_RED} rg ${SEAL_RED} RG\n`;
  // Outer ring
  s += `${num(ring)} w\n${circlePath(c, c, R - ring / 2 - 0.5)}S\n`;
  // Star, centre slightly above the middle as on real seals
  s += starPath(c, c + R * 0.04, R * 0.27) + 'f\n';
  // Name along the arc
  s += arcText(spec.arcText, c, R, fonts);
  // Text under the star
  if (spec.centerText) s += centerLines(spec.centerText, c, R, fonts);
  return s + 'Q\n';
}

function circlePath(cx: number, cy: number, r: number): string {
  const k = r * KAPPA;
  return (
    `${num(cx + r)} ${num(cy)} m\n` +
    `${num(cx + r)} ${num(cy + k)} ${num(cx + k)} ${num(cy + r)} ${num(cx)} ${num(cy + r)} c\n` +
    `${num(cx - k)} ${num(cy + r)} ${num(cx - r)} ${num(cy + k)} ${num(cx - r)} ${num(cy)} c\n` +
    `${num(cx - r)} ${num(cy - k)} ${num(cx - k)} ${num(cy - r)} ${num(cx)} ${num(cy - r)} c\n` +
    `${num(cx + k)} ${num(cy - r)} ${num(cx + r)} ${num(cy - k)} ${num(cx + r)} ${num(cy)} c\n`
  );
}

function starPath(cx: number, cy: number, r: number): string {
  // inner radius of a regular pentagram: r · sin(18°) / sin(126°)
  const inner = (r * Math.sin(Math.PI / 10)) / Math.sin((7 * Math.PI) / 10);
  let s = '';
  for (let i = 0; i < 10; i++) {
    const a = Math.PI / 2 + (i * Math.PI) / 5;
    const rr = i % 2 === 0 ? r : inner;
    s += `${num(cx + rr * Math.cos(a))} ${num(cy + rr * Math.sin(a))} ${i === 0 ? 'm' : 'l'}\n`;
  }
  return s + 'h\n';
}

function arcText(text: string, c: number, R: number, fonts: GlyphEncoder): string {
  const chars = Array.from(text);
  const n = chars.length;
  if (n === 0) return '';
  // Longer names spread over a wider arc (at most 220°, so the ends stay clear of the text
  // under the star); characters are condensed to 80 % and sized so that neighbours keep a
  // gap of 8 % of their width on the circle through their centres.
  const span = (Math.min(220, 120 + n * 7) * Math.PI) / 180;
  const hscale = 80;
  const step = n > 1 ? span / (n - 1) : 0;
  const outer = R * 0.8; // the characters' tops stay inside the ring
  const size = n > 1 ? Math.min(R * 0.3, (outer * step) / ((hscale / 100) * 1.08 + 0.5 * step)) : R * 0.3;
  const rText = outer - size * 0.5; // radius of the characters' vertical centre
  // seal characters are cut heavy: fill and stroke the outlines
  let s = `BT 2 Tr ${num(size * 0.035)} w\n`;
  for (let i = 0; i < n; i++) {
    const theta = Math.PI / 2 + span / 2 - i * step; // clockwise from the left
    const phi = theta - Math.PI / 2; // the character's up points away from the centre
    const [run] = fonts.encodeRuns(chars[i]);
    if (!run) continue;
    const w = ((run.width * size) / 1000) * (hscale / 100);
    const cx = c + rText * Math.cos(theta);
    const cy = c + rText * Math.sin(theta);
    const cos = Math.cos(phi);
    const sin = Math.sin(phi);
    // glyph origin = centre − rotated (w/2, 0.38·size), 0.38 em being the CJK ideographic centre above the baseline
    const ox = cx - (cos * w) / 2 + sin * size * 0.38;
    const oy = cy - (sin * w) / 2 - cos * size * 0.38;
    s += `${num(cos)} ${num(sin)} ${num(-sin)} ${num(cos)} ${num(ox)} ${num(oy)} Tm ${hscale} Tz /${run.resourceName} ${num(size)} Tf <${run.hex}> Tj\n`;
  }
  return s + 'ET\n';
}

function centerLines(text: string, c: number, R: number, fonts: GlyphEncoder): string {
  const chars = Array.from(text);
  // at most nine characters a line, split evenly
  const lines = Math.ceil(chars.length / 9);
  const per = Math.ceil(chars.length / lines);
  const size = Math.min(R * 0.15, (R * 1.1) / per);
  let s = '';
  for (let l = 0; l < lines; l++) {
    const line = chars.slice(l * per, (l + 1) * per).join('');
    const runs = fonts.encodeRuns(line);
    const w = runs.reduce((a, r) => a + r.width, 0) * size / 1000;
    const y = c - R * 0.36 - l * size * 1.4;
    s += `BT ${num(c - w / 2)} ${num(y)} Td`;
    for (const r of runs) s += ` /${r.resourceName} ${num(size)} Tf <${r.hex}> Tj`;
    s += ' ET\n';
  }
  return s;
}
