import { fontBytes } from './fontBytes';

/**
 * A TrueType (glyf-outline) font, parsed once per process and read lazily: the table
 * directory, head/hhea/maxp/OS/2/post/hmtx up front, cmap into a lookup map, glyph data on
 * demand. `subset` writes a new font with just the glyphs asked for (OpenType spec, tables
 * 'head', 'hhea', 'maxp', 'hmtx', 'loca', 'glyf', 'cmap', 'post', 'name', 'OS/2').
 */
export class TrueTypeFont {
  private static readonly cache = new Map<string, TrueTypeFont>();
  readonly unitsPerEm: number;
  readonly ascender: number;
  readonly descender: number;
  readonly capHeight: number;
  readonly bbox: [number, number, number, number];
  readonly italicAngle: number;
  readonly postScriptName: string;
  readonly numGlyphs: number;
  private readonly tables = new Map<string, { offset: number; length: number }>();
  private readonly cmap = new Map<number, number>();
  private readonly longLoca: boolean;
  private readonly numberOfHMetrics: number;

  static load(path: string): TrueTypeFont {
    let f = TrueTypeFont.cache.get(path);
    if (!f) {
      f = new TrueTypeFont(fontBytes(path), path);
      TrueTypeFont.cache.set(path, f);
    }
    return f;
  }

  constructor(
    private readonly data: Buffer,
    readonly source = '(buffer)',
  ) {
    const version = data.readUInt32BE(0);
    if (version !== 0x00010000 && version !== 0x74727565) throw new Error(`${source}: not a TrueType font (sfnt version ${version.toString(16)})`);
    const n = data.readUInt16BE(4);
    for (let i = 0; i < n; i++) {
      const r = 12 + i * 16;
      this.tables.set(data.toString('latin1', r, r + 4), { offset: data.readUInt32BE(r + 8), length: data.readUInt32BE(r + 12) });
    }
    for (const t of ['head', 'hhea', 'maxp', 'hmtx', 'loca', 'glyf', 'cmap']) if (!this.tables.has(t)) throw new Error(`${source}: no '${t}' table`);
    const head = this.table('head');
    this.unitsPerEm = head.readUInt16BE(18);
    this.bbox = [head.readInt16BE(36), head.readInt16BE(38), head.readInt16BE(40), head.readInt16BE(42)];
    this.longLoca = head.readInt16BE(50) === 1;
    const hhea = this.table('hhea');
    this.ascender = hhea.readInt16BE(4);
    this.descender = hhea.readInt16BE(6);
    this.numberOfHMetrics = hhea.readUInt16BE(34);
    this.numGlyphs = this.table('maxp').readUInt16BE(4);
    const os2 = this.tables.has('OS/2') ? this.table('OS/2') : undefined;
    this.capHeight = os2 && os2.readUInt16BE(0) >= 2 && os2.length >= 90 ? os2.readInt16BE(88) : Math.round(this.ascender * 0.8);
    const post = this.tables.has('post') ? this.table('post') : undefined;
    this.italicAngle = post ? post.readInt32BE(4) / 65536 : 0;
    this.postScriptName = this.readPostScriptName() ?? 'Font';
    this.readCmap();
  }

  /** Glyph index of a Unicode code point; 0 (.notdef) when the font lacks it. */
  glyphId(codePoint: number): number {
    return this.cmap.get(codePoint) ?? 0;
  }

  /** Advance width in font units. */
  advance(gid: number): number {
    const hmtx = this.tables.get('hmtx')!;
    const i = Math.min(gid, this.numberOfHMetrics - 1);
    return this.data.readUInt16BE(hmtx.offset + i * 4);
  }

  private leftSideBearing(gid: number): number {
    const hmtx = this.tables.get('hmtx')!;
    if (gid < this.numberOfHMetrics) return this.data.readInt16BE(hmtx.offset + gid * 4 + 2);
    return this.data.readInt16BE(hmtx.offset + this.numberOfHMetrics * 4 + (gid - this.numberOfHMetrics) * 2);
  }

  /** The raw 'glyf' bytes of one glyph (empty for glyphs without outline). */
  glyphData(gid: number): Buffer {
    const loca = this.tables.get('loca')!;
    const glyf = this.tables.get('glyf')!;
    let start: number;
    let end: number;
    if (this.longLoca) {
      start = this.data.readUInt32BE(loca.offset + gid * 4);
      end = this.data.readUInt32BE(loca.offset + gid * 4 + 4);
    } else {
      start = this.data.readUInt16BE(loca.offset + gid * 2) * 2;
      end = this.data.readUInt16BE(loca.offset + gid * 2 + 2) * 2;
    }
    return this.data.subarray(glyf.offset + start, glyf.offset + end);
  }

