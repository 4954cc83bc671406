import { num } from '../pdf/PdfWriter';

/** What text setting needs from the font layer (src/render/fonts/PdfFontEmbedder). */
export interface GlyphEncoder {
  encodeRuns(text: string): Array<{ resourceName: string; hex: string; width: number }>;
}

export interface TextStyle {
  size: number;
  /** Extra space after each character, in em. */
  tracking?: number;
  /** Heavier strokes: fill and stroke the outlines (text render mode 2, ISO 32000-1 §9.3.6). */
  bold?: boolean;
  /** Horizontal scaling in percent (Tz). */
  scale?: number;
}

/**
 * Writes text into a content stream: measures with the fonts' real advances, centres,
 * wraps CJK prose, and emits `BT … ET` blocks. Glyphs are 2-byte CIDs (Identity-H).
 */
export class TextSetter {
  constructor(private readonly fonts: GlyphEncoder) {}

  /** Width in points of `text` set in `style`. */
  measure(text: string, style: TextStyle): number {
    return this.layoutRuns(text, style).width;
  }

  /** `BT … ET` drawing `text` with its baseline starting at (x, y). */
  draw(text: string, x: number, y: number, style: TextStyle): string {
    return this.drawRuns(this.layoutRuns(text, style), x, y, style);
  }

  /** Centred on `cx` (the trailing tracking is not counted, so the ink is centred). */
  drawCentered(text: string, cx: number, y: number, style: TextStyle): string {
    const laid = this.layoutRuns(text, style);
    return this.drawRuns(laid, cx - laid.width / 2, y, style);
  }

  /**
   * Break prose into lines no wider than `width`. CJK text breaks between any two
   * characters, except that closing punctuation never starts a line and opening punctuation
   * never ends one (the 禁则 rules of GB/T 15834 practice).
   */
  wrap(text: string, width: number, style: TextStyle, firstIndent = 0): string[] {
    const chars = Array.from(text);
    // shaping is per character (FontSet.shape: no kerning, no ligatures), so a line's width
    // is a sum: each character is encoded once, in text order (the order its CIDs are assigned)
    const sums = [0];
    for (const ch of chars) sums.push(sums[sums.length - 1] + this.fonts.encodeRuns(ch).reduce((u, r) => u + r.width, 0));
    const widthOf = (from: number, to: number) => setWidth(sums[to] - sums[from], to - from, style);
    const lines: string[] = [];
    let start = 0;
    let avail = width - firstIndent;
    for (let i = 1; i < chars.length; i++) {
      if (widthOf(start, i + 1) <= avail + 0.01) continue;
      // the line is chars[start, i); a closing mark may not start the next one, an opening mark
      // may not end this one: then its last character goes down with chars[i]
      const pull = i - start > 1 && (NO_LINE_START.has(chars[i]) || NO_LINE_END.has(chars[i - 1])) ? 1 : 0;
      lines.push(chars.slice(start, i - pull).join(''));
      start = i - pull;
      avail = width;
    }
    if (start < chars.length) lines.push(chars.slice(start).join(''));
    return lines;
  }

  private layoutRuns(text: string, style: TextStyle) {
    const runs = this.fonts.encodeRuns(text);
    let glyphs = 0;
    let units = 0;
    for (const r of runs) {
      glyphs += r.hex.length / 4;
      units += r.width;
    }
    return { runs, width: setWidth(units, glyphs, style), tc: (style.tracking ?? 0) * style.size };
  }

  private drawRuns(laid: ReturnType<TextSetter['layoutRuns']>, x: number, y: number, style: TextStyle): string {
    let s = 'BT\n';
    if (laid.tc) s += `${num(laid.tc)} Tc\n`;
    if (style.scale && style.scale !== 100) s += `${num(style.scale)} Tz\n`;
    if (style.bold) s += `2 Tr ${num(style.size * 0.028)} w\n`;
    s += `${num(x)} ${num(y)} Td\n`;
    for (const r of laid.runs) s += `/${r.resourceName} ${num(style.size)} Tf <${r.hex}> Tj\n`;
    return s + 'ET\n';
  }
}

/** Width in points of `glyphs` glyphs advancing `units` (1/1000 em) set in `style`: tracking between them, then Tz. */
function setWidth(units: number, glyphs: number, style: TextStyle): number {
  const tc = (style.tracking ?? 0) * style.size;
  return ((units * style.size) / 1000 + tc * Math.max(0, glyphs - 1)) * ((style.scale ?? 100) / 100);
}

/** Punctuation that must not begin a line (closing marks, full stops, commas…). */
const NO_LINE_START = new Set(Array.from('，。、；：？！）》」』】〕”’…—·'));
/** Punctuation that must not end a line (opening marks). */
const NO_LINE_END = new Set(Array.from('（《「『【〔“‘'));
