import { num } from '../pdf/PdfWriter';
import type { GlyphEncoder } from '../text/TextSetter';
import type { SealImage } from './sealImage';

export interface SealSpec {
  /** Text along the upper arc, read clockwise (the body's name). */
  arcText: string;
  /** Text under the star, set horizontally (e.g. 专业技术人员职业资格证书专用章). */
  centerText?: string;
  /** The body's registered seal image (`ecert seals set-image`): used instead of the drawn seal. */
  image?: SealImage;
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
  const ring = R * 0.06;
  const inner = R - ring - 0.5; // inside edge of the ring
  let s = `q ${SEAL_RED} rg ${SEAL_RED} RG\n`;
  // Outer ring
  s += `${num(ring)} w\n${circlePath(c, c, R - ring / 2 - 0.5)}S\n`;
  // Name along the arc, clear of the ring by 7 % of the radius
  const arc = arcText(spec.arcText, c, inner - R * 0.07, fonts);
  s += arc.ops;
  // Text under the star, as large as the room the arc leaves allows
  const center = spec.centerText ? centerLines(spec.centerText, c, R, inner - R * 0.08, arc, fonts) : undefined;
  // Star, centre slightly above the middle as on real seals; smaller when two lines sit under it
  const starR = R * (center && center.lines > 1 ? 0.24 : 0.27);
  s += starPath(c, c + R * (center && center.lines > 1 ? 0.1 : 0.04), starR) + 'f\n';
  if (center) s += center.ops;
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

/** Where the arc text ends: its lowest point and how far from the centre its ends reach sideways (for the centre text). */
interface ArcExtent {
  ops: string;
  /** Lowest y of the arc characters, relative to the centre (negative: below). */
  lowY: number;
  /** Inner x of the last character's box, relative to the centre. */
  endX: number;
}

/**
 * The name along the upper arc, read clockwise, every character upright with its foot
 * toward the centre. Characters sit at equal angles (their centres, the glyphs all being
 * full-width ideographs) over an arc that grows with the count (110° + 9° a character, at
 * most 240° so the ends stay above the centre text), and are sized so neighbours keep a gap
 * of 12 % of a character's width, their tops on the circle `rTop` (inside the ring).
 */
function arcText(text: string, c: number, rTop: number, fonts: GlyphEncoder): ArcExtent {
  const chars = Array.from(text);
  const n = chars.length;
  if (n === 0) return { ops: '', lowY: 0, endX: 0 };
  const span = (Math.min(240, 110 + n * 9) * Math.PI) / 180;
  const hscale = 82;
  const step = n > 1 ? span / (n - 1) : 0;
  // chord between neighbours' centres (radius rTop − size/2) = 1.12 · condensed width
  const size = n > 1 ? Math.min(rTop * 0.31, (rTop * step) / ((hscale / 100) * 1.12 + step / 2)) : rTop * 0.31;
  const rText = rTop - size * 0.5; // radius of the characters' vertical centre
  // seal characters are cut heavy: fill and stroke the outlines
  let s = `BT 2 Tr ${num(size * 0.03)} w\n`;
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
  const below = Math.max(0, span / 2 - Math.PI / 2); // how far the ends go below the horizontal
  return { ops: s + 'ET\n', lowY: -(rText * Math.sin(below) + size * 0.6), endX: rText * Math.cos(below) - size * 0.6 };
}

/**
 * The text under the star, horizontal, in one or two lines, whichever allows the larger
 * characters: each line must fit inside `rIn` (clear of the ring) and, where it is level
 * with the ends of the arc text, between them.
 */
function centerLines(text: string, c: number, R: number, rIn: number, arc: ArcExtent, fonts: GlyphEncoder): { ops: string; lines: number } {
  const chars = Array.from(text);
  const hscale = 85;
  let best = { size: 0, lines: 1, ys: [] as number[] };
  for (const lines of [1, 2]) {
    if (lines > chars.length) break;
    const per = Math.ceil(chars.length / lines);
    // try sizes from large to small until every line fits
    for (let size = R * 0.22; size >= R * 0.1; size -= R * 0.005) {
      const lead = size * 1.25;
      const top = -R * (lines > 1 ? 0.2 : 0.3); // top of the first line, under the star
      const ys = Array.from({ length: lines }, (_, l) => top - size * 0.88 - l * lead); // baselines
      const fits = ys.every((y) => {
        const half = (per * size * hscale) / 100 / 2;
        const low = y - size * 0.12;
        const high = y + size * 0.88;
        const ringHalf = Math.sqrt(Math.max(0, rIn * rIn - low * low));
        const arcHalf = high > arc.lowY ? arc.endX : Infinity;
        return half <= Math.min(ringHalf, arcHalf);
      });
      if (fits) {
        if (size > best.size + 0.01) best = { size, lines, ys };
        break;
      }
    }
  }
  if (!best.size) best = { size: R * 0.1, lines: 2, ys: [-R * 0.3, -R * 0.44] };
  const per = Math.ceil(chars.length / best.lines);
  let s = `BT 2 Tr ${num(best.size * 0.02)} w\n`;
  best.ys.forEach((y, l) => {
    const line = chars.slice(l * per, (l + 1) * per).join('');
    const runs = fonts.encodeRuns(line);
    const w = (runs.reduce((a, r) => a + r.width, 0) * best.size * hscale) / 100000;
    s += `1 0 0 1 ${num(c - w / 2)} ${num(c + y)} Tm ${hscale} Tz`;
    for (const r of runs) s += ` /${r.resourceName} ${num(best.size)} Tf <${r.hex}> Tj`;
    s += '\n';
  });
  return { ops: s + 'ET\n', lines: best.lines };
}