  /**
   * A font holding `gids` in that order (glyph 0 = .notdef is always first), plus the
   * components of composite glyphs, renumbered. `newGid.get(old)` is the glyph index in the
   * subset. `codePoints` (optional) give the subset a small cmap for readers that want one.
   */
  subset(gids: number[], codePoints: Map<number, number> = new Map()): { bytes: Buffer; newGid: Map<number, number> } {
    const order: number[] = [0];
    const newGid = new Map<number, number>([[0, 0]]);
    const want = (g: number) => {
      if (!newGid.has(g)) {
        newGid.set(g, order.length);
        order.push(g);
      }
    };
    gids.forEach(want);
    // composite components (OpenType 'glyf': numberOfContours < 0), transitively
    for (let i = 0; i < order.length; i++) {
      const g = this.glyphData(order[i]);
      if (g.length >= 10 && g.readInt16BE(0) < 0) forEachComponent(g, (gid) => want(gid));
    }
    const glyphs: Buffer[] = [];
    const offsets: number[] = [0];
    let total = 0;
    for (const old of order) {
      let g = this.glyphData(old);
      if (g.length >= 10 && g.readInt16BE(0) < 0) {
        g = Buffer.from(g);
        forEachComponent(g, (gid, at) => g.writeUInt16BE(newGid.get(gid)!, at));
      }
      const padded = g.length % 4 ? Buffer.concat([g, Buffer.alloc(4 - (g.length % 4))]) : g;
      glyphs.push(padded);
      total += padded.length;
      offsets.push(total);
    }
    const glyf = Buffer.concat(glyphs, total);
    const loca = Buffer.alloc(offsets.length * 4);
    offsets.forEach((o, i) => loca.writeUInt32BE(o, i * 4));
    const hmtx = Buffer.alloc(order.length * 4);
    order.forEach((old, i) => {
      hmtx.writeUInt16BE(this.advance(old), i * 4);
      hmtx.writeInt16BE(this.leftSideBearing(old), i * 4 + 2);
    });
    const head = Buffer.from(this.table('head'));
    head.writeUInt32BE(0, 8); // checkSumAdjustment, set below
    head.writeInt16BE(1, 50); // indexToLocFormat: long offsets
    const hhea = Buffer.from(this.table('hhea'));
    hhea.writeUInt16BE(order.length, 34);
    const maxp = Buffer.from(this.table('maxp'));
    maxp.writeUInt16BE(order.length, 4);
    const post = Buffer.alloc(32);
    post.writeUInt32BE(0x00030000, 0); // version 3: no glyph names
    post.writeInt32BE(Math.round(this.italicAngle * 65536), 4);
    const mapped = new Map<number, number>();
    for (const [cp, old] of codePoints) if (newGid.has(old)) mapped.set(cp, newGid.get(old)!);
    const tables: Record<string, Buffer> = { head, hhea, maxp, hmtx, loca, glyf, post, name: buildName(this.postScriptName) };
    // ISO 32000-1 §9.9: a CIDFontType2 with /CIDToGIDMap /Identity addresses glyphs by index,
    // so the subset needs no cmap; one is written only when code points are given.
    if (mapped.size) tables.cmap = buildCmap(mapped);
    if (this.tables.has('OS/2')) tables['OS/2'] = this.table('OS/2');
    for (const t of ['cvt ', 'fpgm', 'prep']) if (this.tables.has(t)) tables[t] = this.table(t);
    return { bytes: writeSfnt(tables), newGid };
  }

  private table(tag: string): Buffer {
    const t = this.tables.get(tag)!;
    return this.data.subarray(t.offset, t.offset + t.length);
  }

