import { createHash } from 'node:crypto';
import type { FontSet } from './FontSet';

export interface EmbeddedFont {
  resourceName: string;
  /** Subset tag + PostScript name (ISO 32000-1 §9.6.4): `ABCDEF+NotoSerifSC-Regular`. */
  baseFont: string;
  /** The TrueType subset (uncompressed); glyph index = CID. */
  fontFile2: Buffer;
  /** /W array text: widths of CIDs 1…n in 1/1000 em. */
  widths: string;
  /** ToUnicode CMap (ISO 32000-1 §9.10.3). */
  toUnicode: string;
  descriptor: { flags: number; bbox: [number, number, number, number]; italicAngle: number; ascent: number; descent: number; capHeight: number; stemV: number };
  /** Compressed forms, filled by the writer when the font is cached (see `finish`). */
  deflated?: { fontFile2: Buffer; toUnicode: Buffer };
}

interface Used {
  cidOf: Map<number, number>; // font gid → CID
  gids: number[]; // by CID - 1
  text: string[]; // by CID - 1
}

/**
 * One per PDF document: turns text into 2-byte CIDs of Type0 fonts (Identity-H), assigning
 * CIDs in order of first use, then writes each used font as a subset whose glyph index is
 * the CID (CIDToGIDMap /Identity).
 */
export class PdfFontEmbedder {
  private readonly used = new Map<number, Used>();

  /** `prefix` names the fonts' resources (F1, F2… or D1, D2…), so two embedders can share a page. */
  constructor(
    private readonly fonts: FontSet,
    private readonly prefix = 'F',
  ) {}

  encodeRuns(text: string): Array<{ resourceName: string; hex: string; width: number }> {
    const runs: Array<{ resourceName: string; hex: string; width: number }> = [];
    let last = -1;
    for (const g of this.fonts.shape(text)) {
      let u = this.used.get(g.fontIndex);
      if (!u) {
        u = { cidOf: new Map(), gids: [], text: [] };
        this.used.set(g.fontIndex, u);
      }
      let cid = u.cidOf.get(g.gid);
      if (cid === undefined) {
        u.gids.push(g.gid);
        u.text.push(g.text);
        cid = u.gids.length;
        u.cidOf.set(g.gid, cid);
      }
      const hex = cid.toString(16).padStart(4, '0');
      if (g.fontIndex === last) {
        const r = runs[runs.length - 1];
        r.hex += hex;
        r.width += g.advance;
      } else {
        runs.push({ resourceName: `${this.prefix}${g.fontIndex + 1}`, hex, width: g.advance });
        last = g.fontIndex;
      }
    }
    return runs;
  }

  /**
   * The used fonts as subsets. With `cache`, a font whose glyph sequence was seen before is
   * returned as it was (with its compressed streams): the fixed text of a layout costs
   * nothing after the first certificate. The caller bounds the cache.
   */
  finish(cache?: Map<string, EmbeddedFont>): EmbeddedFont[] {
    return [...this.used].map(([fontIndex, u]) => {
      const key = `${this.prefix}${fontIndex}:${u.gids.join(',')}`;
      const hit = cache?.get(key);
      if (hit) return hit;
      const made = this.subsetFont(fontIndex, u);
      cache?.set(key, made);
      return made;
    });
  }

  private subsetFont(fontIndex: number, u: Used): EmbeddedFont {
    {
      const font = this.fonts.font(fontIndex);
      const { bytes, newGid } = font.subset(u.gids);
      u.gids.forEach((g, i) => {
        if (newGid.get(g) !== i + 1) throw new Error('subset glyph order does not match CIDs');
      });
      const k = 1000 / font.unitsPerEm;
      const widths = `[1 [${u.gids.map((g) => Math.round(font.advance(g) * k)).join(' ')}]]`;
      const tag = createHash('sha256')
        .update(Uint32Array.from(u.gids))
        .digest()
        .subarray(0, 6)
        .reduce((s, b) => s + String.fromCharCode(65 + (b % 26)), '');
      return {
        resourceName: `${this.prefix}${fontIndex + 1}`,
        baseFont: `${tag}+${font.postScriptName}`,
        fontFile2: bytes,
        widths,
        toUnicode: toUnicodeCMap(u.text),
        descriptor: {
          flags: 6, // Serif | Symbolic (ISO 32000-1 §9.8.2): CID fonts use their own encoding
          bbox: font.bbox.map((v) => Math.round(v * k)) as [number, number, number, number],
          italicAngle: font.italicAngle,
          ascent: Math.round(font.ascender * k),
          descent: Math.round(font.descender * k),
          capHeight: Math.round(font.capHeight * k),
          stemV: 80,
        },
      };
    }
  }
}


/** bfchar mappings, at most 100 per block (ISO 32000-1 §9.10.3; Adobe TN 5411). */
function toUnicodeCMap(texts: string[]): string {
  const utf16 = (s: string) => Buffer.from(s, 'utf16le').swap16().toString('hex').toUpperCase();
  let body = '';
  for (let i = 0; i < texts.length; i += 100) {
    const chunk = texts.slice(i, i + 100);
    body += `${chunk.length} beginbfchar\n`;
    chunk.forEach((t, j) => (body += `<${(i + j + 1).toString(16).padStart(4, '0').toUpperCase()}> <${utf16(t)}>\n`));
    body += 'endbfchar\n';
  }
  return (
    '/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n' +
    '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n' +
    '/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n' +
    '1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n' +
    body +
    'endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n'
  );
}
