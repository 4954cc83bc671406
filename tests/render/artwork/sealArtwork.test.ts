import { describe, expect, it } from 'vitest';
import { sealArtwork } from '../../../src/render/artwork/sealArtwork';
import { FontSet } from '../../../src/render/fonts/FontSet';
import { PdfFontEmbedder } from '../../../src/render/fonts/PdfFontEmbedder';
import { loadCatalog } from '../../../src/catalog/loadCatalog';

/**
 * Issue 13: the drawn seal's geometry, read back from its content stream: every arc
 * character at the same angular step, upright with its foot toward the centre, clear of the
 * ring; the centre text large enough to read at 100 dpi for every seal of the catalog. The pictures were also looked at with pdftoppm -r 100 / -r 300.
 */
const R = 54; // templates/style*.json seal.radius
const fonts = new PdfFontEmbedder(FontSet.load(), 'F');

function parse(ops: string) {
  const ringWidth = Number(/^([\d.]+) w$/m.exec(ops)![1]);
  // text objects in drawing order: the arc, then the centre text (src/render/artwork/sealArtwork.ts)
  const [arcBlock, centerBlock = ''] = ops.split(/^BT /m).slice(1);
  const tm = /^(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) Tm (\d+) Tz \/\w+ ([\d.]+) Tf/gm;
  const arc = [...arcBlock.matchAll(tm)].map((m) => m.slice(1, 9).map(Number));
  const center = [...centerBlock.matchAll(tm)].map((m) => ({ y: Number(m[6]), size: Number(m[8]) }));
  return { ringWidth, arc, center };
}

/** a − b as an angle in (−π, π]. */
const angleDiff = (a: number, b: number) => Math.atan2(Math.sin(a - b), Math.cos(a - b));

describe('drawn seal', () => {
  const catalog = loadCatalog();
  it.each(catalog.seals.map((s) => [s.id, s] as const))('%s: even arc, upright characters clear of the ring, legible centre text', (_id, seal) => {
    const ops = sealArtwork({ arcText: seal.arcText, centerText: seal.centerText }, R, fonts);
    const { ringWidth, arc, center } = parse(ops);
    expect(arc).toHaveLength(Array.from(seal.arcText).length);
    const size = arc[0][7];
    // rotation of each character (cos, sin) → angle of its "up"; it points away from the centre
    const angles = arc.map(([cos, sin]) => Math.atan2(sin, cos));
    const steps = angles.slice(1).map((a, i) => angleDiff(angles[i], a));
    for (const s of steps) expect(Math.abs(s - steps[0])).toBeLessThan(5e-3); // 0.3°: the content stream keeps 3 decimals
    for (const [cos, sin, , , ox, oy, hscale] of arc) {
      // the glyph's centre, from its origin: + rotated (w/2, 0.38·size), w = size · hscale (full-width ideographs)
      const w = (size * hscale) / 100;
      const cx = ox + (cos * w) / 2 - sin * size * 0.38;
      const cy = oy + (sin * w) / 2 + cos * size * 0.38;
      const dx = cx - R;
      const dy = cy - R;
      const r = Math.hypot(dx, dy);
      // upright: "up" is the direction from the centre
      expect(Math.abs(angleDiff(Math.atan2(dy, dx), Math.atan2(sin, cos) + Math.PI / 2))).toBeLessThan(1e-2);
      // the character's top (r + size/2) stays clear of the ring's inner edge by ≥ 5 % of R
      expect(r + size / 2).toBeLessThanOrEqual(R - ringWidth - 0.5 - R * 0.05);
    }
    // neighbours do not touch: chord between centres > condensed width
    const rc = Math.hypot(arc[0][4] - R, arc[0][5] - R); // ~ radius, enough for the bound below
    expect(rc * Math.abs(steps[0] ?? 1)).toBeGreaterThan((size * arc[0][6]) / 100 * 0.9);
    if (seal.centerText) {
      expect(center.length).toBeGreaterThan(0);
      // ≥ 9 pt (12.5 px at 100 dpi) for the style-2 bodies' short texts; the 15 characters of
      // the MOHRSS seal take two lines of ≥ 8 pt (11 px), as read on the 100 dpi rendering
      const min = Array.from(seal.centerText).length > 10 ? 8 : 9;
      for (const c of center) expect(c.size).toBeGreaterThanOrEqual(min);
    }
  });
});