  private readCmap(): void {
    const cmap = this.table('cmap');
    const n = cmap.readUInt16BE(2);
    let best = -1;
    let bestScore = 0;
    for (let i = 0; i < n; i++) {
      const platform = cmap.readUInt16BE(4 + i * 8);
      const encoding = cmap.readUInt16BE(6 + i * 8);
      const offset = cmap.readUInt32BE(8 + i * 8);
      const format = cmap.readUInt16BE(offset);
      // prefer full Unicode (format 12: 3/10 or 0/4+) over BMP-only (format 4: 3/1 or 0/3)
      const score = format === 12 ? 2 : format === 4 && (platform === 3 || platform === 0) && encoding !== 0 ? 1 : 0;
      if (score > bestScore) [best, bestScore] = [offset, score];
    }
    if (best < 0) throw new Error(`${this.source}: no Unicode cmap`);
    const format = cmap.readUInt16BE(best);
    if (format === 12) {
      const groups = cmap.readUInt32BE(best + 12);
      for (let g = 0; g < groups; g++) {
        const r = best + 16 + g * 12;
        const start = cmap.readUInt32BE(r);
        const end = cmap.readUInt32BE(r + 4);
        const gid = cmap.readUInt32BE(r + 8);
        for (let c = start; c <= end; c++) this.cmap.set(c, gid + c - start);
      }
      return;
    }
    const segX2 = cmap.readUInt16BE(best + 6);
    const ends = best + 14;
    const starts = ends + segX2 + 2;
    const deltas = starts + segX2;
    const ranges = deltas + segX2;
    for (let s = 0; s < segX2 / 2; s++) {
      const end = cmap.readUInt16BE(ends + s * 2);
      const start = cmap.readUInt16BE(starts + s * 2);
      const delta = cmap.readInt16BE(deltas + s * 2);
      const rangeOffset = cmap.readUInt16BE(ranges + s * 2);
      for (let c = start; c <= end && c !== 0xffff; c++) {
        let gid: number;
        if (rangeOffset === 0) gid = (c + delta) & 0xffff;
        else {
          const at = ranges + s * 2 + rangeOffset + (c - start) * 2;
          gid = cmap.readUInt16BE(at);
          if (gid) gid = (gid + delta) & 0xffff;
        }
        if (gid) this.cmap.set(c, gid);
      }
    }
  }

