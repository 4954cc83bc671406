import { describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/render/layout/loadLayout';

/**
 * Issue 15 (加注): the band an annotated copy prints in (templates/style*.json annotationBand) is
 * clear of the fields, the seal over the issue date, the QR code with its caption, and the
 * border with its corner ornaments (src/render/artwork/borderArtwork.ts: inner rule at 33 pt,
 * ornaments up to 30 pt inside it). The rendered pages were also looked at (pdftoppm).
 */
describe.each([1, 2] as const)('annotation band of style %i', (style) => {
  const l = loadLayout(style);
  const b = l.annotationBand;
  const top = b.y + b.height;

  it('lies below the last field line and clear of the seal circle', () => {
    const f = l.fields;
    const lastBaseline = f.y - (f.items.length - 1) * f.leading;
    expect(top).toBeLessThan(lastBaseline - f.size * 0.3);
    const over = f.items.findIndex((i) => i.value === l.seal.over);
    const cx = f.valueX + l.seal.dx;
    const cy = f.y - over * f.leading + f.size * 0.35 + l.seal.dy;
    // distance from the seal's centre to the band rectangle
    const dx = Math.max(b.x - cx, 0, cx - (b.x + b.width));
    const dy = Math.max(b.y - cy, 0, cy - top);
    expect(Math.hypot(dx, dy)).toBeGreaterThan(l.seal.radius + 4);
  });

  it('lies below the QR code and its caption, inside the border and clear of its corner ornaments', () => {
    expect(top).toBeLessThan(l.qr.y - 40);
    const inner = 33;
    const ornament = inner + 30;
    expect(b.y).toBeGreaterThan(inner + 4);
    expect(b.x).toBeGreaterThan(ornament);
    expect(b.x + b.width).toBeLessThan(l.page.width - ornament);
  });
});