  private readPostScriptName(): string | undefined {
    if (!this.tables.has('name')) return undefined;
    const name = this.table('name');
    const count = name.readUInt16BE(2);
    const strings = name.readUInt16BE(4);
    for (let i = 0; i < count; i++) {
      const r = 6 + i * 12;
      if (name.readUInt16BE(r + 6) !== 6) continue; // nameID 6: PostScript name
      const platform = name.readUInt16BE(r);
      const len = name.readUInt16BE(r + 8);
      const off = strings + name.readUInt16BE(r + 10);
      const raw = Buffer.from(name.subarray(off, off + len));
      const s = platform === 3 || platform === 0 ? raw.swap16().toString('utf16le') : raw.toString('latin1');
      return s.replace(/[^\x21-\x7e]/g, '').replace(/[()<>[\]{}/%#]/g, '');
    }
    return undefined;
  }
}

/** Walk the components of a composite glyph: callback(glyphIndex, byteOffsetOfIndex). */
function forEachComponent(g: Buffer, f: (gid: number, at: number) => void): void {
  let p = 10;
  for (;;) {
    const flags = g.readUInt16BE(p);
    f(g.readUInt16BE(p + 2), p + 2);
    p += 4 + (flags & 0x0001 ? 4 : 2); // ARG_1_AND_2_ARE_WORDS
    if (flags & 0x0008) p += 2; // WE_HAVE_A_SCALE
    else if (flags & 0x0040) p += 4; // WE_HAVE_AN_X_AND_Y_SCALE
    else if (flags & 0x0080) p += 8; // WE_HAVE_A_TWO_BY_TWO
    if (!(flags & 0x0020)) return; // MORE_COMPONENTS
  }
}

/** cmap with one format-12 subtable (platform 3, encoding 10) and its format-4 BMP twin (3, 1). */
function buildCmap(map: Map<number, number>): Buffer {
  const entries = [...map].sort((a, b) => a[0] - b[0]);
  // format 12: one group per code point run with consecutive glyph ids
  const groups: Array<[number, number, number]> = [];
  for (const [cp, gid] of entries) {
    const last = groups.at(-1);
    if (last && cp === last[1] + 1 && gid === last[2] + (cp - last[0])) last[1] = cp;
    else groups.push([cp, cp, gid]);
  }
  const f12 = Buffer.alloc(16 + groups.length * 12);
  f12.writeUInt16BE(12, 0);
  f12.writeUInt32BE(f12.length, 4);
  f12.writeUInt32BE(groups.length, 12);
  groups.forEach(([s, e, g], i) => {
    f12.writeUInt32BE(s, 16 + i * 12);
    f12.writeUInt32BE(e, 20 + i * 12);
    f12.writeUInt32BE(g, 24 + i * 12);
  });
  // format 4: one segment per BMP code point (small sets), idDelta mapping, plus the 0xFFFF end
  const bmp = entries.filter(([cp]) => cp < 0xffff);
  const segs = bmp.length + 1;
  const f4 = Buffer.alloc(16 + segs * 8);
  f4.writeUInt16BE(4, 0);
  f4.writeUInt16BE(f4.length, 2);
  f4.writeUInt16BE(segs * 2, 6);
  const pow = 2 ** Math.floor(Math.log2(segs));
  f4.writeUInt16BE(pow * 2, 8);
  f4.writeUInt16BE(Math.log2(pow), 10);
  f4.writeUInt16BE(segs * 2 - pow * 2, 12);
  const ends = 14;
  const starts = ends + segs * 2 + 2;
  const deltas = starts + segs * 2;
  bmp.forEach(([cp, gid], i) => {
    f4.writeUInt16BE(cp, ends + i * 2);
    f4.writeUInt16BE(cp, starts + i * 2);
    f4.writeUInt16BE((gid - cp) & 0xffff, deltas + i * 2);
  });
  f4.writeUInt16BE(0xffff, ends + bmp.length * 2);
  f4.writeUInt16BE(0xffff, starts + bmp.length * 2);
  f4.writeUInt16BE(1, deltas + bmp.length * 2);
  const head = Buffer.alloc(4 + 2 * 8);
  head.writeUInt16BE(2, 2);
  head.writeUInt16BE(3, 4);
  head.writeUInt16BE(1, 6);
  head.writeUInt32BE(head.length, 8);
  head.writeUInt16BE(3, 12);
  head.writeUInt16BE(10, 14);
  head.writeUInt32BE(head.length + f4.length, 16);
  return Buffer.concat([head, f4, f12]);
}

/** A minimal 'name' table: the PostScript name (nameID 6), Windows Unicode. */
function buildName(ps: string): Buffer {
  const str = Buffer.from(ps, 'utf16le').swap16();
  const b = Buffer.alloc(6 + 12);
  b.writeUInt16BE(1, 2);
  b.writeUInt16BE(18, 4);
  b.writeUInt16BE(3, 6);
  b.writeUInt16BE(1, 8);
  b.writeUInt16BE(0x409, 10);
  b.writeUInt16BE(6, 12);
  b.writeUInt16BE(str.length, 14);
  return Buffer.concat([b, str]);
}

function checksum(b: Buffer): number {
  let sum = 0;
  const n = b.length & ~3;
  for (let i = 0; i < n; i += 4) sum = (sum + b.readUInt32BE(i)) >>> 0;
  if (b.length > n) {
    const tail = Buffer.alloc(4);
    b.copy(tail, 0, n);
    sum = (sum + tail.readUInt32BE(0)) >>> 0;
  }
  return sum;
}

/** Assemble an sfnt: sorted table records, 4-byte aligned tables, head.checkSumAdjustment. */
function writeSfnt(tables: Record<string, Buffer>): Buffer {
  const tags = Object.keys(tables).sort();
  const n = tags.length;
  const pow = 2 ** Math.floor(Math.log2(n));
  const dir = Buffer.alloc(12 + n * 16);
  dir.writeUInt32BE(0x00010000, 0);
  dir.writeUInt16BE(n, 4);
  dir.writeUInt16BE(pow * 16, 6);
  dir.writeUInt16BE(Math.log2(pow), 8);
  dir.writeUInt16BE(n * 16 - pow * 16, 10);
  const parts: Buffer[] = [dir];
  let offset = dir.length;
  let headAt = 0;
  tags.forEach((tag, i) => {
    const t = tables[tag];
    const r = 12 + i * 16;
    dir.write(tag, r, 'latin1');
    dir.writeUInt32BE(checksum(t), r + 4);
    dir.writeUInt32BE(offset, r + 8);
    dir.writeUInt32BE(t.length, r + 12);
    if (tag === 'head') headAt = offset;
    const pad = (4 - (t.length % 4)) % 4;
    parts.push(t, Buffer.alloc(pad));
    offset += t.length + pad;
  });
  const font = Buffer.concat(parts, offset);
  font.writeUInt32BE((0xb1b0afba - checksum(font)) >>> 0, headAt + 8);
  return font;
}
